/*
 * groups_store.c — SQL for groups, members and rule evaluation (see groups_store.h).
 *
 * Rule evaluation is set-based: a rule becomes one WHERE clause over users, assembled
 * only from the fixed fragments in GROUPS_STORE_FRAGMENTS (one per condition kind, each
 * around exactly one placeholder) joined by AND or OR, every value bound. The statement
 * cache keys on SQL text, so each distinct rule shape is prepared once per connection;
 * the number of shapes is bounded by the rules a tenant actually has.
 *
 * Parameters are numbered without gaps from $1 in each statement, because PostgreSQL must
 * infer a type for every number up to the highest one used.
 */
#include "groups_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "people_store.h"

#define GROUPS_STORE_SQL_MAX 16384

/* Indexed by enum groups_store_cond_kind: the SQL before and after the condition's one
 * placeholder. $1 is the statement's tenant, for the subtree walk. */
struct groups_store_fragment {
    const char *before, *after;
};
static const struct groups_store_fragment GROUPS_STORE_FRAGMENTS[] = {
    [GROUPS_STORE_DEPARTMENT_EQUALS] = {"lower(u.department) = lower(CAST(", " AS TEXT))"},
    [GROUPS_STORE_DEPARTMENT_CONTAINS] = {"lower(u.department) LIKE lower(CAST(",
                                          " AS TEXT)) ESCAPE '\\'"},
    [GROUPS_STORE_JOB_TITLE_EQUALS] = {"lower(u.job_title) = lower(CAST(", " AS TEXT))"},
    [GROUPS_STORE_JOB_TITLE_CONTAINS] = {"lower(u.job_title) LIKE lower(CAST(",
                                         " AS TEXT)) ESCAPE '\\'"},
    [GROUPS_STORE_MANAGER_EQUALS] = {"u.manager_id = CAST(", " AS BIGINT)"},
    [GROUPS_STORE_MANAGER_UNDER] = {"u.id IN (WITH RECURSIVE sub(id) AS (SELECT id FROM users "
                                    "WHERE tenant_id = $1 AND manager_id = CAST(",
                                    " AS BIGINT) UNION SELECT c.id FROM users c JOIN sub s "
                                    "ON c.manager_id = s.id WHERE c.tenant_id = $1) "
                                    "SELECT id FROM sub)"},
    [GROUPS_STORE_ROLE_HAS] = {"(u.roles & CAST(", " AS INTEGER)) <> 0"},
};

/* For one user ($3), "under" walks up from that user instead of down from the manager:
 * a handful of rows instead of a whole subtree. */
static const struct groups_store_fragment GROUPS_STORE_UNDER_ONE = {
    "CAST(", " AS BIGINT) IN (WITH RECURSIVE up(id) AS (SELECT manager_id FROM users "
             "WHERE tenant_id = $1 AND id = $3 UNION SELECT c.manager_id FROM users c "
             "JOIN up ON c.id = up.id WHERE c.tenant_id = $1) "
             "SELECT id FROM up WHERE id IS NOT NULL)"};

static enum rc run(struct db_stmt *st)
{
    enum rc rc = db_step(st);
    db_reset(st);
    return rc == RC_DONE || rc == RC_ROW ? RC_OK : rc;
}

static enum rc bind_rule_text(struct db_stmt *st, int idx, const char *rule_text)
{
    return rule_text ? db_bind_text(st, idx, rule_text, -1) : db_bind_null(st, idx);
}

enum rc groups_store_insert(struct db *db, struct group *g, const char *name_key,
                            const char *rule_text)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "INSERT INTO user_groups (tenant_id, name, name_key, description, "
                            "rule, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                            "RETURNING id",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, g->tenant_id)) || (rc = db_bind_text(st, 2, g->name, -1)) ||
        (rc = db_bind_text(st, 3, name_key, -1)) ||
        (rc = db_bind_text(st, 4, g->description, -1)) || (rc = bind_rule_text(st, 5, rule_text)) ||
        (rc = db_bind_int64(st, 6, g->created_at)) || (rc = db_bind_int64(st, 7, g->updated_at)))
        goto out;
    rc = db_step(st);
    if (rc == RC_ROW) {
        g->id = db_column_int64(st, 0);
        rc = RC_OK;
    } else if (rc == RC_DONE) {
        rc = RC_INTERNAL;
    }
out:
    db_reset(st);
    return rc;
}

enum rc groups_store_update(struct db *db, const struct group *g, const char *name_key,
                            const char *rule_text)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "UPDATE user_groups SET name = $3, name_key = $4, description = $5, "
                            "rule = $6, updated_at = $7 WHERE tenant_id = $1 AND id = $2",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, g->tenant_id)) || (rc = db_bind_int64(st, 2, g->id)) ||
        (rc = db_bind_text(st, 3, g->name, -1)) || (rc = db_bind_text(st, 4, name_key, -1)) ||
        (rc = db_bind_text(st, 5, g->description, -1)) || (rc = bind_rule_text(st, 6, rule_text)) ||
        (rc = db_bind_int64(st, 7, g->updated_at))) {
        db_reset(st);
        return rc;
    }
    if ((rc = run(st)))
        return rc;
    return db_changes(db) == 1 ? RC_OK : RC_NOT_FOUND;
}

enum rc groups_store_delete(struct db *db, int64_t tenant_id, int64_t id)
{
    /* Members first: the foreign key cascades, but saying so keeps both backends equal
     * even where cascades are switched off. */
    enum rc rc = groups_store_remove_member(db, tenant_id, id, 0);
    if (rc && rc != RC_NOT_FOUND)
        return rc;
    struct db_stmt *st = NULL;
    if ((rc = db_prepare(db, "DELETE FROM user_groups WHERE tenant_id = $1 AND id = $2", &st)))
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, id))) {
        db_reset(st);
        return rc;
    }
    if ((rc = run(st)))
        return rc;
    return db_changes(db) == 1 ? RC_OK : RC_NOT_FOUND;
}

#define GROUPS_STORE_COLUMNS                                                                       \
    "g.id, g.tenant_id, g.name, g.description, g.rule, g.created_at, g.updated_at, "               \
    "(SELECT COUNT(*) FROM user_group_members m WHERE m.group_id = g.id)"

static void read_group(struct db_stmt *st, struct group *g)
{
    memset(g, 0, sizeof *g);
    g->id = db_column_int64(st, 0);
    g->tenant_id = db_column_int64(st, 1);
    snprintf(g->name, sizeof g->name, "%s", db_column_text(st, 2));
    snprintf(g->description, sizeof g->description, "%s", db_column_text(st, 3));
    g->created_at = db_column_int64(st, 5);
    g->updated_at = db_column_int64(st, 6);
    g->member_count = db_column_int64(st, 7);
}

enum rc groups_store_get(struct db *db, int64_t tenant_id, int64_t id, struct group *out,
                         char **rule_text)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT " GROUPS_STORE_COLUMNS
                            " FROM user_groups g WHERE g.tenant_id = $1 AND g.id = $2",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, id)))
        goto out;
    rc = db_step(st);
    if (rc == RC_ROW) {
        read_group(st, out);
        *rule_text = NULL;
        if (!db_column_is_null(st, 4) && !(*rule_text = strdup(db_column_text(st, 4))))
            rc = RC_NOMEM;
        else
            rc = RC_OK;
    } else if (rc == RC_DONE) {
        rc = RC_NOT_FOUND;
    }
out:
    db_reset(st);
    return rc;
}

int64_t groups_store_id_by_name_key(struct db *db, int64_t tenant_id, const char *name_key,
                                    int64_t except_id)
{
    int64_t id = 0;
    enum rc rc = DB_VALUE(db,
                          "SELECT id FROM user_groups WHERE tenant_id = $1 AND name_key = $2 "
                          "AND id <> $3",
                          &id, DB_INT(tenant_id), DB_TEXT(name_key), DB_INT(except_id));
    return rc == RC_OK ? id : rc == RC_NOT_FOUND ? 0 : -1;
}

enum rc groups_store_list(struct db *db, int64_t tenant_id, const char *name_pattern,
                          int64_t after_id, int limit, groups_store_each_fn each, void *arg)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(
        db,
        "SELECT " GROUPS_STORE_COLUMNS " FROM user_groups g WHERE g.tenant_id = $1 "
        "AND (CAST($2 AS TEXT) IS NULL OR g.name_key LIKE lower($2) ESCAPE '\\') "
        "AND (CAST($3 AS BIGINT) IS NULL OR (g.name_key, g.id) > "
        "(SELECT c.name_key, c.id FROM user_groups c WHERE c.tenant_id = $1 AND c.id = $3)) "
        "ORDER BY g.name_key, g.id LIMIT $4",
        &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)) ||
        (rc = name_pattern ? db_bind_text(st, 2, name_pattern, -1) : db_bind_null(st, 2)) ||
        (rc = after_id > 0 ? db_bind_int64(st, 3, after_id) : db_bind_null(st, 3)) ||
        (rc = db_bind_int64(st, 4, limit)))
        goto out;
    struct group g;
    while ((rc = db_step(st)) == RC_ROW) {
        read_group(st, &g);
        if ((rc = each(arg, &g, db_column_is_null(st, 4) ? NULL : db_column_text(st, 4))))
            goto out;
    }
    if (rc == RC_DONE)
        rc = RC_OK;
out:
    db_reset(st);
    return rc;
}

enum rc groups_store_rule_groups(struct db *db, int64_t tenant_id, groups_store_rule_fn each,
                                 void *arg)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT id, rule FROM user_groups WHERE tenant_id = $1 "
                            "AND rule IS NOT NULL ORDER BY id",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW)
        if ((rc = each(arg, db_column_int64(st, 0), db_column_text(st, 1))))
            goto out;
    if (rc == RC_DONE)
        rc = RC_OK;
out:
    db_reset(st);
    return rc;
}

enum rc groups_store_members(struct db *db, int64_t tenant_id, int64_t group_id, int64_t after_id,
                             int limit, groups_store_member_fn each, void *arg)
{
    struct db_stmt *st = NULL;
    enum rc rc =
        db_prepare(db,
                   "SELECT " PEOPLE_USER_COLUMNS ", m.added_at FROM user_group_members m "
                   "JOIN users u ON u.id = m.user_id AND u.tenant_id = m.tenant_id "
                   "WHERE m.tenant_id = $1 AND m.group_id = $2 "
                   "AND (CAST($3 AS BIGINT) IS NULL OR (u.name, u.id) > "
                   "(SELECT c.name, c.id FROM users c WHERE c.tenant_id = $1 AND c.id = $3)) "
                   "ORDER BY u.name, u.id LIMIT $4",
                   &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, group_id)) ||
        (rc = after_id > 0 ? db_bind_int64(st, 3, after_id) : db_bind_null(st, 3)) ||
        (rc = db_bind_int64(st, 4, limit)))
        goto out;
    struct user u;
    while ((rc = db_step(st)) == RC_ROW) {
        people_store_read_user(st, 0, &u);
        if ((rc = each(arg, &u, db_column_int64(st, PEOPLE_USER_NCOLUMNS))))
            goto out;
    }
    if (rc == RC_DONE)
        rc = RC_OK;
out:
    db_reset(st);
    return rc;
}

int groups_store_is_member(struct db *db, int64_t tenant_id, int64_t group_id, int64_t user_id)
{
    struct db_stmt *st = NULL;
    if (db_prepare(db,
                   "SELECT 1 FROM user_group_members WHERE tenant_id = $1 AND group_id = $2 "
                   "AND user_id = $3",
                   &st))
        return -1;
    int r = -1;
    if (!db_bind_int64(st, 1, tenant_id) && !db_bind_int64(st, 2, group_id) &&
        !db_bind_int64(st, 3, user_id)) {
        enum rc rc = db_step(st);
        r = rc == RC_ROW ? 1 : rc == RC_DONE ? 0 : -1;
    }
    db_reset(st);
    return r;
}

enum rc groups_store_add_member(struct db *db, int64_t tenant_id, int64_t group_id, int64_t user_id,
                                int64_t at, int *added)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "INSERT INTO user_group_members (tenant_id, group_id, user_id, "
                            "added_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, group_id)) ||
        (rc = db_bind_int64(st, 3, user_id)) || (rc = db_bind_int64(st, 4, at))) {
        db_reset(st);
        return rc;
    }
    if ((rc = run(st)))
        return rc;
    *added = db_changes(db) == 1;
    return RC_OK;
}

enum rc groups_store_remove_member(struct db *db, int64_t tenant_id, int64_t group_id,
                                   int64_t user_id)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "DELETE FROM user_group_members WHERE tenant_id = $1 "
                            "AND group_id = $2 AND (CAST($3 AS BIGINT) IS NULL OR user_id = $3)",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, group_id)) ||
        (rc = user_id > 0 ? db_bind_int64(st, 3, user_id) : db_bind_null(st, 3))) {
        db_reset(st);
        return rc;
    }
    if ((rc = run(st)))
        return rc;
    return db_changes(db) > 0 ? RC_OK : RC_NOT_FOUND;
}

/* Appends the rule's WHERE clause, placeholders numbered from first; one: the statement
 * is about the one user in $3. */
static void add_condition(struct buf *sql, const struct groups_store_rule *rule, int first, int one)
{
    buf_add(sql, "(");
    for (size_t i = 0; i < rule->n; i++) {
        enum groups_store_cond_kind kind = rule->conds[i].kind;
        const struct groups_store_fragment *f = one && kind == GROUPS_STORE_MANAGER_UNDER
                                                    ? &GROUPS_STORE_UNDER_ONE
                                                    : &GROUPS_STORE_FRAGMENTS[kind];
        if (i)
            buf_add(sql, rule->any ? " OR " : " AND ");
        buf_add(sql, f->before);
        buf_addf(sql, "$%d", first + (int)i);
        buf_add(sql, f->after);
    }
    buf_add(sql, ")");
}

static enum rc bind_conditions(struct db_stmt *st, const struct groups_store_rule *rule, int first)
{
    enum rc rc = RC_OK;
    for (size_t i = 0; i < rule->n && !rc; i++) {
        const struct groups_store_cond *c = &rule->conds[i];
        int idx = first + (int)i;
        switch (c->kind) {
        case GROUPS_STORE_DEPARTMENT_EQUALS:
        case GROUPS_STORE_DEPARTMENT_CONTAINS:
        case GROUPS_STORE_JOB_TITLE_EQUALS:
        case GROUPS_STORE_JOB_TITLE_CONTAINS:
            rc = db_bind_text(st, idx, c->text ? c->text : "", -1);
            break;
        default:
            rc = db_bind_int64(st, idx, c->number);
        }
    }
    return rc;
}

enum rc groups_store_refresh(struct db *db, int64_t tenant_id, int64_t group_id,
                             const struct groups_store_rule *rule, int64_t user_id, int64_t at)
{
    if (rule->n == 0 || rule->n > GROUPS_RULE_MAX)
        return RC_INTERNAL;
    for (size_t i = 0; i < rule->n; i++)
        if ((unsigned)rule->conds[i].kind >=
            sizeof GROUPS_STORE_FRAGMENTS / sizeof GROUPS_STORE_FRAGMENTS[0])
            return RC_INTERNAL;
    /* One user: every statement is pinned to that user's row by its primary key, so it
     * costs a few index lookups. Everyone: one pass over the tenant's users. */
    int one = user_id > 0;
    int first = one ? 4 : 3; /* the first condition's placeholder in the DELETE */
    /* Placeholders: $1 tenant, $2 group, then with one user $3 the user, and in the
     * INSERT the instant; the conditions follow. */
    struct buf sql;
    buf_init(&sql, GROUPS_STORE_SQL_MAX);
    struct db_stmt *st = NULL;
    enum rc rc;

    /* Members who no longer match (or are no longer active) leave. */
    if (one)
        buf_add(&sql, "DELETE FROM user_group_members WHERE tenant_id = $1 AND group_id = $2 "
                      "AND user_id = $3 AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = $3 "
                      "AND u.tenant_id = $1 AND u.active = 1 AND ");
    else
        buf_add(&sql, "DELETE FROM user_group_members WHERE tenant_id = $1 AND group_id = $2 "
                      "AND user_id NOT IN (SELECT u.id FROM users u WHERE u.tenant_id = $1 "
                      "AND u.active = 1 AND ");
    add_condition(&sql, rule, first, one);
    buf_add(&sql, ")");
    if ((rc = buf_failed(&sql)) || (rc = db_prepare(db, sql.data, &st)))
        goto out;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, group_id)) ||
        (one && (rc = db_bind_int64(st, 3, user_id))) || (rc = bind_conditions(st, rule, first))) {
        db_reset(st);
        goto out;
    }
    if ((rc = run(st)))
        goto out;

    /* Active users who match and are not members yet join. */
    buf_reset(&sql);
    if (one)
        buf_add(&sql, "INSERT INTO user_group_members (tenant_id, group_id, user_id, added_at) "
                      "SELECT u.tenant_id, CAST($2 AS BIGINT), u.id, CAST($4 AS BIGINT) "
                      "FROM users u WHERE u.tenant_id = $1 AND u.active = 1 AND u.id = $3 ");
    else
        buf_add(&sql, "INSERT INTO user_group_members (tenant_id, group_id, user_id, added_at) "
                      "SELECT u.tenant_id, CAST($2 AS BIGINT), u.id, CAST($3 AS BIGINT) "
                      "FROM users u WHERE u.tenant_id = $1 AND u.active = 1 ");
    buf_add(&sql, "AND NOT EXISTS (SELECT 1 FROM user_group_members m WHERE m.group_id = $2 "
                  "AND m.user_id = u.id) AND ");
    add_condition(&sql, rule, first + 1, one);
    buf_add(&sql, " ON CONFLICT DO NOTHING");
    if ((rc = buf_failed(&sql)) || (rc = db_prepare(db, sql.data, &st)))
        goto out;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, group_id)) ||
        (rc = db_bind_int64(st, 3, one ? user_id : at)) ||
        (one && (rc = db_bind_int64(st, 4, at))) || (rc = bind_conditions(st, rule, first + 1))) {
        db_reset(st);
        goto out;
    }
    rc = run(st);
out:
    buf_free(&sql);
    return rc;
}
