/*
 * audit.c — recording and reading the audit log (see audit.h).
 *
 * audit_record serialises changes compactly with sorted keys and appends one row in the
 * caller's transaction, so an entry exists exactly when its change committed. As a last
 * line of defence against a caller's mistake, top-level keys that look like secrets
 * (password, token, secret, hash, link, invitation_url) are dropped before writing and
 * the drop is logged: the log is read by admins and exported, and must never carry a
 * credential. Callers are still expected never to pass one.
 *
 * Reading is admin-only (authz_can_read_audit) and paged newest first.
 */
#include "audit.h"

#include <stdlib.h>
#include <string.h>

#include "audit_store.h"
#include "core/log.h"
#include "people/authz.h"

#define AUDIT_TEXT_MAX 64 /* bytes of an action or target type */

static int audit_secret_key(const char *key)
{
    static const char *const words[] = {"password", "token", "secret",
                                        "hash",     "link",  "invitation_url"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(key, words[i]))
            return 1;
    return 0;
}

enum rc audit_record(struct ctx *cx, const char *action, const char *target_type, int64_t target_id,
                     json_t *changes)
{
    enum rc rc = RC_OK;
    char *text = NULL;
    if (!changes)
        changes = json_object();
    if (cx->actor.tenant_id <= 0 || !action || !target_type || !action[0] ||
        strlen(action) > AUDIT_TEXT_MAX || strlen(target_type) > AUDIT_TEXT_MAX ||
        !json_is_object(changes)) {
        log_line(LOG_ERROR, __func__, cx->request_id, NULL, "bad audit entry for %s",
                 action ? action : "(null)");
        rc = RC_INTERNAL;
        goto out;
    }
    const char *key;
    void *tmp;
    json_t *v;
    json_object_foreach_safe(changes, tmp, key, v)
    {
        if (audit_secret_key(key)) {
            log_line(LOG_WARN, __func__, cx->request_id, NULL,
                     "dropped a secret-looking key from the %s entry", action);
            json_object_del(changes, key);
        }
    }
    if (!(text = json_dumps(changes, JSON_COMPACT | JSON_SORT_KEYS))) {
        rc = RC_NOMEM;
        goto out;
    }
    rc = audit_store_insert(cx->db, cx->actor.tenant_id, cx->actor.user_id, action, target_type,
                            target_id, text, cx->now);
out:
    free(text);
    json_decref(changes);
    return rc;
}

struct audit_page {
    audit_each_fn each;
    void *arg;
    int limit, seen;
    int64_t last_id;
};

static enum rc audit_page_row(void *arg, const struct audit_entry *e)
{
    struct audit_page *p = arg;
    if (++p->seen > p->limit)
        return RC_OK; /* the extra row only says that a next page exists */
    p->last_id = e->id;
    return p->each(p->arg, e);
}

enum rc audit_list(struct ctx *cx, const struct audit_query *q, audit_each_fn each, void *arg,
                   int64_t *next_before)
{
    if (!authz_can_read_audit(cx))
        return ctx_fail(cx, RC_FORBIDDEN, NULL, "Only an admin can read the audit log.");
    if (q->limit < 1 || q->limit > AUDIT_LIST_MAX)
        return ctx_fail(cx, RC_BAD_REQUEST, "limit", "must be from 1 to %d", AUDIT_LIST_MAX);
    struct audit_page page = {each, arg, q->limit, 0, 0};
    enum rc rc =
        audit_store_list(cx->db, cx->actor.tenant_id, q, q->limit + 1, audit_page_row, &page);
    if (rc)
        return rc;
    *next_before = page.seen > q->limit ? page.last_id : 0;
    return RC_OK;
}
