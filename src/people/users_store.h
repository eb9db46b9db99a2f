/*
 * users_store.h — the SQL behind users.c and authz.c: writing users, reporting-line
 * questions, coach assignments and the visible-users list. Private to src/people/.
 *
 * Every function takes the tenant id and never reaches another tenant's rows. Functions
 * returning int answer 1 (yes), 0 (no) or -1 (database error, see db_errmsg).
 */
#ifndef WAYMARK_USERS_STORE_H
#define WAYMARK_USERS_STORE_H

#include <stdint.h>

#include "authz.h"
#include "db/db.h"
#include "people.h"

/* Inserts u (id, created_at and updated_at taken from u except id, which is written back).
 * email_key is the lower-cased email. RC_CONFLICT on a taken email or external_id. */
enum rc users_store_insert(struct db *db, struct user *u, const char *email_key);

/* Writes every editable field of u (email, name, roles, manager, department, job title,
 * external id, updated_at). RC_NOT_FOUND when the row is gone. */
enum rc users_store_update(struct db *db, const struct user *u, const char *email_key);

/* Sets active (1/0), deactivated_at (at when deactivating, NULL when reactivating) and
 * updated_at = at. */
enum rc users_store_set_active(struct db *db, int64_t tenant_id, int64_t id, int active,
                               int64_t at);

/* The id of the user whose email_key / external_id this is, other than except_id; 0 when
 * none, -1 on a database error. */
int64_t users_store_id_by_email_key(struct db *db, int64_t tenant_id, const char *email_key,
                                    int64_t except_id);
int64_t users_store_id_by_external_id(struct db *db, int64_t tenant_id, const char *external_id,
                                      int64_t except_id);

/* 1 when user_id is below root_id in the reporting lines (WITH RECURSIVE over
 * manager_id; through inactive people too). */
int users_store_in_subtree(struct db *db, int64_t tenant_id, int64_t root_id, int64_t user_id);

/* 1 when learner_id is assigned to coach_id and coach_id still has the coach role. */
int users_store_is_coach_of(struct db *db, int64_t tenant_id, int64_t coach_id, int64_t learner_id);

/* Active direct reports of id; -1 on a database error. */
int64_t users_store_direct_report_count(struct db *db, int64_t tenant_id, int64_t id);

/* The (lowest) coach id assigned to learner_id, 0 when none, -1 on a database error. */
int64_t users_store_coach_of(struct db *db, int64_t tenant_id, int64_t learner_id);

/* Replaces learner_id's coach assignments by coach_id (0: none). */
enum rc users_store_set_coach(struct db *db, int64_t tenant_id, int64_t learner_id,
                              int64_t coach_id, int64_t at);

/* Takes the tenant row's lock until the transaction ends (a no-op UPDATE), so reporting
 * line changes in one tenant run one at a time on PostgreSQL; SQLite's single writer
 * already guarantees it. */
enum rc users_store_lock_tenant(struct db *db, int64_t tenant_id);

/* The list query: see users_query in users.h. */
struct users_store_list_args {
    int64_t tenant_id;
    struct authz_user_filter vis;
    const char *q_pattern; /* a LIKE pattern ("%…%", '\' escapes) or NULL */
    int active;
    int64_t manager_id;
    const char *department;
    unsigned role;
    int64_t after_id;
    int limit; /* rows to return (the caller asks one more to learn about a next page) */
};
typedef enum rc (*users_store_each_fn)(void *arg, const struct user *u);
enum rc users_store_list(struct db *db, const struct users_store_list_args *a,
                         users_store_each_fn each, void *arg);

#endif
