/*
 * people_store.c — reading users (see people_store.h).
 */
#include "people_store.h"

#include <stdio.h>

static void copy_column(struct db_stmt *st, int col, char *dst, size_t size)
{
    snprintf(dst, size, "%s", db_column_text(st, col));
}

void people_store_read_user(struct db_stmt *st, int c, struct user *u)
{
    u->id = db_column_int64(st, c);
    u->tenant_id = db_column_int64(st, c + 1);
    copy_column(st, c + 2, u->email, sizeof u->email);
    copy_column(st, c + 3, u->name, sizeof u->name);
    u->roles = (unsigned)db_column_int64(st, c + 4);
    u->manager_id = db_column_is_null(st, c + 5) ? 0 : db_column_int64(st, c + 5);
    copy_column(st, c + 6, u->department, sizeof u->department);
    copy_column(st, c + 7, u->job_title, sizeof u->job_title);
    copy_column(st, c + 8, u->external_id, sizeof u->external_id);
    u->active = db_column_int64(st, c + 9) != 0;
    u->created_at = db_column_int64(st, c + 10);
    u->updated_at = db_column_int64(st, c + 11);
}

enum rc people_store_user_by_id(struct db *db, int64_t tenant_id, int64_t id, struct user *out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(
        db, "SELECT " PEOPLE_USER_COLUMNS " FROM users u WHERE u.tenant_id = $1 AND u.id = $2",
        &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, id)))
        goto out;
    rc = db_step(st);
    if (rc == RC_ROW) {
        people_store_read_user(st, 0, out);
        rc = RC_OK;
    } else if (rc == RC_DONE) {
        rc = RC_NOT_FOUND;
    }
out:
    db_reset(st);
    return rc;
}

int people_store_has_reports(struct db *db, int64_t tenant_id, int64_t user_id)
{
    struct db_stmt *st = NULL;
    if (db_prepare(db,
                   "SELECT 1 FROM users WHERE tenant_id = $1 AND manager_id = $2 AND active = 1 "
                   "LIMIT 1",
                   &st))
        return -1;
    int result = -1;
    if (db_bind_int64(st, 1, tenant_id) == RC_OK && db_bind_int64(st, 2, user_id) == RC_OK) {
        enum rc rc = db_step(st);
        result = rc == RC_ROW ? 1 : rc == RC_DONE ? 0 : -1;
    }
    db_reset(st);
    return result;
}
