/*
 * tenant_store.h — the SQL of the tenants table. Private to src/tenant/.
 */
#ifndef WAYMARK_TENANT_STORE_H
#define WAYMARK_TENANT_STORE_H

#include <stddef.h>

#include "core/buf.h"
#include "db/db.h"
#include "tenant.h"

/* RC_OK and *out filled, RC_NOT_FOUND, or a database rc. */
enum rc tenant_store_find_by_slug(struct db *db, const char *slug, struct tenant *out);
/* Inserts t (id ignored; settings take their defaults) and writes the new id into t->id.
 * RC_CONFLICT on a taken slug. */
enum rc tenant_store_insert(struct db *db, struct tenant *t);

/* RC_OK and *out filled, RC_NOT_FOUND, or a database rc. */
enum rc tenant_store_get(struct db *db, int64_t id, struct tenant *out);
/* Writes t's name, time zone, working days and brand colour, and updated_at. */
enum rc tenant_store_update_settings(struct db *db, const struct tenant *t, int64_t updated_at);
/* Appends the logo's bytes to out and copies its media type into type. RC_NOT_FOUND when
 * the tenant has no logo. */
enum rc tenant_store_logo_get(struct db *db, int64_t id, struct buf *out, char *type,
                              size_t type_size);
/* Sets the logo (data of len bytes with media type type) or, with data NULL, removes it;
 * either way updated_at becomes updated_at. */
enum rc tenant_store_logo_set(struct db *db, int64_t id, const void *data, size_t len,
                              const char *type, int64_t updated_at);

#endif
