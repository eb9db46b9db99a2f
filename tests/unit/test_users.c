/*
 * test_users.c — who may see whom (authz.h), the rules for people (users.h), their API
 * handlers and the audit log (audit.h).
 *
 * Every test starts from a fresh migrated database holding two organisations: in acme an
 * admin, a designer, a manager with a report who has a report of her own, a coach with an
 * assigned learner and a plain learner; in "other" an admin and a learner. The tests run
 * on SQLite and, when WAYMARK_TEST_PG_URL names a PostgreSQL cluster, once more on it (a
 * fresh schema per test), because the list and subtree queries are exactly the SQL where
 * the two backends could disagree.
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

#include "audit/audit.h"
#include "core/jsonx.h"
#include "core/log.h"
#include "fixture.h"
#include "people/authz.h"
#include "people/people.h"
#include "people/users.h"
#include "people/users_api.h"
#include "tenant/tenant.h"

/* ---- the world ---- */

struct backend {
    const char *pg_url; /* NULL: SQLite in memory */
};

enum who { ADMIN, DESIGNER, MANAGER, REPORT, DEEP, COACH, COACHEE, LEARNER, NPEOPLE };
static const char *const WHO[NPEOPLE] = {"admin", "designer", "manager", "report",
                                         "deep",  "coach",    "coachee", "learner"};

struct world {
    struct backend *backend;
    char schema[96];
    struct db *db;
    struct ctx cx;
    int64_t acme, other;
    int64_t id[NPEOPLE];
    unsigned roles[NPEOPLE];
    int64_t other_admin, other_learner;
};

/* Acts as user (0: the CLI) of tenant with roles. */
static void as_user(struct world *w, int64_t tenant, int64_t user, unsigned roles)
{
    w->cx.actor.tenant_id = tenant;
    w->cx.actor.user_id = user;
    w->cx.actor.roles = roles | PEOPLE_ROLE_LEARNER;
    ctx_clear(&w->cx);
}

static void as(struct world *w, enum who p)
{
    as_user(w, w->acme, w->id[p], w->roles[p]);
}

/* Creates a user as the CLI would (an admin without a user id). */
static int64_t add(struct world *w, int64_t tenant, const char *name, const char *email,
                   unsigned roles, int64_t manager)
{
    struct actor saved = w->cx.actor;
    as_user(w, tenant, 0, PEOPLE_ROLE_ADMIN);
    struct users_change ch = {.set = USERS_EMAIL | USERS_NAME | USERS_ROLES | USERS_MANAGER,
                              .email = email,
                              .name = name,
                              .roles = roles,
                              .manager_id = manager};
    struct user u;
    enum rc rc = users_create(&w->cx, &ch, &u);
    if (rc)
        fprintf(stderr, "add %s: %s\n", email, w->cx.message);
    assert_int_equal(rc, RC_OK);
    w->cx.actor = saved;
    return u.id;
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    w->backend = *state;
    w->db = fixture_db_on(w->backend->pg_url, "users", w->schema);
    fixture_ctx(&w->cx, w->db);
    struct tenant t;
    int created;
    assert_int_equal(tenant_ensure(&w->cx, "acme", "Acme", &t, &created), RC_OK);
    w->acme = t.id;
    assert_int_equal(tenant_ensure(&w->cx, "other", "Other", &t, &created), RC_OK);
    w->other = t.id;
    static const unsigned roles[NPEOPLE] = {[ADMIN] = PEOPLE_ROLE_ADMIN,
                                            [DESIGNER] = PEOPLE_ROLE_DESIGNER,
                                            [COACH] = PEOPLE_ROLE_COACH};
    for (int p = 0; p < NPEOPLE; p++) {
        char email[64], name[64];
        snprintf(email, sizeof email, "%s@acme.example", WHO[p]);
        snprintf(name, sizeof name, "%c%s", WHO[p][0] - 32, WHO[p] + 1);
        int64_t manager = p == REPORT ? w->id[MANAGER] : p == DEEP ? w->id[REPORT] : 0;
        w->roles[p] = roles[p] | PEOPLE_ROLE_LEARNER;
        w->id[p] = add(w, w->acme, name, email, roles[p], manager);
    }
    w->other_admin = add(w, w->other, "Olga", "olga@other.example", PEOPLE_ROLE_ADMIN, 0);
    w->other_learner = add(w, w->other, "Otto", "otto@other.example", 0, 0);
    as(w, ADMIN);
    struct users_detail d;
    assert_int_equal(users_set_coach(&w->cx, w->id[COACHEE], w->id[COACH], &d), RC_OK);
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

static int64_t audit_count(struct world *w)
{
    return query_int(w->db, "SELECT COUNT(*) FROM audit_log", 0, 0);
}

static const char *detail_field(const struct ctx *cx, size_t i)
{
    return json_string_value(json_object_get(json_array_get(cx->details, i), "field"));
}

static const char *detail_message(const struct ctx *cx, size_t i)
{
    return json_string_value(json_object_get(json_array_get(cx->details, i), "message"));
}

/* ---- authorisation ---- */

static void the_authorisation_table_holds_for_every_pair(void **state)
{
    struct world *w = *state;
    /* who can read whom: rows are actors, columns targets (enum who order). */
    static const char *const can_read[NPEOPLE] = {
        [ADMIN] = "11111111",   [DESIGNER] = "11111111", [MANAGER] = "00111000",
        [REPORT] = "00011000",  [DEEP] = "00001000",     [COACH] = "00000110",
        [COACHEE] = "00000010", [LEARNER] = "00000001",
    };
    for (int a = 0; a < NPEOPLE; a++) {
        as(w, a);
        assert_int_equal(authz_can_manage_users(&w->cx), a == ADMIN);
        assert_int_equal(authz_can_read_groups(&w->cx), a == ADMIN || a == DESIGNER);
        assert_int_equal(authz_can_manage_groups(&w->cx), a == ADMIN);
        assert_int_equal(authz_can_read_audit(&w->cx), a == ADMIN);
        for (int t = 0; t < NPEOPLE; t++) {
            struct user target;
            assert_int_equal(people_get_user(&w->cx, w->id[t], &target), RC_OK);
            int want = can_read[a][t] == '1';
            if (authz_can_read_user(&w->cx, &target) != want)
                fail_msg("%s reading %s: expected %d", WHO[a], WHO[t], want);
            /* users_get answers exactly as the rule says: 404 when not allowed. */
            struct user u;
            enum rc rc = users_get(&w->cx, w->id[t], &u, NULL);
            assert_int_equal(rc, want ? RC_OK : RC_NOT_FOUND);
            ctx_clear(&w->cx);
        }
    }
    /* Another tenant's admin reaches nobody in acme, not even by id. */
    as_user(w, w->other, w->other_admin, PEOPLE_ROLE_ADMIN);
    for (int t = 0; t < NPEOPLE; t++) {
        struct user u;
        assert_int_equal(users_get(&w->cx, w->id[t], &u, NULL), RC_NOT_FOUND);
        ctx_clear(&w->cx);
    }
    /* A coach who loses the coach role no longer sees the learner assigned to them. */
    as(w, COACH);
    assert_true(authz_coaches(&w->cx, w->id[COACH], w->id[COACHEE]));
    as(w, ADMIN);
    struct users_change ch = {.set = USERS_ROLES, .roles = 0};
    struct user u;
    assert_int_equal(users_update(&w->cx, w->id[COACH], &ch, &u), RC_OK);
    as_user(w, w->acme, w->id[COACH], 0);
    assert_false(authz_coaches(&w->cx, w->id[COACH], w->id[COACHEE]));
    assert_int_equal(users_get(&w->cx, w->id[COACHEE], &u, NULL), RC_NOT_FOUND);
}

static void manages_is_transitive_and_never_reflexive(void **state)
{
    struct world *w = *state;
    as(w, LEARNER);
    assert_true(authz_manages(&w->cx, w->id[MANAGER], w->id[REPORT]));
    assert_true(authz_manages(&w->cx, w->id[MANAGER], w->id[DEEP]));
    assert_true(authz_manages(&w->cx, w->id[REPORT], w->id[DEEP]));
    assert_false(authz_manages(&w->cx, w->id[DEEP], w->id[MANAGER]));
    assert_false(authz_manages(&w->cx, w->id[MANAGER], w->id[MANAGER]));
    assert_false(authz_manages(&w->cx, w->id[MANAGER], w->id[LEARNER]));
    /* Through a deactivated middle manager the line still holds (history stays readable). */
    as(w, ADMIN);
    struct user u;
    assert_int_equal(users_deactivate(&w->cx, w->id[REPORT], &u), RC_OK);
    assert_true(authz_manages(&w->cx, w->id[MANAGER], w->id[DEEP]));
}

struct collected {
    int64_t ids[64];
    int n;
};

static enum rc collect(void *arg, const struct user *u)
{
    struct collected *c = arg;
    assert_true(c->n < 64);
    c->ids[c->n++] = u->id;
    return RC_OK;
}

static int contains(const struct collected *c, int64_t id)
{
    for (int i = 0; i < c->n; i++)
        if (c->ids[i] == id)
            return 1;
    return 0;
}

static struct users_query all_query(void)
{
    struct users_query q = {.active = -1, .manager_id = -1, .limit = USERS_LIST_MAX};
    return q;
}

static void lists_show_exactly_whom_the_actor_may_read(void **state)
{
    struct world *w = *state;
    static const char *const sees[NPEOPLE] = {
        [ADMIN] = "11111111",   [DESIGNER] = "11111111", [MANAGER] = "00111000",
        [REPORT] = "00011000",  [DEEP] = "00001000",     [COACH] = "00000110",
        [COACHEE] = "00000010", [LEARNER] = "00000001",
    };
    for (int a = 0; a < NPEOPLE; a++) {
        as(w, a);
        struct users_query q = all_query();
        struct collected c = {0};
        int64_t next = -1;
        assert_int_equal(users_list(&w->cx, &q, collect, &c, &next), RC_OK);
        assert_int_equal(next, 0);
        int want = 0;
        for (int t = 0; t < NPEOPLE; t++) {
            want += sees[a][t] == '1';
            if (contains(&c, w->id[t]) != (sees[a][t] == '1'))
                fail_msg("%s listing: %s %s", WHO[a], WHO[t],
                         sees[a][t] == '1' ? "missing" : "shown");
        }
        assert_int_equal(c.n, want);
    }
    as_user(w, w->other, w->other_admin, PEOPLE_ROLE_ADMIN);
    struct users_query q = all_query();
    struct collected c = {0};
    int64_t next;
    assert_int_equal(users_list(&w->cx, &q, collect, &c, &next), RC_OK);
    assert_int_equal(c.n, 2);
    assert_true(contains(&c, w->other_admin) && contains(&c, w->other_learner));
}

/* ---- creating ---- */

static void creating_adds_learner_and_checks_email_and_external_id(void **state)
{
    struct world *w = *state;
    as(w, ADMIN);
    struct users_change ch = {.set = USERS_EMAIL | USERS_NAME | USERS_ROLES | USERS_EXTERNAL_ID,
                              .email = "Grace.Hopper@Acme.Example",
                              .name = "Grace Hopper",
                              .roles = PEOPLE_ROLE_DESIGNER,
                              .external_id = "E-1"};
    struct user u;
    int64_t before = audit_count(w);
    assert_int_equal(users_create(&w->cx, &ch, &u), RC_OK);
    assert_int_equal(u.roles, PEOPLE_ROLE_DESIGNER | PEOPLE_ROLE_LEARNER);
    assert_string_equal(u.email, "Grace.Hopper@Acme.Example"); /* stored as typed */
    assert_int_equal(u.active, 1);
    assert_int_equal(u.created_at, FIXTURE_NOW);
    assert_int_equal(audit_count(w), before + 1);

    /* The same email in other letters is taken; so is the external id. Both are said. */
    ch.email = "grace.hopper@acme.EXAMPLE";
    assert_int_equal(users_create(&w->cx, &ch, &u), RC_CONFLICT);
    assert_int_equal(json_array_size(w->cx.details), 2);
    assert_string_equal(detail_field(&w->cx, 0), "email");
    assert_string_equal(detail_field(&w->cx, 1), "external_id");
    ctx_clear(&w->cx);
    /* In another tenant the same email is free. */
    as_user(w, w->other, w->other_admin, PEOPLE_ROLE_ADMIN);
    assert_int_equal(users_create(&w->cx, &ch, &u), RC_OK);
    as(w, ADMIN);
    assert_int_equal(audit_count(w), before + 2);

    /* Bad form: every field reported, nothing written. */
    struct users_change bad = {.set = USERS_EMAIL | USERS_NAME | USERS_DEPARTMENT,
                               .email = "not an email",
                               .name = "   ",
                               .department = "Sales\n"};
    assert_int_equal(users_create(&w->cx, &bad, &u), RC_INVALID);
    assert_int_equal(json_array_size(w->cx.details), 3);
    assert_string_equal(detail_field(&w->cx, 0), "email");
    assert_string_equal(detail_field(&w->cx, 1), "name");
    assert_string_equal(detail_field(&w->cx, 2), "department");
    ctx_clear(&w->cx);
    struct users_change missing = {0};
    assert_int_equal(users_create(&w->cx, &missing, &u), RC_INVALID);
    assert_string_equal(detail_field(&w->cx, 0), "email");
    assert_string_equal(detail_field(&w->cx, 1), "name");
    ctx_clear(&w->cx);
    assert_int_equal(audit_count(w), before + 2);

    /* Only admins create people. */
    as(w, DESIGNER);
    ch.email = "new@acme.example";
    ch.external_id = NULL;
    assert_int_equal(users_create(&w->cx, &ch, &u), RC_FORBIDDEN);
}

static void the_manager_must_be_an_active_person_of_the_tenant(void **state)
{
    struct world *w = *state;
    as(w, ADMIN);
    struct user u;
    struct users_change ch = {.set = USERS_EMAIL | USERS_NAME | USERS_MANAGER,
                              .email = "n@acme.example",
                              .name = "N",
                              .manager_id = w->other_admin};
    assert_int_equal(users_create(&w->cx, &ch, &u), RC_INVALID);
    assert_string_equal(detail_field(&w->cx, 0), "manager_id");
    ctx_clear(&w->cx);
    ch.manager_id = 999999;
    assert_int_equal(users_create(&w->cx, &ch, &u), RC_INVALID);
    ctx_clear(&w->cx);
    assert_int_equal(users_deactivate(&w->cx, w->id[LEARNER], &u), RC_OK);
    ch.manager_id = w->id[LEARNER];
    assert_int_equal(users_create(&w->cx, &ch, &u), RC_INVALID);
    assert_string_equal(detail_field(&w->cx, 0), "manager_id");
    ctx_clear(&w->cx);
    ch.manager_id = w->id[MANAGER];
    assert_int_equal(users_create(&w->cx, &ch, &u), RC_OK);
    assert_int_equal(u.manager_id, w->id[MANAGER]);
}

static void invitations_return_a_link_that_the_audit_log_never_holds(void **state)
{
    struct world *w = *state;
    as(w, ADMIN);
    struct users_change ch = {
        .set = USERS_EMAIL | USERS_NAME, .email = "invitee@acme.example", .name = "Invitee"};
    struct user u;
    char url[CREDENTIALS_LINK_URL_MAX] = "";
    assert_int_equal(users_invite(&w->cx, &ch, &u, url), RC_OK);
    assert_true(strlen(url) > 20);
    const char *token = strchr(url, '=');
    assert_non_null(token);
    struct db_stmt *st;
    assert_int_equal(db_prepare(w->db, "SELECT changes FROM audit_log", &st), RC_OK);
    int rows = 0;
    while (db_step(st) == RC_ROW) {
        rows++;
        assert_null(strstr(db_column_text(st, 0), token + 1));
        assert_null(strstr(db_column_text(st, 0), "welcome"));
    }
    db_reset(st);
    assert_true(rows > 0);
}

/* ---- changing ---- */

static void a_cycle_is_refused_and_nothing_changes(void **state)
{
    struct world *w = *state;
    as(w, ADMIN);
    int64_t before = audit_count(w);
    struct user u;
    /* The manager may not report to someone below her, however deep. */
    struct users_change ch = {.set = USERS_MANAGER, .manager_id = w->id[DEEP]};
    assert_int_equal(users_update(&w->cx, w->id[MANAGER], &ch, &u), RC_INVALID);
    assert_string_equal(detail_field(&w->cx, 0), "manager_id");
    assert_non_null(strstr(detail_message(&w->cx, 0), "cycle"));
    ctx_clear(&w->cx);
    ch.manager_id = w->id[REPORT];
    assert_int_equal(users_update(&w->cx, w->id[MANAGER], &ch, &u), RC_INVALID);
    ctx_clear(&w->cx);
    /* Nor herself. */
    ch.manager_id = w->id[MANAGER];
    assert_int_equal(users_update(&w->cx, w->id[MANAGER], &ch, &u), RC_INVALID);
    assert_string_equal(detail_field(&w->cx, 0), "manager_id");
    ctx_clear(&w->cx);
    assert_int_equal(people_get_user(&w->cx, w->id[MANAGER], &u), RC_OK);
    assert_int_equal(u.manager_id, 0);
    assert_int_equal(audit_count(w), before);
    /* Moving a whole branch elsewhere is fine, and so is leaving it without a manager. */
    ch.manager_id = w->id[LEARNER];
    assert_int_equal(users_update(&w->cx, w->id[REPORT], &ch, &u), RC_OK);
    assert_int_equal(u.manager_id, w->id[LEARNER]);
    as(w, LEARNER);
    assert_true(authz_manages(&w->cx, w->id[LEARNER], w->id[DEEP]));
    as(w, ADMIN);
    ch.manager_id = 0;
    assert_int_equal(users_update(&w->cx, w->id[REPORT], &ch, &u), RC_OK);
    assert_int_equal(u.manager_id, 0);
}

static void updates_are_audited_with_old_and_new_values(void **state)
{
    struct world *w = *state;
    as(w, ADMIN);
    struct users_change ch = {.set = USERS_NAME | USERS_DEPARTMENT | USERS_JOB_TITLE,
                              .name = "Lea <b>Bold</b>'); DROP TABLE users; --",
                              .department = "Sales",
                              .job_title = ""}; /* unchanged: not recorded */
    struct user u;
    w->cx.now = FIXTURE_NOW + 60;
    assert_int_equal(users_update(&w->cx, w->id[LEARNER], &ch, &u), RC_OK);
    assert_string_equal(u.name, "Lea <b>Bold</b>'); DROP TABLE users; --");
    assert_int_equal(u.updated_at, FIXTURE_NOW + 60);
    struct db_stmt *st;
    assert_int_equal(db_prepare(w->db,
                                "SELECT action, target_type, target_id, changes, actor_id, at "
                                "FROM audit_log ORDER BY id DESC",
                                &st),
                     RC_OK);
    assert_int_equal(db_step(st), RC_ROW);
    assert_string_equal(db_column_text(st, 0), "user.update");
    assert_string_equal(db_column_text(st, 1), "user");
    assert_int_equal(db_column_int64(st, 2), w->id[LEARNER]);
    json_t *changes = json_loads(db_column_text(st, 3), 0, NULL);
    assert_int_equal(db_column_int64(st, 4), w->id[ADMIN]);
    assert_int_equal(db_column_int64(st, 5), FIXTURE_NOW + 60);
    db_reset(st);
    assert_non_null(changes);
    assert_int_equal(json_object_size(changes), 2);
    assert_string_equal(json_string_value(json_object_get(json_object_get(changes, "name"), "old")),
                        "Learner");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(changes, "department"), "new")), "Sales");
    json_decref(changes);

    /* A change that changes nothing writes nothing. */
    int64_t before = audit_count(w);
    assert_int_equal(users_update(&w->cx, w->id[LEARNER], &ch, &u), RC_OK);
    assert_int_equal(audit_count(w), before);

    /* Only admins change people; others get 403 for people they see, 404 for the rest. */
    as(w, MANAGER);
    assert_int_equal(users_update(&w->cx, w->id[REPORT], &ch, &u), RC_FORBIDDEN);
    ctx_clear(&w->cx);
    assert_int_equal(users_update(&w->cx, w->id[LEARNER], &ch, &u), RC_NOT_FOUND);
    ctx_clear(&w->cx);
    as_user(w, w->other, w->other_admin, PEOPLE_ROLE_ADMIN);
    assert_int_equal(users_update(&w->cx, w->id[LEARNER], &ch, &u), RC_NOT_FOUND);
}

static void an_admin_cannot_lock_themselves_out(void **state)
{
    struct world *w = *state;
    as(w, ADMIN);
    struct user u;
    assert_int_equal(users_deactivate(&w->cx, w->id[ADMIN], &u), RC_CONFLICT);
    ctx_clear(&w->cx);
    struct users_change ch = {.set = USERS_ROLES, .roles = PEOPLE_ROLE_DESIGNER};
    assert_int_equal(users_update(&w->cx, w->id[ADMIN], &ch, &u), RC_INVALID);
    assert_string_equal(detail_field(&w->cx, 0), "roles");
    ctx_clear(&w->cx);
    /* Another admin may do both. */
    ch.roles = PEOPLE_ROLE_ADMIN;
    assert_int_equal(users_update(&w->cx, w->id[DESIGNER], &ch, &u), RC_OK);
    as_user(w, w->acme, w->id[DESIGNER], PEOPLE_ROLE_ADMIN);
    assert_int_equal(users_deactivate(&w->cx, w->id[ADMIN], &u), RC_OK);
    assert_int_equal(u.active, 0);
}

static void deactivation_ends_sessions_and_keeps_reports_and_history(void **state)
{
    struct world *w = *state;
    as(w, ADMIN);
    struct db_stmt *st;
    assert_int_equal(db_prepare(w->db,
                                "INSERT INTO sessions (tenant_id, user_id, token_hash, csrf_token, "
                                "created_at, last_seen_at, expires_at) VALUES ($1, $2, 'h', 'c', "
                                "0, 0, 9999999999)",
                                &st),
                     RC_OK);
    db_bind_int64(st, 1, w->acme);
    db_bind_int64(st, 2, w->id[REPORT]);
    assert_int_equal(db_step(st), RC_DONE);
    db_reset(st);
    struct user u;
    w->cx.now = FIXTURE_NOW + 100;
    assert_int_equal(users_deactivate(&w->cx, w->id[REPORT], &u), RC_OK);
    assert_int_equal(u.active, 0);
    assert_int_equal(
        query_int(w->db, "SELECT COUNT(*) FROM sessions WHERE user_id = $1", w->id[REPORT], 0), 0);
    assert_int_equal(
        query_int(w->db, "SELECT deactivated_at FROM users WHERE id = $1", w->id[REPORT], 0),
        FIXTURE_NOW + 100);
    /* The report below keeps her manager; the manager is no longer one (no active reports). */
    assert_int_equal(people_get_user(&w->cx, w->id[DEEP], &u), RC_OK);
    assert_int_equal(u.manager_id, w->id[REPORT]);
    struct users_detail d;
    assert_int_equal(users_get(&w->cx, w->id[MANAGER], &u, &d), RC_OK);
    assert_false(d.is_manager);
    assert_int_equal(d.direct_report_count, 0);
    assert_int_equal(users_get(&w->cx, w->id[REPORT], &u, &d), RC_OK);
    assert_true(d.is_manager);
    assert_int_equal(d.direct_report_count, 1);
    /* Deactivating again is a no-op; reactivating is audited as such. */
    int64_t before = audit_count(w);
    assert_int_equal(users_deactivate(&w->cx, w->id[REPORT], &u), RC_OK);
    assert_int_equal(audit_count(w), before);
    struct users_change ch = {.set = USERS_ACTIVE, .active = 1};
    assert_int_equal(users_update(&w->cx, w->id[REPORT], &ch, &u), RC_OK);
    assert_int_equal(u.active, 1);
    assert_int_equal(
        query_int(w->db, "SELECT COUNT(*) FROM users WHERE id = $1 AND deactivated_at IS NULL",
                  w->id[REPORT], 0),
        1);
    assert_int_equal(audit_count(w), before + 1);
    assert_int_equal(db_prepare(w->db, "SELECT action FROM audit_log ORDER BY id DESC", &st),
                     RC_OK);
    assert_int_equal(db_step(st), RC_ROW);
    assert_string_equal(db_column_text(st, 0), "user.reactivate");
    db_reset(st);
}

static void coaches_must_hold_the_coach_role(void **state)
{
    struct world *w = *state;
    as(w, ADMIN);
    struct users_detail d;
    assert_int_equal(users_set_coach(&w->cx, w->id[LEARNER], w->id[DESIGNER], &d), RC_INVALID);
    assert_string_equal(detail_field(&w->cx, 0), "coach_id");
    ctx_clear(&w->cx);
    assert_int_equal(users_set_coach(&w->cx, w->id[COACH], w->id[COACH], &d), RC_INVALID);
    ctx_clear(&w->cx);
    assert_int_equal(users_set_coach(&w->cx, w->id[LEARNER], w->other_admin, &d), RC_INVALID);
    ctx_clear(&w->cx);
    assert_int_equal(users_set_coach(&w->cx, w->id[LEARNER], w->id[COACH], &d), RC_OK);
    assert_int_equal(d.coach_id, w->id[COACH]);
    as(w, COACH);
    struct user u;
    assert_int_equal(users_get(&w->cx, w->id[LEARNER], &u, NULL), RC_OK);
    as(w, ADMIN);
    assert_int_equal(users_set_coach(&w->cx, w->id[LEARNER], 0, &d), RC_OK);
    assert_int_equal(d.coach_id, 0);
    as(w, COACH);
    assert_int_equal(users_get(&w->cx, w->id[LEARNER], &u, NULL), RC_NOT_FOUND);
    as(w, DESIGNER);
    assert_int_equal(users_set_coach(&w->cx, w->id[LEARNER], w->id[COACH], &d), RC_FORBIDDEN);
}

/* ---- listing ---- */

static void lists_filter_order_and_page(void **state)
{
    struct world *w = *state;
    as(w, ADMIN);
    add(w, w->acme, "100% Sure_Thing", "sure@acme.example", 0, w->id[MANAGER]);
    add(w, w->acme, "Zoë Écrivain", "zoe@acme.example", PEOPLE_ROLE_COACH, w->id[MANAGER]);
    struct users_query q = all_query();
    struct collected c = {0};
    int64_t next;

    /* q matches name or email, case-insensitively; % and _ are literal. */
    q.q = "ACME.example";
    assert_int_equal(users_list(&w->cx, &q, collect, &c, &next), RC_OK);
    assert_int_equal(c.n, NPEOPLE + 2);
    c.n = 0;
    q.q = "0% s";
    assert_int_equal(users_list(&w->cx, &q, collect, &c, &next), RC_OK);
    assert_int_equal(c.n, 1);
    c.n = 0;
    q.q = "e_a"; /* would match "sure@acme" with _ as a wildcard */
    assert_int_equal(users_list(&w->cx, &q, collect, &c, &next), RC_OK);
    assert_int_equal(c.n, 0);

    q = all_query();
    q.manager_id = w->id[MANAGER];
    assert_int_equal(users_list(&w->cx, &q, collect, &c, &next), RC_OK);
    assert_int_equal(c.n, 3);
    c.n = 0;
    q = all_query();
    q.role = PEOPLE_ROLE_COACH;
    assert_int_equal(users_list(&w->cx, &q, collect, &c, &next), RC_OK);
    assert_int_equal(c.n, 2);
    c.n = 0;

    struct users_change ch = {.set = USERS_DEPARTMENT, .department = "Sales"};
    struct user u;
    assert_int_equal(users_update(&w->cx, w->id[LEARNER], &ch, &u), RC_OK);
    assert_int_equal(users_deactivate(&w->cx, w->id[DEEP], &u), RC_OK);
    q = all_query();
    q.department = "sales";
    assert_int_equal(users_list(&w->cx, &q, collect, &c, &next), RC_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.ids[0], w->id[LEARNER]);
    c.n = 0;
    q = all_query();
    q.active = 0;
    assert_int_equal(users_list(&w->cx, &q, collect, &c, &next), RC_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.ids[0], w->id[DEEP]);
    c.n = 0;

    /* Pages of three, by name then id, until the cursor runs out; two people share a name. */
    add(w, w->acme, "Admin", "admin2@acme.example", 0, 0);
    struct collected all = {0};
    q = all_query();
    q.limit = 3;
    int pages = 0;
    do {
        assert_int_equal(users_list(&w->cx, &q, collect, &all, &next), RC_OK);
        q.after_id = next;
        pages++;
    } while (next);
    assert_int_equal(all.n, NPEOPLE + 3);
    assert_int_equal(pages, (NPEOPLE + 3 + 2) / 3);
    struct user prev, cur;
    for (int i = 1; i < all.n; i++) {
        assert_int_equal(people_get_user(&w->cx, all.ids[i - 1], &prev), RC_OK);
        assert_int_equal(people_get_user(&w->cx, all.ids[i], &cur), RC_OK);
        int order = strcmp(prev.name, cur.name);
        assert_true(order < 0 || (order == 0 && prev.id < cur.id));
    }
    /* A cursor from another tenant is refused. */
    q.after_id = w->other_admin;
    assert_int_equal(users_list(&w->cx, &q, collect, &c, &next), RC_BAD_REQUEST);
    assert_string_equal(detail_field(&w->cx, 0), "cursor");
}

/* ---- handlers ---- */

static void handler(struct world *w, enum rc (*h)(struct ctx *, const struct req *, struct resp *),
                    const char *method, const char *id, const char *body, enum rc want,
                    struct resp *rs)
{
    struct fake_req f;
    fake_req_init(&f, method, "/api/v1/users");
    json_t *j = NULL;
    if (body)
        assert_int_equal(jsonx_parse(&w->cx, body, strlen(body), &j), RC_OK);
    f.rq.json = j;
    if (id) {
        f.rq.params[0] = id;
        f.rq.nparams = 1;
    }
    resp_init(rs);
    enum rc rc = h(&w->cx, &f.rq, rs);
    if (rc != want)
        fail_msg("%s %s: %s (%s), wanted %s", method, body ? body : "", rc_name(rc), w->cx.message,
                 rc_name(want));
    json_decref(j);
}

static void the_handlers_validate_strictly_and_render_users(void **state)
{
    struct world *w = *state;
    as(w, ADMIN);
    struct resp rs;
    handler(w, users_api_create, "POST", NULL,
            "{\"email\":\"x@acme.example\",\"name\":\"X\",\"password\":\"no\",\"roles\":[\"boss\"],"
            "\"manager_id\":\"7\"}",
            RC_INVALID, &rs);
    assert_int_equal(json_array_size(w->cx.details), 3);
    assert_string_equal(detail_field(&w->cx, 0), "password");
    resp_free(&rs);
    ctx_clear(&w->cx);
    handler(w, users_api_create, "POST", NULL, NULL, RC_INVALID, &rs);
    resp_free(&rs);
    ctx_clear(&w->cx);

    char body[256];
    snprintf(body, sizeof body,
             "{\"email\":\"x@acme.example\",\"name\":\"<script>alert(1)</script>\","
             "\"roles\":[\"coach\"],\"manager_id\":%lld,\"external_id\":null}",
             (long long)w->id[MANAGER]);
    handler(w, users_api_create, "POST", NULL, body, RC_OK, &rs);
    assert_int_equal(rs.status, 201);
    json_t *out = json_loads(rs.body.data, 0, NULL);
    resp_free(&rs);
    json_t *user = json_object_get(out, "user");
    assert_string_equal(json_string_value(json_object_get(user, "name")),
                        "<script>alert(1)</script>");
    assert_int_equal(json_array_size(json_object_get(user, "roles")), 2);
    assert_true(json_is_null(json_object_get(user, "external_id")));
    assert_null(json_object_get(user, "password_hash"));
    assert_true(json_is_string(json_object_get(out, "invitation_url")));
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(user, "id")));
    json_decref(out);

    /* PATCH: null clears the manager, unknown and null-for-required fields are refused. */
    handler(w, users_api_update, "PATCH", id, "{\"manager_id\":null,\"department\":\"Ops\"}", RC_OK,
            &rs);
    out = json_loads(rs.body.data, 0, NULL);
    resp_free(&rs);
    assert_true(json_is_null(json_object_get(out, "manager_id")));
    assert_string_equal(json_string_value(json_object_get(out, "department")), "Ops");
    json_decref(out);
    handler(w, users_api_update, "PATCH", id, "{\"name\":null,\"id\":3}", RC_INVALID, &rs);
    assert_int_equal(json_array_size(w->cx.details), 2);
    resp_free(&rs);
    ctx_clear(&w->cx);
    handler(w, users_api_update, "PATCH", "abc", "{}", RC_NOT_FOUND, &rs);
    resp_free(&rs);
    ctx_clear(&w->cx);

    /* GET adds the manager facts. */
    snprintf(id, sizeof id, "%lld", (long long)w->id[MANAGER]);
    handler(w, users_api_get, "GET", id, NULL, RC_OK, &rs);
    out = json_loads(rs.body.data, 0, NULL);
    resp_free(&rs);
    assert_true(json_is_true(json_object_get(out, "is_manager")));
    assert_int_equal(json_integer_value(json_object_get(out, "direct_report_count")), 1);
    json_decref(out);

    /* DELETE deactivates and answers with the user. */
    snprintf(id, sizeof id, "%lld", (long long)w->id[LEARNER]);
    handler(w, users_api_deactivate, "DELETE", id, NULL, RC_OK, &rs);
    out = json_loads(rs.body.data, 0, NULL);
    resp_free(&rs);
    assert_true(json_is_false(json_object_get(out, "active")));
    json_decref(out);

    /* PUT coach. */
    snprintf(id, sizeof id, "%lld", (long long)w->id[DEEP]);
    snprintf(body, sizeof body, "{\"coach_id\":%lld}", (long long)w->id[COACH]);
    handler(w, users_api_set_coach, "PUT", id, body, RC_OK, &rs);
    resp_free(&rs);
    handler(w, users_api_set_coach, "PUT", id, "{}", RC_INVALID, &rs);
    resp_free(&rs);
    ctx_clear(&w->cx);
    handler(w, users_api_set_coach, "PUT", id, "{\"coach_id\":null}", RC_OK, &rs);
    resp_free(&rs);
}

/* ---- audit ---- */

struct entries {
    int64_t ids[64];
    char actions[64][32];
    int actor_known[64];
    int n;
};

static enum rc collect_entry(void *arg, const struct audit_entry *e)
{
    struct entries *es = arg;
    assert_true(es->n < 64);
    es->ids[es->n] = e->id;
    snprintf(es->actions[es->n], sizeof es->actions[0], "%s", e->action);
    es->actor_known[es->n] = e->actor_name != NULL;
    es->n++;
    return RC_OK;
}

static void the_audit_log_filters_pages_and_drops_secrets(void **state)
{
    struct world *w = *state;
    as(w, ADMIN);
    w->cx.now = FIXTURE_NOW + 1000;
    assert_int_equal(
        audit_record(&w->cx, "test.secret", "user", w->id[LEARNER],
                     json_pack("{s:s, s:s, s:s}", "password", "hunter2hunter2", "invitation_url",
                               "/welcome#token=abc", "name", "kept")),
        RC_OK);
    assert_int_equal(
        query_int(w->db, "SELECT COUNT(*) FROM audit_log WHERE changes = '{\"name\":\"kept\"}'", 0,
                  0),
        1);

    /* Setup wrote one user.create per person of acme plus the coach assignment (by the
     * admin); the secret entry makes one more. */
    struct audit_query q = {.limit = AUDIT_LIST_MAX};
    struct entries es = {0};
    int64_t next;
    assert_int_equal(audit_list(&w->cx, &q, collect_entry, &es, &next), RC_OK);
    assert_int_equal(es.n, NPEOPLE + 2);
    assert_string_equal(es.actions[0], "test.secret"); /* newest first */
    assert_true(es.actor_known[0]);
    assert_false(es.actor_known[es.n - 1]); /* the CLI has no user */
    for (int i = 1; i < es.n; i++)
        assert_true(es.ids[i] < es.ids[i - 1]);

    q.action = "user.create";
    es.n = 0;
    assert_int_equal(audit_list(&w->cx, &q, collect_entry, &es, &next), RC_OK);
    assert_int_equal(es.n, NPEOPLE);
    q.action = NULL;
    q.has_from = 1;
    q.from = FIXTURE_NOW + 1;
    es.n = 0;
    assert_int_equal(audit_list(&w->cx, &q, collect_entry, &es, &next), RC_OK);
    assert_int_equal(es.n, 1);
    q.has_from = 0;
    q.has_to = 1;
    q.to = FIXTURE_NOW;
    q.target_type = "user";
    q.target_id = w->id[COACHEE];
    es.n = 0;
    assert_int_equal(audit_list(&w->cx, &q, collect_entry, &es, &next), RC_OK);
    assert_int_equal(es.n, 2); /* created, then given a coach */
    q = (struct audit_query){.limit = AUDIT_LIST_MAX, .actor_id = w->id[ADMIN]};
    es.n = 0;
    assert_int_equal(audit_list(&w->cx, &q, collect_entry, &es, &next), RC_OK);
    assert_int_equal(es.n, 2); /* the coach assignment and the test entry */

    /* Paging by two. */
    q = (struct audit_query){.limit = 2};
    int seen = 0;
    es.n = 0;
    do {
        assert_int_equal(audit_list(&w->cx, &q, collect_entry, &es, &next), RC_OK);
        q.before_id = next;
        seen++;
    } while (next);
    assert_int_equal(es.n, NPEOPLE + 2);
    assert_int_equal(seen, (NPEOPLE + 2 + 1) / 2);

    /* Other tenants see none of it; only admins read it. */
    as_user(w, w->other, w->other_admin, PEOPLE_ROLE_ADMIN);
    q = (struct audit_query){.limit = AUDIT_LIST_MAX};
    es.n = 0;
    assert_int_equal(audit_list(&w->cx, &q, collect_entry, &es, &next), RC_OK);
    assert_int_equal(es.n, 2);
    as(w, DESIGNER);
    assert_int_equal(audit_list(&w->cx, &q, collect_entry, &es, &next), RC_FORBIDDEN);
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
        T(the_authorisation_table_holds_for_every_pair),
        T(manages_is_transitive_and_never_reflexive),
        T(lists_show_exactly_whom_the_actor_may_read),
        T(creating_adds_learner_and_checks_email_and_external_id),
        T(the_manager_must_be_an_active_person_of_the_tenant),
        T(invitations_return_a_link_that_the_audit_log_never_holds),
        T(a_cycle_is_refused_and_nothing_changes),
        T(updates_are_audited_with_old_and_new_values),
        T(an_admin_cannot_lock_themselves_out),
        T(deactivation_ends_sessions_and_keeps_reports_and_history),
        T(coaches_must_hold_the_coach_role),
        T(lists_filter_order_and_page),
        T(the_handlers_validate_strictly_and_render_users),
        T(the_audit_log_filters_pages_and_drops_secrets),
    };
    log_set_level(LOG_ERROR);
    int failed = cmocka_run_group_tests_name("users (sqlite)", tests, group_sqlite, NULL);
    const char *url = getenv("WAYMARK_TEST_PG_URL");
    if (url && *url)
        failed += cmocka_run_group_tests_name("users (postgres)", tests, group_postgres, NULL);
    else
        printf("[  SKIPPED ] postgres: set WAYMARK_TEST_PG_URL to run these tests there too\n");
    return failed ? 1 : 0;
}
