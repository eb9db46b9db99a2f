/*
 * tenant_store.c — SQL for tenants (see tenant_store.h).
 *
 * Reading a tenant never loads its logo: TENANT_COLUMNS only asks whether there is one,
 * so the settings every page reads stay a few hundred bytes.
 */
#include "tenant_store.h"

#include <stdio.h>

#define TENANT_COLUMNS                                                                             \
    "id, slug, name, time_zone, created_at, working_days, brand_colour, "                          \
    "CASE WHEN logo IS NULL THEN 0 ELSE 1 END, updated_at"

static void copy_text(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
}

/* Fills out from a row of TENANT_COLUMNS. */
static void read_tenant(struct db_stmt *st, struct tenant *out)
{
    out->id = db_column_int64(st, 0);
    copy_text(out->slug, sizeof out->slug, db_column_text(st, 1));
    copy_text(out->name, sizeof out->name, db_column_text(st, 2));
    copy_text(out->time_zone, sizeof out->time_zone, db_column_text(st, 3));
    out->created_at = db_column_int64(st, 4);
    out->working_days = tenant_working_days_from_text(db_column_text(st, 5));
    copy_text(out->brand_colour, sizeof out->brand_colour, db_column_text(st, 6));
    out->has_logo = db_column_int64(st, 7) != 0;
    out->updated_at = db_column_int64(st, 8);
    if (out->updated_at < out->created_at)
        out->updated_at = out->created_at;
}

/* Steps a statement expected to return at most one tenant row. */
static enum rc step_tenant(struct db_stmt *st, struct tenant *out)
{
    enum rc rc = db_step(st);
    if (rc == RC_ROW) {
        read_tenant(st, out);
        rc = RC_OK;
    } else if (rc == RC_DONE) {
        rc = RC_NOT_FOUND;
    }
    return rc;
}

enum rc tenant_store_find_by_slug(struct db *db, const char *slug, struct tenant *out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db, "SELECT " TENANT_COLUMNS " FROM tenants WHERE slug = $1", &st);
    if (rc)
        return rc;
    if ((rc = db_bind_text(st, 1, slug, -1)))
        goto out;
    rc = step_tenant(st, out);
out:
    db_reset(st);
    return rc;
}

enum rc tenant_store_get(struct db *db, int64_t id, struct tenant *out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db, "SELECT " TENANT_COLUMNS " FROM tenants WHERE id = $1", &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, id)))
        goto out;
    rc = step_tenant(st, out);
out:
    db_reset(st);
    return rc;
}

enum rc tenant_store_insert(struct db *db, struct tenant *t)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "INSERT INTO tenants (slug, name, time_zone, created_at, updated_at) "
                            "VALUES ($1, $2, $3, $4, $4) RETURNING id",
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

enum rc tenant_store_update_settings(struct db *db, const struct tenant *t, int64_t updated_at)
{
    char days[64];
    tenant_working_days_to_text(t->working_days, days, sizeof days);
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "UPDATE tenants SET name = $2, time_zone = $3, working_days = $4, "
                            "brand_colour = $5, updated_at = $6 WHERE id = $1",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, t->id)) || (rc = db_bind_text(st, 2, t->name, -1)) ||
        (rc = db_bind_text(st, 3, t->time_zone, -1)) || (rc = db_bind_text(st, 4, days, -1)) ||
        (rc = db_bind_text(st, 5, t->brand_colour, -1)) || (rc = db_bind_int64(st, 6, updated_at)))
        goto out;
    rc = db_step(st);
    if (rc == RC_DONE)
        rc = db_changes(db) == 1 ? RC_OK : RC_NOT_FOUND;
out:
    db_reset(st);
    return rc;
}

enum rc tenant_store_logo_get(struct db *db, int64_t id, struct buf *out, char *type,
                              size_t type_size)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(
        db, "SELECT logo, logo_type FROM tenants WHERE id = $1 AND logo IS NOT NULL", &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, id)))
        goto out;
    rc = db_step(st);
    if (rc == RC_ROW) {
        size_t n = db_column_bytes(st, 0);
        const void *p = db_column_blob(st, 0);
        rc = n && p ? buf_addn(out, p, n) : RC_OK;
        copy_text(type, type_size, db_column_text(st, 1));
    } else if (rc == RC_DONE) {
        rc = RC_NOT_FOUND;
    }
out:
    db_reset(st);
    return rc;
}

enum rc tenant_store_logo_set(struct db *db, int64_t id, const void *data, size_t len,
                              const char *type, int64_t updated_at)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "UPDATE tenants SET logo = $2, logo_type = $3, updated_at = $4 "
                            "WHERE id = $1",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, id)) ||
        (rc = data ? db_bind_blob(st, 2, data, len) : db_bind_null(st, 2)) ||
        (rc = data ? db_bind_text(st, 3, type, -1) : db_bind_null(st, 3)) ||
        (rc = db_bind_int64(st, 4, updated_at)))
        goto out;
    rc = db_step(st);
    if (rc == RC_DONE)
        rc = db_changes(db) == 1 ? RC_OK : RC_NOT_FOUND;
out:
    db_reset(st);
    return rc;
}
