/*
 * test_activity.c — the learner's side (activity.h): statuses, completing, sign-off and
 * the enrolment's progress, every refusal, evidence files through the upload handler,
 * downloads, the journey and the sign-off queue.
 *
 * Each test starts from a fresh database with two organisations. acme (Europe/London)
 * has a reporting line boss → manager → learner and peer, a coach, a second coach, an
 * outsider, an admin and a designer; other has one person. A published 8-step workflow
 * covers every completion kind. Enrolments and activities are seeded with SQL (as the
 * enrolment module would write them) at dates around FIXTURE_NOW, Tuesday 1 December
 * 2026 09:00 UTC (London is on UTC in December). Handlers run through fake requests
 * inside a transaction, as the router runs them. Runs on SQLite and again on PostgreSQL
 * when WAYMARK_TEST_PG_URL is set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity/activity.h"
#include "activity/activity_api.h"
#include "core/cache.h"
#include "core/date.h"
#include "core/jsonx.h"
#include "core/log.h"
#include "core/tz.h"
#include "enrolment/enrolment.h"
#include "fixture.h"
#include "people/people.h"
#include "people/users.h"
#include "tenant/tenant.h"
#include "workflow/workflow.h"

#define DAY 86400
/* 2026-12-01T00:00:00Z: the start of FIXTURE_NOW's local day in London. */
#define D0       (FIXTURE_NOW - 9 * 3600)
#define START(n) (D0 + (int64_t)(n)*DAY)
#define END(n)   (D0 + (int64_t)((n) + 1) * DAY - 1)

enum { S_LEARN, S_REFLECT, S_EVIDENCE, S_MANAGER, S_COACH, S_ASSESS, S_LATER, S_FAR, NSTEPS };

struct world {
    const char *pg_url;
    char schema[96];
    struct db *db;
    struct ctx cx;
    int64_t acme, other;
    int64_t admin, designer, boss, manager, learner, peer, coach, coach2, outsider, stranger;
    int64_t workflow, version;
    int64_t steps[NSTEPS]; /* workflow_version_steps ids */
    int64_t enrolment;     /* the learner's, coached by coach */
    int64_t act[NSTEPS];   /* its activities, one per step */
};

/* Acts as user with roles, at FIXTURE_NOW. */
static void as(struct world *w, int64_t user, unsigned roles)
{
    ctx_clear(&w->cx);
    w->cx.actor.tenant_id = user == w->stranger ? w->other : w->acme;
    w->cx.actor.user_id = user;
    w->cx.actor.roles = roles | PEOPLE_ROLE_LEARNER;
    w->cx.now = FIXTURE_NOW;
}

static unsigned roles_of(struct world *w, int64_t user)
{
    if (user == w->admin)
        return PEOPLE_ROLE_ADMIN;
    if (user == w->designer)
        return PEOPLE_ROLE_DESIGNER;
    if (user == w->coach || user == w->coach2)
        return PEOPLE_ROLE_COACH;
    return 0;
}

static void act_as(struct world *w, int64_t user)
{
    as(w, user, roles_of(w, user));
}

static int64_t add_user(struct world *w, int64_t tenant, const char *email, unsigned roles,
                        int64_t manager)
{
    w->cx.actor.tenant_id = tenant;
    w->cx.actor.user_id = 0;
    w->cx.actor.roles = PEOPLE_ROLE_ADMIN;
    ctx_clear(&w->cx);
    struct users_change ch = {.set = USERS_EMAIL | USERS_NAME | USERS_ROLES |
                                     (manager ? USERS_MANAGER : 0),
                              .email = email,
                              .name = email,
                              .roles = roles,
                              .manager_id = manager};
    struct user u;
    assert_int_equal(users_create(&w->cx, &ch, &u), RC_OK);
    return u.id;
}

static struct workflow_step step(int64_t phase, const char *title, enum workflow_kind kind,
                                 enum workflow_completion completion,
                                 enum workflow_evidence evidence)
{
    struct workflow_step s = {.phase_id = phase,
                              .kind = kind,
                              .title = (char *)title,
                              .instructions = (char *)"Do it **today**. <script>x</script>",
                              .link_url = (char *)"https://example.com/read",
                              .release_offset_days = 0,
                              .due_offset_days = 1,
                              .effort_minutes = 15,
                              .completion = completion,
                              .evidence = evidence,
                              .manager_prompt = (char *)"Ask what they noticed."};
    return s;
}

static int64_t sql_value(struct world *w, const char *sql, int64_t a, int64_t b)
{
    int64_t v = -1;
    assert_int_equal(DB_VALUE(w->db, sql, &v, DB_INT(a), DB_INT(b)), RC_OK);
    return v;
}

static int64_t sql_value1(struct world *w, const char *sql, int64_t a)
{
    int64_t v = -1;
    assert_int_equal(DB_VALUE(w->db, sql, &v, DB_INT(a)), RC_OK);
    return v;
}

/* An enrolment of user with coach (0: none) and status, no activities yet. */
static int64_t add_enrolment(struct world *w, int64_t user, int64_t coach, const char *status)
{
    int64_t id = 0;
    assert_int_equal(
        DB_VALUE(w->db,
                 "INSERT INTO enrolments (tenant_id, workflow_id, version_id, "
                 "user_id, coach_id, status, start_date, total_steps, created_at, "
                 "updated_at) VALUES ($1, $2, $3, $4, $5, $6, '2026-11-27', 0, $7, $7) "
                 "RETURNING id",
                 &id, DB_INT(w->acme), DB_INT(w->workflow), DB_INT(w->version), DB_INT(user),
                 DB_INT_OR_NULL(coach), DB_TEXT(status), DB_INT(FIXTURE_NOW - 4 * DAY)),
        RC_OK);
    return id;
}

static int64_t add_activity(struct world *w, int64_t enrolment, int64_t user, int s, int seq,
                            int64_t release_at, int64_t due_at)
{
    int64_t id = 0;
    assert_int_equal(DB_VALUE(w->db,
                              "INSERT INTO activities (tenant_id, enrolment_id, user_id, step_id, "
                              "seq, release_at, due_at, planned_due_at, updated_at) "
                              "VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id",
                              &id, DB_INT(w->acme), DB_INT(enrolment), DB_INT(user),
                              DB_INT(w->steps[s]), DB_INT(seq), DB_INT(release_at), DB_INT(due_at),
                              DB_INT(FIXTURE_NOW - 4 * DAY)),
                     RC_OK);
    assert_int_equal(DB_RUN(w->db,
                            "UPDATE enrolments SET total_steps = total_steps + 1 WHERE id = $1",
                            NULL, DB_INT(enrolment)),
                     RC_OK);
    return id;
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    w->pg_url = *state;
    w->db = fixture_db_on(w->pg_url, "activity", w->schema);
    fixture_ctx(&w->cx, w->db);
    struct tenant t;
    assert_int_equal(tenant_create(&w->cx, "acme", "Acme", "Europe/London", &t), RC_OK);
    w->acme = t.id;
    assert_int_equal(tenant_create(&w->cx, "other", "Other", "UTC", &t), RC_OK);
    w->other = t.id;
    w->admin = add_user(w, w->acme, "admin@acme.example", PEOPLE_ROLE_ADMIN, 0);
    w->designer = add_user(w, w->acme, "designer@acme.example", PEOPLE_ROLE_DESIGNER, 0);
    w->boss = add_user(w, w->acme, "boss@acme.example", 0, 0);
    w->manager = add_user(w, w->acme, "manager@acme.example", 0, w->boss);
    w->learner = add_user(w, w->acme, "learner@acme.example", 0, w->manager);
    w->peer = add_user(w, w->acme, "peer@acme.example", 0, w->manager);
    w->coach = add_user(w, w->acme, "coach@acme.example", PEOPLE_ROLE_COACH, 0);
    w->coach2 = add_user(w, w->acme, "coach2@acme.example", PEOPLE_ROLE_COACH, 0);
    w->outsider = add_user(w, w->acme, "outsider@acme.example", 0, 0);
    w->stranger = add_user(w, w->other, "stranger@other.example", 0, 0);

    act_as(w, w->designer);
    struct workflow_change ch = {.set = WORKFLOW_F_WF_TITLE | WORKFLOW_F_WF_OUTCOME,
                                 .title = "Giving feedback",
                                 .outcome = "People give specific feedback."};
    assert_int_equal(workflow_create(&w->cx, &ch, &w->workflow), RC_OK);
    struct workflow_phase p1 = {0}, p2 = {0};
    assert_int_equal(workflow_phase_add(&w->cx, w->workflow, "Week 1 — notice", 0, &p1), RC_OK);
    assert_int_equal(workflow_phase_add(&w->cx, w->workflow, "Week 2", 0, &p2), RC_OK);
    struct workflow_step steps[NSTEPS] = {
        step(p1.id, "Read the guide", WORKFLOW_LEARN, WORKFLOW_BY_SELF, WORKFLOW_EVIDENCE_NONE),
        step(p1.id, "Reflect", WORKFLOW_REFLECT, WORKFLOW_BY_SELF, WORKFLOW_EVIDENCE_NONE),
        step(p1.id, "Try it", WORKFLOW_PRACTISE, WORKFLOW_BY_SELF, WORKFLOW_EVIDENCE_REQUIRED),
        step(p1.id, "Talk to your manager", WORKFLOW_DISCUSS, WORKFLOW_BY_MANAGER,
             WORKFLOW_EVIDENCE_OPTIONAL),
        step(p2.id, "Coaching", WORKFLOW_COACH, WORKFLOW_BY_COACH, WORKFLOW_EVIDENCE_OPTIONAL),
        step(p2.id, "Assessment", WORKFLOW_ASSESS, WORKFLOW_BY_ASSESSOR, WORKFLOW_EVIDENCE_NONE),
        step(p2.id, "Later", WORKFLOW_LEARN, WORKFLOW_BY_SELF, WORKFLOW_EVIDENCE_NONE),
        step(p2.id, "Far away", WORKFLOW_LEARN, WORKFLOW_BY_SELF, WORKFLOW_EVIDENCE_NONE),
    };
    for (int i = 0; i < NSTEPS; i++) {
        struct workflow_step out;
        assert_int_equal(workflow_step_add(&w->cx, w->workflow, &steps[i], &out), RC_OK);
        workflow_step_clear(&out);
    }
    free(p1.name);
    free(p2.name);
    int version = 0;
    assert_int_equal(workflow_publish(&w->cx, w->workflow, &version), RC_OK);
    w->version =
        sql_value(w, "SELECT id FROM workflow_versions WHERE workflow_id = $1 AND version = $2",
                  w->workflow, version);
    for (int i = 0; i < NSTEPS; i++) {
        int64_t id = 0;
        assert_int_equal(
            DB_VALUE(w->db,
                     "SELECT s.id FROM workflow_version_steps s JOIN workflow_version_phases p "
                     "ON p.id = s.version_phase_id WHERE s.version_id = $1 AND s.title = $2",
                     &id, DB_INT(w->version), DB_TEXT(steps[i].title)),
            RC_OK);
        w->steps[i] = id;
    }

    /* The learner's enrolment, coached by coach, at the dates the journey groups by. */
    w->enrolment = add_enrolment(w, w->learner, w->coach, "active");
    static const int days[NSTEPS][2] = {{-2, -1}, {-1, 0}, {-1, 2}, {0, 3},
                                        {0, 4},   {0, 5},  {3, 6},  {20, 25}};
    for (int i = 0; i < NSTEPS; i++)
        w->act[i] =
            add_activity(w, w->enrolment, w->learner, i, i + 1, START(days[i][0]), END(days[i][1]));
    act_as(w, w->learner);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    const char *pg_url = w->pg_url;
    ctx_clear(&w->cx);
    fixture_db_drop(w->db, w->pg_url, w->schema);
    free(w);
    *state = (void *)pg_url;
    return 0;
}

/* ---- calling handlers ---------------------------------------------------------------- */

typedef enum rc (*route_handler_t)(struct ctx *, const struct req *, struct resp *);

struct call {
    struct fake_req f;
    struct resp rs;
    json_t *json; /* the parsed answer, when it was JSON */
    int status;
};

/* Runs handler as the current actor inside a transaction, like the router: params p0,
 * p1 (NULL: none), a JSON body (NULL: none), or a raw body with its content type. */
static void call_raw(struct world *w, struct call *c, route_handler_t handler, const char *method,
                     const char *p0, const char *p1, const char *content_type, const char *body,
                     size_t len)
{
    memset(c, 0, sizeof *c);
    fake_req_init(&c->f, method, "/test");
    c->f.rq.params[0] = p0;
    c->f.rq.params[1] = p1;
    c->f.rq.nparams = p1 ? 2 : p0 ? 1 : 0;
    c->f.rq.content_type = content_type;
    c->f.rq.body = body ? body : "";
    c->f.rq.body_len = body ? len : 0;
    json_t *parsed = NULL;
    if (body && content_type && strcmp(content_type, "application/json") == 0)
        assert_int_equal(jsonx_parse(&w->cx, body, len, &parsed), RC_OK);
    c->f.rq.json = parsed;
    resp_init(&c->rs);
    ctx_clear(&w->cx);
    assert_int_equal(db_begin(w->db, strcmp(method, "GET") != 0), RC_OK);
    enum rc rc = handler(&w->cx, &c->f.rq, &c->rs);
    if (rc == RC_OK)
        assert_int_equal(db_commit(w->db), RC_OK);
    else
        db_rollback(w->db);
    if (rc)
        resp_error(&c->rs, &w->cx, rc);
    c->status = c->rs.status;
    json_decref(parsed);
    if (c->rs.content_type && strstr(c->rs.content_type, "json") && c->rs.body.len)
        c->json = json_loadb(c->rs.body.data, c->rs.body.len, 0, NULL);
}

static void call_done(struct call *c)
{
    json_decref(c->json);
    resp_free(&c->rs);
}

/* Calls handler on activity id with a JSON body; returns the status and frees the
 * answer unless out is given (then the caller calls call_done). */
static int call_json(struct world *w, route_handler_t handler, const char *method, int64_t id,
                     const char *body, struct call *out)
{
    char idtext[24];
    struct call c;
    snprintf(idtext, sizeof idtext, "%lld", (long long)id);
    call_raw(w, &c, handler, method, idtext, NULL, body ? "application/json" : NULL, body,
             body ? strlen(body) : 0);
    int status = c.status;
    if (out)
        *out = c;
    else
        call_done(&c);
    return status;
}

static const char *error_code(const struct call *c)
{
    return json_string_value(json_object_get(json_object_get(c->json, "error"), "code"));
}

/* Completes activity id with body as the current actor: the status, and the error code
 * (or "") into code. */
static int complete(struct world *w, int64_t id, const char *body, char *code, size_t size)
{
    struct call c;
    int status = call_json(w, activity_api_complete, "POST", id, body ? body : "{}", &c);
    const char *e = error_code(&c);
    snprintf(code, size, "%s", e ? e : "");
    call_done(&c);
    return status;
}

static int sign_off(struct world *w, int64_t id, const char *body, char *code, size_t size)
{
    struct call c;
    int status = call_json(w, activity_api_signoff, "POST", id, body, &c);
    const char *e = error_code(&c);
    snprintf(code, size, "%s", e ? e : "");
    call_done(&c);
    return status;
}

/* The activity as GET answers it to the current actor (caller decrefs). */
static json_t *get(struct world *w, int64_t id)
{
    struct call c;
    assert_int_equal(call_json(w, activity_api_get, "GET", id, NULL, &c), 200);
    json_t *j = json_incref(c.json);
    call_done(&c);
    return j;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "(null)";
}

static int64_t num(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static const char *status_of(struct world *w, int64_t id)
{
    static char text[32];
    json_t *j = get(w, id);
    snprintf(text, sizeof text, "%s", str(j, "status"));
    json_decref(j);
    return text;
}

/* ---- statuses and summaries ----------------------------------------------------------- */

static void statuses_follow_state_release_and_return(void **state)
{
    struct world *w = *state;
    assert_int_equal(activity_status_of(ACTIVITY_OPEN, 100, 0, 99), ACTIVITY_LOCKED);
    assert_int_equal(activity_status_of(ACTIVITY_OPEN, 100, 0, 100), ACTIVITY_AVAILABLE);
    assert_int_equal(activity_status_of(ACTIVITY_OPEN, 100, 150, 200), ACTIVITY_RETURNED);
    assert_int_equal(activity_status_of(ACTIVITY_AWAITING, 100, 0, 0), ACTIVITY_AWAITING_SIGNOFF);
    assert_int_equal(activity_status_of(ACTIVITY_COMPLETED, 100, 0, 0), ACTIVITY_DONE);
    assert_int_equal(activity_status_of(ACTIVITY_SKIPPED, 100, 0, 0), ACTIVITY_SKIP);
    assert_string_equal(activity_status_name(ACTIVITY_RETURNED), "returned");
    assert_int_equal(activity_state_parse("awaiting_signoff"), ACTIVITY_AWAITING);
    assert_int_equal(activity_state_parse("nope"), -1);

    json_t *a = json_array();
    assert_int_equal(activity_enrolment_summaries(&w->cx, w->enrolment, a), RC_OK);
    assert_int_equal(json_array_size(a), NSTEPS);
    json_t *first = json_array_get(a, 0);
    assert_int_equal(num(first, "id"), w->act[S_LEARN]);
    assert_int_equal(num(first, "enrolment_id"), w->enrolment);
    assert_string_equal(str(first, "workflow_title"), "Giving feedback");
    assert_int_equal(num(first, "seq"), 1);
    assert_int_equal(num(first, "phase"), 1);
    assert_string_equal(str(first, "phase_name"), "Week 1 — notice");
    assert_string_equal(str(first, "kind"), "learn");
    assert_string_equal(str(first, "title"), "Read the guide");
    assert_int_equal(num(first, "effort_minutes"), 15);
    assert_string_equal(str(first, "completion"), "self");
    assert_string_equal(str(first, "evidence"), "none");
    assert_string_equal(str(first, "status"), "available");
    assert_string_equal(str(first, "release_at"), "2026-11-29T00:00:00Z");
    assert_string_equal(str(first, "due_at"), "2026-11-30T23:59:59Z");
    assert_string_equal(str(first, "due_date"), "2026-11-30");
    assert_true(json_is_null(json_object_get(first, "completed_at")));
    assert_true(json_is_false(json_object_get(first, "returned")));
    json_t *later = json_array_get(a, S_LATER);
    assert_string_equal(str(later, "status"), "locked");
    assert_int_equal(num(later, "phase"), 2);
    assert_string_equal(str(later, "due_date"), "2026-12-07");
    json_decref(a);
}

/* due_date is the local date of due_at, across daylight-saving changes and in a zone
 * with half-hour changes, for instants at the end of a day and anywhere in it. */
static void due_dates_are_local_dates_all_year(void **state)
{
    struct world *w = *state;
    static const char *const zones[] = {"Europe/London", "Australia/Lord_Howe", "America/Sao_Paulo",
                                        "Asia/Kolkata"};
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        assert_int_equal(DB_RUN(w->db, "UPDATE tenants SET time_zone = $1 WHERE id = $2", NULL,
                                DB_TEXT(zones[z]), DB_INT(w->acme)),
                         RC_OK);
        int64_t e = add_enrolment(w, w->peer, 0, "active");
        int64_t today;
        assert_int_equal(tz_date_of(zones[z], FIXTURE_NOW, &today), RC_OK);
        int n = 0;
        int64_t instants[900];
        for (int d = -200; d < 250; d++) {
            int64_t end;
            assert_int_equal(tz_day_start(zones[z], today + d + 1, &end), RC_OK);
            instants[n++] = end - 1;
            instants[n++] = end - 1 - (int64_t)((d * 7919) % 86000 + 86000) % 86000;
        }
        for (int i = 0; i < n; i++)
            add_activity(w, e, w->peer, S_LEARN, i + 1, instants[i] - DAY, instants[i]);
        json_t *a = json_array();
        assert_int_equal(activity_enrolment_summaries(&w->cx, e, a), RC_OK);
        assert_int_equal(json_array_size(a), n);
        for (int i = 0; i < n; i++) {
            int64_t day;
            char want[DATE_TEXT];
            assert_int_equal(tz_date_of(zones[z], instants[i], &day), RC_OK);
            date_format(day, want);
            const char *got = str(json_array_get(a, (size_t)i), "due_date");
            if (strcmp(got, want) != 0)
                fail_msg("%s: due_at %lld: due_date %s, want %s", zones[z], (long long)instants[i],
                         got, want);
        }
        json_decref(a);
    }
    /* docs/enrolments.md: the London examples either side of 28 March 2027. */
    assert_int_equal(DB_RUN(w->db, "UPDATE tenants SET time_zone = 'Europe/London' WHERE id = $1",
                            NULL, DB_INT(w->acme)),
                     RC_OK);
    int64_t e = add_enrolment(w, w->peer, 0, "active");
    add_activity(w, e, w->peer, S_LEARN, 1, 1806105599 - DAY, 1806105599); /* 26 Mar 23:59:59Z */
    add_activity(w, e, w->peer, S_LEARN, 2, 1806361199 - DAY, 1806361199); /* 29 Mar 22:59:59Z */
    json_t *a = json_array();
    assert_int_equal(activity_enrolment_summaries(&w->cx, e, a), RC_OK);
    assert_string_equal(str(json_array_get(a, 0), "due_at"), "2027-03-26T23:59:59Z");
    assert_string_equal(str(json_array_get(a, 0), "due_date"), "2027-03-26");
    assert_string_equal(str(json_array_get(a, 1), "due_at"), "2027-03-29T22:59:59Z");
    assert_string_equal(str(json_array_get(a, 1), "due_date"), "2027-03-29");
    json_decref(a);
}

/* ---- completing --------------------------------------------------------------------- */

static void the_learner_completes_a_self_step(void **state)
{
    struct world *w = *state;
    struct call c;
    assert_int_equal(call_json(w, activity_api_complete, "POST", w->act[S_LEARN],
                               "{\"reflection\": \"I read it <b>all</b>.\"}", &c),
                     200);
    assert_string_equal(str(c.json, "status"), "completed");
    assert_string_equal(str(c.json, "completed_at"), "2026-12-01T09:00:00Z");
    assert_string_equal(str(c.json, "reflection"), "I read it <b>all</b>.");
    assert_int_equal(num(json_object_get(c.json, "completed_by"), "id"), w->learner);
    assert_true(json_is_null(json_object_get(c.json, "submitted_at")));
    assert_true(json_is_false(json_object_get(json_object_get(c.json, "can"), "complete")));
    call_done(&c);
    assert_int_equal(
        sql_value1(w, "SELECT completed_steps FROM enrolments WHERE id = $1", w->enrolment), 1);
    assert_int_equal(sql_value(w,
                               "SELECT COUNT(*) FROM audit_log WHERE action = 'activity.complete' "
                               "AND target_id = $1 AND actor_id = $2",
                               w->act[S_LEARN], w->learner),
                     1);
    char code[64];
    assert_int_equal(complete(w, w->act[S_LEARN], NULL, code, sizeof code), 409);
    assert_string_equal(code, "already_completed");
    assert_int_equal(
        sql_value1(w, "SELECT completed_steps FROM enrolments WHERE id = $1", w->enrolment), 1);
}

static void every_refusal_has_its_code_and_changes_nothing(void **state)
{
    struct world *w = *state;
    char code[64];
    /* Not released yet, completed elsewhere. */
    assert_int_equal(complete(w, w->act[S_LATER], NULL, code, sizeof code), 409);
    assert_string_equal(code, "not_released");
    assert_int_equal(complete(w, w->act[S_ASSESS], NULL, code, sizeof code), 409);
    assert_string_equal(code, "completed_elsewhere");
    /* A reflect step needs a reflection; blanks are not one. */
    assert_int_equal(
        complete(w, w->act[S_REFLECT], "{\"reflection\": \"  \\n \"}", code, sizeof code), 422);
    assert_string_equal(code, "validation_failed");
    assert_int_equal(
        complete(w, w->act[S_REFLECT], "{\"reflection\": \"Noticed a lot.\"}", code, sizeof code),
        200);
    /* Required evidence: text, a link or a file. */
    assert_int_equal(complete(w, w->act[S_EVIDENCE], NULL, code, sizeof code), 422);
    assert_int_equal(complete(w, w->act[S_EVIDENCE], "{\"evidence_url\": \"javascript:alert(1)\"}",
                              code, sizeof code),
                     422);
    assert_int_equal(
        complete(w, w->act[S_EVIDENCE], "{\"evidence_url\": \"/relative\"}", code, sizeof code),
        422);
    /* Limits count characters: 10,000 "é" (20,000 bytes) pass, 10,001 do not. */
    size_t n = 10001;
    char *body = malloc(2 * n + 64);
    char *p = body + snprintf(body, 64, "{\"evidence_text\": \"");
    for (size_t i = 0; i < n; i++) {
        memcpy(p, "\xc3\xa9", 2);
        p += 2;
    }
    memcpy(p, "\"}", 3);
    assert_int_equal(complete(w, w->act[S_EVIDENCE], body, code, sizeof code), 422);
    memcpy(p - 2, "\"}", 3);
    assert_int_equal(complete(w, w->act[S_EVIDENCE], body, code, sizeof code), 200);
    free(body);
    /* Unknown fields and wrong types. */
    assert_int_equal(complete(w, w->act[S_MANAGER], "{\"score\": 5}", code, sizeof code), 422);
    assert_int_equal(complete(w, w->act[S_MANAGER], "{\"reflection\": 5}", code, sizeof code), 422);
    assert_string_equal(status_of(w, w->act[S_MANAGER]), "available");
    /* Someone else's activity: 404 for who may not read it, 403 for the manager. */
    act_as(w, w->peer);
    assert_int_equal(complete(w, w->act[S_MANAGER], NULL, code, sizeof code), 404);
    act_as(w, w->outsider);
    assert_int_equal(complete(w, w->act[S_MANAGER], NULL, code, sizeof code), 404);
    act_as(w, w->coach2);
    assert_int_equal(complete(w, w->act[S_MANAGER], NULL, code, sizeof code), 404);
    act_as(w, w->stranger);
    assert_int_equal(complete(w, w->act[S_MANAGER], NULL, code, sizeof code), 404);
    act_as(w, w->manager);
    assert_int_equal(complete(w, w->act[S_MANAGER], NULL, code, sizeof code), 403);
    act_as(w, w->admin);
    assert_int_equal(complete(w, w->act[S_MANAGER], NULL, code, sizeof code), 403);
    act_as(w, w->learner);
    assert_int_equal(complete(w, 999999, NULL, code, sizeof code), 404);
    /* Waiting for a sign-off. */
    assert_int_equal(complete(w, w->act[S_MANAGER], NULL, code, sizeof code), 200);
    assert_int_equal(complete(w, w->act[S_MANAGER], NULL, code, sizeof code), 409);
    assert_string_equal(code, "awaiting_signoff");
    /* A paused enrolment freezes its activities. */
    assert_int_equal(DB_RUN(w->db, "UPDATE enrolments SET status = 'paused' WHERE id = $1", NULL,
                            DB_INT(w->enrolment)),
                     RC_OK);
    assert_int_equal(complete(w, w->act[S_COACH], NULL, code, sizeof code), 409);
    assert_string_equal(code, "enrolment_not_active");
    act_as(w, w->manager);
    assert_int_equal(
        sign_off(w, w->act[S_MANAGER], "{\"decision\": \"approve\"}", code, sizeof code), 409);
    assert_string_equal(code, "enrolment_not_active");
    /* Only the two completions above were counted. */
    assert_int_equal(
        sql_value1(w, "SELECT completed_steps FROM enrolments WHERE id = $1", w->enrolment), 2);
}

static void submit_approve_completes_the_enrolment(void **state)
{
    struct world *w = *state;
    char code[64];
    /* A two-step enrolment of peer: a self step and a manager step. */
    int64_t e = add_enrolment(w, w->peer, 0, "active");
    int64_t a1 = add_activity(w, e, w->peer, S_LEARN, 1, START(-1), END(0));
    int64_t a2 = add_activity(w, e, w->peer, S_MANAGER, 2, START(-1), END(1));
    act_as(w, w->peer);
    assert_int_equal(complete(w, a1, NULL, code, sizeof code), 200);
    struct call c;
    assert_int_equal(
        call_json(w, activity_api_complete, "POST", a2, "{\"evidence_text\": \"We talked.\"}", &c),
        200);
    assert_string_equal(str(c.json, "status"), "awaiting_signoff");
    assert_string_equal(str(c.json, "submitted_at"), "2026-12-01T09:00:00Z");
    assert_true(json_is_null(json_object_get(c.json, "completed_at")));
    call_done(&c);
    assert_int_equal(sql_value(w,
                               "SELECT COUNT(*) FROM audit_log WHERE action = 'activity.submit' "
                               "AND target_id = $1 AND actor_id = $2",
                               a2, w->peer),
                     1);
    assert_string_equal(status_of(w, a2), "awaiting_signoff");
    /* The manager sees the prompt and may sign off; the learner sees neither. */
    json_t *j = get(w, a2);
    assert_true(json_is_null(json_object_get(j, "manager_prompt")));
    assert_true(json_is_false(json_object_get(json_object_get(j, "can"), "sign_off")));
    json_decref(j);
    act_as(w, w->manager);
    j = get(w, a2);
    assert_string_equal(str(j, "manager_prompt"), "Ask what they noticed.");
    assert_true(json_is_true(json_object_get(json_object_get(j, "can"), "sign_off")));
    assert_true(json_is_false(json_object_get(json_object_get(j, "can"), "complete")));
    json_decref(j);
    /* The boss may read but is not the direct manager; the coach has no say here. */
    act_as(w, w->boss);
    assert_int_equal(sign_off(w, a2, "{\"decision\": \"approve\"}", code, sizeof code), 403);
    act_as(w, w->outsider);
    assert_int_equal(sign_off(w, a2, "{\"decision\": \"approve\"}", code, sizeof code), 404);
    act_as(w, w->peer);
    assert_int_equal(sign_off(w, a2, "{\"decision\": \"approve\"}", code, sizeof code), 403);
    act_as(w, w->manager);
    assert_int_equal(sign_off(w, a2, "{\"decision\": \"maybe\"}", code, sizeof code), 422);
    assert_int_equal(sign_off(w, a2, "{}", code, sizeof code), 422);
    assert_int_equal(call_json(w, activity_api_signoff, "POST", a2,
                               "{\"decision\": \"approve\", \"comment\": \"Well done.\"}", &c),
                     200);
    assert_string_equal(str(c.json, "status"), "completed");
    assert_int_equal(num(json_object_get(c.json, "completed_by"), "id"), w->manager);
    json_t *fb = json_array_get(json_object_get(c.json, "feedback"), 0);
    assert_string_equal(str(fb, "decision"), "approve");
    assert_string_equal(str(fb, "comment"), "Well done.");
    assert_int_equal(num(json_object_get(fb, "author"), "id"), w->manager);
    call_done(&c);
    /* That was the last step: the enrolment is completed, with its event. */
    assert_int_equal(sql_value(w,
                               "SELECT COUNT(*) FROM enrolments WHERE id = $1 AND status = "
                               "'completed' AND completed_steps = 2 AND completed_at = $2",
                               e, FIXTURE_NOW),
                     1);
    assert_int_equal(sql_value(w,
                               "SELECT COUNT(*) FROM enrolment_events WHERE enrolment_id = $1 "
                               "AND kind = 'completed' AND created_at = $2",
                               e, FIXTURE_NOW),
                     1);
    assert_int_equal(sql_value(w,
                               "SELECT COUNT(*) FROM audit_log WHERE target_id = $1 AND actor_id = "
                               "$2 AND action = 'activity.approve'",
                               a2, w->manager),
                     1);
    assert_int_equal(sign_off(w, a2, "{\"decision\": \"approve\"}", code, sizeof code), 409);
    assert_string_equal(code, "not_awaiting_signoff");
}

static void a_return_reopens_with_the_comment(void **state)
{
    struct world *w = *state;
    char code[64];
    assert_int_equal(
        complete(w, w->act[S_MANAGER], "{\"reflection\": \"First go.\"}", code, sizeof code), 200);
    act_as(w, w->manager);
    assert_int_equal(
        sign_off(w, w->act[S_MANAGER], "{\"decision\": \"return\"}", code, sizeof code), 422);
    assert_int_equal(sign_off(w, w->act[S_MANAGER],
                              "{\"decision\": \"return\", \"comment\": \"   \"}", code,
                              sizeof code),
                     422);
    assert_int_equal(sign_off(w, w->act[S_MANAGER],
                              "{\"decision\": \"return\", \"comment\": \"Say <i>which</i> "
                              "meeting.\"}",
                              code, sizeof code),
                     200);
    act_as(w, w->learner);
    json_t *j = get(w, w->act[S_MANAGER]);
    assert_string_equal(str(j, "status"), "returned");
    assert_true(json_is_true(json_object_get(j, "returned")));
    assert_true(json_is_true(json_object_get(json_object_get(j, "can"), "complete")));
    json_t *fb = json_array_get(json_object_get(j, "feedback"), 0);
    assert_string_equal(str(fb, "decision"), "return");
    assert_string_equal(str(fb, "comment"), "Say <i>which</i> meeting.");
    assert_string_equal(str(j, "reflection"), "First go.");
    json_decref(j);
    assert_int_equal(
        sql_value1(w, "SELECT completed_steps FROM enrolments WHERE id = $1", w->enrolment), 0);
    /* Complete again: the reflection not sent is kept, the new text stored. */
    assert_int_equal(complete(w, w->act[S_MANAGER], "{\"evidence_text\": \"The Monday one.\"}",
                              code, sizeof code),
                     200);
    j = get(w, w->act[S_MANAGER]);
    assert_string_equal(str(j, "status"), "awaiting_signoff");
    assert_string_equal(str(j, "reflection"), "First go.");
    assert_string_equal(str(j, "evidence_text"), "The Monday one.");
    json_decref(j);
    act_as(w, w->manager);
    assert_int_equal(
        sign_off(w, w->act[S_MANAGER], "{\"decision\": \"approve\"}", code, sizeof code), 200);
    act_as(w, w->learner);
    j = get(w, w->act[S_MANAGER]);
    assert_string_equal(str(j, "status"), "completed");
    assert_int_equal(json_array_size(json_object_get(j, "feedback")), 2);
    json_decref(j);
}

static void only_the_enrolments_coach_signs_off_coach_steps(void **state)
{
    struct world *w = *state;
    char code[64];
    assert_int_equal(complete(w, w->act[S_COACH], NULL, code, sizeof code), 200);
    act_as(w, w->manager); /* may read, is not the coach */
    assert_int_equal(sign_off(w, w->act[S_COACH], "{\"decision\": \"approve\"}", code, sizeof code),
                     403);
    act_as(w, w->coach2); /* a coach, but not this enrolment's: cannot even read it */
    assert_int_equal(sign_off(w, w->act[S_COACH], "{\"decision\": \"approve\"}", code, sizeof code),
                     404);
    act_as(w, w->admin);
    assert_int_equal(sign_off(w, w->act[S_COACH], "{\"decision\": \"approve\"}", code, sizeof code),
                     403);
    /* Without the coach role the enrolment's coach is nobody special. */
    as(w, w->coach, 0);
    assert_int_equal(sign_off(w, w->act[S_COACH], "{\"decision\": \"approve\"}", code, sizeof code),
                     404);
    act_as(w, w->coach);
    assert_int_equal(sign_off(w, w->act[S_COACH], "{\"decision\": \"approve\"}", code, sizeof code),
                     200);
    assert_string_equal(status_of(w, w->act[S_COACH]), "completed");
}

/* ---- files ------------------------------------------------------------------------ */

#define BOUNDARY "----waymark7MA4YWxkTrZu0gW"

/* A multipart body with one part per (field, filename, bytes, len); filename NULL: a
 * plain field. Caller frees. */
struct part {
    const char *field, *filename;
    const char *data;
    size_t len;
};

static char *multipart_body(const struct part *parts, size_t n, size_t *len)
{
    size_t cap = 1024;
    for (size_t i = 0; i < n; i++)
        cap += parts[i].len + 512;
    char *b = malloc(cap), *p = b;
    for (size_t i = 0; i < n; i++) {
        p += snprintf(p, 512, "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\"",
                      parts[i].field);
        if (parts[i].filename)
            p += snprintf(p, 512, "; filename=\"%s\"\r\nContent-Type: application/pdf",
                          parts[i].filename);
        p += snprintf(p, 8, "\r\n\r\n");
        memcpy(p, parts[i].data, parts[i].len);
        p += parts[i].len;
        p += snprintf(p, 8, "\r\n");
    }
    p += snprintf(p, 64, "--" BOUNDARY "--\r\n");
    *len = (size_t)(p - b);
    return b;
}

static int upload(struct world *w, int64_t id, const struct part *parts, size_t n, struct call *out)
{
    size_t len;
    char *body = multipart_body(parts, n, &len), idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)id);
    struct call c;
    call_raw(w, &c, activity_api_upload, "POST", idtext, NULL,
             "multipart/form-data; boundary=" BOUNDARY, body, len);
    free(body);
    int status = c.status;
    if (out)
        *out = c;
    else
        call_done(&c);
    return status;
}

static const char PDF[] = "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

static void evidence_files_are_sniffed_cleaned_and_capped(void **state)
{
    struct world *w = *state;
    int64_t id = w->act[S_EVIDENCE];
    struct call c;
    struct part pdf = {"file", "../../etc/report.pdf", PDF, sizeof PDF - 1};
    assert_int_equal(upload(w, id, &pdf, 1, &c), 201);
    json_t *f = json_array_get(json_object_get(c.json, "files"), 0);
    assert_string_equal(str(f, "name"), "report.pdf");
    assert_string_equal(str(f, "content_type"), "application/pdf");
    assert_int_equal(num(f, "size"), (int64_t)sizeof PDF - 1);
    int64_t file_id = num(f, "id");
    call_done(&c);
    /* HTML is not accepted whatever it is called; nothing is stored. */
    struct part html = {"file", "notes.pdf", "<html><script>alert(1)</script></html>", 38};
    assert_int_equal(upload(w, id, &html, 1, &c), 415);
    assert_non_null(strstr(
        json_string_value(json_object_get(json_object_get(c.json, "error"), "message")), "PDF"));
    call_done(&c);
    /* Too large. */
    size_t big = (size_t)ACTIVITY_FILE_MAX + 1;
    char *bytes = malloc(big);
    memset(bytes, 'a', big);
    memcpy(bytes, "%PDF-1.4\n", 9);
    struct part huge = {"file", "big.pdf", bytes, big};
    assert_int_equal(upload(w, id, &huge, 1, NULL), 413);
    free(bytes);
    /* No part named file. */
    struct part other = {"attachment", "a.pdf", PDF, sizeof PDF - 1};
    assert_int_equal(upload(w, id, &other, 1, &c), 422);
    call_done(&c);
    /* Not multipart at all. */
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)id);
    call_raw(w, &c, activity_api_upload, "POST", idtext, NULL, "application/pdf", PDF,
             sizeof PDF - 1);
    assert_int_equal(c.status, 415);
    call_done(&c);
    /* Nine more fit (text this time, two in one request), the eleventh does not. */
    struct part two[2] = {{"file", "a.txt", "plain words\n", 12}, {"file", "b.txt", "more\n", 5}};
    assert_int_equal(upload(w, id, two, 2, NULL), 201);
    for (int i = 0; i < 7; i++)
        assert_int_equal(upload(w, id, &pdf, 1, NULL), 201);
    assert_int_equal(upload(w, id, &pdf, 1, &c), 409);
    assert_string_equal(error_code(&c), "too_many_files");
    call_done(&c);
    assert_int_equal(
        sql_value1(w, "SELECT COUNT(*) FROM activity_files WHERE activity_id = $1", id), 10);
    json_t *j = get(w, id);
    assert_int_equal(json_array_size(json_object_get(j, "files")), 10);
    assert_true(json_is_false(json_object_get(json_object_get(j, "can"), "upload")));
    json_decref(j);
    /* Others may not upload: the manager 403, a stranger 404. */
    act_as(w, w->manager);
    assert_int_equal(upload(w, w->act[S_LEARN], &pdf, 1, NULL), 403);
    act_as(w, w->peer);
    assert_int_equal(upload(w, w->act[S_LEARN], &pdf, 1, NULL), 404);
    /* A file counts as the required evidence. */
    act_as(w, w->learner);
    char code[64];
    assert_int_equal(complete(w, id, NULL, code, sizeof code), 200);
    /* No uploads or deletions once completed. */
    assert_int_equal(upload(w, id, &pdf, 1, &c), 409);
    assert_string_equal(error_code(&c), "already_completed");
    call_done(&c);
    char fid[24];
    snprintf(fid, sizeof fid, "%lld", (long long)file_id);
    call_raw(w, &c, activity_api_file_delete, "DELETE", idtext, fid, NULL, NULL, 0);
    assert_int_equal(c.status, 409);
    call_done(&c);
    assert_int_equal(sql_value(w,
                               "SELECT COUNT(*) FROM audit_log WHERE action = 'activity.file_add' "
                               "AND target_id = $1 AND actor_id = $2",
                               id, w->learner),
                     10);
}

static void downloads_are_attachments_for_readers_only(void **state)
{
    struct world *w = *state;
    int64_t id = w->act[S_MANAGER];
    struct call c;
    struct part parts[2] = {{"file", "Rapport d’été.pdf", PDF, sizeof PDF - 1},
                            {"file", "notes.txt", "hello\n", 6}};
    assert_int_equal(upload(w, id, parts, 2, &c), 201);
    int64_t f1 = num(json_array_get(json_object_get(c.json, "files"), 0), "id");
    int64_t f2 = num(json_array_get(json_object_get(c.json, "files"), 1), "id");
    call_done(&c);
    char idtext[24], fid[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)id);
    snprintf(fid, sizeof fid, "%lld", (long long)f1);
    int64_t readers[] = {w->learner, w->manager, w->boss, w->coach, w->admin, w->designer};
    for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
        act_as(w, readers[i]);
        call_raw(w, &c, activity_api_file_get, "GET", idtext, fid, NULL, NULL, 0);
        assert_int_equal(c.status, 200);
        assert_string_equal(c.rs.content_type, "application/pdf");
        assert_int_equal(c.rs.body.len, sizeof PDF - 1);
        assert_memory_equal(c.rs.body.data, PDF, sizeof PDF - 1);
        const char *disp = NULL, *cache = NULL;
        for (int h = 0; h < c.rs.nheaders; h++) {
            if (strcmp(c.rs.headers[h].name, "Content-Disposition") == 0)
                disp = c.rs.headers[h].value;
            if (strcmp(c.rs.headers[h].name, "Cache-Control") == 0)
                cache = c.rs.headers[h].value;
        }
        assert_string_equal(disp, "attachment; filename=\"Rapport d__t_.pdf\"; "
                                  "filename*=UTF-8''Rapport%20d%E2%80%99%C3%A9t%C3%A9.pdf");
        assert_string_equal(cache, "private, no-store");
        call_done(&c);
    }
    int64_t others[] = {w->peer, w->outsider, w->coach2, w->stranger};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        act_as(w, others[i]);
        call_raw(w, &c, activity_api_file_get, "GET", idtext, fid, NULL, NULL, 0);
        assert_int_equal(c.status, 404);
        call_done(&c);
    }
    /* A file id of another activity is not found through this one. */
    act_as(w, w->learner);
    char other[24];
    snprintf(other, sizeof other, "%lld", (long long)w->act[S_LEARN]);
    call_raw(w, &c, activity_api_file_get, "GET", other, fid, NULL, NULL, 0);
    assert_int_equal(c.status, 404);
    call_done(&c);
    /* Quotes never reach the header unescaped. */
    char d[256];
    activity_api_disposition("notes \"q\".txt", d, sizeof d);
    assert_string_equal(d, "attachment; filename=\"notes _q_.txt\"; "
                           "filename*=UTF-8''notes%20%22q%22.txt");
    /* A long non-ASCII name falls back to the ASCII name alone. */
    char longname[121] = "";
    for (int i = 0; i < 40; i++)
        memcpy(longname + 2 * i, "\xc3\xa9", 3);
    activity_api_disposition(longname, d, sizeof d);
    assert_non_null(strstr(d, "attachment; filename=\"___"));
    assert_null(strstr(d, "filename*"));
    /* Deleting: the manager may not, the learner may, once. */
    snprintf(fid, sizeof fid, "%lld", (long long)f2);
    act_as(w, w->manager);
    call_raw(w, &c, activity_api_file_delete, "DELETE", idtext, fid, NULL, NULL, 0);
    assert_int_equal(c.status, 403);
    call_done(&c);
    act_as(w, w->learner);
    call_raw(w, &c, activity_api_file_delete, "DELETE", idtext, fid, NULL, NULL, 0);
    assert_int_equal(c.status, 204);
    call_done(&c);
    call_raw(w, &c, activity_api_file_delete, "DELETE", idtext, fid, NULL, NULL, 0);
    assert_int_equal(c.status, 404);
    call_done(&c);
    assert_int_equal(sql_value(w,
                               "SELECT COUNT(*) FROM audit_log WHERE action = "
                               "'activity.file_delete' AND target_id = $1 AND actor_id = $2",
                               id, w->learner),
                     1);
}

/* ---- the journey and the queue ---------------------------------------------------------- */

static json_t *journey(struct world *w)
{
    struct call c;
    call_raw(w, &c, activity_api_journey, "GET", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(c.status, 200);
    json_t *j = json_incref(c.json);
    call_done(&c);
    assert_non_null(j);
    return j;
}

/* The ids of group in order, as "1,2,3". */
static void ids(const json_t *j, const char *group, char *out, size_t size)
{
    size_t i, n = 0;
    json_t *v;
    out[0] = '\0';
    json_array_foreach(json_object_get(j, group), i, v)
    {
        n += (size_t)snprintf(out + n, size - n, "%s%lld", i ? "," : "", (long long)num(v, "id"));
    }
}

static void expect_group(struct world *w, const json_t *j, const char *group, const int *steps,
                         size_t n)
{
    char got[256], want[256] = "";
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += (size_t)snprintf(want + k, sizeof want - k, "%s%lld", i ? "," : "",
                              (long long)w->act[steps[i]]);
    ids(j, group, got, sizeof got);
    if (strcmp(got, want) != 0)
        fail_msg("%s: got [%s], want [%s]", group, got, want);
}

static void the_journey_groups_activities_by_day(void **state)
{
    struct world *w = *state;
    char code[64];
    /* A withdrawn enrolment's activities and a paused enrolment's stay out of the groups;
     * the paused one is listed among the enrolments. */
    int64_t paused = add_enrolment(w, w->learner, 0, "paused");
    int64_t pa = add_activity(w, paused, w->learner, S_LEARN, 1, START(-3), END(-2));
    int64_t gone = add_enrolment(w, w->learner, 0, "withdrawn");
    add_activity(w, gone, w->learner, S_LEARN, 1, START(-3), END(0));
    /* Someone else's are never there. */
    int64_t theirs = add_enrolment(w, w->peer, 0, "active");
    add_activity(w, theirs, w->peer, S_LEARN, 1, START(-3), END(0));
    assert_int_equal(complete(w, w->act[S_REFLECT], "{\"reflection\": \"r\"}", code, sizeof code),
                     200);
    assert_int_equal(complete(w, w->act[S_MANAGER], NULL, code, sizeof code), 200);
    (void)pa;

    json_t *j = journey(w);
    assert_string_equal(str(j, "date"), "2026-12-01");
    assert_string_equal(str(j, "time_zone"), "Europe/London");
    expect_group(w, j, "overdue", (int[]){S_LEARN}, 1);
    expect_group(w, j, "today", NULL, 0);
    expect_group(w, j, "upcoming", (int[]){S_EVIDENCE, S_COACH, S_ASSESS, S_LATER}, 4);
    expect_group(w, j, "waiting", (int[]){S_MANAGER}, 1);
    expect_group(w, j, "done", (int[]){S_REFLECT}, 1);
    json_t *first = json_array_get(json_object_get(j, "overdue"), 0);
    assert_string_equal(str(first, "status"), "available");
    assert_string_equal(str(first, "due_date"), "2026-11-30");
    json_t *es = json_object_get(j, "enrolments");
    assert_int_equal(json_array_size(es), 2);
    json_t *e = json_array_get(es, 1); /* newest first: the paused one is newer */
    assert_int_equal(num(e, "id"), w->enrolment);
    assert_string_equal(str(e, "status"), "active");
    assert_int_equal(num(json_object_get(e, "workflow"), "id"), w->workflow);
    assert_string_equal(str(json_object_get(e, "workflow"), "title"), "Giving feedback");
    json_t *pr = json_object_get(e, "progress");
    assert_int_equal(num(pr, "completed"), 1);
    assert_int_equal(num(pr, "total"), NSTEPS);
    assert_int_equal(num(pr, "percent"), 12);
    assert_int_equal(num(pr, "overdue"), 1);
    assert_string_equal(str(e, "next_due_at"), "2026-12-03T23:59:59Z");
    assert_string_equal(str(json_array_get(es, 0), "status"), "paused");
    assert_int_equal(num(json_object_get(json_array_get(es, 0), "progress"), "overdue"), 1);
    json_decref(j);

    /* Days later, what is due today moves. */
    w->cx.now = FIXTURE_NOW + 86400; /* Wednesday 09:00: the reflect step would be overdue */
    j = journey(w);
    assert_string_equal(str(j, "date"), "2026-12-02");
    expect_group(w, j, "overdue", (int[]){S_LEARN}, 1);
    expect_group(w, j, "today", NULL, 0);
    json_decref(j);
    w->cx.now = FIXTURE_NOW + 2 * 86400; /* Thursday: "Try it" is due today */
    j = journey(w);
    expect_group(w, j, "today", (int[]){S_EVIDENCE}, 1);
    expect_group(w, j, "upcoming", (int[]){S_COACH, S_ASSESS, S_LATER}, 3);
    json_decref(j);
    w->cx.now = FIXTURE_NOW + 14 * 86400; /* "Far away" is released within 7 days */
    j = journey(w);
    expect_group(w, j, "upcoming", (int[]){S_FAR}, 1);
    json_decref(j);

    /* A completed enrolment stays listed for 30 days. */
    w->cx.now = FIXTURE_NOW;
    assert_int_equal(DB_RUN(w->db,
                            "UPDATE enrolments SET status = 'completed', completed_at = $2 "
                            "WHERE id = $1",
                            NULL, DB_INT(w->enrolment), DB_INT(FIXTURE_NOW - 29 * DAY)),
                     RC_OK);
    j = journey(w);
    assert_int_equal(json_array_size(json_object_get(j, "enrolments")), 2);
    expect_group(w, j, "overdue", NULL, 0);
    json_decref(j);
    w->cx.now = FIXTURE_NOW + 2 * DAY;
    j = journey(w);
    assert_int_equal(json_array_size(json_object_get(j, "enrolments")), 1);
    json_decref(j);

    /* Someone with nothing gets empty groups. */
    act_as(w, w->outsider);
    j = journey(w);
    assert_int_equal(json_array_size(json_object_get(j, "enrolments")), 0);
    assert_int_equal(json_array_size(json_object_get(j, "upcoming")), 0);
    json_decref(j);
}

static void the_done_group_keeps_the_latest_fifty(void **state)
{
    struct world *w = *state;
    int64_t e = add_enrolment(w, w->peer, 0, "active");
    for (int i = 0; i < 60; i++) {
        int64_t a = add_activity(w, e, w->peer, S_LEARN, i + 1, START(-10), END(-5 + i));
        assert_int_equal(DB_RUN(w->db,
                                "UPDATE activities SET state = 'completed', completed_at = $2 "
                                "WHERE id = $1",
                                NULL, DB_INT(a), DB_INT(FIXTURE_NOW - 1000 + i)),
                         RC_OK);
    }
    act_as(w, w->peer);
    json_t *j = journey(w);
    json_t *done = json_object_get(j, "done");
    assert_int_equal(json_array_size(done), ACTIVITY_DONE_MAX);
    assert_int_equal(num(json_array_get(done, 0), "seq"), 60);
    assert_int_equal(num(json_array_get(done, 49), "seq"), 11);
    json_decref(j);
}

static json_t *signoffs(struct world *w, const char *limit, const char *cursor, int *status)
{
    struct call c;
    memset(&c, 0, sizeof c);
    fake_req_init(&c.f, "GET", "/api/v1/me/signoffs");
    int q = 0;
    if (limit) {
        c.f.query[q][0] = "limit";
        c.f.query[q++][1] = limit;
    }
    if (cursor) {
        c.f.query[q][0] = "cursor";
        c.f.query[q][1] = cursor;
    }
    resp_init(&c.rs);
    ctx_clear(&w->cx);
    enum rc rc = activity_api_signoffs(&w->cx, &c.f.rq, &c.rs);
    if (rc)
        resp_error(&c.rs, &w->cx, rc);
    *status = c.rs.status;
    json_t *j = json_loadb(c.rs.body.data, c.rs.body.len, 0, NULL);
    resp_free(&c.rs);
    return j;
}

static void the_signoff_queue_shows_what_waits_for_me(void **state)
{
    struct world *w = *state;
    char code[64];
    /* The learner submits the manager and coach steps; peer submits a manager step. */
    assert_int_equal(complete(w, w->act[S_COACH], NULL, code, sizeof code), 200);
    w->cx.now = FIXTURE_NOW + 60;
    struct part pdf = {"file", "a.pdf", PDF, sizeof PDF - 1};
    assert_int_equal(upload(w, w->act[S_MANAGER], &pdf, 1, NULL), 201);
    assert_int_equal(
        complete(w, w->act[S_MANAGER], "{\"reflection\": \"Went well.\"}", code, sizeof code), 200);
    int64_t e = add_enrolment(w, w->peer, w->coach2, "active");
    int64_t pa = add_activity(w, e, w->peer, S_MANAGER, 1, START(-1), END(1));
    act_as(w, w->peer);
    w->cx.now = FIXTURE_NOW - 60;
    assert_int_equal(complete(w, pa, NULL, code, sizeof code), 200);
    w->cx.now = FIXTURE_NOW;

    int status;
    act_as(w, w->manager);
    json_t *j = signoffs(w, NULL, NULL, &status);
    assert_int_equal(status, 200);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 2);
    json_t *a = json_array_get(items, 0), *b = json_array_get(items, 1);
    assert_int_equal(num(a, "id"), pa); /* the oldest submission first */
    assert_int_equal(num(json_object_get(a, "learner"), "id"), w->peer);
    assert_int_equal(num(b, "id"), w->act[S_MANAGER]);
    assert_string_equal(str(json_object_get(b, "learner"), "name"), "learner@acme.example");
    assert_string_equal(str(b, "reflection"), "Went well.");
    assert_true(json_is_null(json_object_get(b, "evidence_url")));
    assert_string_equal(str(b, "submitted_at"), "2026-12-01T09:01:00Z");
    assert_int_equal(num(b, "file_count"), 1);
    assert_string_equal(str(b, "status"), "awaiting_signoff");
    assert_string_equal(str(b, "due_date"), "2026-12-04");
    assert_true(json_is_null(json_object_get(j, "next_cursor")));
    json_decref(j);
    /* Paging. */
    j = signoffs(w, "1", NULL, &status);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    char cursor[32];
    snprintf(cursor, sizeof cursor, "%s", str(j, "next_cursor"));
    json_decref(j);
    j = signoffs(w, "1", cursor, &status);
    assert_int_equal(status, 200);
    assert_int_equal(num(json_array_get(json_object_get(j, "items"), 0), "id"), w->act[S_MANAGER]);
    assert_true(json_is_null(json_object_get(j, "next_cursor")));
    json_decref(j);
    j = signoffs(w, "0", NULL, &status);
    assert_int_equal(status, 400);
    json_decref(j);
    j = signoffs(w, NULL, "abc", &status);
    assert_int_equal(status, 400);
    json_decref(j);
    /* The coach sees the coach step only. coach2 coaches peer's enrolment, but its step
     * is the manager's; the boss, the learner and an admin see nothing. */
    act_as(w, w->coach);
    j = signoffs(w, NULL, NULL, &status);
    items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 1);
    assert_int_equal(num(json_array_get(items, 0), "id"), w->act[S_COACH]);
    json_decref(j);
    int64_t nobody[] = {w->coach2, w->boss, w->learner, w->admin};
    for (size_t i = 0; i < sizeof nobody / sizeof nobody[0]; i++) {
        act_as(w, nobody[i]);
        j = signoffs(w, NULL, NULL, &status);
        assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
        json_decref(j);
    }
    /* Approved ones leave the queue. */
    act_as(w, w->manager);
    assert_int_equal(sign_off(w, pa, "{\"decision\": \"approve\"}", code, sizeof code), 200);
    j = signoffs(w, NULL, NULL, &status);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    json_decref(j);
}

/* ---- the journey's cache ------------------------------------------------------------------- */

/* The journey's raw bytes as the current actor (caller frees). */
static char *journey_text(struct world *w)
{
    struct call c;
    call_raw(w, &c, activity_api_journey, "GET", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(c.status, 200);
    char *text = strdup(c.rs.body.data);
    call_done(&c);
    return text;
}

static uint64_t cache_hits(struct world *w)
{
    struct cache_stats s;
    cache_stats(w->cx.cache, &s);
    return s.hits;
}

/* The group an activity is in ("" when in none) and its status there. */
static const char *group_of_activity(const json_t *j, int64_t id, const char **status)
{
    static const char *const groups[] = {"overdue", "today", "upcoming", "waiting", "done"};
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(j, groups[g]), i, v)
        {
            if (num(v, "id") == id) {
                if (status)
                    *status = str(v, "status");
                return groups[g];
            }
        }
    }
    return "";
}

/* With a cache, a repeated journey is the stored answer; every change made through the
 * activity module (complete, submit, approve, return) or the tenant's settings (time zone)
 * shows on the next one, whoever made it. */
static void a_cached_journey_changes_with_every_write(void **state)
{
    struct world *w = *state;
    char code[64];
    assert_int_equal(cache_new(0, &w->cx.cache), RC_OK);
    char *first = journey_text(w);
    assert_int_equal(cache_hits(w), 0);
    char *again = journey_text(w);
    assert_int_equal(cache_hits(w), 1);
    assert_string_equal(again, first);
    free(again);
    /* Served from the cache indeed: a change written behind the module's back (without
     * bumping journey_rev) does not show. */
    assert_int_equal(DB_RUN(w->db, "UPDATE enrolments SET start_date = '2026-11-20' WHERE id = $1",
                            NULL, DB_INT(w->enrolment)),
                     RC_OK);
    again = journey_text(w);
    assert_string_equal(again, first);
    free(again);
    free(first);
    assert_int_equal(DB_RUN(w->db, "UPDATE enrolments SET start_date = '2026-11-27' WHERE id = $1",
                            NULL, DB_INT(w->enrolment)),
                     RC_OK);

    /* Completing a self step. */
    assert_int_equal(complete(w, w->act[S_LEARN], NULL, code, sizeof code), 200);
    json_t *j = journey(w);
    assert_string_equal(group_of_activity(j, w->act[S_LEARN], NULL), "done");
    assert_int_equal(
        num(json_object_get(json_array_get(json_object_get(j, "enrolments"), 0), "progress"),
            "completed"),
        1);
    json_decref(j);
    /* Submitting a sign-off step. */
    assert_int_equal(complete(w, w->act[S_MANAGER], NULL, code, sizeof code), 200);
    j = journey(w);
    assert_string_equal(group_of_activity(j, w->act[S_MANAGER], NULL), "waiting");
    json_decref(j);
    uint64_t hits = cache_hits(w);
    j = journey(w);
    assert_int_equal(cache_hits(w), hits + 1);
    json_decref(j);
    /* The manager returns it: the learner's journey changes, though they wrote nothing. */
    act_as(w, w->manager);
    assert_int_equal(sign_off(w, w->act[S_MANAGER],
                              "{\"decision\": \"return\", \"comment\": \"Which meeting?\"}", code,
                              sizeof code),
                     200);
    act_as(w, w->learner);
    const char *status = NULL;
    j = journey(w);
    assert_string_equal(group_of_activity(j, w->act[S_MANAGER], &status), "upcoming");
    assert_string_equal(status, "returned");
    json_decref(j);
    /* Submitted again and approved. */
    assert_int_equal(complete(w, w->act[S_MANAGER], NULL, code, sizeof code), 200);
    j = journey(w);
    assert_string_equal(group_of_activity(j, w->act[S_MANAGER], NULL), "waiting");
    json_decref(j);
    act_as(w, w->manager);
    assert_int_equal(
        sign_off(w, w->act[S_MANAGER], "{\"decision\": \"approve\"}", code, sizeof code), 200);
    act_as(w, w->learner);
    j = journey(w);
    assert_string_equal(group_of_activity(j, w->act[S_MANAGER], NULL), "done");
    assert_int_equal(json_array_size(json_object_get(j, "done")), 2);
    json_decref(j);
    /* Files do not show on the journey: uploading keeps the cached answer. */
    char *before = journey_text(w);
    hits = cache_hits(w);
    struct part pdf = {"file", "a.pdf", PDF, sizeof PDF - 1};
    assert_int_equal(upload(w, w->act[S_COACH], &pdf, 1, NULL), 201);
    char *after = journey_text(w);
    assert_int_equal(cache_hits(w), hits + 1);
    assert_string_equal(after, before);
    free(before);
    free(after);
    /* The organisation moves to another time zone: the dates follow at once. Auckland is
     * 13 hours ahead, so FIXTURE_NOW is already Tuesday evening there… */
    act_as(w, w->admin);
    struct tenant t;
    struct tenant_changes ch = {.time_zone = "Pacific/Auckland"};
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    assert_int_equal(tenant_update(&w->cx, &ch, &t), RC_OK);
    assert_int_equal(db_commit(w->db), RC_OK);
    act_as(w, w->learner);
    j = journey(w);
    assert_string_equal(str(j, "time_zone"), "Pacific/Auckland");
    assert_string_equal(str(j, "date"), "2026-12-01");
    json_decref(j);
    /* … and the next request after Auckland's midnight (11:00 UTC) sees Wednesday. */
    w->cx.now = FIXTURE_NOW + 2 * 3600;
    j = journey(w);
    assert_string_equal(str(j, "date"), "2026-12-02");
    json_decref(j);
    /* Back to London: the date is London's again. */
    act_as(w, w->admin);
    ch.time_zone = "Europe/London";
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    assert_int_equal(tenant_update(&w->cx, &ch, &t), RC_OK);
    assert_int_equal(db_commit(w->db), RC_OK);
    act_as(w, w->learner);
    w->cx.now = FIXTURE_NOW + 2 * 3600;
    j = journey(w);
    assert_string_equal(str(j, "date"), "2026-12-01");
    json_decref(j);
    cache_free(w->cx.cache);
    w->cx.cache = NULL;
}

/* A cached journey lasts until the first instant at which it would change by itself:
 * midnight, a release, the second after a due instant, the end of a completed
 * enrolment's 30 days. One second before, it is served; at that instant, rebuilt. */
static void time_passing_refreshes_a_cached_journey(void **state)
{
    struct world *w = *state;
    char code[64];
    assert_int_equal(cache_new(0, &w->cx.cache), RC_OK);
    /* The learner: nothing due or released before midnight (Tuesday's ones are due at its
     * end), so their answer lasts until Wednesday 00:00 London. */
    json_t *j = journey(w);
    assert_string_equal(str(j, "date"), "2026-12-01");
    assert_string_equal(group_of_activity(j, w->act[S_REFLECT], NULL), "today");
    json_decref(j);
    w->cx.now = START(1) - 1;
    uint64_t hits = cache_hits(w);
    j = journey(w);
    assert_int_equal(cache_hits(w), hits + 1);
    assert_string_equal(str(j, "date"), "2026-12-01");
    json_decref(j);
    w->cx.now = START(1);
    j = journey(w);
    assert_int_equal(cache_hits(w), hits + 1);
    assert_string_equal(str(j, "date"), "2026-12-02");
    assert_string_equal(group_of_activity(j, w->act[S_REFLECT], NULL), "overdue");
    json_decref(j);
    /* A clock that goes back (a test's, or a corrected one) never gets a later answer. */
    w->cx.now = START(1) - 1;
    j = journey(w);
    assert_string_equal(str(j, "date"), "2026-12-01");
    json_decref(j);

    /* Peer: one activity due at 10:00, one released at 11:00, and an enrolment completed
     * 30 days ago less 30 minutes (it leaves the journey at 09:30:01). */
    int64_t e = add_enrolment(w, w->peer, 0, "active");
    int64_t due = add_activity(w, e, w->peer, S_LEARN, 1, START(-1), FIXTURE_NOW + 3600);
    int64_t later = add_activity(w, e, w->peer, S_LATER, 2, FIXTURE_NOW + 7200, END(2));
    int64_t done = add_enrolment(w, w->peer, 0, "active");
    int64_t last = add_activity(w, done, w->peer, S_LEARN, 1, START(-40), END(-35));
    act_as(w, w->peer);
    w->cx.now = FIXTURE_NOW - 30 * DAY + 1800;
    assert_int_equal(complete(w, last, NULL, code, sizeof code), 200);
    assert_int_equal(sql_value1(w,
                                "SELECT COUNT(*) FROM enrolments WHERE id = $1 AND status = "
                                "'completed'",
                                done),
                     1);
    static const struct {
        int64_t at;
        int hit;
        size_t enrolments;
        const char *due_group, *later_status;
    } steps[] = {
        {FIXTURE_NOW, 0, 2, "today", "locked"},
        {FIXTURE_NOW + 1800, 1, 2, "today", "locked"},
        {FIXTURE_NOW + 1801, 0, 1, "today", "locked"}, /* the completed one is gone */
        {FIXTURE_NOW + 3600, 1, 1, "today", "locked"},
        {FIXTURE_NOW + 3601, 0, 1, "overdue", "locked"}, /* past its due instant */
        {FIXTURE_NOW + 7199, 1, 1, "overdue", "locked"},
        {FIXTURE_NOW + 7200, 0, 1, "overdue", "available"}, /* released */
        {START(1) - 1, 1, 1, "overdue", "available"},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        w->cx.now = steps[i].at;
        hits = cache_hits(w);
        j = journey(w);
        const char *status = NULL;
        if ((cache_hits(w) == hits + 1) != steps[i].hit)
            fail_msg("step %zu: hit %d, want %d", i, cache_hits(w) == hits + 1, steps[i].hit);
        assert_int_equal(json_array_size(json_object_get(j, "enrolments")), steps[i].enrolments);
        assert_string_equal(group_of_activity(j, due, NULL), steps[i].due_group);
        group_of_activity(j, later, &status);
        assert_string_equal(status, steps[i].later_status);
        json_decref(j);
    }
    cache_free(w->cx.cache);
    w->cx.cache = NULL;
}

/* Runs an enrolment-module change as who, in a transaction, like the router. */
static enum rc in_tx(struct world *w, int64_t who, enum rc (*fn)(struct world *, void *), void *arg)
{
    act_as(w, who);
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    enum rc rc = fn(w, arg);
    if (rc == RC_OK)
        assert_int_equal(db_commit(w->db), RC_OK);
    else
        db_rollback(w->db);
    return rc;
}

static enum rc enrol_peer(struct world *w, void *start_date)
{
    struct enrolment_batch b;
    struct enrolment_request rq = {.user_ids = &w->peer, .nuser_ids = 1, .start_date = start_date};
    enum rc rc = enrolment_enrol(&w->cx, w->workflow, &rq, &b);
    if (rc == RC_OK) {
        assert_int_equal(b.created, 1);
        enrolment_batch_free(&b);
    }
    return rc;
}

static enum rc change_status(struct world *w, void *arg)
{
    const int64_t *v = arg; /* {enrolment id, status} */
    struct enrolment_change ch = {.set = ENROLMENT_F_STATUS, .status = (enum enrolment_status)v[1]};
    return enrolment_change(&w->cx, v[0], &ch, NULL);
}

static enum rc tick(struct world *w, void *arg)
{
    struct enrolment_tick_result r;
    enum rc rc = enrolment_tick(&w->cx, &r);
    if (rc == RC_OK)
        *(int64_t *)arg = r.replanned;
    return rc;
}

/* The peer's journey at now: asserts it was served from the cache when cached says so. */
static json_t *peer_journey(struct world *w, int64_t now, int cached)
{
    act_as(w, w->peer);
    w->cx.now = now;
    uint64_t hits = cache_hits(w);
    json_t *j = journey(w);
    assert_int_equal(cache_hits(w) - hits, cached ? 1 : 0);
    return j;
}

/* Enrolling, re-planning, pausing, resuming and withdrawing (the enrolment module) show
 * on the next journey even when the one before was cached. */
static void enrolment_changes_reach_a_cached_journey(void **state)
{
    struct world *w = *state;
    assert_int_equal(cache_new(0, &w->cx.cache), RC_OK);
    json_t *j = peer_journey(w, FIXTURE_NOW, 0);
    assert_int_equal(json_array_size(json_object_get(j, "enrolments")), 0);
    json_decref(j);
    json_decref(peer_journey(w, FIXTURE_NOW, 1));

    /* Enrolled three weeks ago: every step was due long ago. */
    assert_int_equal(in_tx(w, w->designer, enrol_peer, "2026-11-10"), RC_OK);
    j = peer_journey(w, FIXTURE_NOW, 0);
    json_t *es = json_object_get(j, "enrolments");
    assert_int_equal(json_array_size(es), 1);
    int64_t e = num(json_array_get(es, 0), "id");
    size_t overdue = json_array_size(json_object_get(j, "overdue"));
    assert_true(overdue >= 5);
    json_decref(j);
    json_decref(peer_journey(w, FIXTURE_NOW, 1));

    /* The scheduler re-plans: nothing is overdue any more. */
    int64_t replanned = 0;
    assert_int_equal(in_tx(w, w->admin, tick, &replanned), RC_OK);
    assert_true(replanned >= 1);
    j = peer_journey(w, FIXTURE_NOW, 0);
    assert_int_equal(json_array_size(json_object_get(j, "overdue")), 0);
    assert_true(json_array_size(json_object_get(j, "today")) +
                    json_array_size(json_object_get(j, "upcoming")) >=
                overdue);
    json_decref(j);
    json_decref(peer_journey(w, FIXTURE_NOW, 1));

    /* Paused: listed as paused, its activities leave the groups. */
    assert_int_equal(in_tx(w, w->admin, change_status, (int64_t[]){e, ENROLMENT_PAUSED}), RC_OK);
    j = peer_journey(w, FIXTURE_NOW, 0);
    assert_string_equal(str(json_array_get(json_object_get(j, "enrolments"), 0), "status"),
                        "paused");
    assert_int_equal(json_array_size(json_object_get(j, "today")) +
                         json_array_size(json_object_get(j, "upcoming")),
                     0);
    json_decref(j);
    json_decref(peer_journey(w, FIXTURE_NOW + 60, 1));

    /* Resumed a week later: active again, the open activities moved by the pause. */
    assert_int_equal(in_tx(w, w->admin, tick, &replanned), RC_OK); /* nothing to do */
    json_decref(peer_journey(w, FIXTURE_NOW + 60, 1));
    act_as(w, w->admin);
    w->cx.now = FIXTURE_NOW + 7 * DAY;
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    struct enrolment_change ch = {.set = ENROLMENT_F_STATUS, .status = ENROLMENT_ACTIVE};
    assert_int_equal(enrolment_change(&w->cx, e, &ch, NULL), RC_OK);
    assert_int_equal(db_commit(w->db), RC_OK);
    j = peer_journey(w, FIXTURE_NOW + 7 * DAY, 0);
    assert_string_equal(str(json_array_get(json_object_get(j, "enrolments"), 0), "status"),
                        "active");
    assert_int_equal(json_array_size(json_object_get(j, "overdue")), 0);
    json_decref(j);
    json_decref(peer_journey(w, FIXTURE_NOW + 7 * DAY, 1));

    /* Withdrawn: gone from the journey. */
    assert_int_equal(in_tx(w, w->admin, change_status, (int64_t[]){e, ENROLMENT_WITHDRAWN}), RC_OK);
    j = peer_journey(w, FIXTURE_NOW + 7 * DAY, 0);
    assert_int_equal(json_array_size(json_object_get(j, "enrolments")), 0);
    assert_int_equal(json_array_size(json_object_get(j, "today")) +
                         json_array_size(json_object_get(j, "upcoming")) +
                         json_array_size(json_object_get(j, "overdue")),
                     0);
    json_decref(j);
    /* Only the peer's journey was touched: the learner's cached one is still served. */
    act_as(w, w->learner);
    json_decref(journey(w));
    uint64_t hits = cache_hits(w);
    json_decref(journey(w));
    assert_int_equal(cache_hits(w), hits + 1);
    cache_free(w->cx.cache);
    w->cx.cache = NULL;
}

/* ---- concurrency (PostgreSQL) ------------------------------------------------------------ */

struct racer {
    char url[1024];
    int64_t tenant, learner, activity;
    enum rc rc;
    const char *code;
};

/* Completes the activity on a second connection, as the router would. */
static void *race(void *arg)
{
    struct racer *r = arg;
    struct db *db = NULL;
    char err[256];
    r->rc = RC_INTERNAL;
    if (db_open(r->url, &db, err, sizeof err) != RC_OK)
        return NULL;
    struct ctx cx;
    fixture_ctx(&cx, db);
    cx.actor.tenant_id = r->tenant;
    cx.actor.user_id = r->learner;
    cx.actor.roles = PEOPLE_ROLE_LEARNER;
    if (db_begin(db, 1) == RC_OK) {
        r->rc = activity_complete(&cx, r->activity, NULL, NULL);
        r->code = cx.code;
        if (r->rc == RC_OK)
            db_commit(db);
        else
            db_rollback(db);
    }
    ctx_clear(&cx);
    db_close(db);
    return NULL;
}

/* Two completions of one activity at the same time complete it once: the second waits
 * for the first's row lock, then sees it completed. */
static void completing_twice_at_once_completes_once(void **state)
{
    struct world *w = *state;
    if (!w->pg_url || !*w->pg_url)
        skip(); /* SQLite writers are serialised by BEGIN IMMEDIATE */
    struct racer r = {.tenant = w->acme, .learner = w->learner, .activity = w->act[S_LEARN]};
    snprintf(r.url, sizeof r.url, "%s%coptions=-csearch_path%%3D%s", w->pg_url,
             strchr(w->pg_url, '?') ? '&' : '?', w->schema);
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    assert_int_equal(activity_complete(&w->cx, w->act[S_LEARN], NULL, NULL), RC_OK);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, race, &r), 0);
    struct timespec pause = {0, 300 * 1000 * 1000};
    nanosleep(&pause, NULL); /* the racer is now waiting for our locks */
    assert_int_equal(db_commit(w->db), RC_OK);
    pthread_join(t, NULL);
    assert_int_equal(r.rc, RC_CONFLICT);
    assert_string_equal(r.code, "already_completed");
    assert_int_equal(
        sql_value1(w, "SELECT completed_steps FROM enrolments WHERE id = $1", w->enrolment), 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(statuses_follow_state_release_and_return),
        T(due_dates_are_local_dates_all_year),
        T(the_learner_completes_a_self_step),
        T(every_refusal_has_its_code_and_changes_nothing),
        T(submit_approve_completes_the_enrolment),
        T(a_return_reopens_with_the_comment),
        T(only_the_enrolments_coach_signs_off_coach_steps),
        T(evidence_files_are_sniffed_cleaned_and_capped),
        T(downloads_are_attachments_for_readers_only),
        T(the_journey_groups_activities_by_day),
        T(the_done_group_keeps_the_latest_fifty),
        T(the_signoff_queue_shows_what_waits_for_me),
        T(a_cached_journey_changes_with_every_write),
        T(time_passing_refreshes_a_cached_journey),
        T(enrolment_changes_reach_a_cached_journey),
        T(completing_twice_at_once_completes_once),
    };
    log_set_level(LOG_ERROR);
    int failed = FIXTURE_RUN_ON_BOTH("activity", tests, NULL);
    return failed;
}
