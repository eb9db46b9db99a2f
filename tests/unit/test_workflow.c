/*
 * test_workflow.c — workflow design (workflow.h): drafts, phases, steps and their
 * positions, the rules, publishing immutable versions, the document, the templates.
 *
 * Each test starts from a fresh migrated database with two organisations: acme (an
 * admin, a designer and a learner) and other (a designer). Runs on SQLite and again on
 * PostgreSQL when WAYMARK_TEST_PG_URL is set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/log.h"
#include "fixture.h"
#include "people/people.h"
#include "people/users.h"
#include "tenant/tenant.h"
#include "workflow/workflow.h"
#include "workflow/workflow_api.h"

struct world {
    const char *pg_url;
    char schema[96];
    struct db *db;
    struct ctx cx;
    int64_t acme, other;
    int64_t admin, designer, learner, other_designer;
};

static void as(struct world *w, int64_t tenant, int64_t user, unsigned roles)
{
    w->cx.actor.tenant_id = tenant;
    w->cx.actor.user_id = user;
    w->cx.actor.roles = roles | PEOPLE_ROLE_LEARNER;
    ctx_clear(&w->cx);
}

static void as_designer(struct world *w)
{
    as(w, w->acme, w->designer, PEOPLE_ROLE_DESIGNER);
}

static int64_t add_user(struct world *w, int64_t tenant, const char *email, unsigned roles)
{
    as(w, tenant, 0, PEOPLE_ROLE_ADMIN);
    struct users_change ch = {.set = USERS_EMAIL | USERS_NAME | USERS_ROLES,
                              .email = email,
                              .name = email,
                              .roles = roles};
    struct user u;
    assert_int_equal(users_create(&w->cx, &ch, &u), RC_OK);
    return u.id;
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    w->pg_url = *state;
    w->db = fixture_db_on(w->pg_url, "workflow", w->schema);
    fixture_ctx(&w->cx, w->db);
    struct tenant t;
    int created;
    assert_int_equal(tenant_ensure(&w->cx, "acme", "Acme", &t, &created), RC_OK);
    w->acme = t.id;
    assert_int_equal(tenant_ensure(&w->cx, "other", "Other", &t, &created), RC_OK);
    w->other = t.id;
    w->admin = add_user(w, w->acme, "admin@acme.example", PEOPLE_ROLE_ADMIN);
    w->designer = add_user(w, w->acme, "designer@acme.example", PEOPLE_ROLE_DESIGNER);
    w->learner = add_user(w, w->acme, "learner@acme.example", 0);
    w->other_designer = add_user(w, w->other, "designer@other.example", PEOPLE_ROLE_DESIGNER);
    as_designer(w);
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

/* ---- helpers ------------------------------------------------------------------------- */

static int64_t new_workflow(struct world *w, const char *title, const char *outcome)
{
    struct workflow_change ch = {
        .set = WORKFLOW_F_WF_TITLE | WORKFLOW_F_WF_OUTCOME, .title = title, .outcome = outcome};
    int64_t id = 0;
    assert_int_equal(workflow_create(&w->cx, &ch, &id), RC_OK);
    return id;
}

static int64_t new_phase(struct world *w, int64_t wf, const char *name)
{
    struct workflow_phase p = {0};
    assert_int_equal(workflow_phase_add(&w->cx, wf, name, 0, &p), RC_OK);
    free(p.name);
    return p.id;
}

/* A step with the defaults a document would give, titled title, in phase_id. */
static struct workflow_step step(const char *title, int64_t phase_id, int release, int due)
{
    struct workflow_step s = {.phase_id = phase_id,
                              .kind = WORKFLOW_PRACTISE,
                              .title = (char *)title,
                              .instructions = (char *)"Do it **today**.",
                              .release_offset_days = release,
                              .due_offset_days = due,
                              .effort_minutes = 15,
                              .completion = WORKFLOW_BY_SELF,
                              .evidence = WORKFLOW_EVIDENCE_NONE};
    return s;
}

static int64_t new_step(struct world *w, int64_t wf, int64_t phase_id, const char *title)
{
    struct workflow_step s = step(title, phase_id, 0, 2), out;
    assert_int_equal(workflow_step_add(&w->cx, wf, &s, &out), RC_OK);
    int64_t id = out.id;
    workflow_step_clear(&out);
    return id;
}

/* "Phase/position:title" of every step of the draft, joined by " | ". */
static void order(struct world *w, int64_t wf, char *out, size_t size)
{
    struct workflow d;
    assert_int_equal(workflow_get(&w->cx, wf, &d), RC_OK);
    out[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < d.nsteps; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%d/%d:%s", i ? " | " : "",
                                 d.steps[i].phase, d.steps[i].position, d.steps[i].title);
    workflow_free(&d);
}

/* 1 when cx has a detail for field. */
static int has_detail(const struct ctx *cx, const char *field)
{
    size_t i;
    json_t *d;
    json_array_foreach(cx->details, i, d)
    {
        if (strcmp(json_string_value(json_object_get(d, "field")), field) == 0)
            return 1;
    }
    return 0;
}

/* ---- tests --------------------------------------------------------------------------- */

static void steps_keep_contiguous_positions_through_moves(void **state)
{
    struct world *w = *state;
    char got[512];
    int64_t wf = new_workflow(w, "Feedback", "Gives specific feedback");
    int64_t week1 = new_phase(w, wf, "Week 1");
    int64_t week2 = new_phase(w, wf, "Week 2");
    int64_t a = new_step(w, wf, week1, "A");
    new_step(w, wf, week1, "B");
    int64_t c = new_step(w, wf, week1, "C");
    new_step(w, wf, week2, "D");
    order(w, wf, got, sizeof got);
    assert_string_equal(got, "1/1:A | 1/2:B | 1/3:C | 2/1:D");

    /* Within a phase: C to the top. */
    struct workflow_step move = {.position = 1}, out;
    assert_int_equal(workflow_step_update(&w->cx, wf, c, &move, WORKFLOW_F_POSITION, &out), RC_OK);
    assert_int_equal(out.position, 1);
    workflow_step_clear(&out);
    order(w, wf, got, sizeof got);
    assert_string_equal(got, "1/1:C | 1/2:A | 1/3:B | 2/1:D");

    /* Across phases: A into week 2 at position 1; week 1 closes up. */
    move = (struct workflow_step){.phase_id = week2, .position = 1};
    assert_int_equal(
        workflow_step_update(&w->cx, wf, a, &move, WORKFLOW_F_PHASE | WORKFLOW_F_POSITION, &out),
        RC_OK);
    assert_int_equal(out.phase, 2);
    workflow_step_clear(&out);
    order(w, wf, got, sizeof got);
    assert_string_equal(got, "1/1:C | 1/2:B | 2/1:A | 2/2:D");

    /* Out of range positions are refused and change nothing. */
    move = (struct workflow_step){.position = 3};
    assert_int_equal(workflow_step_update(&w->cx, wf, c, &move, WORKFLOW_F_POSITION, &out),
                     RC_INVALID);
    assert_true(has_detail(&w->cx, "position"));
    as_designer(w);
    struct workflow_step late = step("E", week1, 0, 1);
    late.position = 4;
    assert_int_equal(workflow_step_add(&w->cx, wf, &late, &out), RC_INVALID);
    as_designer(w);
    order(w, wf, got, sizeof got);
    assert_string_equal(got, "1/1:C | 1/2:B | 2/1:A | 2/2:D");

    /* Deleting closes the gap; a phase with steps cannot go, an empty one can. */
    assert_int_equal(workflow_step_delete(&w->cx, wf, c), RC_OK);
    order(w, wf, got, sizeof got);
    assert_string_equal(got, "1/1:B | 2/1:A | 2/2:D");
    assert_int_equal(workflow_phase_delete(&w->cx, wf, week1), RC_CONFLICT);
    as_designer(w);
    int64_t week3 = new_phase(w, wf, "Week 3");
    assert_int_equal(workflow_phase_delete(&w->cx, wf, week3), RC_OK);
}

static void steps_follow_the_rules(void **state)
{
    struct world *w = *state;
    int64_t wf = new_workflow(w, "Rules", "");
    int64_t p = new_phase(w, wf, "Week 1");
    struct workflow_step out;

    struct workflow_step bad = step("", p, 5, 3);
    bad.link_url = (char *)"javascript:alert(1)";
    bad.effort_minutes = 0;
    assert_int_equal(workflow_step_add(&w->cx, wf, &bad, &out), RC_INVALID);
    assert_true(has_detail(&w->cx, "title"));
    assert_true(has_detail(&w->cx, "due_offset_days"));
    assert_true(has_detail(&w->cx, "link_url"));
    assert_true(has_detail(&w->cx, "effort_minutes"));

    as_designer(w);
    bad = step("Too late", p, 0, WORKFLOW_OFFSET_MAX + 1);
    assert_int_equal(workflow_step_add(&w->cx, wf, &bad, &out), RC_INVALID);
    assert_true(has_detail(&w->cx, "due_offset_days"));

    as_designer(w);
    bad = step("Elsewhere", 999999, 0, 1);
    assert_int_equal(workflow_step_add(&w->cx, wf, &bad, &out), RC_INVALID);
    assert_true(has_detail(&w->cx, "phase_id"));

    assert_true(workflow_url_valid("https://example.com/a?b=c#d"));
    assert_true(workflow_url_valid("http://intranet:8080/x"));
    assert_false(workflow_url_valid("https://"));
    assert_false(workflow_url_valid("ftp://example.com"));
    assert_false(workflow_url_valid("https://exa mple.com"));
    assert_false(workflow_url_valid("https://user@evil.example"));
    assert_false(workflow_url_valid("/relative"));

    /* Nothing was written by the refused calls. */
    as_designer(w);
    struct workflow d;
    assert_int_equal(workflow_get(&w->cx, wf, &d), RC_OK);
    assert_int_equal(d.nsteps, 0);
    workflow_free(&d);
}

static void publishing_freezes_a_version_and_the_draft_carries_on(void **state)
{
    struct world *w = *state;
    int version = 0;
    int64_t wf = new_workflow(w, "Feedback", "");
    int64_t p = new_phase(w, wf, "Week 1");

    /* Not publishable: no outcome, no steps, an empty phase. */
    assert_int_equal(workflow_publish(&w->cx, wf, &version), RC_INVALID);
    assert_true(has_detail(&w->cx, "outcome"));
    assert_true(has_detail(&w->cx, "steps"));
    assert_true(has_detail(&w->cx, "phases[0]"));

    as_designer(w);
    struct workflow_change ch = {.set = WORKFLOW_F_WF_OUTCOME, .outcome = "Gives feedback"};
    assert_int_equal(workflow_update(&w->cx, wf, &ch), RC_OK);
    int64_t s = new_step(w, wf, p, "Notice a moment");
    assert_int_equal(workflow_publish(&w->cx, wf, &version), RC_OK);
    assert_int_equal(version, 1);

    /* Publishing again without a change is refused. */
    assert_int_equal(workflow_publish(&w->cx, wf, &version), RC_CONFLICT);
    assert_string_equal(w->cx.code, "no_changes");

    /* Editing the draft leaves version 1 as it was. */
    as_designer(w);
    struct workflow_step edit = {.due_offset_days = 4}, out;
    assert_int_equal(workflow_step_update(&w->cx, wf, s, &edit, WORKFLOW_F_DUE, &out), RC_OK);
    workflow_step_clear(&out);
    struct workflow d, v1;
    assert_int_equal(workflow_get(&w->cx, wf, &d), RC_OK);
    assert_int_equal(d.status, WORKFLOW_PUBLISHED);
    assert_true(d.draft_changed);
    workflow_free(&d);
    assert_int_equal(workflow_publish(&w->cx, wf, &version), RC_OK);
    assert_int_equal(version, 2);
    assert_int_equal(workflow_version_get(&w->cx, wf, 1, &v1), RC_OK);
    assert_int_equal(v1.version, 1);
    assert_int_equal(v1.nsteps, 1);
    assert_int_equal(v1.steps[0].id, s); /* the step key is the draft id */
    assert_int_equal(v1.steps[0].due_offset_days, 2);
    assert_int_equal(v1.published_by, w->designer);
    workflow_free(&v1);

    /* Versions never change; published workflows are archived, not deleted. */
    assert_int_equal(workflow_version_change(&w->cx, wf, 1), RC_CONFLICT);
    assert_string_equal(w->cx.code, "version_immutable");
    as_designer(w);
    assert_int_equal(workflow_version_change(&w->cx, wf, 9), RC_NOT_FOUND);
    as_designer(w);
    assert_int_equal(workflow_delete(&w->cx, wf), RC_CONFLICT);
    as_designer(w);
    assert_int_equal(workflow_archive(&w->cx, wf), RC_OK);
    assert_int_equal(workflow_update(&w->cx, wf, &ch), RC_CONFLICT);
    as_designer(w);
    assert_int_equal(workflow_publish(&w->cx, wf, &version), RC_CONFLICT);
    as_designer(w);
    assert_int_equal(workflow_restore(&w->cx, wf), RC_OK);
}

static void only_designers_of_the_tenant_reach_workflows(void **state)
{
    struct world *w = *state;
    int64_t wf = new_workflow(w, "Private", "");
    struct workflow d;
    as(w, w->acme, w->learner, 0);
    assert_int_equal(workflow_get(&w->cx, wf, &d), RC_FORBIDDEN);
    as(w, w->other, w->other_designer, PEOPLE_ROLE_DESIGNER);
    assert_int_equal(workflow_get(&w->cx, wf, &d), RC_NOT_FOUND);
    assert_int_equal(workflow_delete(&w->cx, wf), RC_NOT_FOUND);
    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN);
    assert_int_equal(workflow_get(&w->cx, wf, &d), RC_OK);
    workflow_free(&d);
}

static void every_template_reads_and_round_trips(void **state)
{
    struct world *w = *state;
    assert_true(WORKFLOW_TEMPLATES_COUNT >= 3);
    for (size_t i = 0; i < WORKFLOW_TEMPLATES_COUNT; i++) {
        struct workflow t, d;
        as_designer(w);
        assert_int_equal(workflow_template_load(&w->cx, WORKFLOW_TEMPLATES[i].key, &t), RC_OK);
        assert_in_range(t.nsteps, 20, 35);
        int signoff = 0, reflect = 0;
        for (size_t j = 0; j < t.nsteps; j++) {
            signoff += t.steps[j].completion == WORKFLOW_BY_MANAGER;
            reflect += t.steps[j].kind == WORKFLOW_REFLECT;
        }
        assert_true(signoff >= 1);
        assert_true(reflect >= 1);
        assert_true(t.outcome[0] != '\0');

        int64_t id;
        assert_int_equal(
            workflow_create_from_template(&w->cx, WORKFLOW_TEMPLATES[i].key, NULL, &id), RC_OK);
        assert_int_equal(workflow_get(&w->cx, id, &d), RC_OK);
        json_t *a = workflow_doc_json(&t), *b = workflow_doc_json(&d);
        assert_true(json_equal(a, b));

        /* import(export(w)) exports equal to export(w) */
        struct workflow again;
        assert_int_equal(workflow_doc_read(&w->cx, b, &again), RC_OK);
        json_t *c = workflow_doc_json(&again);
        assert_true(json_equal(b, c));
        json_decref(a);
        json_decref(b);
        json_decref(c);
        workflow_free(&again);
        workflow_free(&t);
        workflow_free(&d);
        int version;
        assert_int_equal(workflow_publish(&w->cx, id, &version), RC_OK);
    }
}

static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    assert_non_null(j);
    return j;
}

static void broken_documents_report_every_problem_at_once(void **state)
{
    struct world *w = *state;
    struct workflow d;
    json_t *doc =
        parse("{\"format\":\"waymark-workflow\",\"format_version\":1,\"title\":\"T\",\"colour\":1,"
              "\"phases\":[{\"name\":\"W1\",\"steps\":[{\"title\":\"ok\"},{\"title\":\"x\","
              "\"kind\":\"dance\"},{\"title\":3,\"due_offset_days\":\"soon\"}]},{\"steps\":[]}]}");
    assert_int_equal(workflow_doc_read(&w->cx, doc, &d), RC_INVALID);
    assert_true(has_detail(&w->cx, "colour"));
    assert_true(has_detail(&w->cx, "phases[0].steps[1].kind"));
    assert_true(has_detail(&w->cx, "phases[0].steps[2].title"));
    assert_true(has_detail(&w->cx, "phases[0].steps[2].due_offset_days"));
    assert_true(has_detail(&w->cx, "phases[1].name"));
    assert_false(has_detail(&w->cx, "phases[0].steps[0].title"));
    workflow_free(&d);
    json_decref(doc);

    /* 10,000 steps: one clear answer, no 10,000 details. */
    as_designer(w);
    json_t *steps = json_array();
    for (int i = 0; i < 10000; i++)
        json_array_append_new(steps, json_pack("{s:s}", "title", "s"));
    doc = json_pack("{s:s, s:i, s:s, s:[{s:s, s:o}]}", "format", "waymark-workflow",
                    "format_version", 1, "title", "Huge", "phases", "name", "W", "steps", steps);
    assert_int_equal(workflow_doc_read(&w->cx, doc, &d), RC_INVALID);
    assert_int_equal(json_array_size(w->cx.details), 1);
    assert_true(has_detail(&w->cx, "steps"));
    workflow_free(&d);
    json_decref(doc);

    /* 300 bad steps: at most CTX_DETAILS_MAX details kept, the rest counted. */
    as_designer(w);
    steps = json_array();
    for (int i = 0; i < 300; i++)
        json_array_append_new(steps, json_pack("{s:s, s:s}", "title", "s", "kind", "nope"));
    doc = json_pack("{s:s, s:i, s:s, s:[{s:s, s:o}]}", "format", "waymark-workflow",
                    "format_version", 1, "title", "Many", "phases", "name", "W", "steps", steps);
    assert_int_equal(workflow_doc_read(&w->cx, doc, &d), RC_INVALID);
    assert_int_equal(json_array_size(w->cx.details), CTX_DETAILS_MAX);
    assert_int_equal(w->cx.details_omitted, 200);
    workflow_free(&d);
    json_decref(doc);
}

static void duplicating_copies_everything_under_a_new_title(void **state)
{
    struct world *w = *state;
    int64_t wf = new_workflow(w, "One-to-ones", "Runs useful one-to-ones");
    int64_t p = new_phase(w, wf, "Week 1");
    new_step(w, wf, p, "Ask for the agenda");
    int64_t copy;
    assert_int_equal(workflow_duplicate(&w->cx, wf, NULL, &copy), RC_OK);
    struct workflow a, b;
    assert_int_equal(workflow_get(&w->cx, wf, &a), RC_OK);
    assert_int_equal(workflow_get(&w->cx, copy, &b), RC_OK);
    assert_string_equal(b.title, "Copy of One-to-ones");
    assert_int_equal(b.status, WORKFLOW_DRAFT);
    assert_int_equal(b.nsteps, 1);
    assert_string_equal(b.steps[0].title, "Ask for the agenda");
    assert_true(b.steps[0].id != a.steps[0].id);
    workflow_free(&a);
    workflow_free(&b);
}

static void a_change_on_a_stale_revision_is_refused(void **state)
{
    struct world *w = *state;
    int64_t wf = new_workflow(w, "Shared", "Gives feedback");
    struct workflow d;
    assert_int_equal(workflow_get(&w->cx, wf, &d), RC_OK);
    int64_t seen = d.revision;
    workflow_free(&d);
    new_phase(w, wf, "Week 1"); /* someone else's change */

    struct workflow_change ch = {.set = WORKFLOW_F_WF_TITLE, .title = "Mine"};
    w->cx.if_match = seen;
    assert_int_equal(workflow_update(&w->cx, wf, &ch), RC_PRECONDITION);
    assert_string_equal(w->cx.code, "precondition_failed");
    as_designer(w);
    assert_int_equal(workflow_get(&w->cx, wf, &d), RC_OK);
    assert_string_equal(d.title, "Shared");
    w->cx.if_match = d.revision; /* the current one */
    workflow_free(&d);
    assert_int_equal(workflow_update(&w->cx, wf, &ch), RC_OK);
    w->cx.if_match = 0;
}

/* ---- re-planning settings ------------------------------------------------------------ */

/* Calls handler h as the current actor with body (NULL: none) and path parameters
 * params[0..nparams); checks the rc and returns the parsed answer (NULL when none). */
static json_t *call(struct world *w, enum rc (*h)(struct ctx *, const struct req *, struct resp *),
                    const char *method, const char *const *params, int nparams, const char *body,
                    enum rc want)
{
    struct fake_req f;
    fake_req_init(&f, method, "/api/v1/workflows");
    json_t *j = NULL, *answer = NULL;
    if (body)
        assert_int_equal(jsonx_parse(&w->cx, body, strlen(body), &j), RC_OK);
    f.rq.json = j;
    for (int i = 0; i < nparams; i++)
        f.rq.params[i] = params[i];
    f.rq.nparams = nparams;
    struct resp rs;
    resp_init(&rs);
    enum rc rc = h(&w->cx, &f.rq, &rs);
    if (rc != want)
        fail_msg("%s %s: %s (%s), wanted %s", method, body ? body : "", rc_name(rc), w->cx.message,
                 rc_name(want));
    if (rc == RC_OK && rs.body.len) {
        json_error_t err;
        answer = json_loadb(rs.body.data, rs.body.len, 0, &err);
        assert_non_null(answer);
    }
    resp_free(&rs);
    json_decref(j);
    return answer;
}

static json_int_t int_of(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        fail_msg("%s is not a whole number", key);
    return json_integer_value(v);
}

static void replan_settings_default_patch_check_and_freeze(void **state)
{
    struct world *w = *state;
    int64_t wf = new_workflow(w, "Satnav", "Keeps learners on track");
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)wf);
    const char *params[2] = {id, "1"};

    /* New drafts take the defaults, in the struct and in the API. */
    struct workflow d;
    assert_int_equal(workflow_get(&w->cx, wf, &d), RC_OK);
    assert_int_equal(d.replan_after_days, WORKFLOW_REPLAN_AFTER_DEFAULT);
    assert_int_equal(d.max_due_per_day, WORKFLOW_MAX_DUE_DEFAULT);
    int64_t revision = d.revision;
    workflow_free(&d);
    json_t *got = call(w, workflow_api_get, "GET", params, 1, NULL, RC_OK);
    assert_int_equal(int_of(got, "replan_after_days"), 3);
    assert_int_equal(int_of(got, "max_due_per_day"), 2);
    json_decref(got);

    /* PATCH sets them; 0 turns re-planning off. */
    got = call(w, workflow_api_update, "PATCH", params, 1,
               "{\"replan_after_days\": 0, \"max_due_per_day\": 5}", RC_OK);
    assert_int_equal(int_of(got, "replan_after_days"), 0);
    assert_int_equal(int_of(got, "max_due_per_day"), 5);
    assert_int_equal(int_of(got, "revision"), revision + 1);
    json_decref(got);
    /* The same values again change nothing, not even the revision. */
    got = call(w, workflow_api_update, "PATCH", params, 1, "{\"max_due_per_day\": 5}", RC_OK);
    assert_int_equal(int_of(got, "revision"), revision + 1);
    json_decref(got);

    /* Out of range, wrong types, null: 422 per field, nothing written. */
    static const struct {
        const char *body;
        const char *fields[2];
    } bad[] = {
        {"{\"replan_after_days\": 61, \"max_due_per_day\": 0}",
         {"replan_after_days", "max_due_per_day"}},
        {"{\"replan_after_days\": -1}", {"replan_after_days", NULL}},
        {"{\"max_due_per_day\": 21}", {"max_due_per_day", NULL}},
        {"{\"max_due_per_day\": \"2\"}", {"max_due_per_day", NULL}},
        {"{\"max_due_per_day\": 1.5}", {"max_due_per_day", NULL}},
        {"{\"replan_after_days\": null}", {"replan_after_days", NULL}},
        {"{\"replan_after_days\": 4294967299}", {"replan_after_days", NULL}},
        {"{\"replan_after_days\": true, \"title\": \"\"}", {"replan_after_days", "title"}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        as_designer(w);
        assert_null(call(w, workflow_api_update, "PATCH", params, 1, bad[i].body, RC_INVALID));
        for (int k = 0; k < 2 && bad[i].fields[k]; k++)
            if (!has_detail(&w->cx, bad[i].fields[k]))
                fail_msg("%s: no detail for %s", bad[i].body, bad[i].fields[k]);
    }
    /* The domain applies the same rules to a change made without the API. */
    as_designer(w);
    struct workflow_change ch = {.set = WORKFLOW_F_WF_REPLAN_AFTER | WORKFLOW_F_WF_MAX_DUE,
                                 .replan_after_days = WORKFLOW_REPLAN_AFTER_MAX + 1,
                                 .max_due_per_day = WORKFLOW_MAX_DUE_MAX + 1};
    assert_int_equal(workflow_update(&w->cx, wf, &ch), RC_INVALID);
    assert_true(has_detail(&w->cx, "replan_after_days"));
    assert_true(has_detail(&w->cx, "max_due_per_day"));
    as_designer(w);
    assert_int_equal(workflow_get(&w->cx, wf, &d), RC_OK);
    assert_int_equal(d.replan_after_days, 0);
    assert_int_equal(d.max_due_per_day, 5);
    assert_int_equal(d.revision, revision + 1);
    workflow_free(&d);
    /* The bounds themselves are allowed. */
    ch = (struct workflow_change){.set = WORKFLOW_F_WF_REPLAN_AFTER | WORKFLOW_F_WF_MAX_DUE,
                                  .replan_after_days = WORKFLOW_REPLAN_AFTER_MAX,
                                  .max_due_per_day = 1};
    assert_int_equal(workflow_update(&w->cx, wf, &ch), RC_OK);
    ch.max_due_per_day = WORKFLOW_MAX_DUE_MAX;
    assert_int_equal(workflow_update(&w->cx, wf, &ch), RC_OK);

    /* POST takes them too; with a template only a title may come along. */
    got = call(w, workflow_api_create, "POST", NULL, 0,
               "{\"title\": \"Fast\", \"replan_after_days\": 10}", RC_OK);
    assert_int_equal(int_of(got, "replan_after_days"), 10);
    assert_int_equal(int_of(got, "max_due_per_day"), 2);
    json_decref(got);
    as_designer(w);
    assert_null(call(w, workflow_api_create, "POST", NULL, 0,
                     "{\"template\": \"giving-feedback\", \"max_due_per_day\": 3}", RC_INVALID));
    assert_true(has_detail(&w->cx, "template"));

    /* Publishing freezes them into the version; later draft changes leave it alone. */
    as_designer(w);
    ch = (struct workflow_change){.set = WORKFLOW_F_WF_REPLAN_AFTER | WORKFLOW_F_WF_MAX_DUE,
                                  .replan_after_days = 0,
                                  .max_due_per_day = 5};
    assert_int_equal(workflow_update(&w->cx, wf, &ch), RC_OK);
    int64_t p = new_phase(w, wf, "Week 1");
    new_step(w, wf, p, "Plan the week");
    int version = 0;
    assert_int_equal(workflow_publish(&w->cx, wf, &version), RC_OK);
    assert_int_equal(version, 1);
    got = call(w, workflow_api_update, "PATCH", params, 1,
               "{\"replan_after_days\": 7, \"max_due_per_day\": 1}", RC_OK);
    assert_true(json_is_true(json_object_get(got, "draft_changed")));
    json_decref(got);
    got = call(w, workflow_api_version_get, "GET", params, 2, NULL, RC_OK);
    assert_int_equal(int_of(got, "version"), 1);
    assert_int_equal(int_of(got, "replan_after_days"), 0);
    assert_int_equal(int_of(got, "max_due_per_day"), 5);
    json_decref(got);
    assert_int_equal(workflow_publish(&w->cx, wf, &version), RC_OK);
    assert_int_equal(version, 2);
    struct workflow v;
    assert_int_equal(workflow_version_get(&w->cx, wf, 2, &v), RC_OK);
    assert_int_equal(v.replan_after_days, 7);
    assert_int_equal(v.max_due_per_day, 1);
    workflow_free(&v);
    assert_int_equal(workflow_version_get(&w->cx, wf, 1, &v), RC_OK);
    assert_int_equal(v.replan_after_days, 0);
    assert_int_equal(v.max_due_per_day, 5);
    workflow_free(&v);
    /* A change of only these settings is a change worth publishing. */
    got = call(w, workflow_api_update, "PATCH", params, 1, "{\"max_due_per_day\": 2}", RC_OK);
    json_decref(got);
    assert_int_equal(workflow_publish(&w->cx, wf, &version), RC_OK);
    assert_int_equal(version, 3);
}

static void replan_settings_travel_in_documents(void **state)
{
    struct world *w = *state;
    /* A document without them (format_version 1 as written before) takes the defaults. */
    json_t *doc = parse("{\"format\":\"waymark-workflow\",\"format_version\":1,\"title\":\"Old\","
                        "\"phases\":[{\"name\":\"W1\",\"steps\":[{\"title\":\"a\"}]}]}");
    struct workflow d;
    assert_int_equal(workflow_doc_read(&w->cx, doc, &d), RC_OK);
    assert_int_equal(d.replan_after_days, 3);
    assert_int_equal(d.max_due_per_day, 2);
    /* Export always writes them. */
    json_t *out = workflow_doc_json(&d);
    assert_int_equal(int_of(out, "format_version"), 1);
    assert_int_equal(int_of(out, "replan_after_days"), 3);
    assert_int_equal(int_of(out, "max_due_per_day"), 2);
    json_decref(out);
    workflow_free(&d);
    json_decref(doc);

    /* Given values survive import, storage and export. */
    doc = parse("{\"format\":\"waymark-workflow\",\"format_version\":1,\"title\":\"New\","
                "\"replan_after_days\":0,\"max_due_per_day\":20,"
                "\"phases\":[{\"name\":\"W1\",\"steps\":[{\"title\":\"a\"}]}]}");
    as_designer(w);
    assert_int_equal(workflow_doc_read(&w->cx, doc, &d), RC_OK);
    int64_t id = 0;
    assert_int_equal(workflow_create_from(&w->cx, &d, "workflow.import", &id), RC_OK);
    workflow_free(&d);
    assert_int_equal(workflow_get(&w->cx, id, &d), RC_OK);
    assert_int_equal(d.replan_after_days, 0);
    assert_int_equal(d.max_due_per_day, 20);
    out = workflow_doc_json(&d);
    assert_int_equal(int_of(out, "replan_after_days"), 0);
    assert_int_equal(int_of(out, "max_due_per_day"), 20);
    struct workflow again;
    assert_int_equal(workflow_doc_read(&w->cx, out, &again), RC_OK);
    json_t *out2 = workflow_doc_json(&again);
    assert_true(json_equal(out, out2));
    json_decref(out2);
    json_decref(out);
    workflow_free(&again);
    workflow_free(&d);
    json_decref(doc);

    /* Bad values are reported with the rest, by field. */
    doc = parse("{\"format\":\"waymark-workflow\",\"format_version\":1,\"title\":\"Bad\","
                "\"replan_after_days\":61,\"max_due_per_day\":\"two\","
                "\"phases\":[{\"name\":\"W1\",\"steps\":[{\"title\":\"a\",\"kind\":\"x\"}]}]}");
    as_designer(w);
    assert_int_equal(workflow_doc_read(&w->cx, doc, &d), RC_INVALID);
    assert_true(has_detail(&w->cx, "replan_after_days"));
    assert_true(has_detail(&w->cx, "max_due_per_day"));
    assert_true(has_detail(&w->cx, "phases[0].steps[0].kind"));
    assert_int_equal(json_array_size(w->cx.details), 3);
    workflow_free(&d);
    json_decref(doc);
    doc = parse("{\"format\":\"waymark-workflow\",\"format_version\":1,\"title\":\"Bad\","
                "\"replan_after_days\":-1,\"max_due_per_day\":0,\"phases\":[]}");
    as_designer(w);
    assert_int_equal(workflow_doc_read(&w->cx, doc, &d), RC_INVALID);
    assert_true(has_detail(&w->cx, "replan_after_days"));
    assert_true(has_detail(&w->cx, "max_due_per_day"));
    assert_int_equal(json_array_size(w->cx.details), 2);
    workflow_free(&d);
    json_decref(doc);

    /* Templates carry none and get the defaults. */
    as_designer(w);
    assert_int_equal(workflow_template_load(&w->cx, WORKFLOW_TEMPLATES[0].key, &d), RC_OK);
    assert_int_equal(d.replan_after_days, 3);
    assert_int_equal(d.max_due_per_day, 2);
    workflow_free(&d);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(steps_keep_contiguous_positions_through_moves),
        T(steps_follow_the_rules),
        T(publishing_freezes_a_version_and_the_draft_carries_on),
        T(only_designers_of_the_tenant_reach_workflows),
        T(every_template_reads_and_round_trips),
        T(broken_documents_report_every_problem_at_once),
        T(duplicating_copies_everything_under_a_new_title),
        T(a_change_on_a_stale_revision_is_refused),
        T(replan_settings_default_patch_check_and_freeze),
        T(replan_settings_travel_in_documents),
    };
    log_set_level(LOG_ERROR);
    int failed = FIXTURE_RUN_ON_BOTH("workflow", tests, NULL);
    return failed;
}
