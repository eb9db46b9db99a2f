/*
 * audit.h — the audit log of admin and designer actions: who, what, which target, when,
 * and a small JSON object describing the change. Entries are written in the same
 * transaction as the change, so they commit or vanish with it. Never put passwords,
 * tokens, links or hashes in changes.
 */
#ifndef WAYMARK_AUDIT_H
#define WAYMARK_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "core/ctx.h"

/* Records action (e.g. "user.create", "user.deactivate", "tenant.update",
 * "users.import") by cx->actor on target_type/target_id (0: none) at cx->now.
 * Steals the reference to changes (NULL means {}). */
enum rc audit_record(struct ctx *cx, const char *action, const char *target_type, int64_t target_id,
                     json_t *changes);

/* Reading the log (GET /api/v1/audit). Filters: 0 / NULL means "any"; from and to are
 * inclusive bounds on at (has_from / has_to say whether they are set). before_id is the
 * cursor: only entries with a smaller id. limit 1..AUDIT_LIST_MAX. */
#define AUDIT_LIST_DEFAULT 50
#define AUDIT_LIST_MAX     500
struct audit_query {
    int64_t actor_id;
    const char *action;
    const char *target_type;
    int64_t target_id;
    int has_from, has_to;
    int64_t from, to;
    int64_t before_id;
    int limit;
};

/* One entry, strings borrowed for the duration of the callback. actor_id 0: no actor
 * (the CLI, or a user since removed); target_id 0: none. changes is JSON text. */
struct audit_entry {
    int64_t id;
    int64_t at;
    int64_t actor_id;
    const char *actor_name;  /* NULL when the actor is unknown */
    const char *actor_email; /* NULL when the actor is unknown */
    const char *action;
    const char *target_type;
    int64_t target_id;
    const char *changes;
};

/* Called per entry, newest first. Must not use the database. */
typedef enum rc (*audit_each_fn)(void *arg, const struct audit_entry *e);

/* Lists the actor's tenant's entries matching q, newest first. RC_FORBIDDEN unless the
 * actor may read the log (authz_can_read_audit: admins); RC_BAD_REQUEST for a bad limit.
 * *next_before is the cursor of the next page, 0 after the last. */
enum rc audit_list(struct ctx *cx, const struct audit_query *q, audit_each_fn each, void *arg,
                   int64_t *next_before);

#endif
