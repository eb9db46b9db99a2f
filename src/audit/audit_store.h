/*
 * audit_store.h — the SQL of the audit log. Private to src/audit/. Every function takes
 * the tenant id and never reaches another tenant's entries.
 */
#ifndef WAYMARK_AUDIT_STORE_H
#define WAYMARK_AUDIT_STORE_H

#include <stdint.h>

#include "audit.h"
#include "db/db.h"

/* Appends one entry. actor_id and target_id 0 are stored as NULL. changes is JSON text. */
enum rc audit_store_insert(struct db *db, int64_t tenant_id, int64_t actor_id, const char *action,
                           const char *target_type, int64_t target_id, const char *changes,
                           int64_t at);

/* Entries matching q (limit rows at most), newest first, with the actor's name and email
 * when the actor is a user of the tenant. */
enum rc audit_store_list(struct db *db, int64_t tenant_id, const struct audit_query *q, int limit,
                         audit_each_fn each, void *arg);

#endif
