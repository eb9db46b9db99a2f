/*
 * groups_store.h — the SQL of groups, their members, and rule evaluation. Private to
 * src/people/. Every function takes the tenant id and never reaches another tenant.
 */
#ifndef WAYMARK_GROUPS_STORE_H
#define WAYMARK_GROUPS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "groups.h"

/* A rule compiled for SQL: each condition is one whitelisted fragment with one bound
 * value. Strings are borrowed. */
enum groups_store_cond_kind {
    GROUPS_STORE_DEPARTMENT_EQUALS,
    GROUPS_STORE_DEPARTMENT_CONTAINS, /* text is a LIKE pattern */
    GROUPS_STORE_JOB_TITLE_EQUALS,
    GROUPS_STORE_JOB_TITLE_CONTAINS, /* text is a LIKE pattern */
    GROUPS_STORE_MANAGER_EQUALS,
    GROUPS_STORE_MANAGER_UNDER,
    GROUPS_STORE_ROLE_HAS,
};
struct groups_store_cond {
    enum groups_store_cond_kind kind;
    const char *text; /* department, job title */
    int64_t number;   /* manager id, role bit */
};
struct groups_store_rule {
    int any; /* 0: every condition holds; 1: at least one */
    size_t n;
    struct groups_store_cond conds[GROUPS_RULE_MAX];
};

/* g->rule_text is the rule as JSON text or NULL. Writes g->id. RC_CONFLICT: name taken. */
enum rc groups_store_insert(struct db *db, struct group *g, const char *name_key,
                            const char *rule_text);
enum rc groups_store_update(struct db *db, const struct group *g, const char *name_key,
                            const char *rule_text);
enum rc groups_store_delete(struct db *db, int64_t tenant_id, int64_t id);

/* Reads a group with its member count; *rule_text receives a malloc'd copy of the rule
 * (NULL for a hand-made group; the caller frees it). */
enum rc groups_store_get(struct db *db, int64_t tenant_id, int64_t id, struct group *out,
                         char **rule_text);
/* The id of the group with this name_key other than except_id; 0 none, -1 error. */
int64_t groups_store_id_by_name_key(struct db *db, int64_t tenant_id, const char *name_key,
                                    int64_t except_id);

/* Lists groups ordered by name_key then id; rule_text is borrowed for the call. */
typedef enum rc (*groups_store_each_fn)(void *arg, const struct group *g, const char *rule_text);
enum rc groups_store_list(struct db *db, int64_t tenant_id, const char *name_pattern,
                          int64_t after_id, int limit, groups_store_each_fn each, void *arg);

/* Every rule group of the tenant as (id, rule text); the callback must not use db. */
typedef enum rc (*groups_store_rule_fn)(void *arg, int64_t id, const char *rule_text);
enum rc groups_store_rule_groups(struct db *db, int64_t tenant_id, groups_store_rule_fn each,
                                 void *arg);

/* Members ordered by name then id. */
typedef enum rc (*groups_store_member_fn)(void *arg, const struct user *u, int64_t added_at);
enum rc groups_store_members(struct db *db, int64_t tenant_id, int64_t group_id, int64_t after_id,
                             int limit, groups_store_member_fn each, void *arg);
/* 1 when user_id is a member of group_id. */
int groups_store_is_member(struct db *db, int64_t tenant_id, int64_t group_id, int64_t user_id);
/* Adds one member; *added is 1 when it was new, 0 when already there. */
enum rc groups_store_add_member(struct db *db, int64_t tenant_id, int64_t group_id, int64_t user_id,
                                int64_t at, int *added);
/* Removes one member (RC_NOT_FOUND when not a member) or, with user_id 0, all. */
enum rc groups_store_remove_member(struct db *db, int64_t tenant_id, int64_t group_id,
                                   int64_t user_id);

/* Brings the members of rule group group_id in line with rule: one DELETE of members
 * that no longer match and one INSERT of active users that now do, restricted to user_id
 * when it is not 0. The WHERE clause is assembled only from the fragments of
 * groups_store_cond_kind, with every value bound. */
enum rc groups_store_refresh(struct db *db, int64_t tenant_id, int64_t group_id,
                             const struct groups_store_rule *rule, int64_t user_id, int64_t at);

#endif
