/*
 * groups.h — named sets of users (cohorts, teams): made by hand, or by a rule over the
 * users' fields whose members the platform keeps up to date.
 *
 * A rule is JSON with exactly one of "all" (every condition holds) or "any" (at least
 * one does), each a list of 1 to GROUPS_RULE_MAX conditions {field, op, value}:
 *   department, job_title  op equals | contains, value a string (case-insensitive;
 *                          for letters beyond ASCII SQLite compares exactly)
 *   manager_id             op equals (direct reports) | under (the whole subtree),
 *                          value the id of a person in the tenant
 *   role                   op has, value a role name
 *   {"all":[{"field":"department","op":"equals","value":"Sales"},
 *           {"field":"job_title","op":"contains","value":"Manager"}]}
 * Only active users match a rule. Members of a rule group are computed in SQL and stored
 * in user_group_members, so readers (enrolment by group, reports) never evaluate rules;
 * groups_refresh_rules re-evaluates them and must be called after users change (users.c
 * does; so does the CSV import). Adding or removing members of a rule group by hand is
 * refused with 409. Turning a rule group into a hand-made one (rule: null) keeps its
 * current members; giving a hand-made group a rule replaces its members.
 *
 * Names are unique per tenant, compared case-insensitively (ASCII letters).
 * Reading needs authz_can_read_groups (admin, designer), changing authz_can_manage_groups
 * (admin). Every change writes an audit entry: group.create, group.update, group.delete,
 * group.members.add, group.members.remove. All functions run inside the caller's
 * transaction.
 */
#ifndef WAYMARK_GROUPS_H
#define WAYMARK_GROUPS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"
#include "people.h"

#define GROUPS_NAME_MAX        200  /* characters */
#define GROUPS_DESCRIPTION_MAX 2000 /* characters */
#define GROUPS_RULE_MAX        20   /* conditions in one rule */
#define GROUPS_ADD_MAX         1000 /* user ids in one request */
#define GROUPS_LIST_DEFAULT    50
#define GROUPS_LIST_MAX        500

struct group {
    int64_t id;
    int64_t tenant_id;
    char name[GROUPS_NAME_MAX * 4 + 1];
    char description[GROUPS_DESCRIPTION_MAX * 4 + 1];
    json_t *rule; /* owned; NULL for a hand-made group */
    int64_t member_count;
    int64_t created_at;
    int64_t updated_at;
};

/* Releases what g owns (its rule). Safe on a zeroed or already cleared group. */
void groups_clear(struct group *g);

enum groups_field {
    GROUPS_NAME = 1 << 0,
    GROUPS_DESCRIPTION = 1 << 1,
    GROUPS_RULE = 1 << 2,
};

/* Only the fields named in set are read; rule NULL means "made by hand". Borrowed. */
struct groups_change {
    unsigned set;
    const char *name;
    const char *description;
    const json_t *rule;
};

/* Checks a rule's form (see the file comment), one RC_INVALID detail per bad part, with
 * fields like "rule.all[1].op". Does not look at the database. */
enum rc groups_check_rule(struct ctx *cx, const json_t *rule);

/* Creates a group (evaluating its rule at once). RC_FORBIDDEN, RC_INVALID, RC_CONFLICT
 * (name taken). out must be cleared with groups_clear. */
enum rc groups_create(struct ctx *cx, const struct groups_change *ch, struct group *out);
enum rc groups_update(struct ctx *cx, int64_t id, const struct groups_change *ch,
                      struct group *out);
enum rc groups_delete(struct ctx *cx, int64_t id);
/* RC_NOT_FOUND for an id of another tenant or none. */
enum rc groups_get(struct ctx *cx, int64_t id, struct group *out);

/* Called once per group, ordered by name then id. Must not use the database. */
typedef enum rc (*groups_each_fn)(void *arg, const struct group *g);
/* q: name contains (NULL: all). after_id: cursor (0 from the start). *next_after: the
 * next page's cursor, 0 at the end. */
enum rc groups_list(struct ctx *cx, const char *q, int64_t after_id, int limit, groups_each_fn each,
                    void *arg, int64_t *next_after);

/* Called once per member, ordered by name then id. Must not use the database. */
typedef enum rc (*groups_member_fn)(void *arg, const struct user *u, int64_t added_at);
enum rc groups_members(struct ctx *cx, int64_t id, int64_t after_id, int limit,
                       groups_member_fn each, void *arg, int64_t *next_after);

/* Adds active users of the tenant to a hand-made group; ids already in it are skipped.
 * RC_CONFLICT for a rule group; RC_INVALID ("user_ids[i]") for an id that is not an
 * active person of the tenant. */
enum rc groups_add_members(struct ctx *cx, int64_t id, const int64_t *user_ids, size_t n,
                           size_t *added, size_t *skipped);
/* RC_NOT_FOUND when user_id is not a member; RC_CONFLICT for a rule group. */
enum rc groups_remove_member(struct ctx *cx, int64_t id, int64_t user_id);

/* Re-evaluates every rule group of the actor's tenant: a couple of set-based statements
 * per group, whatever the number of users. Call after users are created, changed,
 * deactivated or imported in bulk (the CSV import), inside the same transaction. No
 * permission check: it only brings stored members in line with stored rules. */
enum rc groups_refresh_rules(struct ctx *cx);
/* The same after a change to one user: their memberships only (a few index lookups per
 * group), plus — when lines_changed, i.e. their manager_id changed and their whole
 * subtree moved — full re-evaluation of the groups whose rule uses manager_id "under". */
enum rc groups_refresh_rules_user(struct ctx *cx, int64_t user_id, int lines_changed);

#endif
