/*
 * people_store.h — the SQL shared by the people module: reading users. Private to
 * src/people/. Every function takes the tenant id and never reaches another tenant.
 */
#ifndef WAYMARK_PEOPLE_STORE_H
#define WAYMARK_PEOPLE_STORE_H

#include "db/db.h"
#include "people.h"

/* The column list people_store_read_user expects, for SELECTs on users u. */
#define PEOPLE_USER_COLUMNS                                                                        \
    "u.id, u.tenant_id, u.email, u.name, u.roles, u.manager_id, u.department, u.job_title, "       \
    "u.external_id, u.active, u.created_at, u.updated_at"
#define PEOPLE_USER_NCOLUMNS 12

/* Fills u from the current row, columns first..first+11 as in PEOPLE_USER_COLUMNS. */
void people_store_read_user(struct db_stmt *st, int first, struct user *u);

enum rc people_store_user_by_id(struct db *db, int64_t tenant_id, int64_t id, struct user *out);
/* Inserts u (id, created_at, updated_at ignored; u->created_at is set from now) with
 * email_key and an optional password hash (NULL: none yet), writing the new id into u.
 * RC_CONFLICT when the email or external id is taken in the tenant. */
enum rc people_store_insert_user(struct db *db, struct user *u, const char *email_key,
                                 const char *password_hash, int64_t now);

/* 1 when the user has an active direct report, 0 when not, -1 on a database error. */
int people_store_has_reports(struct db *db, int64_t tenant_id, int64_t user_id);

#endif
