/*
 * tenant_store.h — the SQL of the tenants table. Private to src/tenant/.
 */
#ifndef WAYMARK_TENANT_STORE_H
#define WAYMARK_TENANT_STORE_H

#include "db/db.h"
#include "tenant.h"

/* RC_OK and *out filled, RC_NOT_FOUND, or a database rc. */
enum rc tenant_store_find_by_slug(struct db *db, const char *slug, struct tenant *out);
/* Inserts t (id ignored) and writes the new id into t->id. RC_CONFLICT on a taken slug. */
enum rc tenant_store_insert(struct db *db, struct tenant *t);

#endif
