/*
 * test_groups.c — groups by hand and by rule (groups.h) and their handlers.
 *
 * Each test starts from a fresh migrated database with two organisations and a small
 * staff in acme: a boss with a sales manager and an operations manager below her, two
 * sales reps below the sales manager, a coach and an admin. Like test_users.c, the tests
 * run on SQLite and again on PostgreSQL when WAYMARK_TEST_PG_URL is set, because rule
 * evaluation is SQL assembled from fragments and must mean the same on both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/jsonx.h"
#include "core/log.h"
#include "fixture.h"
#include "people/authz.h"
#include "people/groups.h"
#include "people/groups_api.h"
#include "people/people.h"
#include "people/users.h"
#include "tenant/tenant.h"

struct backend {
    const char *pg_url;
};

enum who { ADMIN, DESIGNER, BOSS, SALES_MANAGER, OPS_MANAGER, REP1, REP2, COACH, NPEOPLE };

struct world {
    struct backend *backend;
    char schema[96];
    struct db *db;
    struct ctx cx;
    int64_t acme, other;
    int64_t id[NPEOPLE];
    int64_t other_admin, other_user;
};

static void as_user(struct world *w, int64_t tenant, int64_t user, unsigned roles)
{
    w->cx.actor.tenant_id = tenant;
    w->cx.actor.user_id = user;
    w->cx.actor.roles = roles | PEOPLE_ROLE_LEARNER;
    ctx_clear(&w->cx);
}

static void as_admin(struct world *w)
{
    as_user(w, w->acme, w->id[ADMIN], PEOPLE_ROLE_ADMIN);
}

static int64_t add(struct world *w, int64_t tenant, const char *email, const char *department,
                   const char *job_title, unsigned roles, int64_t manager)
{
    struct actor saved = w->cx.actor;
    as_user(w, tenant, 0, PEOPLE_ROLE_ADMIN);
    struct users_change ch = {.set = USERS_EMAIL | USERS_NAME | USERS_ROLES | USERS_MANAGER |
                                     USERS_DEPARTMENT | USERS_JOB_TITLE,
                              .email = email,
                              .name = email,
                              .roles = roles,
                              .manager_id = manager,
                              .department = department,
                              .job_title = job_title};
    struct user u;
    assert_int_equal(users_create(&w->cx, &ch, &u), RC_OK);
    w->cx.actor = saved;
    return u.id;
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    w->backend = *state;
    w->db = fixture_db_on(w->backend->pg_url, "groups", w->schema);
    fixture_ctx(&w->cx, w->db);
    struct tenant t;
    int created;
    assert_int_equal(tenant_ensure(&w->cx, "acme", "Acme", &t, &created), RC_OK);
    w->acme = t.id;
    assert_int_equal(tenant_ensure(&w->cx, "other", "Other", &t, &created), RC_OK);
    w->other = t.id;
    int64_t *id = w->id;
    id[ADMIN] = add(w, w->acme, "admin@acme.example", "IT", "Administrator", PEOPLE_ROLE_ADMIN, 0);
    id[DESIGNER] =
        add(w, w->acme, "designer@acme.example", "L&D", "Designer", PEOPLE_ROLE_DESIGNER, 0);
    id[BOSS] = add(w, w->acme, "boss@acme.example", "Board", "Chief Executive", 0, 0);
    id[SALES_MANAGER] =
        add(w, w->acme, "sm@acme.example", "Sales", "Regional Sales Manager", 0, id[BOSS]);
    id[OPS_MANAGER] =
        add(w, w->acme, "om@acme.example", "Operations", "Operations MANAGER", 0, id[BOSS]);
    id[REP1] = add(w, w->acme, "rep1@acme.example", "sales", "Sales Rep", 0, id[SALES_MANAGER]);
    id[REP2] = add(w, w->acme, "rep2@acme.example", "Sales", "Sales Rep", 0, id[SALES_MANAGER]);
    id[COACH] = add(w, w->acme, "coach@acme.example", "L&D", "Coach", PEOPLE_ROLE_COACH, 0);
    w->other_admin =
        add(w, w->other, "admin@other.example", "Sales", "Sales Manager", PEOPLE_ROLE_ADMIN, 0);
    w->other_user = add(w, w->other, "user@other.example", "Sales", "Rep", 0, 0);
    as_admin(w);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    ctx_clear(&w->cx);
    fixture_db_drop(w->db, w->backend->pg_url, w->schema);
    *state = w->backend;
    free(w);
    return 0;
}

static int64_t query_int(struct db *db, const char *sql, int64_t a, int64_t b)
{
    struct db_stmt *st;
    assert_int_equal(db_prepare(db, sql, &st), RC_OK);
    if (strstr(sql, "$1"))
        db_bind_int64(st, 1, a);
    if (strstr(sql, "$2"))
        db_bind_int64(st, 2, b);
    assert_int_equal(db_step(st), RC_ROW);
    int64_t v = db_column_int64(st, 0);
    db_reset(st);
    return v;
}

static int is_member(struct world *w, int64_t group, int64_t user)
{
    return (int)query_int(w->db,
                          "SELECT COUNT(*) FROM user_group_members WHERE group_id = $1 "
                          "AND user_id = $2",
                          group, user);
}

static int64_t members(struct world *w, int64_t group)
{
    return query_int(w->db, "SELECT COUNT(*) FROM user_group_members WHERE group_id = $1", group,
                     0);
}

static const char *detail_field(const struct ctx *cx, size_t i)
{
    return json_string_value(json_object_get(json_array_get(cx->details, i), "field"));
}

/* Creates a group from a rule written as JSON text (NULL: by hand); returns its id. */
static int64_t make(struct world *w, const char *name, const char *rule_text)
{
    json_t *rule = rule_text ? json_loads(rule_text, 0, NULL) : NULL;
    if (rule_text)
        assert_non_null(rule);
    struct groups_change ch = {.set = GROUPS_NAME | GROUPS_RULE, .name = name, .rule = rule};
    struct group g = {0};
    enum rc rc = groups_create(&w->cx, &ch, &g);
    if (rc)
        fail_msg("make %s: %s %s", name, w->cx.message,
                 w->cx.details ? json_dumps(w->cx.details, 0) : "");
    json_decref(rule);
    int64_t id = g.id;
    groups_clear(&g);
    return id;
}

/* ---- rules ---- */

static void rule_form_is_checked_with_precise_fields(void **state)
{
    struct world *w = *state;
    static const struct {
        const char *rule, *field;
    } bad[] = {
        {"[]", "rule"},
        {"{}", "rule"},
        {"{\"some\":[]}", "rule"},
        {"{\"all\":[],\"any\":[]}", "rule"},
        {"{\"all\":[]}", "rule.all"},
        {"{\"any\":\"department\"}", "rule.any"},
        {"{\"all\":[1]}", "rule.all[0]"},
        {"{\"all\":[{\"field\":\"salary\",\"op\":\"equals\",\"value\":\"1\"}]}",
         "rule.all[0].field"},
        {"{\"all\":[{\"field\":\"department\",\"op\":\"has\",\"value\":\"x\"}]}", "rule.all[0].op"},
        {"{\"all\":[{\"field\":\"department\",\"op\":\"contains\",\"value\":\"\"}]}",
         "rule.all[0].value"},
        {"{\"all\":[{\"field\":\"department\",\"op\":\"equals\",\"value\":7}]}",
         "rule.all[0].value"},
        {"{\"all\":[{\"field\":\"job_title\",\"op\":\"equals\",\"value\":\"a\\nb\"}]}",
         "rule.all[0].value"},
        {"{\"any\":[{\"field\":\"manager_id\",\"op\":\"contains\",\"value\":1}]}",
         "rule.any[0].op"},
        {"{\"any\":[{\"field\":\"manager_id\",\"op\":\"equals\",\"value\":\"1\"}]}",
         "rule.any[0].value"},
        {"{\"any\":[{\"field\":\"manager_id\",\"op\":\"under\",\"value\":0}]}",
         "rule.any[0].value"},
        {"{\"any\":[{\"field\":\"role\",\"op\":\"has\",\"value\":\"boss\"}]}", "rule.any[0].value"},
        {"{\"any\":[{\"field\":\"role\",\"op\":\"is\",\"value\":\"coach\"}]}", "rule.any[0].op"},
        {"{\"all\":[{\"field\":\"role\",\"op\":\"has\",\"value\":\"coach\",\"x\":1}]}",
         "rule.all[0]"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *rule = json_loads(bad[i].rule, 0, NULL);
        assert_non_null(rule);
        if (groups_check_rule(&w->cx, rule) != RC_INVALID)
            fail_msg("accepted %s", bad[i].rule);
        if (strcmp(detail_field(&w->cx, 0), bad[i].field) != 0)
            fail_msg("%s: field %s, wanted %s", bad[i].rule, detail_field(&w->cx, 0), bad[i].field);
        ctx_clear(&w->cx);
        json_decref(rule);
    }
    /* Every bad condition is reported, not just the first. */
    json_t *two = json_loads("{\"any\":[{\"field\":\"x\"},{\"field\":\"role\",\"op\":\"has\","
                             "\"value\":\"coach\"},{\"field\":\"role\"}]}",
                             0, NULL);
    assert_int_equal(groups_check_rule(&w->cx, two), RC_INVALID);
    assert_int_equal(json_array_size(w->cx.details), 2);
    assert_string_equal(detail_field(&w->cx, 1), "rule.any[2].op");
    ctx_clear(&w->cx);
    json_decref(two);
    /* Too many conditions. */
    json_t *many = json_pack("{s:[]}", "all");
    for (int i = 0; i <= GROUPS_RULE_MAX; i++)
        json_array_append_new(
            json_object_get(many, "all"),
            json_pack("{s:s, s:s, s:s}", "field", "role", "op", "has", "value", "coach"));
    assert_int_equal(groups_check_rule(&w->cx, many), RC_INVALID);
    assert_string_equal(detail_field(&w->cx, 0), "rule.all");
    ctx_clear(&w->cx);
    json_array_remove(json_object_get(many, "all"), 0);
    assert_int_equal(groups_check_rule(&w->cx, many), RC_OK);
    json_decref(many);

    /* A manager id must name someone in this tenant; nothing is created otherwise. */
    char rule[160];
    snprintf(rule, sizeof rule,
             "{\"all\":[{\"field\":\"manager_id\",\"op\":\"under\",\"value\":%lld}]}",
             (long long)w->other_admin);
    json_t *r = json_loads(rule, 0, NULL);
    struct groups_change ch = {.set = GROUPS_NAME | GROUPS_RULE, .name = "Theirs", .rule = r};
    struct group g = {0};
    assert_int_equal(groups_create(&w->cx, &ch, &g), RC_INVALID);
    assert_string_equal(detail_field(&w->cx, 0), "rule.all[0].value");
    ctx_clear(&w->cx);
    json_decref(r);
    assert_int_equal(query_int(w->db, "SELECT COUNT(*) FROM user_groups", 0, 0), 0);
}

static void rules_pick_active_users_by_department_title_role_and_manager(void **state)
{
    struct world *w = *state;
    int64_t *id = w->id;
    int64_t sales = make(
        w, "Sales", "{\"all\":[{\"field\":\"department\",\"op\":\"equals\",\"value\":\"SALES\"}]}");
    int64_t sales_managers =
        make(w, "Sales managers",
             "{\"all\":[{\"field\":\"department\",\"op\":\"equals\",\"value\":\"Sales\"},"
             "{\"field\":\"job_title\",\"op\":\"contains\",\"value\":\"manager\"}]}");
    int64_t managers =
        make(w, "Managers",
             "{\"any\":[{\"field\":\"job_title\",\"op\":\"contains\",\"value\":\"Manager\"},"
             "{\"field\":\"role\",\"op\":\"has\",\"value\":\"coach\"}]}");
    char rule[200];
    snprintf(rule, sizeof rule,
             "{\"all\":[{\"field\":\"manager_id\",\"op\":\"equals\",\"value\":%lld}]}",
             (long long)id[BOSS]);
    int64_t direct = make(w, "Boss's team", rule);
    snprintf(rule, sizeof rule,
             "{\"all\":[{\"field\":\"manager_id\",\"op\":\"under\",\"value\":%lld}]}",
             (long long)id[BOSS]);
    int64_t org = make(w, "Boss's organisation", rule);
    int64_t literal = make(
        w, "Literal", "{\"all\":[{\"field\":\"job_title\",\"op\":\"contains\",\"value\":\"%\"}]}");

    assert_int_equal(members(w, sales), 3);
    assert_true(is_member(w, sales, id[SALES_MANAGER]) && is_member(w, sales, id[REP1]) &&
                is_member(w, sales, id[REP2]));
    assert_int_equal(members(w, sales_managers), 1);
    assert_true(is_member(w, sales_managers, id[SALES_MANAGER]));
    assert_int_equal(members(w, managers), 3); /* two managers and the coach */
    assert_true(is_member(w, managers, id[OPS_MANAGER]) && is_member(w, managers, id[COACH]));
    assert_int_equal(members(w, direct), 2);
    assert_int_equal(members(w, org), 4);
    assert_false(is_member(w, org, id[BOSS]));
    assert_int_equal(members(w, literal), 0);
    /* The other tenant's sales people are never members. */
    assert_false(is_member(w, sales, w->other_user));
    assert_int_equal(query_int(w->db,
                               "SELECT COUNT(*) FROM user_group_members WHERE tenant_id = $1",
                               w->other, 0),
                     0);

    struct group g = {0};
    assert_int_equal(groups_get(&w->cx, sales, &g), RC_OK);
    assert_int_equal(g.member_count, 3);
    assert_non_null(g.rule);
    groups_clear(&g);
}

static void rule_groups_follow_user_changes(void **state)
{
    struct world *w = *state;
    int64_t *id = w->id;
    int64_t sales = make(
        w, "Sales", "{\"all\":[{\"field\":\"department\",\"op\":\"equals\",\"value\":\"Sales\"}]}");
    char rule[200];
    snprintf(rule, sizeof rule,
             "{\"all\":[{\"field\":\"manager_id\",\"op\":\"under\",\"value\":%lld}]}",
             (long long)id[OPS_MANAGER]);
    int64_t ops_org = make(w, "Ops organisation", rule);
    assert_int_equal(members(w, sales), 3);
    assert_int_equal(members(w, ops_org), 0);

    struct user u;
    struct users_change dept = {.set = USERS_DEPARTMENT, .department = "Marketing"};
    assert_int_equal(users_update(&w->cx, id[REP1], &dept, &u), RC_OK);
    assert_false(is_member(w, sales, id[REP1]));
    dept.department = "Sales";
    assert_int_equal(users_update(&w->cx, id[COACH], &dept, &u), RC_OK);
    assert_true(is_member(w, sales, id[COACH]));

    /* Deactivated people leave rule groups and come back when reactivated. */
    assert_int_equal(users_deactivate(&w->cx, id[REP2], &u), RC_OK);
    assert_false(is_member(w, sales, id[REP2]));
    struct users_change back = {.set = USERS_ACTIVE, .active = 1};
    assert_int_equal(users_update(&w->cx, id[REP2], &back, &u), RC_OK);
    assert_true(is_member(w, sales, id[REP2]));

    /* Moving the sales manager under the ops manager moves her whole team too. */
    struct users_change move = {.set = USERS_MANAGER, .manager_id = id[OPS_MANAGER]};
    assert_int_equal(users_update(&w->cx, id[SALES_MANAGER], &move, &u), RC_OK);
    assert_int_equal(members(w, ops_org), 3);
    assert_true(is_member(w, ops_org, id[REP2]));

    /* Someone new joins at once. */
    int64_t fresh = add(w, w->acme, "new@acme.example", "sales", "Intern", 0, id[REP2]);
    assert_true(is_member(w, sales, fresh));
    assert_true(is_member(w, ops_org, fresh));

    /* The import's path: rows written behind users.c's back, then one refresh. */
    struct db_stmt *st;
    assert_int_equal(db_prepare(w->db,
                                "INSERT INTO users (tenant_id, email, email_key, name, department, "
                                "created_at, updated_at) VALUES ($1, $2, $2, $2, 'Sales', 0, 0)",
                                &st),
                     RC_OK);
    for (int i = 0; i < 300; i++) {
        char email[64];
        snprintf(email, sizeof email, "bulk%d@acme.example", i);
        db_bind_int64(st, 1, w->acme);
        db_bind_text(st, 2, email, -1);
        assert_int_equal(db_step(st), RC_DONE);
        db_reset(st);
    }
    assert_int_equal(groups_refresh_rules(&w->cx), RC_OK);
    assert_int_equal(members(w, sales), 3 + 1 + 300);
}

static void hand_groups_take_members_and_rule_groups_refuse_them(void **state)
{
    struct world *w = *state;
    int64_t *id = w->id;
    int64_t cohort = make(w, "Cohort <b>1</b>", NULL);
    int64_t rule =
        make(w, "Coaches", "{\"all\":[{\"field\":\"role\",\"op\":\"has\",\"value\":\"coach\"}]}");
    int64_t ids[] = {id[REP1], id[REP2], id[REP1]};
    size_t added = 9, skipped = 9;
    assert_int_equal(groups_add_members(&w->cx, cohort, ids, 3, &added, &skipped), RC_OK);
    assert_int_equal(added, 2);
    assert_int_equal(skipped, 1);
    assert_int_equal(members(w, cohort), 2);
    assert_int_equal(groups_add_members(&w->cx, cohort, ids, 2, &added, &skipped), RC_OK);
    assert_int_equal(added, 0);

    /* Strangers, the inactive and nonsense ids are refused, all named; nothing is added. */
    struct user u;
    assert_int_equal(users_deactivate(&w->cx, id[COACH], &u), RC_OK);
    int64_t bad[] = {id[BOSS], w->other_user, id[COACH], -1};
    assert_int_equal(groups_add_members(&w->cx, cohort, bad, 4, &added, &skipped), RC_INVALID);
    assert_int_equal(json_array_size(w->cx.details), 3);
    assert_string_equal(detail_field(&w->cx, 0), "user_ids[1]");
    assert_string_equal(detail_field(&w->cx, 2), "user_ids[3]");
    ctx_clear(&w->cx);
    assert_false(is_member(w, cohort, id[BOSS]));

    assert_int_equal(groups_add_members(&w->cx, rule, ids, 1, &added, &skipped), RC_CONFLICT);
    ctx_clear(&w->cx);
    assert_int_equal(groups_remove_member(&w->cx, rule, id[COACH]), RC_CONFLICT);
    ctx_clear(&w->cx);

    assert_int_equal(groups_remove_member(&w->cx, cohort, id[REP1]), RC_OK);
    assert_int_equal(groups_remove_member(&w->cx, cohort, id[REP1]), RC_NOT_FOUND);
    ctx_clear(&w->cx);
    assert_int_equal(members(w, cohort), 1);

    /* Hand groups keep people who are deactivated later: history stays. */
    assert_int_equal(users_deactivate(&w->cx, id[REP2], &u), RC_OK);
    assert_true(is_member(w, cohort, id[REP2]));
}

static void names_are_unique_per_tenant_case_insensitively(void **state)
{
    struct world *w = *state;
    int64_t a = make(w, "Team Alpha", NULL);
    json_t *none = NULL;
    struct groups_change ch = {
        .set = GROUPS_NAME | GROUPS_RULE, .name = "TEAM alpha", .rule = none};
    struct group g = {0};
    assert_int_equal(groups_create(&w->cx, &ch, &g), RC_CONFLICT);
    assert_string_equal(detail_field(&w->cx, 0), "name");
    ctx_clear(&w->cx);
    int64_t b = make(w, "Team Beta", NULL);
    struct groups_change rename = {.set = GROUPS_NAME, .name = "team ALPHA"};
    assert_int_equal(groups_update(&w->cx, b, &rename, &g), RC_CONFLICT);
    ctx_clear(&w->cx);
    /* Renaming to another spelling of its own name is fine. */
    rename.name = "TEAM ALPHA";
    assert_int_equal(groups_update(&w->cx, a, &rename, &g), RC_OK);
    assert_string_equal(g.name, "TEAM ALPHA");
    groups_clear(&g);
    /* Another tenant may use the name. */
    as_user(w, w->other, w->other_admin, PEOPLE_ROLE_ADMIN);
    ch.name = "Team Alpha";
    assert_int_equal(groups_create(&w->cx, &ch, &g), RC_OK);
    groups_clear(&g);
    /* Bad names. */
    as_admin(w);
    const char *bad[] = {"", "   ", "tab\there"};
    for (size_t i = 0; i < 3; i++) {
        ch.name = bad[i];
        assert_int_equal(groups_create(&w->cx, &ch, &g), RC_INVALID);
        assert_string_equal(detail_field(&w->cx, 0), "name");
        ctx_clear(&w->cx);
    }
}

static void only_admins_change_and_designers_read_within_their_tenant(void **state)
{
    struct world *w = *state;
    int64_t cohort = make(w, "Cohort", NULL);
    int64_t ids[] = {w->id[REP1]};
    size_t added, skipped;
    struct group g = {0};
    struct groups_change ch = {.set = GROUPS_DESCRIPTION, .description = "x"};

    /* Another tenant's admin: 404 on every call by id. */
    as_user(w, w->other, w->other_admin, PEOPLE_ROLE_ADMIN);
    assert_int_equal(groups_get(&w->cx, cohort, &g), RC_NOT_FOUND);
    ctx_clear(&w->cx);
    assert_int_equal(groups_update(&w->cx, cohort, &ch, &g), RC_NOT_FOUND);
    ctx_clear(&w->cx);
    assert_int_equal(groups_delete(&w->cx, cohort), RC_NOT_FOUND);
    ctx_clear(&w->cx);
    assert_int_equal(groups_add_members(&w->cx, cohort, ids, 1, &added, &skipped), RC_NOT_FOUND);
    ctx_clear(&w->cx);
    assert_int_equal(groups_remove_member(&w->cx, cohort, w->id[REP1]), RC_NOT_FOUND);
    ctx_clear(&w->cx);
    int64_t next;
    assert_int_equal(groups_members(&w->cx, cohort, 0, 10, NULL, NULL, &next), RC_NOT_FOUND);
    ctx_clear(&w->cx);

    /* A designer reads but does not change; a learner does neither. */
    as_user(w, w->acme, w->id[DESIGNER], PEOPLE_ROLE_DESIGNER);
    assert_int_equal(groups_get(&w->cx, cohort, &g), RC_OK);
    groups_clear(&g);
    assert_int_equal(groups_update(&w->cx, cohort, &ch, &g), RC_FORBIDDEN);
    ctx_clear(&w->cx);
    assert_int_equal(groups_delete(&w->cx, cohort), RC_FORBIDDEN);
    ctx_clear(&w->cx);
    assert_int_equal(groups_add_members(&w->cx, cohort, ids, 1, &added, &skipped), RC_FORBIDDEN);
    ctx_clear(&w->cx);
    as_user(w, w->acme, w->id[REP1], 0);
    assert_int_equal(groups_get(&w->cx, cohort, &g), RC_FORBIDDEN);
    ctx_clear(&w->cx);
}

static void switching_between_rule_and_hand_and_every_change_is_audited(void **state)
{
    struct world *w = *state;
    int64_t before = query_int(w->db, "SELECT COUNT(*) FROM audit_log", 0, 0);
    int64_t g1 = make(w, "Mixed", NULL);
    int64_t ids[] = {w->id[BOSS]};
    size_t added, skipped;
    assert_int_equal(groups_add_members(&w->cx, g1, ids, 1, &added, &skipped), RC_OK);
    /* Giving it a rule replaces the hand-picked members. */
    json_t *rule = json_loads(
        "{\"all\":[{\"field\":\"department\",\"op\":\"contains\",\"value\":\"ale\"}]}", 0, NULL);
    struct groups_change ch = {.set = GROUPS_RULE, .rule = rule};
    struct group g = {0};
    assert_int_equal(groups_update(&w->cx, g1, &ch, &g), RC_OK);
    assert_int_equal(g.member_count, 3);
    assert_false(is_member(w, g1, w->id[BOSS]));
    groups_clear(&g);
    /* The same rule again changes nothing and records nothing. */
    int64_t mid = query_int(w->db, "SELECT COUNT(*) FROM audit_log", 0, 0);
    assert_int_equal(groups_update(&w->cx, g1, &ch, &g), RC_OK);
    groups_clear(&g);
    assert_int_equal(query_int(w->db, "SELECT COUNT(*) FROM audit_log", 0, 0), mid);
    json_decref(rule);
    /* Dropping the rule keeps the members, now by hand. */
    ch.rule = NULL;
    assert_int_equal(groups_update(&w->cx, g1, &ch, &g), RC_OK);
    assert_null(g.rule);
    assert_int_equal(g.member_count, 3);
    groups_clear(&g);
    assert_int_equal(groups_remove_member(&w->cx, g1, w->id[REP1]), RC_OK);
    assert_int_equal(groups_delete(&w->cx, g1), RC_OK);
    assert_int_equal(groups_get(&w->cx, g1, &g), RC_NOT_FOUND);
    ctx_clear(&w->cx);
    assert_int_equal(members(w, g1), 0);

    static const char *const actions[] = {"group.create", "group.members.add",    "group.update",
                                          "group.update", "group.members.remove", "group.delete"};
    struct db_stmt *st;
    assert_int_equal(db_prepare(w->db,
                                "SELECT action, target_id, actor_id FROM audit_log WHERE id > $1 "
                                "ORDER BY id",
                                &st),
                     RC_OK);
    db_bind_int64(st, 1, before);
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        assert_int_equal(db_step(st), RC_ROW);
        assert_string_equal(db_column_text(st, 0), actions[i]);
        assert_int_equal(db_column_int64(st, 1), g1);
        assert_int_equal(db_column_int64(st, 2), w->id[ADMIN]);
    }
    assert_int_equal(db_step(st), RC_DONE);
    db_reset(st);
}

/* ---- handlers ---- */

static void call(struct world *w, enum rc (*h)(struct ctx *, const struct req *, struct resp *),
                 const char *method, const char *id, const char *id2, const char *body,
                 const char *query, enum rc want, json_t **out)
{
    struct fake_req f;
    fake_req_init(&f, method, "/api/v1/groups");
    json_t *j = NULL;
    if (body)
        assert_int_equal(jsonx_parse(&w->cx, body, strlen(body), &j), RC_OK);
    f.rq.json = j;
    f.rq.params[0] = id;
    f.rq.params[1] = id2;
    f.rq.nparams = id2 ? 2 : id ? 1 : 0;
    if (query) {
        f.query[0][0] = "limit";
        f.query[0][1] = query;
    }
    struct resp rs;
    resp_init(&rs);
    enum rc rc = h(&w->cx, &f.rq, &rs);
    if (rc != want)
        fail_msg("%s %s: %s (%s), wanted %s", method, body ? body : "", rc_name(rc), w->cx.message,
                 rc_name(want));
    if (out)
        *out = rs.body.len ? json_loads(rs.body.data, 0, NULL) : NULL;
    resp_free(&rs);
    json_decref(j);
    ctx_clear(&w->cx);
}

static void the_handlers_read_strictly_and_page(void **state)
{
    struct world *w = *state;
    json_t *out = NULL;
    call(w, groups_api_create, "POST", NULL, NULL,
         "{\"name\":\"R\",\"rule\":{\"all\":[{\"field\":\"dept\",\"op\":\"equals\",\"value\":1}]},"
         "\"colour\":\"red\"}",
         NULL, RC_INVALID, NULL);
    call(w, groups_api_create, "POST", NULL, NULL,
         "{\"name\":\"<img src=x onerror=alert(1)>\",\"description\":\"'; DROP TABLE users; --\","
         "\"rule\":{\"any\":[{\"field\":\"department\",\"op\":\"equals\",\"value\":\"Sales\"}]}}",
         NULL, RC_OK, &out);
    assert_string_equal(json_string_value(json_object_get(out, "name")),
                        "<img src=x onerror=alert(1)>");
    assert_int_equal(json_integer_value(json_object_get(out, "member_count")), 3);
    assert_true(json_is_object(json_object_get(out, "rule")));
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(out, "id")));
    json_decref(out);
    for (int i = 0; i < 4; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"name\":\"Cohort %d\"}", i);
        call(w, groups_api_create, "POST", NULL, NULL, body, NULL, RC_OK, NULL);
    }
    call(w, groups_api_list, "GET", NULL, NULL, NULL, "2", RC_OK, &out);
    assert_int_equal(json_array_size(json_object_get(out, "items")), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(out, "items"), 0), "name")),
                        "<img src=x onerror=alert(1)>");
    assert_true(json_is_string(json_object_get(out, "next_cursor")));
    json_decref(out);
    call(w, groups_api_list, "GET", NULL, NULL, NULL, "0", RC_BAD_REQUEST, NULL);

    call(w, groups_api_members, "GET", id, NULL, NULL, NULL, RC_OK, &out);
    assert_int_equal(json_array_size(json_object_get(out, "items")), 3);
    assert_true(json_is_string(
        json_object_get(json_array_get(json_object_get(out, "items"), 0), "added_at")));
    json_decref(out);
    call(w, groups_api_add_members, "POST", id, NULL, "{\"user_ids\":[1]}", NULL, RC_CONFLICT,
         NULL);
    call(w, groups_api_add_members, "POST", id, NULL, "{\"user_ids\":[]}", NULL, RC_INVALID, NULL);
    call(w, groups_api_add_members, "POST", id, NULL, "{\"user_ids\":[\"1\"]}", NULL, RC_INVALID,
         NULL);
    call(w, groups_api_update, "PATCH", id, NULL, "{\"rule\":null,\"name\":null}", NULL, RC_INVALID,
         NULL);
    call(w, groups_api_update, "PATCH", id, NULL, "{\"rule\":null}", NULL, RC_OK, &out);
    assert_true(json_is_null(json_object_get(out, "rule")));
    json_decref(out);
    char user[24];
    snprintf(user, sizeof user, "%lld", (long long)w->id[REP1]);
    call(w, groups_api_remove_member, "DELETE", id, user, NULL, NULL, RC_OK, NULL);
    call(w, groups_api_remove_member, "DELETE", id, user, NULL, NULL, RC_NOT_FOUND, NULL);
    call(w, groups_api_delete, "DELETE", id, NULL, NULL, NULL, RC_OK, NULL);
    call(w, groups_api_get, "GET", id, NULL, NULL, NULL, RC_NOT_FOUND, NULL);
    call(w, groups_api_get, "GET", "1x", NULL, NULL, NULL, RC_NOT_FOUND, NULL);
}

static int group_sqlite(void **state)
{
    static struct backend b = {NULL};
    *state = &b;
    return 0;
}

static int group_postgres(void **state)
{
    static struct backend b = {NULL};
    b.pg_url = getenv("WAYMARK_TEST_PG_URL");
    *state = &b;
    return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(rule_form_is_checked_with_precise_fields),
        T(rules_pick_active_users_by_department_title_role_and_manager),
        T(rule_groups_follow_user_changes),
        T(hand_groups_take_members_and_rule_groups_refuse_them),
        T(names_are_unique_per_tenant_case_insensitively),
        T(only_admins_change_and_designers_read_within_their_tenant),
        T(switching_between_rule_and_hand_and_every_change_is_audited),
        T(the_handlers_read_strictly_and_page),
    };
    log_set_level(LOG_ERROR);
    int failed = cmocka_run_group_tests_name("groups (sqlite)", tests, group_sqlite, NULL);
    const char *url = getenv("WAYMARK_TEST_PG_URL");
    if (url && *url)
        failed += cmocka_run_group_tests_name("groups (postgres)", tests, group_postgres, NULL);
    else
        printf("[  SKIPPED ] postgres: set WAYMARK_TEST_PG_URL to run these tests there too\n");
    return failed ? 1 : 0;
}
