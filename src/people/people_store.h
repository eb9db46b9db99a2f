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
/* 1 when the user has an active direct report, 0 when not, -1 on a database error. */
int people_store_has_reports(struct db *db, int64_t tenant_id, int64_t user_id);

#endif
