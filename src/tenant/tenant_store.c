/*
 * tenant_store.c — SQL for tenants (see tenant_store.h).
 */
#include "tenant_store.h"

#include <stdio.h>

static void copy_text(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
}

enum rc tenant_store_find_by_slug(struct db *db, const char *slug, struct tenant *out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT id, slug, name, time_zone, created_at FROM tenants "
                            "WHERE slug = $1",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_text(st, 1, slug, -1)))
        goto out;
    rc = db_step(st);
    if (rc == RC_ROW) {
        out->id = db_column_int64(st, 0);
        copy_text(out->slug, sizeof out->slug, db_column_text(st, 1));
        copy_text(out->name, sizeof out->name, db_column_text(st, 2));
        copy_text(out->time_zone, sizeof out->time_zone, db_column_text(st, 3));
        out->created_at = db_column_int64(st, 4);
        rc = RC_OK;
    } else if (rc == RC_DONE) {
        rc = RC_NOT_FOUND;
    }
out:
    db_reset(st);
    return rc;
}

enum rc tenant_store_insert(struct db *db, struct tenant *t)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "INSERT INTO tenants (slug, name, time_zone, created_at) "
                            "VALUES ($1, $2, $3, $4) RETURNING id",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_text(st, 1, t->slug, -1)) || (rc = db_bind_text(st, 2, t->name, -1)) ||
        (rc = db_bind_text(st, 3, t->time_zone, -1)) || (rc = db_bind_int64(st, 4, t->created_at)))
        goto out;
    rc = db_step(st);
    if (rc == RC_ROW) {
        t->id = db_column_int64(st, 0);
        rc = RC_OK;
    }
out:
    db_reset(st);
    return rc;
}
