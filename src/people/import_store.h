/*
 * import_store.h — the SQL of the CSV import (import.c): one query loading every user of
 * a tenant, and the prepared inserts and updates the import replays inside the caller's
 * transaction. Also the two statements of the seeding helpers. Private to src/people/.
 *
 * Strings of loaded users live in one pool (a struct buf) and are addressed by offset,
 * so 100,000 users cost two allocations that grow, not 600,000 small ones.
 *
 * Managers are named by email key and looked up inside the statement (an index probe on
 * users_tenant_email), so the import never needs the ids of the rows it inserts: no
 * RETURNING, whose trigger-like implementation makes SQLite keep a statement journal
 * for every row, which alone doubled the time of a 100,000-row import.
 */
#ifndef WAYMARK_IMPORT_STORE_H
#define WAYMARK_IMPORT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "db/db.h"

struct import_existing {
    int64_t id;
    int64_t manager_id; /* 0: none */
    unsigned roles;
    int active;
    /* offsets into the pool of NUL-terminated strings; external_id "" when none */
    size_t email, email_key, name, department, job_title, external_id;
};

/* The values an import writes for one user. external_id NULL or "" stores NULL. */
struct import_values {
    const char *email, *email_key, *name, *department, *job_title, *external_id;
    unsigned roles;
};

/* Appends every user of the tenant, ordered by id, to *users (a malloc'd array grown as
 * needed; *n and *cap describe it) and their strings to pool. */
enum rc import_store_load_users(struct db *db, int64_t tenant_id, struct buf *pool,
                                struct import_existing **users, size_t *n, size_t *cap);

/* Inserts a user without a password, managed by the user whose email_key is
 * manager_key (NULL: nobody; that user must already exist). */
enum rc import_store_insert_user(struct db *db, int64_t tenant_id, const struct import_values *v,
                                 const char *manager_key, int64_t now);
/* Rewrites the imported fields of user id (not manager_id, active or password). */
enum rc import_store_update_user(struct db *db, int64_t tenant_id, int64_t id,
                                 const struct import_values *v, int64_t now);
/* Makes user id managed by the user whose email_key is manager_key (NULL: nobody). */
enum rc import_store_set_manager(struct db *db, int64_t tenant_id, int64_t id,
                                 const char *manager_key, int64_t now);

/* Seeding: *missing is 1 when the user with email_key exists and has no password. */
enum rc import_store_password_missing(struct db *db, int64_t tenant_id, const char *email_key,
                                      int *missing);
/* Seeding: sets the password hash of the user with email_key when they have none;
 * *changed is 1 when a row changed. */
enum rc import_store_set_password_if_none(struct db *db, int64_t tenant_id, const char *email_key,
                                          const char *hash, int64_t now, int *changed);
/* Seeding: adds (coach, learner) by email keys unless present; *created 1 when added,
 * RC_NOT_FOUND when either user is missing. */
enum rc import_store_assign_coach(struct db *db, int64_t tenant_id, const char *coach_key,
                                  const char *learner_key, int64_t now, int *created);

#endif
