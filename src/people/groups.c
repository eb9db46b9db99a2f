/*
 * groups.c — the rules for groups (see groups.h for the contract).
 *
 * A rule arrives as JSON, is checked for form (groups_check_rule) and for ids that must
 * exist (manager_id values), and is stored re-serialised with sorted keys, so what is
 * stored is exactly what was validated. To evaluate it, groups_compile turns it into a
 * struct groups_store_rule — a list of condition kinds with one value each — which
 * groups_store_refresh turns into SQL from fixed fragments. C never loops over users.
 */
#include "groups.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "authz.h"
#include "core/jsonx.h"
#include "core/log.h"
#include "core/query.h"
#include "enrolment/enrolment.h"
#include "groups_store.h"
#include "people_store.h"

#define GROUPS_Q_MAX 200

void groups_clear(struct group *g)
{
    json_decref(g->rule);
    g->rule = NULL;
}

/* 1 when s is valid UTF-8 of min..max characters without control characters. */
static int groups_text_ok(const char *s, size_t min, size_t max, int allow_newlines)
{
    size_t n = strlen(s);
    if (!jsonx_utf8_valid(s, n))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && !(allow_newlines && (c == '\n' || c == '\t'))) || c == 0x7f)
            return 0;
    }
    size_t chars = jsonx_utf8_length(s);
    return chars >= min && chars <= max;
}

/* The case-insensitive key of a name: ASCII letters lower-cased, other bytes kept. */
static void groups_name_key(const char *name, char *out, size_t size)
{
    size_t i = 0;
    for (; name[i] && i + 1 < size; i++) {
        char c = name[i];
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    out[i] = '\0';
}

/* ---- rules ----------------------------------------------------------------------------- */

static const char *const GROUPS_RULE_FIELDS[] = {"field", "op", "value", NULL};

/* Checks one condition; path is "rule.all[3]". */
static enum rc groups_check_condition(struct ctx *cx, const json_t *c, const char *path)
{
    char where[96]; /* path (under 64 bytes) and a suffix */
    enum rc rc = RC_OK;
    if (!json_is_object(c))
        return ctx_fail(cx, RC_INVALID, path, "must be an object with field, op and value");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)c, key, v)
    {
        int known = 0;
        for (const char *const *f = GROUPS_RULE_FIELDS; *f && !known; f++)
            known = strcmp(*f, key) == 0;
        if (!known)
            rc = ctx_fail(cx, RC_INVALID, path, "has an unknown key; use field, op and value");
    }
    const char *field = json_string_value(json_object_get(c, "field"));
    const char *op = json_string_value(json_object_get(c, "op"));
    json_t *value = json_object_get(c, "value");
    snprintf(where, sizeof where, "%s.field", path);
    int text = field && (strcmp(field, "department") == 0 || strcmp(field, "job_title") == 0);
    int manager = field && strcmp(field, "manager_id") == 0;
    int role = field && strcmp(field, "role") == 0;
    if (!text && !manager && !role)
        return ctx_fail(cx, RC_INVALID, where, "must be department, job_title, manager_id or role");
    snprintf(where, sizeof where, "%s.op", path);
    if (text && !(op && (strcmp(op, "equals") == 0 || strcmp(op, "contains") == 0)))
        return ctx_fail(cx, RC_INVALID, where, "must be equals or contains for %s", field);
    if (manager && !(op && (strcmp(op, "equals") == 0 || strcmp(op, "under") == 0)))
        return ctx_fail(cx, RC_INVALID, where, "must be equals or under for manager_id");
    if (role && !(op && strcmp(op, "has") == 0))
        return ctx_fail(cx, RC_INVALID, where, "must be has for role");
    snprintf(where, sizeof where, "%s.value", path);
    if (text) {
        size_t min = strcmp(op, "contains") == 0 ? 1 : 0;
        if (!json_is_string(value) ||
            strlen(json_string_value(value)) != json_string_length(value) ||
            !groups_text_ok(json_string_value(value), min, PEOPLE_TEXT_MAX, 0))
            return ctx_fail(cx, RC_INVALID, where, "must be text of %zu to %d characters", min,
                            PEOPLE_TEXT_MAX);
    } else if (manager) {
        if (!json_is_integer(value) || json_integer_value(value) <= 0)
            return ctx_fail(cx, RC_INVALID, where, "must be the id of a person");
    } else if (!json_is_string(value) || !people_role_from_name(json_string_value(value))) {
        return ctx_fail(cx, RC_INVALID, where,
                        "must be admin, designer, assessor, coach or learner");
    }
    return rc;
}

enum rc groups_check_rule(struct ctx *cx, const json_t *rule)
{
    if (!json_is_object(rule) || json_object_size(rule) != 1)
        return ctx_fail(cx, RC_INVALID, "rule", "must be an object with \"all\" or \"any\"");
    const char *kind = json_object_get(rule, "all") ? "all" : "any";
    const json_t *list = json_object_get(rule, kind);
    char path[64];
    snprintf(path, sizeof path, "rule.%s", kind);
    if (!list)
        return ctx_fail(cx, RC_INVALID, "rule", "must be an object with \"all\" or \"any\"");
    if (!json_is_array(list) || json_array_size(list) < 1 ||
        json_array_size(list) > GROUPS_RULE_MAX)
        return ctx_fail(cx, RC_INVALID, path, "must list 1 to %d conditions", GROUPS_RULE_MAX);
    enum rc rc = RC_OK;
    for (size_t i = 0; i < json_array_size(list); i++) {
        snprintf(path, sizeof path, "rule.%s[%zu]", kind, i);
        if (groups_check_condition(cx, json_array_get(list, i), path))
            rc = RC_INVALID;
    }
    return rc;
}

/* A checked rule as the store evaluates it; owns the LIKE patterns. */
struct groups_compiled {
    struct groups_store_rule rule;
    struct buf patterns[GROUPS_RULE_MAX];
};

static void groups_compiled_free(struct groups_compiled *c)
{
    for (size_t i = 0; i < GROUPS_RULE_MAX; i++)
        buf_free(&c->patterns[i]);
}

/* Compiles a rule that passed groups_check_rule. RC_INTERNAL for anything else. */
static enum rc groups_compile(const json_t *rule, struct groups_compiled *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < GROUPS_RULE_MAX; i++)
        buf_init(&out->patterns[i], PEOPLE_TEXT_MAX * 8 + 8);
    const json_t *list = json_object_get(rule, "all");
    out->rule.any = list == NULL;
    if (!list)
        list = json_object_get(rule, "any");
    size_t n = json_array_size(list);
    if (n < 1 || n > GROUPS_RULE_MAX)
        return RC_INTERNAL;
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(list, i);
        const char *field = json_string_value(json_object_get(c, "field"));
        const char *op = json_string_value(json_object_get(c, "op"));
        const json_t *value = json_object_get(c, "value");
        struct groups_store_cond *sc = &out->rule.conds[i];
        if (!field || !op)
            return RC_INTERNAL;
        int dept = strcmp(field, "department") == 0;
        if (dept || strcmp(field, "job_title") == 0) {
            const char *s = json_string_value(value);
            if (!s)
                return RC_INTERNAL;
            if (strcmp(op, "contains") == 0) {
                struct buf *b = &out->patterns[i];
                if (query_like_contains(s, b))
                    return buf_failed(b);
                sc->kind =
                    dept ? GROUPS_STORE_DEPARTMENT_CONTAINS : GROUPS_STORE_JOB_TITLE_CONTAINS;
                sc->text = b->data;
            } else {
                sc->kind = dept ? GROUPS_STORE_DEPARTMENT_EQUALS : GROUPS_STORE_JOB_TITLE_EQUALS;
                sc->text = s;
            }
        } else if (strcmp(field, "manager_id") == 0) {
            sc->kind =
                strcmp(op, "under") == 0 ? GROUPS_STORE_MANAGER_UNDER : GROUPS_STORE_MANAGER_EQUALS;
            sc->number = json_integer_value(value);
        } else if (strcmp(field, "role") == 0) {
            sc->kind = GROUPS_STORE_ROLE_HAS;
            sc->number = people_role_from_name(json_string_value(value));
        } else {
            return RC_INTERNAL;
        }
    }
    out->rule.n = n;
    return RC_OK;
}

/* Every manager_id a rule names must be a person of the tenant. */
static enum rc groups_check_rule_ids(struct ctx *cx, const json_t *rule)
{
    const char *kind = json_object_get(rule, "all") ? "all" : "any";
    const json_t *list = json_object_get(rule, kind);
    enum rc rc = RC_OK;
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *c = json_array_get(list, i);
        if (strcmp(json_string_value(json_object_get(c, "field")), "manager_id") != 0)
            continue;
        struct user m;
        enum rc r = people_store_user_by_id(cx->db, cx->actor.tenant_id,
                                            json_integer_value(json_object_get(c, "value")), &m);
        if (r == RC_NOT_FOUND) {
            char where[64];
            snprintf(where, sizeof where, "rule.%s[%zu].value", kind, i);
            rc = ctx_fail(cx, RC_INVALID, where, "must be the id of a person in your organisation");
        } else if (r) {
            return r;
        }
    }
    return rc;
}

/* Re-evaluates one rule group, for every user (user_id 0) or one; with everyone_if_under,
 * a rule that uses manager_id "under" is re-evaluated for everyone instead. */
static enum rc groups_refresh_one(struct ctx *cx, int64_t id, const json_t *rule, int64_t user_id,
                                  int everyone_if_under)
{
    struct groups_compiled c;
    enum rc rc = groups_compile(rule, &c);
    if (rc == RC_OK && everyone_if_under)
        for (size_t i = 0; i < c.rule.n; i++)
            if (c.rule.conds[i].kind == GROUPS_STORE_MANAGER_UNDER)
                user_id = 0;
    if (rc == RC_OK)
        rc = groups_store_refresh(cx->db, cx->actor.tenant_id, id, &c.rule, user_id, cx->now);
    groups_compiled_free(&c);
    return rc;
}

struct groups_rule_list {
    size_t n, size;
    int64_t *ids;
    char **rules;
};

static enum rc groups_collect_rule(void *arg, int64_t id, const char *rule_text)
{
    struct groups_rule_list *l = arg;
    if (l->n == l->size) {
        size_t size = l->size ? l->size * 2 : 16;
        int64_t *ids = realloc(l->ids, size * sizeof *ids);
        if (!ids)
            return RC_NOMEM;
        l->ids = ids;
        char **rules = realloc(l->rules, size * sizeof *rules);
        if (!rules)
            return RC_NOMEM;
        l->rules = rules;
        l->size = size;
    }
    if (!(l->rules[l->n] = strdup(rule_text)))
        return RC_NOMEM;
    l->ids[l->n++] = id;
    return RC_OK;
}

static enum rc groups_refresh(struct ctx *cx, int64_t user_id, int lines_changed)
{
    /* Read the rules first: on PostgreSQL one statement streams at a time. */
    struct groups_rule_list l = {0};
    enum rc rc = groups_store_rule_groups(cx->db, cx->actor.tenant_id, groups_collect_rule, &l);
    for (size_t i = 0; i < l.n && rc == RC_OK; i++) {
        json_t *rule = json_loads(l.rules[i], JSON_REJECT_DUPLICATES, NULL);
        if (!rule) {
            log_line(LOG_ERROR, __func__, cx->request_id, NULL,
                     "group %lld has an unreadable rule; skipped", (long long)l.ids[i]);
            continue;
        }
        rc = groups_refresh_one(cx, l.ids[i], rule, user_id, lines_changed);
        json_decref(rule);
    }
    for (size_t i = 0; i < l.n; i++)
        free(l.rules[i]);
    free(l.rules);
    free(l.ids);
    return rc;
}

enum rc groups_refresh_rules(struct ctx *cx)
{
    return groups_refresh(cx, 0, 0);
}

enum rc groups_refresh_rules_user(struct ctx *cx, int64_t user_id, int lines_changed)
{
    return user_id > 0 ? groups_refresh(cx, user_id, lines_changed) : RC_OK;
}

/* ---- groups ------------------------------------------------------------------------------ */

static enum rc groups_check_change(struct ctx *cx, const struct groups_change *ch, int creating)
{
    enum rc rc = RC_OK;
    if (creating && !(ch->set & GROUPS_NAME))
        rc = ctx_fail(cx, RC_INVALID, "name", "is required");
    else if ((ch->set & GROUPS_NAME) &&
             (!ch->name || !groups_text_ok(ch->name, 1, GROUPS_NAME_MAX, 0) ||
              strspn(ch->name, " ") == strlen(ch->name)))
        rc = ctx_fail(cx, RC_INVALID, "name",
                      "must be 1 to %d characters, not only spaces, without control characters",
                      GROUPS_NAME_MAX);
    if ((ch->set & GROUPS_DESCRIPTION) &&
        (!ch->description || !groups_text_ok(ch->description, 0, GROUPS_DESCRIPTION_MAX, 1)))
        rc = ctx_fail(cx, RC_INVALID, "description",
                      "must be at most %d characters, without control characters",
                      GROUPS_DESCRIPTION_MAX);
    if ((ch->set & GROUPS_RULE) && ch->rule && groups_check_rule(cx, ch->rule))
        rc = RC_INVALID;
    return rc;
}

/* The rule as stored: compact, keys sorted. NULL for none. Caller frees. */
static char *groups_rule_text(const json_t *rule)
{
    return rule ? json_dumps(rule, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

static enum rc groups_load(struct ctx *cx, int64_t id, struct group *out)
{
    char *text = NULL;
    enum rc rc =
        id > 0 ? groups_store_get(cx->db, cx->actor.tenant_id, id, out, &text) : RC_NOT_FOUND;
    if (rc == RC_NOT_FOUND)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such group.");
    if (rc)
        return rc;
    out->rule = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(text);
    return RC_OK;
}

static enum rc groups_check_name_free(struct ctx *cx, const char *key, int64_t except_id)
{
    int64_t other = groups_store_id_by_name_key(cx->db, cx->actor.tenant_id, key, except_id);
    if (other < 0)
        return RC_DB;
    if (other > 0)
        return ctx_fail(cx, RC_CONFLICT, "name", "is already the name of another group");
    return RC_OK;
}

static json_t *groups_rule_json(const json_t *rule)
{
    return rule ? json_deep_copy(rule) : json_null();
}

enum rc groups_create(struct ctx *cx, const struct groups_change *ch, struct group *out)
{
    if (!authz_can_manage_groups(cx))
        return ctx_fail(cx, RC_FORBIDDEN, NULL, "Only an admin can create groups.");
    enum rc rc = groups_check_change(cx, ch, 1);
    const json_t *rule = (ch->set & GROUPS_RULE) ? ch->rule : NULL;
    if (rc || (rule && (rc = groups_check_rule_ids(cx, rule))))
        return rc;
    struct group g;
    memset(&g, 0, sizeof g);
    char key[sizeof g.name];
    g.tenant_id = cx->actor.tenant_id;
    snprintf(g.name, sizeof g.name, "%s", ch->name);
    snprintf(g.description, sizeof g.description, "%s",
             (ch->set & GROUPS_DESCRIPTION) ? ch->description : "");
    g.created_at = g.updated_at = cx->now;
    groups_name_key(g.name, key, sizeof key);
    if ((rc = groups_check_name_free(cx, key, 0)))
        return rc;
    char *text = groups_rule_text(rule);
    if (rule && !text)
        return RC_NOMEM;
    rc = groups_store_insert(cx->db, &g, key, text);
    free(text);
    if (rc == RC_CONFLICT)
        return ctx_fail(cx, RC_CONFLICT, "name", "is already the name of another group");
    if (rc)
        return rc;
    if (rule && (rc = groups_refresh_one(cx, g.id, rule, 0, 0)))
        return rc;
    json_t *changes = json_pack("{s:s, s:s, s:o}", "name", g.name, "description", g.description,
                                "rule", groups_rule_json(rule));
    if ((rc = audit_record(cx, "group.create", "group", g.id, changes)))
        return rc;
    return groups_load(cx, g.id, out);
}

static void groups_diff(json_t *changes, const char *field, json_t *old, json_t *new)
{
    json_object_set_new(changes, field, json_pack("{s:o, s:o}", "old", old, "new", new));
}

enum rc groups_update(struct ctx *cx, int64_t id, const struct groups_change *ch, struct group *out)
{
    struct group before;
    memset(&before, 0, sizeof before);
    json_t *changes = NULL;
    enum rc rc = authz_can_manage_groups(cx)
                     ? RC_OK
                     : ctx_fail(cx, RC_FORBIDDEN, NULL, "Only an admin can change groups.");
    if (rc || (rc = groups_load(cx, id, &before)) || (rc = groups_check_change(cx, ch, 0)))
        goto out;
    const json_t *rule = (ch->set & GROUPS_RULE) ? ch->rule : before.rule;
    if ((ch->set & GROUPS_RULE) && rule && (rc = groups_check_rule_ids(cx, rule)))
        goto out;

    struct group after = before;
    if (ch->set & GROUPS_NAME)
        snprintf(after.name, sizeof after.name, "%s", ch->name);
    if (ch->set & GROUPS_DESCRIPTION)
        snprintf(after.description, sizeof after.description, "%s", ch->description);
    char key[sizeof after.name];
    groups_name_key(after.name, key, sizeof key);

    changes = json_object();
    if (strcmp(before.name, after.name) != 0) {
        if ((rc = groups_check_name_free(cx, key, id)))
            goto out;
        groups_diff(changes, "name", json_string(before.name), json_string(after.name));
    }
    if (strcmp(before.description, after.description) != 0)
        groups_diff(changes, "description", json_string(before.description),
                    json_string(after.description));
    int rule_changed = (ch->set & GROUPS_RULE) && !json_equal((json_t *)rule, before.rule) &&
                       (rule || before.rule);
    if (rule_changed)
        groups_diff(changes, "rule", groups_rule_json(before.rule), groups_rule_json(rule));
    if (json_object_size(changes) == 0) {
        *out = before;
        before.rule = NULL; /* now out's */
        goto out;
    }

    after.updated_at = cx->now;
    char *text = groups_rule_text(rule);
    if (rule && !text) {
        rc = RC_NOMEM;
        goto out;
    }
    rc = groups_store_update(cx->db, &after, key, text);
    free(text);
    if (rc == RC_CONFLICT)
        rc = ctx_fail(cx, RC_CONFLICT, "name", "is already the name of another group");
    if (rc)
        goto out;
    if (rule_changed && rule) {
        /* A new rule decides the members from scratch: hand-added people leave. */
        if (!before.rule && (rc = groups_store_remove_member(cx->db, cx->actor.tenant_id, id, 0)) &&
            rc != RC_NOT_FOUND)
            goto out;
        if ((rc = groups_refresh_one(cx, id, rule, 0, 0)))
            goto out;
        if ((rc = enrolment_follow_rules(cx, 0)))
            goto out;
    }
    if ((rc = audit_record(cx, "group.update", "group", id, json_incref(changes))))
        goto out;
    rc = groups_load(cx, id, out);
out:
    json_decref(changes);
    groups_clear(&before);
    return rc;
}

enum rc groups_delete(struct ctx *cx, int64_t id)
{
    if (!authz_can_manage_groups(cx))
        return ctx_fail(cx, RC_FORBIDDEN, NULL, "Only an admin can delete groups.");
    struct group g;
    memset(&g, 0, sizeof g);
    enum rc rc = groups_load(cx, id, &g);
    if (rc)
        return rc;
    json_t *changes = json_pack("{s:s, s:o, s:I}", "name", g.name, "rule", groups_rule_json(g.rule),
                                "member_count", (json_int_t)g.member_count);
    groups_clear(&g);
    if ((rc = enrolment_forget_group(cx, id)) ||
        (rc = groups_store_delete(cx->db, cx->actor.tenant_id, id))) {
        json_decref(changes);
        return rc == RC_NOT_FOUND ? ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such group.")
                                  : rc;
    }
    return audit_record(cx, "group.delete", "group", id, changes);
}

enum rc groups_get(struct ctx *cx, int64_t id, struct group *out)
{
    if (!authz_can_read_groups(cx))
        return ctx_fail(cx, RC_FORBIDDEN, NULL, "You may not read groups.");
    return groups_load(cx, id, out);
}

struct groups_page {
    groups_each_fn each;
    groups_member_fn member;
    void *arg;
    int limit, seen;
    int64_t last_id;
};

static enum rc groups_page_row(void *arg, const struct group *g, const char *rule_text)
{
    struct groups_page *p = arg;
    if (++p->seen > p->limit)
        return RC_OK;
    p->last_id = g->id;
    struct group copy = *g;
    copy.rule = rule_text ? json_loads(rule_text, JSON_REJECT_DUPLICATES, NULL) : NULL;
    enum rc rc = p->each(p->arg, &copy);
    groups_clear(&copy);
    return rc;
}

static enum rc groups_page_member(void *arg, const struct user *u, int64_t added_at)
{
    struct groups_page *p = arg;
    if (++p->seen > p->limit)
        return RC_OK;
    p->last_id = u->id;
    return p->member(p->arg, u, added_at);
}

static enum rc groups_check_page(struct ctx *cx, int limit)
{
    if (limit < 1 || limit > GROUPS_LIST_MAX)
        return ctx_fail(cx, RC_BAD_REQUEST, "limit", "must be from 1 to %d", GROUPS_LIST_MAX);
    return RC_OK;
}

enum rc groups_list(struct ctx *cx, const char *q, int64_t after_id, int limit, groups_each_fn each,
                    void *arg, int64_t *next_after)
{
    if (!authz_can_read_groups(cx))
        return ctx_fail(cx, RC_FORBIDDEN, NULL, "You may not read groups.");
    enum rc rc = groups_check_page(cx, limit);
    if (q && q[0] && !groups_text_ok(q, 1, GROUPS_Q_MAX, 0))
        rc = ctx_fail(cx, RC_BAD_REQUEST, "q", "must be at most %d characters", GROUPS_Q_MAX);
    if (rc)
        return rc;
    if (after_id) {
        struct group at;
        memset(&at, 0, sizeof at);
        char *text = NULL;
        rc = groups_store_get(cx->db, cx->actor.tenant_id, after_id, &at, &text);
        free(text);
        if (rc == RC_NOT_FOUND)
            return ctx_fail(cx, RC_BAD_REQUEST, "cursor", "is not a cursor of this list");
        if (rc)
            return rc;
    }
    struct buf pattern;
    buf_init(&pattern, GROUPS_Q_MAX * 8 + 8);
    if (q && q[0]) {
        char key[GROUPS_Q_MAX * 4 + 1];
        groups_name_key(q, key, sizeof key);
        query_like_contains(key, &pattern);
    }
    struct groups_page page = {each, NULL, arg, limit, 0, 0};
    if (!(rc = buf_failed(&pattern)))
        rc = groups_store_list(cx->db, cx->actor.tenant_id, q && q[0] ? pattern.data : NULL,
                               after_id, limit + 1, groups_page_row, &page);
    buf_free(&pattern);
    if (rc)
        return rc;
    *next_after = page.seen > limit ? page.last_id : 0;
    return RC_OK;
}

enum rc groups_members(struct ctx *cx, int64_t id, int64_t after_id, int limit,
                       groups_member_fn each, void *arg, int64_t *next_after)
{
    struct group g;
    memset(&g, 0, sizeof g);
    enum rc rc = groups_get(cx, id, &g);
    groups_clear(&g);
    if (rc || (rc = groups_check_page(cx, limit)))
        return rc;
    if (after_id) {
        struct user at;
        rc = people_store_user_by_id(cx->db, cx->actor.tenant_id, after_id, &at);
        if (rc == RC_NOT_FOUND)
            return ctx_fail(cx, RC_BAD_REQUEST, "cursor", "is not a cursor of this list");
        if (rc)
            return rc;
    }
    struct groups_page page = {NULL, each, arg, limit, 0, 0};
    if ((rc = groups_store_members(cx->db, cx->actor.tenant_id, id, after_id, limit + 1,
                                   groups_page_member, &page)))
        return rc;
    *next_after = page.seen > limit ? page.last_id : 0;
    return RC_OK;
}

/* Loads a group whose members are to be changed by hand. */
static enum rc groups_load_manual(struct ctx *cx, int64_t id)
{
    if (!authz_can_manage_groups(cx))
        return ctx_fail(cx, RC_FORBIDDEN, NULL, "Only an admin can change groups.");
    struct group g;
    memset(&g, 0, sizeof g);
    enum rc rc = groups_load(cx, id, &g);
    int by_rule = g.rule != NULL;
    groups_clear(&g);
    if (rc)
        return rc;
    if (by_rule)
        return ctx_fail(cx, RC_CONFLICT, NULL,
                        "This group's members follow its rule; change the rule instead.");
    return RC_OK;
}

enum rc groups_add_members(struct ctx *cx, int64_t id, const int64_t *user_ids, size_t n,
                           size_t *added, size_t *skipped)
{
    enum rc rc = groups_load_manual(cx, id);
    if (rc)
        return rc;
    if (n < 1 || n > GROUPS_ADD_MAX)
        return ctx_fail(cx, RC_INVALID, "user_ids", "must list 1 to %d ids", GROUPS_ADD_MAX);
    enum rc problem = RC_OK;
    for (size_t i = 0; i < n; i++) {
        struct user u;
        rc = user_ids[i] > 0 ? people_store_user_by_id(cx->db, cx->actor.tenant_id, user_ids[i], &u)
                             : RC_NOT_FOUND;
        if (rc == RC_NOT_FOUND || (rc == RC_OK && !u.active)) {
            char where[48];
            snprintf(where, sizeof where, "user_ids[%zu]", i);
            problem =
                ctx_fail(cx, RC_INVALID, where, "is not an active person in your organisation");
        } else if (rc) {
            return rc;
        }
    }
    if (problem)
        return problem;
    json_t *ids = json_array();
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        int is_new = 0;
        if ((rc = groups_store_add_member(cx->db, cx->actor.tenant_id, id, user_ids[i], cx->now,
                                          &is_new))) {
            json_decref(ids);
            return rc;
        }
        if (is_new) {
            count++;
            json_array_append_new(ids, json_integer(user_ids[i]));
        }
    }
    *added = count;
    *skipped = n - count;
    if (!count) {
        json_decref(ids);
        return RC_OK;
    }
    if ((rc = enrolment_follow_rules(cx, 0))) {
        json_decref(ids);
        return rc;
    }
    return audit_record(cx, "group.members.add", "group", id, json_pack("{s:o}", "user_ids", ids));
}

enum rc groups_remove_member(struct ctx *cx, int64_t id, int64_t user_id)
{
    enum rc rc = groups_load_manual(cx, id);
    if (rc)
        return rc;
    rc = user_id > 0 ? groups_store_remove_member(cx->db, cx->actor.tenant_id, id, user_id)
                     : RC_NOT_FOUND;
    if (rc == RC_NOT_FOUND)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "That person is not a member of this group.");
    if (rc)
        return rc;
    return audit_record(cx, "group.members.remove", "group", id,
                        json_pack("{s:I}", "user_id", (json_int_t)user_id));
}
