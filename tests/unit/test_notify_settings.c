/*
 * test_notify_settings.c — what admins and people choose about notifications
 * (notify_settings.h, through the handlers of notify_api.h): the organisation's settings
 * and their strict PATCH, the SMTP password that is never shown, each person's
 * preferences and quiet hours (also across midnight and daylight-saving changes in
 * Europe/London), webhooks and their write-only secrets, and one-click unsubscribe.
 *
 * Each test starts from a fresh database with two organisations: acme (Europe/London)
 * with an admin, a learner and a second learner; other (UTC) with an admin and a person.
 * Handlers run through fake requests inside a transaction, as the router runs them.
 * Expected instants are written out in UTC by hand (date_from_ymd), never computed with
 * the code under test. Runs on SQLite and again on PostgreSQL when WAYMARK_TEST_PG_URL
 * is set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/jsonx.h"
#include "core/log.h"
#include "core/secure.h"
#include "fixture.h"
#include "notify/notify.h"
#include "notify/notify_api.h"
#include "notify/notify_settings.h"
#include "people/people.h"
#include "people/users.h"
#include "tenant/tenant.h"

#define SECRET_PASSWORD "s3cr3t-Pa55"

struct world {
    const char *pg_url;
    char schema[96];
    struct db *db;
    struct ctx cx;
    int64_t acme, other;
    int64_t admin, learner, learner2, other_admin, stranger;
};

/* Acts as user (0: nobody signed in) at FIXTURE_NOW. */
static void as(struct world *w, int64_t user)
{
    ctx_clear(&w->cx);
    memset(&w->cx.actor, 0, sizeof w->cx.actor);
    w->cx.now = FIXTURE_NOW;
    if (!user)
        return;
    w->cx.actor.tenant_id = user == w->other_admin || user == w->stranger ? w->other : w->acme;
    w->cx.actor.user_id = user;
    w->cx.actor.roles = PEOPLE_ROLE_LEARNER;
    if (user == w->admin || user == w->other_admin)
        w->cx.actor.roles |= PEOPLE_ROLE_ADMIN;
}

static int64_t add_user(struct world *w, int64_t tenant, const char *email, const char *name,
                        unsigned roles)
{
    w->cx.actor.tenant_id = tenant;
    w->cx.actor.user_id = 0;
    w->cx.actor.roles = PEOPLE_ROLE_ADMIN;
    ctx_clear(&w->cx);
    struct users_change ch = {.set = USERS_EMAIL | USERS_NAME | USERS_ROLES,
                              .email = email,
                              .name = name,
                              .roles = roles};
    struct user u;
    assert_int_equal(users_create(&w->cx, &ch, &u), RC_OK);
    return u.id;
}

static int64_t sql_value(struct world *w, const char *sql, int64_t a)
{
    int64_t v = -1;
    assert_int_equal(DB_VALUE(w->db, sql, &v, DB_INT(a)), RC_OK);
    return v;
}

static int64_t sql_value2(struct world *w, const char *sql, int64_t a, const char *b)
{
    int64_t v = -1;
    assert_int_equal(DB_VALUE(w->db, sql, &v, DB_INT(a), DB_TEXT(b)), RC_OK);
    return v;
}

/* Every text of the first column of sql's rows ($1 = a), joined by "\n" (free it). */
static char *sql_texts(struct world *w, const char *sql, int64_t a)
{
    struct db_stmt *st = NULL;
    struct buf b;
    buf_init(&b, 1 << 20);
    buf_add(&b, "");
    assert_int_equal(db_prepare(w->db, sql, &st), RC_OK);
    assert_int_equal(db_bind_int64(st, 1, a), RC_OK);
    enum rc rc;
    while ((rc = db_step(st)) == RC_ROW) {
        buf_add(&b, db_column_text(st, 0));
        buf_add(&b, "\n");
    }
    assert_int_equal(rc, RC_DONE);
    db_reset(st);
    return buf_steal(&b, NULL);
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    w->pg_url = *state;
    w->db = fixture_db_on(w->pg_url, "notify_settings", w->schema);
    fixture_ctx(&w->cx, w->db);
    struct tenant t;
    assert_int_equal(tenant_create(&w->cx, "acme", "Acme", "Europe/London", &t), RC_OK);
    w->acme = t.id;
    assert_int_equal(tenant_create(&w->cx, "other", "Other", "UTC", &t), RC_OK);
    w->other = t.id;
    w->admin = add_user(w, w->acme, "admin@acme.example", "Ada Admin", PEOPLE_ROLE_ADMIN);
    w->learner = add_user(w, w->acme, "ana@acme.example", "Ana", 0);
    w->learner2 = add_user(w, w->acme, "ben@acme.example", "Ben", 0);
    w->other_admin = add_user(w, w->other, "admin@other.example", "Otto Admin", PEOPLE_ROLE_ADMIN);
    w->stranger = add_user(w, w->other, "sam@other.example", "Sam", 0);
    as(w, w->admin);
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

typedef enum rc (*handler_fn)(struct ctx *, const struct req *, struct resp *);

struct call {
    struct fake_req f;
    struct resp rs;
    json_t *json; /* the parsed answer, when it was JSON */
    int status;
};

/* Runs handler as the current actor inside a transaction, like the router: path
 * parameter p0 (NULL: none), query pairs q (NULL-terminated, may be NULL), a JSON body
 * (NULL: none). */
static void call(struct world *w, struct call *c, handler_fn handler, const char *method,
                 const char *p0, const char *const *q, const char *body)
{
    memset(c, 0, sizeof *c);
    fake_req_init(&c->f, method, "/test");
    c->f.rq.params[0] = p0;
    c->f.rq.nparams = p0 ? 1 : 0;
    for (int i = 0; q && q[2 * i] && i < 7; i++) {
        c->f.query[i][0] = q[2 * i];
        c->f.query[i][1] = q[2 * i + 1];
    }
    json_t *parsed = NULL;
    if (body) {
        c->f.rq.content_type = "application/json";
        c->f.rq.body = body;
        c->f.rq.body_len = strlen(body);
        assert_int_equal(jsonx_parse(&w->cx, body, strlen(body), &parsed), RC_OK);
    }
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

/* The status of one call whose answer is not needed. */
static int status_of(struct world *w, handler_fn handler, const char *method, const char *p0,
                     const char *body)
{
    struct call c;
    call(w, &c, handler, method, p0, NULL, body);
    int status = c.status;
    call_done(&c);
    return status;
}

static const char *error_code(const struct call *c)
{
    return json_string_value(json_object_get(json_object_get(c->json, "error"), "code"));
}

/* The detail fields of an error answer, sorted and joined by ",". */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void assert_details(const struct call *c, const char *expected)
{
    json_t *details = json_object_get(json_object_get(c->json, "error"), "details");
    const char *names[64];
    size_t n = json_array_size(details);
    assert_true(n < 64);
    for (size_t i = 0; i < n; i++)
        names[i] = json_string_value(json_object_get(json_array_get(details, i), "field"));
    qsort(names, n, sizeof names[0], cmp_str);
    char text[2048] = "";
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%s%s", i ? "," : "", names[i]);
    assert_string_equal(text, expected);
}

/* The JSON text of v, to compare answers as a whole (free it). */
static char *dump(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
}

static void assert_json(const json_t *v, const char *expected_sorted)
{
    char *text = dump(v);
    assert_string_equal(text, expected_sorted);
    free(text);
}

static int64_t instant(int y, int mo, int d, int h, int mi)
{
    return date_from_ymd(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static int64_t count_audit(struct world *w, const char *action)
{
    return sql_value2(w, "SELECT COUNT(*) FROM audit_log WHERE tenant_id = $1 AND action = $2",
                      w->acme, action);
}

#define ALL_EMAIL_ON                                                                               \
    "{\"digest\":true,\"enrolment\":true,\"escalation\":true,\"new_activities\":true,"             \
    "\"overdue\":true,\"reminder\":true,\"returned\":true,\"signoff_request\":true}"

/* ---- organisation settings ------------------------------------------------------------ */

static void settings_without_a_row_are_the_defaults(void **state)
{
    struct world *w = *state;
    struct call c;
    call(w, &c, notify_api_settings_get, "GET", NULL, NULL, NULL);
    assert_int_equal(c.status, 200);
    assert_json(c.json, "{\"defaults\":{\"digest_day\":\"mon\",\"email\":" ALL_EMAIL_ON
                        ",\"quiet_hours\":null},\"escalate_after_days\":5,"
                        "\"reminder_days_before\":1,\"send_hour\":9,\"smtp\":{\"from\":null,"
                        "\"password_set\":false,\"url\":null,\"uses_deployment_relay\":true}}");
    call_done(&c);
    assert_int_equal(
        sql_value(w, "SELECT COUNT(*) FROM notification_settings WHERE tenant_id = $1", w->acme),
        0);

    /* The domain reads them for anyone, without a row. */
    as(w, w->learner);
    struct notify_settings s;
    assert_int_equal(notify_settings_get(&w->cx, &s), RC_OK);
    assert_int_equal(s.send_hour, 9);
    assert_int_equal(s.reminder_days_before, 1);
    assert_int_equal(s.escalate_after_days, 5);
    assert_int_equal(s.digest_day, 0);
    assert_int_equal(s.quiet.start, NOTIFY_NO_QUIET);
    assert_int_equal(s.email_off, 0);
    assert_string_equal(s.smtp_url, "");
    assert_string_equal(s.smtp_from, "");
}

static void an_admin_changes_settings_and_the_password_stays_secret(void **state)
{
    struct world *w = *state;
    struct call c;
    call(w, &c, notify_api_settings_update, "PATCH", NULL, NULL,
         "{\"send_hour\": 8, \"reminder_days_before\": 2, \"escalate_after_days\": 0,"
         " \"defaults\": {\"email\": {\"digest\": false, \"reminder\": false},"
         "   \"digest_day\": \"fri\", \"quiet_hours\": {\"start\": \"21:00\", \"end\": \"07:00\"}},"
         " \"smtp\": {\"url\": \"smtp://mailer:" SECRET_PASSWORD "@relay.example:587\","
         "   \"from\": \"Acme Learning <learning@acme.example>\"}}");
    assert_int_equal(c.status, 200);
    assert_json(c.json,
                "{\"defaults\":{\"digest_day\":\"fri\",\"email\":{\"digest\":false,"
                "\"enrolment\":true,\"escalation\":true,\"new_activities\":true,\"overdue\":true,"
                "\"reminder\":false,\"returned\":true,\"signoff_request\":true},\"quiet_hours\":{"
                "\"end\":\"07:00\",\"start\":\"21:00\"}},\"escalate_after_days\":0,"
                "\"reminder_days_before\":2,\"send_hour\":8,\"smtp\":{\"from\":\"Acme Learning "
                "<learning@acme.example>\",\"password_set\":true,\"url\":"
                "\"smtp://mailer@relay.example:587\",\"uses_deployment_relay\":false}}");
    assert_null(strstr(c.rs.body.data, SECRET_PASSWORD));
    call_done(&c);

    /* Stored with the password, for the worker; never shown. */
    struct notify_settings s;
    assert_int_equal(notify_settings_get(&w->cx, &s), RC_OK);
    assert_string_equal(s.smtp_url, "smtp://mailer:" SECRET_PASSWORD "@relay.example:587");
    assert_string_equal(s.smtp_from, "Acme Learning <learning@acme.example>");
    assert_int_equal(s.send_hour, 8);
    assert_int_equal(s.quiet.start, 21 * 60);
    assert_int_equal(s.quiet.end, 7 * 60);
    assert_int_equal(s.email_off,
                     NOTIFY_KIND_BIT(NOTIFY_DIGEST) | NOTIFY_KIND_BIT(NOTIFY_REMINDER));
    call(w, &c, notify_api_settings_get, "GET", NULL, NULL, NULL);
    assert_null(strstr(c.rs.body.data, SECRET_PASSWORD));
    call_done(&c);

    /* Audited with old and new values, without the password. */
    assert_int_equal(count_audit(w, "notification_settings.update"), 1);
    char *audit = sql_texts(w, "SELECT changes FROM audit_log WHERE tenant_id = $1", w->acme);
    assert_null(strstr(audit, SECRET_PASSWORD));
    assert_non_null(
        strstr(audit, "\"smtp.url\":{\"new\":\"smtp://mailer@relay.example:587\",\"old\":null}"));
    assert_non_null(strstr(audit, "\"send_hour\":{\"new\":8,\"old\":9}"));
    free(audit);

    /* Sending back the URL as GET showed it keeps the password; changing only the from
     * leaves it alone too; neither says "password" in the audit. */
    call(w, &c, notify_api_settings_update, "PATCH", NULL, NULL,
         "{\"smtp\": {\"url\": \"smtp://mailer@relay.example:587\", \"from\": "
         "\"learning@acme.example\"}}");
    assert_int_equal(c.status, 200);
    assert_true(json_is_true(json_object_get(json_object_get(c.json, "smtp"), "password_set")));
    call_done(&c);
    assert_int_equal(notify_settings_get(&w->cx, &s), RC_OK);
    assert_string_equal(s.smtp_url, "smtp://mailer:" SECRET_PASSWORD "@relay.example:587");
    assert_string_equal(s.smtp_from, "learning@acme.example");

    /* A new password is audited as changed, never written. */
    call(w, &c, notify_api_settings_update, "PATCH", NULL, NULL,
         "{\"smtp\": {\"url\": \"smtp://mailer:other-" SECRET_PASSWORD "@relay.example:587\"}}");
    assert_int_equal(c.status, 200);
    call_done(&c);
    audit = sql_texts(w, "SELECT changes FROM audit_log WHERE tenant_id = $1 ORDER BY id", w->acme);
    assert_null(strstr(audit, SECRET_PASSWORD));
    assert_non_null(strstr(audit, "\"smtp.credentials\":\"changed\""));
    free(audit);

    /* A PATCH that changes nothing writes no audit entry. */
    int64_t before = count_audit(w, "notification_settings.update");
    assert_int_equal(status_of(w, notify_api_settings_update, "PATCH", NULL, "{\"send_hour\": 8}"),
                     200);
    assert_int_equal(count_audit(w, "notification_settings.update"), before);

    /* null goes back to the deployment's relay. */
    call(w, &c, notify_api_settings_update, "PATCH", NULL, NULL,
         "{\"smtp\": {\"url\": null, \"from\": null}, \"defaults\": {\"quiet_hours\": null}}");
    assert_int_equal(c.status, 200);
    assert_json(json_object_get(c.json, "smtp"),
                "{\"from\":null,\"password_set\":false,\"url\":null,"
                "\"uses_deployment_relay\":true}");
    assert_true(json_is_null(json_object_get(json_object_get(c.json, "defaults"), "quiet_hours")));
    call_done(&c);
    assert_int_equal(notify_settings_get(&w->cx, &s), RC_OK);
    assert_string_equal(s.smtp_url, "");
    assert_int_equal(s.quiet.start, NOTIFY_NO_QUIET);

    /* smtps and the accepted forms of from. */
    assert_int_equal(status_of(w, notify_api_settings_update, "PATCH", NULL,
                               "{\"smtp\": {\"url\": \"smtps://relay.example\", \"from\": "
                               "\"Acme <a@acme.example>\"}}"),
                     200);
    assert_int_equal(notify_settings_get(&w->cx, &s), RC_OK);
    assert_string_equal(s.smtp_url, "smtps://relay.example");
}

static void every_bad_setting_is_a_detail_and_nothing_is_written(void **state)
{
    struct world *w = *state;
    struct call c;
    call(
        w, &c, notify_api_settings_update, "PATCH", NULL, NULL,
        "{\"send_hour\": 24, \"reminder_days_before\": -1, \"escalate_after_days\": \"5\","
        " \"colour\": \"red\","
        " \"defaults\": {\"email\": {\"remindr\": false, \"invitation\": false, \"overdue\": 1},"
        "   \"digest_day\": \"monday\", \"quiet_hours\": {\"start\": \"25:00\", \"end\": \"7:00\"},"
        "   \"send_hour\": 3},"
        " \"smtp\": {\"url\": \"http://relay.example\", \"from\": \"Acme\\r\\nBcc: x@evil.example "
        "<a@acme.example>\", \"password\": \"x\"}}");
    assert_int_equal(c.status, 422);
    assert_string_equal(error_code(&c), "validation_failed");
    assert_details(&c, "colour,defaults.digest_day,defaults.email.invitation,"
                       "defaults.email.overdue,defaults.email.remindr,"
                       "defaults.quiet_hours.end,defaults.quiet_hours.start,defaults.send_hour,"
                       "escalate_after_days,reminder_days_before,send_hour,smtp.from,"
                       "smtp.password,smtp.url");
    call_done(&c);
    assert_int_equal(
        sql_value(w, "SELECT COUNT(*) FROM notification_settings WHERE tenant_id = $1", w->acme),
        0);
    assert_int_equal(count_audit(w, "notification_settings.update"), 0);

    /* One bad field among good ones: nothing of the good ones is written either. */
    static const char *const BAD[][2] = {
        {"{\"send_hour\": 7, \"escalate_after_days\": null}", "escalate_after_days"},
        {"{\"send_hour\": null}", "send_hour"},
        {"{\"send_hour\": 7, \"smtp\": {\"url\": \"smtp://relay .example\"}}", "smtp.url"},
        {"{\"send_hour\": 7, \"smtp\": {\"url\": \"smtp://relay.example\\u0007\"}}", "smtp.url"},
        {"{\"send_hour\": 7, \"smtp\": {\"url\": \"smtp://r\\u00e9lay.example\"}}", "smtp.url"},
        {"{\"send_hour\": 7, \"smtp\": {\"url\": \"smtp://\"}}", "smtp.url"},
        {"{\"send_hour\": 7, \"smtp\": {\"url\": \"smtp://a@\"}}", "smtp.url"},
        {"{\"send_hour\": 7, \"smtp\": {\"url\": \"smtp://host:99999999\"}}", "smtp.url"},
        {"{\"send_hour\": 7, \"smtp\": {\"url\": 5}}", "smtp.url"},
        {"{\"send_hour\": 7, \"smtp\": {\"from\": \"not an address\"}}", "smtp.from"},
        {"{\"send_hour\": 7, \"smtp\": {\"from\": \"a@acme.example\\nBcc: b@x.example\"}}",
         "smtp.from"},
        {"{\"send_hour\": 7, \"smtp\": {\"from\": \"<a@acme.example>\"}}", "smtp.from"},
        {"{\"send_hour\": 7, \"smtp\": {\"from\": \"Acme <a@acme.example\"}}", "smtp.from"},
        {"{\"send_hour\": 7, \"smtp\": {\"from\": \"Acme <not-an-address>\"}}", "smtp.from"},
        {"{\"send_hour\": 7, \"smtp\": 3}", "smtp"},
        {"{\"send_hour\": 7, \"defaults\": {\"quiet_hours\": {\"start\": \"07:00\", \"end\": "
         "\"07:00\"}}}",
         "defaults.quiet_hours"},
        {"{\"send_hour\": 7, \"defaults\": {\"quiet_hours\": {\"start\": \"07:00\"}}}",
         "defaults.quiet_hours.end"},
        {"{\"send_hour\": 7, \"defaults\": {\"quiet_hours\": \"21-07\"}}", "defaults.quiet_hours"},
        {"{\"send_hour\": 7, \"defaults\": {\"email\": {\"test\": false}}}", "defaults.email.test"},
        {"{\"send_hour\": 7, \"defaults\": {\"email\": []}}", "defaults.email"},
        {"{\"send_hour\": 7, \"defaults\": []}", "defaults"},
        {"{\"send_hour\": 7, \"escalate_after_days\": 31}", "escalate_after_days"},
        {"{\"send_hour\": 7, \"reminder_days_before\": 11}", "reminder_days_before"},
        {"{\"send_hour\": 7.5}", "send_hour"},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        call(w, &c, notify_api_settings_update, "PATCH", NULL, NULL, BAD[i][0]);
        if (c.status != 422)
            fail_msg("%s: %d", BAD[i][0], c.status);
        assert_details(&c, BAD[i][1]);
        call_done(&c);
    }
    /* A URL of 1,001 characters. */
    char body[1200];
    int n = snprintf(body, sizeof body, "{\"smtp\": {\"url\": \"smtp://relay.example/");
    while (n < 18 + NOTIFY_URL_MAX + 1)
        body[n++] = 'a';
    snprintf(body + n, sizeof body - (size_t)n, "\"}}");
    call(w, &c, notify_api_settings_update, "PATCH", NULL, NULL, body);
    assert_int_equal(c.status, 422);
    assert_details(&c, "smtp.url");
    call_done(&c);
    assert_int_equal(
        sql_value(w, "SELECT COUNT(*) FROM notification_settings WHERE tenant_id = $1", w->acme),
        0);

    /* Not an object. */
    call(w, &c, notify_api_settings_update, "PATCH", NULL, NULL, "[1]");
    assert_int_equal(c.status, 422);
    call_done(&c);
}

static void only_admins_change_settings(void **state)
{
    struct world *w = *state;
    as(w, w->learner);
    struct call c;
    call(w, &c, notify_api_settings_update, "PATCH", NULL, NULL, "{\"send_hour\": 7}");
    assert_int_equal(c.status, 403);
    call_done(&c);
    assert_int_equal(
        sql_value(w, "SELECT COUNT(*) FROM notification_settings WHERE tenant_id = $1", w->acme),
        0);

    /* Another organisation's admin changes their own settings only. */
    as(w, w->other_admin);
    assert_int_equal(status_of(w, notify_api_settings_update, "PATCH", NULL, "{\"send_hour\": 7}"),
                     200);
    as(w, w->admin);
    struct notify_settings s;
    assert_int_equal(notify_settings_get(&w->cx, &s), RC_OK);
    assert_int_equal(s.send_hour, 9);
}

/* ---- preferences ---------------------------------------------------------------------- */

static enum rc collect_prefs(void *arg, int64_t user_id, const struct notify_prefs *p)
{
    json_t *a = arg;
    json_array_append_new(
        a, json_pack("{s:I, s:i}", "user", (json_int_t)user_id, "day", p->digest_day));
    return RC_OK;
}

static void the_first_save_copies_the_defaults(void **state)
{
    struct world *w = *state;
    assert_int_equal(
        status_of(w, notify_api_settings_update, "PATCH", NULL,
                  "{\"defaults\": {\"email\": {\"reminder\": false}, \"digest_day\": \"fri\","
                  " \"quiet_hours\": {\"start\": \"22:00\", \"end\": \"06:30\"}}}"),
        200);

    as(w, w->learner);
    struct call c;
    call(w, &c, notify_api_prefs_get, "GET", NULL, NULL, NULL);
    assert_int_equal(c.status, 200);
    assert_json(c.json, "{\"digest_day\":\"fri\",\"email\":{\"digest\":true,\"enrolment\":true,"
                        "\"escalation\":true,\"new_activities\":true,\"overdue\":true,"
                        "\"reminder\":false,\"returned\":true,\"signoff_request\":true},"
                        "\"quiet_hours\":{\"end\":\"06:30\",\"start\":\"22:00\"},"
                        "\"time_zone\":\"Europe/London\",\"uses_defaults\":true}");
    call_done(&c);

    call(w, &c, notify_api_prefs_update, "PATCH", NULL, NULL, "{\"email\": {\"overdue\": false}}");
    assert_int_equal(c.status, 200);
    assert_json(c.json, "{\"digest_day\":\"fri\",\"email\":{\"digest\":true,\"enrolment\":true,"
                        "\"escalation\":true,\"new_activities\":true,\"overdue\":false,"
                        "\"reminder\":false,\"returned\":true,\"signoff_request\":true},"
                        "\"quiet_hours\":{\"end\":\"06:30\",\"start\":\"22:00\"},"
                        "\"time_zone\":\"Europe/London\",\"uses_defaults\":false}");
    call_done(&c);

    /* The organisation changes its defaults: the person's own choices are kept; someone
     * who never saved follows the new defaults. */
    as(w, w->admin);
    assert_int_equal(status_of(w, notify_api_settings_update, "PATCH", NULL,
                               "{\"defaults\": {\"email\": {\"reminder\": true}, \"digest_day\": "
                               "\"mon\", \"quiet_hours\": null}}"),
                     200);
    struct notify_prefs p;
    assert_int_equal(notify_prefs_get(&w->cx, w->learner, &p), RC_OK);
    assert_int_equal(p.is_default, 0);
    assert_int_equal(p.digest_day, 4);
    assert_int_equal(p.quiet.start, 22 * 60);
    assert_int_equal(p.quiet.end, 6 * 60 + 30);
    assert_false(notify_prefs_wants_email(&p, NOTIFY_REMINDER));
    assert_false(notify_prefs_wants_email(&p, NOTIFY_OVERDUE));
    assert_true(notify_prefs_wants_email(&p, NOTIFY_DIGEST));
    /* Email-only kinds are always sent. */
    p.email_off = ~0u;
    assert_true(notify_prefs_wants_email(&p, NOTIFY_INVITATION));
    assert_true(notify_prefs_wants_email(&p, NOTIFY_PASSWORD_RESET));
    assert_int_equal(notify_prefs_get(&w->cx, w->learner2, &p), RC_OK);
    assert_int_equal(p.is_default, 1);
    assert_int_equal(p.digest_day, 0);
    assert_int_equal(p.quiet.start, NOTIFY_NO_QUIET);
    assert_true(notify_prefs_wants_email(&p, NOTIFY_REMINDER));

    /* The pass's view: every saved row of this organisation, and no other. */
    as(w, w->stranger);
    assert_int_equal(
        status_of(w, notify_api_prefs_update, "PATCH", NULL, "{\"digest_day\": \"sun\"}"), 200);
    as(w, w->admin);
    json_t *rows = json_array();
    assert_int_equal(notify_prefs_each(&w->cx, collect_prefs, rows), RC_OK);
    char expected[64];
    snprintf(expected, sizeof expected, "[{\"day\":4,\"user\":%lld}]", (long long)w->learner);
    assert_json(rows, expected);
    json_decref(rows);

    /* quiet_hours null: none. */
    as(w, w->learner);
    call(w, &c, notify_api_prefs_update, "PATCH", NULL, NULL,
         "{\"quiet_hours\": null, \"digest_day\": \"wed\"}");
    assert_int_equal(c.status, 200);
    assert_true(json_is_null(json_object_get(c.json, "quiet_hours")));
    assert_string_equal(json_string_value(json_object_get(c.json, "digest_day")), "wed");
    call_done(&c);
}

static void bad_preferences_are_refused_and_change_nothing(void **state)
{
    struct world *w = *state;
    as(w, w->learner);
    struct call c;
    call(w, &c, notify_api_prefs_update, "PATCH", NULL, NULL,
         "{\"email\": {\"remindr\": false, \"reminder\": \"no\", \"password_reset\": false},"
         " \"digest_day\": \"funday\", \"quiet_hours\": {\"start\": \"7:00\", \"end\": \"24:00\","
         " \"tz\": \"UTC\"}, \"time_zone\": \"UTC\"}");
    assert_int_equal(c.status, 422);
    assert_details(&c, "digest_day,email.password_reset,email.reminder,email.remindr,"
                       "quiet_hours.end,quiet_hours.start,quiet_hours.tz,time_zone");
    call_done(&c);
    call(w, &c, notify_api_prefs_update, "PATCH", NULL, NULL,
         "{\"digest_day\": \"tue\", \"quiet_hours\": {\"start\": \"23:59\", \"end\": \"23:59\"}}");
    assert_int_equal(c.status, 422);
    assert_details(&c, "quiet_hours");
    call_done(&c);
    assert_int_equal(
        sql_value(w, "SELECT COUNT(*) FROM notification_prefs WHERE user_id = $1", w->learner), 0);

    /* After a save, a bad PATCH leaves the saved row as it was. */
    assert_int_equal(status_of(w, notify_api_prefs_update, "PATCH", NULL,
                               "{\"quiet_hours\": {\"start\": \"00:00\", \"end\": \"23:59\"}}"),
                     200);
    assert_int_equal(status_of(w, notify_api_prefs_update, "PATCH", NULL,
                               "{\"digest_day\": \"sat\", \"email\": {\"x\": true}}"),
                     422);
    struct notify_prefs p;
    assert_int_equal(notify_prefs_get(&w->cx, w->learner, &p), RC_OK);
    assert_int_equal(p.digest_day, 0);
    assert_int_equal(p.quiet.start, 0);
    assert_int_equal(p.quiet.end, 23 * 60 + 59);
}

/* ---- quiet hours ---------------------------------------------------------------------- */

static void quiet_hours_hold_email_until_they_end_local_time(void **state)
{
    (void)state;
    const char *london = "Europe/London";
    struct notify_quiet night = {21 * 60, 7 * 60}, lunch = {12 * 60, 13 * 60 + 30},
                        none = {NOTIFY_NO_QUIET, NOTIFY_NO_QUIET};
    /* December: London is on UTC. */
    int64_t t = instant(2026, 12, 1, 22, 30);
    assert_int_equal(notify_quiet_release(&none, london, t), t);
    assert_int_equal(notify_quiet_release(&night, london, t), instant(2026, 12, 2, 7, 0));
    assert_int_equal(notify_quiet_release(&night, london, instant(2026, 12, 2, 3, 0)),
                     instant(2026, 12, 2, 7, 0));
    assert_int_equal(notify_quiet_release(&night, london, instant(2026, 12, 1, 21, 0)),
                     instant(2026, 12, 2, 7, 0));
    t = instant(2026, 12, 2, 7, 0);
    assert_int_equal(notify_quiet_release(&night, london, t), t);
    t = instant(2026, 12, 1, 20, 59);
    assert_int_equal(notify_quiet_release(&night, london, t), t);
    t = instant(2026, 12, 1, 12, 0);
    assert_int_equal(notify_quiet_release(&night, london, t), t);
    assert_int_equal(notify_quiet_release(&lunch, london, instant(2026, 12, 1, 12, 10)),
                     instant(2026, 12, 1, 13, 30));
    /* Across the year's last midnight. */
    assert_int_equal(notify_quiet_release(&night, london, instant(2026, 12, 31, 23, 59)),
                     instant(2027, 1, 1, 7, 0));

    /* Summer time: London is UTC+1, so 07:00 local is 06:00 UTC. */
    assert_int_equal(notify_quiet_release(&night, london, instant(2027, 6, 15, 20, 30)),
                     instant(2027, 6, 16, 6, 0));
    t = instant(2027, 6, 15, 19, 30); /* 20:30 BST: not yet quiet */
    assert_int_equal(notify_quiet_release(&night, london, t), t);

    /* The clocks go forward at 01:00 UTC on Sunday 28 March 2027: an evening in GMT ends
     * at 07:00 BST. */
    assert_int_equal(notify_quiet_release(&night, london, instant(2027, 3, 27, 22, 0)),
                     instant(2027, 3, 28, 6, 0));
    assert_int_equal(notify_quiet_release(&night, london, instant(2027, 3, 28, 5, 30)),
                     instant(2027, 3, 28, 6, 0));
    t = instant(2027, 3, 28, 6, 30); /* 07:30 BST */
    assert_int_equal(notify_quiet_release(&night, london, t), t);
    /* They go back at 01:00 UTC on Sunday 31 October 2027: an evening in BST ends at
     * 07:00 GMT. */
    assert_int_equal(notify_quiet_release(&night, london, instant(2027, 10, 30, 20, 30)),
                     instant(2027, 10, 31, 7, 0));
    t = instant(2027, 10, 30, 19, 30); /* 20:30 BST */
    assert_int_equal(notify_quiet_release(&night, london, t), t);

    /* An end that the change skips (01:30 does not exist that night) is the first local
     * time after the gap, 02:00 BST. */
    struct notify_quiet gap = {30, 90};
    assert_int_equal(notify_quiet_release(&gap, london, instant(2027, 3, 28, 0, 45)),
                     instant(2027, 3, 28, 1, 0));

    /* Another zone entirely. */
    struct notify_quiet ny = {22 * 60, 8 * 60};
    assert_int_equal(notify_quiet_release(&ny, "America/New_York", instant(2026, 12, 2, 4, 0)),
                     instant(2026, 12, 2, 13, 0));
}

/* ---- webhooks ------------------------------------------------------------------------- */

static int64_t create_webhook(struct world *w, const char *body, char secret[80])
{
    struct call c;
    call(w, &c, notify_api_webhook_create, "POST", NULL, NULL, body);
    if (c.status != 201)
        fail_msg("create %s: %d %s", body, c.status, c.rs.body.data);
    int64_t id = json_integer_value(json_object_get(c.json, "id"));
    const char *s = json_string_value(json_object_get(c.json, "secret"));
    if (secret)
        snprintf(secret, 80, "%s", s ? s : "");
    call_done(&c);
    return id;
}

static void webhooks_are_created_read_changed_and_deleted(void **state)
{
    struct world *w = *state;
    struct call c;
    char text[32], secret[80];
    call(w, &c, notify_api_webhook_create, "POST", NULL, NULL,
         "{\"name\": \"L&D channel\", \"url\": \"https://hooks.slack.com/services/T1/B2/c3\","
         " \"format\": \"slack\", \"kinds\": [\"escalation\", \"enrolment\"]}");
    assert_int_equal(c.status, 201);
    int64_t id = json_integer_value(json_object_get(c.json, "id"));
    snprintf(text, sizeof text, "%lld", (long long)id);
    const char *generated = json_string_value(json_object_get(c.json, "secret"));
    assert_non_null(generated);
    assert_int_equal(strlen(generated), 64);
    assert_int_equal(strspn(generated, "0123456789abcdef"), 64);
    snprintf(secret, sizeof secret, "%s", generated);
    json_object_del(c.json, "secret");
    json_object_del(c.json, "id");
    assert_json(c.json, "{\"active\":true,\"created_at\":\"2026-12-01T09:00:00Z\",\"format\":"
                        "\"slack\",\"kinds\":[\"escalation\",\"enrolment\"],\"name\":\"L&D "
                        "channel\",\"secret_set\":true,\"updated_at\":\"2026-12-01T09:00:00Z\","
                        "\"url\":\"https://hooks.slack.com/services/T1/B2/c3\"}");
    call_done(&c);

    /* The secret is answered once: never by GET or the list. */
    call(w, &c, notify_api_webhook_get, "GET", text, NULL, NULL);
    assert_int_equal(c.status, 200);
    assert_null(json_object_get(c.json, "secret"));
    assert_null(strstr(c.rs.body.data, secret));
    call_done(&c);
    call(w, &c, notify_api_webhooks_list, "GET", NULL, NULL, NULL);
    assert_int_equal(c.status, 200);
    assert_int_equal(json_array_size(json_object_get(c.json, "items")), 1);
    assert_null(strstr(c.rs.body.data, secret));
    call_done(&c);

    /* A secret sent by the admin is never answered back. */
    call(w, &c, notify_api_webhook_create, "POST", NULL, NULL,
         "{\"name\": \"Audit sink\", \"url\": \"http://audit.example/in\", \"format\": \"json\","
         " \"kinds\": [\"reminder\"], \"secret\": \"my-own-" SECRET_PASSWORD
         "\", \"active\": false}");
    assert_int_equal(c.status, 201);
    assert_null(json_object_get(c.json, "secret"));
    assert_null(strstr(c.rs.body.data, SECRET_PASSWORD));
    assert_true(json_is_false(json_object_get(c.json, "active")));
    int64_t id2 = json_integer_value(json_object_get(c.json, "id"));
    call_done(&c);

    /* Changing: any field; the secret replaces the old one. */
    call(w, &c, notify_api_webhook_update, "PATCH", text, NULL,
         "{\"name\": \"People team\", \"kinds\": [\"digest\"], \"format\": \"teams\","
         " \"active\": false, \"secret\": \"rotated-" SECRET_PASSWORD "\"}");
    assert_int_equal(c.status, 200);
    assert_string_equal(json_string_value(json_object_get(c.json, "name")), "People team");
    assert_string_equal(json_string_value(json_object_get(c.json, "format")), "teams");
    assert_true(json_is_false(json_object_get(c.json, "active")));
    assert_json(json_object_get(c.json, "kinds"), "[\"digest\"]");
    assert_null(json_object_get(c.json, "secret"));
    call_done(&c);
    assert_int_equal(sql_value2(w, "SELECT COUNT(*) FROM webhooks WHERE id = $1 AND secret = $2",
                                id, "rotated-" SECRET_PASSWORD),
                     1);
    assert_int_equal(status_of(w, notify_api_webhook_update, "PATCH", text, "{\"secret\": null}"),
                     422);

    /* Audited without secrets, and without the credential in Slack's URL. */
    assert_int_equal(count_audit(w, "webhook.create"), 2);
    assert_int_equal(count_audit(w, "webhook.update"), 1);
    char *audit = sql_texts(w, "SELECT changes FROM audit_log WHERE tenant_id = $1", w->acme);
    assert_null(strstr(audit, secret));
    assert_null(strstr(audit, SECRET_PASSWORD));
    assert_null(strstr(audit, "T1/B2/c3"));
    assert_non_null(strstr(audit, "\"signing_key\":\"changed\""));
    free(audit);

    /* Deleting. */
    assert_int_equal(status_of(w, notify_api_webhook_delete, "DELETE", text, NULL), 204);
    assert_int_equal(status_of(w, notify_api_webhook_get, "GET", text, NULL), 404);
    assert_int_equal(status_of(w, notify_api_webhook_delete, "DELETE", text, NULL), 404);
    assert_int_equal(count_audit(w, "webhook.delete"), 1);
    call(w, &c, notify_api_webhooks_list, "GET", NULL, NULL, NULL);
    assert_int_equal(json_array_size(json_object_get(c.json, "items")), 1);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(c.json, "items"), 0), "id")),
                     id2);
    call_done(&c);
}

struct found_hook {
    int64_t id;
    char secret[NOTIFY_SECRET_MAX + 1];
    int n;
};

static enum rc find_hook(void *arg, const struct webhook *wh)
{
    struct found_hook *f = arg;
    f->n++;
    if (wh->id == f->id)
        snprintf(f->secret, sizeof f->secret, "%s", wh->secret);
    return RC_OK;
}

static void active_webhooks_carry_their_secret_for_signing(void **state)
{
    struct world *w = *state;
    char secret[80];
    int64_t id = create_webhook(w,
                                "{\"name\": \"A\", \"url\": \"https://a.example/h\", \"format\": "
                                "\"json\", \"kinds\": [\"reminder\", \"overdue\"]}",
                                secret);
    create_webhook(w,
                   "{\"name\": \"Off\", \"url\": \"https://b.example/h\", \"format\": \"json\", "
                   "\"kinds\": [\"reminder\"], \"active\": false}",
                   NULL);
    as(w, w->other_admin);
    create_webhook(w,
                   "{\"name\": \"Theirs\", \"url\": \"https://c.example/h\", \"format\": "
                   "\"json\", \"kinds\": [\"reminder\"]}",
                   NULL);
    as(w, w->learner); /* the domain's own use needs no permission */
    struct found_hook f = {.id = id};
    assert_int_equal(notify_webhooks_active(&w->cx, find_hook, &f), RC_OK);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.secret, secret);
    /* The admin's list has both of acme's, without secrets. */
    as(w, w->admin);
    struct found_hook all = {.id = id};
    assert_int_equal(notify_webhooks_list(&w->cx, find_hook, &all), RC_OK);
    assert_int_equal(all.n, 2);
    assert_string_equal(all.secret, "");
    as(w, w->learner);
    assert_int_equal(notify_webhooks_list(&w->cx, find_hook, &all), RC_FORBIDDEN);
}

static void bad_webhooks_are_refused_field_by_field(void **state)
{
    struct world *w = *state;
    struct call c;
    call(w, &c, notify_api_webhook_create, "POST", NULL, NULL,
         "{\"name\": \"\", \"url\": \"ftp://x.example\", \"format\": \"xml\", \"kinds\": [],"
         " \"secret\": \"\", \"active\": \"yes\", \"colour\": 1}");
    assert_int_equal(c.status, 422);
    assert_details(&c, "active,colour,format,kinds,name,secret,url");
    call_done(&c);
    call(w, &c, notify_api_webhook_create, "POST", NULL, NULL, "{}");
    assert_int_equal(c.status, 422);
    assert_details(&c, "format,kinds,name,url");
    call_done(&c);

    char long_secret[260], long_name[160], body[1024];
    memset(long_secret, 'k', 201);
    long_secret[201] = '\0';
    memset(long_name, 'n', 101);
    long_name[101] = '\0';
    static const char *const BAD[][2] = {
        {"{\"name\": \"x\", \"url\": \"https://a b.example\", \"format\": \"json\", \"kinds\": "
         "[\"reminder\"]}",
         "url"},
        {"{\"name\": \"x\", \"url\": \"https://a.example/\\u007f\", \"format\": \"json\", "
         "\"kinds\": [\"reminder\"]}",
         "url"},
        {"{\"name\": \"x\", \"url\": \"javascript:alert(1)\", \"format\": \"json\", \"kinds\": "
         "[\"reminder\"]}",
         "url"},
        {"{\"name\": \"x\", \"url\": \"https:///path\", \"format\": \"json\", \"kinds\": "
         "[\"reminder\"]}",
         "url"},
        {"{\"name\": \"x\", \"url\": \"https://a.example\", \"format\": \"json\", \"kinds\": "
         "[\"test\"]}",
         "kinds[0]"},
        {"{\"name\": \"x\", \"url\": \"https://a.example\", \"format\": \"json\", \"kinds\": "
         "[\"invitation\"]}",
         "kinds[0]"},
        {"{\"name\": \"x\", \"url\": \"https://a.example\", \"format\": \"json\", \"kinds\": "
         "[\"reminder\", \"reminder\"]}",
         "kinds[1]"},
        {"{\"name\": \"x\", \"url\": \"https://a.example\", \"format\": \"json\", \"kinds\": "
         "\"reminder\"}",
         "kinds"},
        {"{\"name\": \"x\\ny\", \"url\": \"https://a.example\", \"format\": \"json\", \"kinds\": "
         "[\"reminder\"]}",
         "name"},
        {"{\"name\": \"   \", \"url\": \"https://a.example\", \"format\": \"json\", \"kinds\": "
         "[\"reminder\"]}",
         "name"},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        call(w, &c, notify_api_webhook_create, "POST", NULL, NULL, BAD[i][0]);
        if (c.status != 422)
            fail_msg("%s: %d", BAD[i][0], c.status);
        assert_details(&c, BAD[i][1]);
        call_done(&c);
    }
    snprintf(body, sizeof body,
             "{\"name\": \"%s\", \"url\": \"https://a.example\", \"format\": \"json\", "
             "\"kinds\": [\"reminder\"], \"secret\": \"%s\"}",
             long_name, long_secret);
    call(w, &c, notify_api_webhook_create, "POST", NULL, NULL, body);
    assert_int_equal(c.status, 422);
    assert_details(&c, "name,secret");
    call_done(&c);
    assert_int_equal(sql_value(w, "SELECT COUNT(*) FROM webhooks WHERE tenant_id = $1", w->acme),
                     0);
    assert_int_equal(count_audit(w, "webhook.create"), 0);

    /* Not for anyone but admins. */
    as(w, w->learner);
    assert_int_equal(status_of(w, notify_api_webhook_create, "POST", NULL,
                               "{\"name\": \"x\", \"url\": \"https://a.example\", \"format\": "
                               "\"json\", \"kinds\": [\"reminder\"]}"),
                     403);
}

static void another_organisations_webhook_is_not_found(void **state)
{
    struct world *w = *state;
    char text[32];
    int64_t id = create_webhook(w,
                                "{\"name\": \"Ours\", \"url\": \"https://a.example/h\", "
                                "\"format\": \"json\", \"kinds\": [\"reminder\"]}",
                                NULL);
    snprintf(text, sizeof text, "%lld", (long long)id);
    as(w, w->other_admin);
    assert_int_equal(status_of(w, notify_api_webhook_get, "GET", text, NULL), 404);
    assert_int_equal(status_of(w, notify_api_webhook_update, "PATCH", text, "{\"name\": \"Mine\"}"),
                     404);
    assert_int_equal(status_of(w, notify_api_webhook_delete, "DELETE", text, NULL), 404);
    assert_int_equal(status_of(w, notify_api_webhook_test, "POST", text, NULL), 404);
    assert_int_equal(status_of(w, notify_api_webhook_get, "GET", "abc", NULL), 404);
    struct call c;
    call(w, &c, notify_api_webhooks_list, "GET", NULL, NULL, NULL);
    assert_int_equal(json_array_size(json_object_get(c.json, "items")), 0);
    call_done(&c);
    as(w, w->admin);
    call(w, &c, notify_api_webhook_get, "GET", text, NULL, NULL);
    assert_string_equal(json_string_value(json_object_get(c.json, "name")), "Ours");
    call_done(&c);
}

static void an_organisation_has_at_most_twenty_webhooks(void **state)
{
    struct world *w = *state;
    char body[256];
    for (int i = 0; i < NOTIFY_WEBHOOKS_MAX; i++) {
        snprintf(body, sizeof body,
                 "{\"name\": \"Hook %d\", \"url\": \"https://h%d.example/\", \"format\": "
                 "\"json\", \"kinds\": [\"digest\"]}",
                 i, i);
        create_webhook(w, body, NULL);
    }
    struct call c;
    call(w, &c, notify_api_webhook_create, "POST", NULL, NULL, body);
    assert_int_equal(c.status, 409);
    assert_string_equal(error_code(&c), "too_many_webhooks");
    call_done(&c);
    assert_int_equal(sql_value(w, "SELECT COUNT(*) FROM webhooks WHERE tenant_id = $1", w->acme),
                     NOTIFY_WEBHOOKS_MAX);
    /* Another organisation still has room. */
    as(w, w->other_admin);
    create_webhook(w, body, NULL);
}

static void a_webhook_test_is_queued_in_its_format(void **state)
{
    struct world *w = *state;
    char text[32];
    int64_t id = create_webhook(w,
                                "{\"name\": \"Slack <b>\", \"url\": \"https://hooks.example/s\", "
                                "\"format\": \"slack\", \"kinds\": [\"reminder\"]}",
                                NULL);
    snprintf(text, sizeof text, "%lld", (long long)id);
    struct call c;
    call(w, &c, notify_api_webhook_test, "POST", text, NULL, NULL);
    assert_int_equal(c.status, 202);
    assert_json(c.json, "{\"queued\":true}");
    call_done(&c);
    char key[64];
    snprintf(key, sizeof key, "test:%lld:%lld", (long long)id, (long long)FIXTURE_NOW);
    assert_int_equal(sql_value2(w,
                                "SELECT COUNT(*) FROM outbox WHERE tenant_id = $1 AND dedup_key "
                                "= $2 AND channel = 'webhook' AND kind = 'test' AND state = "
                                "'pending' AND recipient = 'https://hooks.example/s' AND "
                                "next_attempt_at = 1796115600",
                                w->acme, key),
                     1);
    char *bodies = sql_texts(w, "SELECT body_text FROM outbox WHERE webhook_id = $1", id);
    json_t *slack = json_loads(bodies, JSON_DISABLE_EOF_CHECK, NULL);
    assert_non_null(slack);
    const char *slack_text = json_string_value(json_object_get(slack, "text"));
    assert_non_null(slack_text);
    assert_non_null(strstr(slack_text, "Test from Waymark"));
    assert_non_null(strstr(slack_text, "&lt;b&gt;")); /* the name, Slack-escaped */
    json_decref(slack);
    free(bodies);
    /* Twice in the same second: one row, still 202. */
    assert_int_equal(status_of(w, notify_api_webhook_test, "POST", text, NULL), 202);
    assert_int_equal(sql_value(w, "SELECT COUNT(*) FROM outbox WHERE webhook_id = $1", id), 1);
    /* A webhook that is turned off is not tested (its delivery would be cancelled). */
    assert_int_equal(status_of(w, notify_api_webhook_update, "PATCH", text, "{\"active\": false}"),
                     200);
    w->cx.now++;
    assert_int_equal(status_of(w, notify_api_webhook_test, "POST", text, NULL), 409);
    assert_int_equal(sql_value(w, "SELECT COUNT(*) FROM outbox WHERE webhook_id = $1", id), 1);
    /* A body with fields is refused. */
    assert_int_equal(status_of(w, notify_api_webhook_test, "POST", text, "{\"kind\": \"x\"}"), 422);
    /* Deleting the webhook cancels what it still had to send. */
    assert_int_equal(status_of(w, notify_api_webhook_delete, "DELETE", text, NULL), 204);
    assert_int_equal(
        sql_value(w, "SELECT COUNT(*) FROM outbox WHERE webhook_id = $1 AND state = 'cancelled'",
                  id),
        1);
}

/* ---- unsubscribe ---------------------------------------------------------------------- */

/* Queues an email of kind to user (as the outbox holds it) with a fresh unsubscribe
 * token, written into token. */
static void add_email(struct world *w, int64_t tenant, int64_t user, const char *kind,
                      char token[SECURE_TOKEN_HEX + 1])
{
    char hash[SECURE_TOKEN_HEX + 1], key[64], url[160];
    static int n;
    secure_token_new(token);
    secure_token_hash(token, hash);
    snprintf(key, sizeof key, "%s:%lld:%d:email", kind, (long long)user, ++n);
    snprintf(url, sizeof url, "http://127.0.0.1:8080/api/v1/unsubscribe/%s", token);
    const char *k = key, *u = url, *h = hash;
    assert_int_equal(DB_RUN(w->db,
                            "INSERT INTO outbox (tenant_id, dedup_key, channel, kind, user_id, "
                            "recipient, subject, body_text, unsubscribe_url, unsubscribe_hash, "
                            "next_attempt_at, created_at) VALUES ($1, $2, 'email', $3, $4, "
                            "'x@acme.example', 'Subject', 'Text', $5, $6, $7, $7)",
                            NULL, DB_INT(tenant), DB_TEXT(k), DB_TEXT(kind), DB_INT(user),
                            DB_TEXT(u), DB_TEXT(h), DB_INT(FIXTURE_NOW)),
                     RC_OK);
}

static void one_click_unsubscribe_turns_one_kind_off(void **state)
{
    struct world *w = *state;
    char token[SECURE_TOKEN_HEX + 1];
    assert_int_equal(status_of(w, notify_api_settings_update, "PATCH", NULL,
                               "{\"defaults\": {\"email\": {\"digest\": false}, \"digest_day\": "
                               "\"thu\"}}"),
                     200);
    add_email(w, w->acme, w->learner, "reminder", token);

    as(w, 0); /* nobody signed in: the token is the credential */
    struct call c;
    call(w, &c, notify_api_unsubscribe_peek, "GET", token, NULL, NULL);
    assert_int_equal(c.status, 200);
    assert_json(c.json, "{\"kind\":\"reminder\",\"name\":\"Ana\"}");
    call_done(&c);
    /* Peeking changes nothing. */
    assert_int_equal(
        sql_value(w, "SELECT COUNT(*) FROM notification_prefs WHERE user_id = $1", w->learner), 0);

    /* RFC 8058's body is ignored. */
    memset(&c, 0, sizeof c);
    call(w, &c, notify_api_unsubscribe, "POST", token, NULL, NULL);
    assert_int_equal(c.status, 200);
    assert_json(c.json, "{\"email\":false,\"kind\":\"reminder\"}");
    call_done(&c);
    assert_int_equal(w->cx.actor.tenant_id, 0); /* the actor is put back */
    assert_int_equal(w->cx.actor.roles, 0);
    /* Again: still fine. */
    assert_int_equal(status_of(w, notify_api_unsubscribe, "POST", token, NULL), 200);

    as(w, w->learner);
    struct notify_prefs p;
    assert_int_equal(notify_prefs_get(&w->cx, w->learner, &p), RC_OK);
    assert_int_equal(p.is_default, 0);
    assert_false(notify_prefs_wants_email(&p, NOTIFY_REMINDER));
    assert_false(notify_prefs_wants_email(&p, NOTIFY_DIGEST)); /* copied from the defaults */
    assert_true(notify_prefs_wants_email(&p, NOTIFY_OVERDUE));
    assert_int_equal(p.digest_day, 3);
    /* Nobody else changed. */
    assert_int_equal(notify_prefs_get(&w->cx, w->learner2, &p), RC_OK);
    assert_int_equal(p.is_default, 1);
}

static void bad_tokens_and_email_only_kinds_are_refused(void **state)
{
    struct world *w = *state;
    char token[SECURE_TOKEN_HEX + 1], invite[SECURE_TOKEN_HEX + 1], other[SECURE_TOKEN_HEX + 1];
    add_email(w, w->acme, w->learner, "reminder", token);
    add_email(w, w->acme, w->learner, "invitation", invite);
    add_email(w, w->other, w->stranger, "digest", other);
    as(w, 0);

    char unknown[SECURE_TOKEN_HEX + 1], upper[SECURE_TOKEN_HEX + 1], longer[SECURE_TOKEN_HEX + 2];
    secure_token_new(unknown);
    snprintf(upper, sizeof upper, "%s", token);
    for (char *s = upper; *s; s++)
        if (*s >= 'a' && *s <= 'f')
            *s = (char)(*s - 32);
    snprintf(longer, sizeof longer, "%sa", token);
    const char *bad[] = {unknown, upper, longer, "abc", "", "../../etc/passwd", NULL};
    for (int i = 0; i < 7; i++) {
        struct call c;
        call(w, &c, notify_api_unsubscribe_peek, "GET", bad[i], NULL, NULL);
        assert_int_equal(c.status, 404);
        call_done(&c);
        call(w, &c, notify_api_unsubscribe, "POST", bad[i], NULL, NULL);
        assert_int_equal(c.status, 404);
        call_done(&c);
    }
    struct call c;
    call(w, &c, notify_api_unsubscribe_peek, "GET", invite, NULL, NULL);
    assert_int_equal(c.status, 409);
    call_done(&c);
    call(w, &c, notify_api_unsubscribe, "POST", invite, NULL, NULL);
    assert_int_equal(c.status, 409);
    call_done(&c);
    assert_int_equal(
        sql_value(w, "SELECT COUNT(*) FROM notification_prefs WHERE tenant_id = $1", w->acme), 0);

    /* Another organisation's token works for that organisation's person only. */
    assert_int_equal(status_of(w, notify_api_unsubscribe, "POST", other, NULL), 200);
    as(w, w->stranger);
    struct notify_prefs p;
    assert_int_equal(notify_prefs_get(&w->cx, w->stranger, &p), RC_OK);
    assert_false(notify_prefs_wants_email(&p, NOTIFY_DIGEST));
    assert_int_equal(
        sql_value(w, "SELECT COUNT(*) FROM notification_prefs WHERE tenant_id = $1", w->acme), 0);

    /* A deactivated person's links stop working. */
    as(w, w->admin);
    struct user u;
    assert_int_equal(users_deactivate(&w->cx, w->learner, &u), RC_OK);
    as(w, 0);
    assert_int_equal(status_of(w, notify_api_unsubscribe_peek, "GET", token, NULL), 404);
}

/* ---- in-app notifications and the outbox log, through the handlers ------------------- */

static int64_t add_notification(struct world *w, int64_t user, const char *key, int64_t at,
                                int64_t read_at)
{
    int64_t id = 0;
    assert_int_equal(DB_VALUE(w->db,
                              "INSERT INTO notifications (tenant_id, user_id, kind, dedup_key, "
                              "title, body, link, created_at, read_at) VALUES ((SELECT tenant_id "
                              "FROM users WHERE id = $1), $1, 'reminder', $2, 'Due Mon 7 Dec: "
                              "<Ask>', 'Body', '/activities/1', $3, $4) RETURNING id",
                              &id, DB_INT(user), DB_TEXT(key), DB_INT(at), DB_INT_OR_NULL(read_at)),
                     RC_OK);
    return id;
}

static void the_bell_lists_counts_and_marks_my_notifications(void **state)
{
    struct world *w = *state;
    int64_t ids[5];
    char key[32];
    for (int i = 0; i < 5; i++) {
        snprintf(key, sizeof key, "reminder:%d", i);
        ids[i] = add_notification(w, w->learner, key, FIXTURE_NOW - 3600 * (5 - i),
                                  i == 0 ? FIXTURE_NOW - 60 : 0);
    }
    int64_t theirs = add_notification(w, w->learner2, "reminder:theirs", FIXTURE_NOW, 0);
    as(w, w->learner);

    struct call c;
    static const char *const PAGE1[] = {"limit", "2", NULL};
    call(w, &c, notify_api_list, "GET", NULL, PAGE1, NULL);
    assert_int_equal(c.status, 200);
    json_t *items = json_object_get(c.json, "items");
    assert_int_equal(json_array_size(items), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), ids[4]);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 1), "id")), ids[3]);
    assert_int_equal(json_integer_value(json_object_get(c.json, "unread")), 4);
    json_t *first = json_deep_copy(json_array_get(items, 0));
    json_object_del(first, "id");
    assert_json(first, "{\"body\":\"Body\",\"created_at\":\"2026-12-01T08:00:00Z\",\"kind\":"
                       "\"reminder\",\"link\":\"/activities/1\",\"read_at\":null,\"title\":"
                       "\"Due Mon 7 Dec: <Ask>\"}");
    json_decref(first);
    char cursor[32];
    snprintf(cursor, sizeof cursor, "%s",
             json_string_value(json_object_get(c.json, "next_cursor")));
    call_done(&c);

    /* The next page, unread only: the read one is left out, and the list ends. */
    const char *const PAGE2[] = {"limit", "5", "cursor", cursor, "unread", "1", NULL};
    call(w, &c, notify_api_list, "GET", NULL, PAGE2, NULL);
    assert_int_equal(c.status, 200);
    items = json_object_get(c.json, "items");
    assert_int_equal(json_array_size(items), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 1), "id")), ids[1]);
    assert_true(json_is_null(json_object_get(c.json, "next_cursor")));
    call_done(&c);

    static const char *const BAD[][2] = {
        {"limit", "0"}, {"limit", "101"}, {"limit", "x"}, {"cursor", "-1"}, {"unread", "yes"}};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        const char *const q[] = {BAD[i][0], BAD[i][1], NULL};
        call(w, &c, notify_api_list, "GET", NULL, q, NULL);
        assert_int_equal(c.status, 400);
        assert_details(&c, BAD[i][0]);
        call_done(&c);
    }

    call(w, &c, notify_api_unread, "GET", NULL, NULL, NULL);
    assert_json(c.json, "{\"unread\":4}");
    call_done(&c);

    /* Marking one read: 204, idempotent; someone else's is 404 and stays unread. */
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long)ids[4]);
    assert_int_equal(status_of(w, notify_api_read, "POST", text, NULL), 204);
    assert_int_equal(status_of(w, notify_api_read, "POST", text, NULL), 204);
    snprintf(text, sizeof text, "%lld", (long long)theirs);
    assert_int_equal(status_of(w, notify_api_read, "POST", text, NULL), 404);
    assert_int_equal(status_of(w, notify_api_read, "POST", "0", NULL), 404);
    assert_int_equal(
        sql_value(w, "SELECT COUNT(*) FROM notifications WHERE id = $1 AND read_at IS NULL",
                  theirs),
        1);

    call(w, &c, notify_api_read_all, "POST", NULL, NULL, "{}");
    assert_int_equal(c.status, 200);
    assert_json(c.json, "{\"marked\":3}");
    call_done(&c);
    call(w, &c, notify_api_read_all, "POST", NULL, NULL, NULL);
    assert_json(c.json, "{\"marked\":0}");
    call_done(&c);
    assert_int_equal(status_of(w, notify_api_read_all, "POST", NULL, "{\"all\": true}"), 422);
    call(w, &c, notify_api_unread, "GET", NULL, NULL, NULL);
    assert_json(c.json, "{\"unread\":0}");
    call_done(&c);
}

static void the_outbox_log_shows_no_bodies(void **state)
{
    struct world *w = *state;
    char token[SECURE_TOKEN_HEX + 1], text[32];
    add_email(w, w->acme, w->learner, "reminder", token);
    add_email(w, w->other, w->stranger, "reminder", token);
    int64_t hook = create_webhook(w,
                                  "{\"name\": \"H\", \"url\": \"https://h.example/\", \"format\": "
                                  "\"json\", \"kinds\": [\"reminder\"]}",
                                  NULL);
    snprintf(text, sizeof text, "%lld", (long long)hook);
    assert_int_equal(status_of(w, notify_api_webhook_test, "POST", text, NULL), 202);
    assert_int_equal(DB_RUN(w->db,
                            "UPDATE outbox SET state = 'failed', attempts = 8, last_error = "
                            "'550 no such user' WHERE channel = 'email' AND tenant_id = $1",
                            NULL, DB_INT(w->acme)),
                     RC_OK);

    struct call c;
    call(w, &c, notify_api_outbox, "GET", NULL, NULL, NULL);
    assert_int_equal(c.status, 200);
    json_t *items = json_object_get(c.json, "items");
    assert_int_equal(json_array_size(items), 2);
    json_t *webhook = json_deep_copy(json_array_get(items, 0));
    json_object_del(webhook, "id");
    assert_json(webhook, "{\"attempts\":0,\"channel\":\"webhook\",\"created_at\":"
                         "\"2026-12-01T09:00:00Z\",\"kind\":\"test\",\"last_error\":null,"
                         "\"next_attempt_at\":\"2026-12-01T09:00:00Z\",\"recipient\":"
                         "\"https://h.example/\",\"sent_at\":null,\"state\":\"pending\","
                         "\"subject\":\"Test from Waymark\"}");
    json_decref(webhook);
    assert_null(strstr(c.rs.body.data, "Text"));
    assert_null(strstr(c.rs.body.data, "unsubscribe"));
    assert_true(json_is_null(json_object_get(c.json, "next_cursor")));
    call_done(&c);

    const char *const FAILED[] = {"state", "failed", NULL};
    call(w, &c, notify_api_outbox, "GET", NULL, FAILED, NULL);
    items = json_object_get(c.json, "items");
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "last_error")),
                        "550 no such user");
    call_done(&c);

    const char *const BAD[] = {"state", "lost", NULL};
    call(w, &c, notify_api_outbox, "GET", NULL, BAD, NULL);
    assert_int_equal(c.status, 400);
    assert_details(&c, "state");
    call_done(&c);

    const char *const PAGE[] = {"limit", "1", NULL};
    call(w, &c, notify_api_outbox, "GET", NULL, PAGE, NULL);
    assert_int_equal(json_array_size(json_object_get(c.json, "items")), 1);
    assert_true(json_is_string(json_object_get(c.json, "next_cursor")));
    call_done(&c);

    as(w, w->learner);
    assert_int_equal(status_of(w, notify_api_outbox, "GET", NULL, NULL), 403);
}

/* notify_post (notify.h) queues the email with its one-click link; the link stops that
 * kind, and the next notice of the kind is in-app only. */
static void the_link_of_a_posted_email_unsubscribes(void **state)
{
    struct world *w = *state;
    as(w, w->admin);
    struct notice n = {.kind = NOTIFY_OVERDUE,
                       .key = "overdue:1:2026-12-01",
                       .user_id = w->learner,
                       .title = "Overdue: Ask for one example",
                       .text = "It was due yesterday.",
                       .link = "/activities/1",
                       .action_label = "Open the activity"};
    int created = 0;
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    assert_int_equal(notify_post(&w->cx, &n, &created), RC_OK);
    assert_int_equal(db_commit(w->db), RC_OK);
    assert_int_equal(created, 1);
    char *urls = sql_texts(w,
                           "SELECT unsubscribe_url FROM outbox WHERE user_id = $1 AND channel = "
                           "'email'",
                           w->learner);
    const char *slash = strrchr(urls, '/');
    assert_non_null(slash);
    char token[SECURE_TOKEN_HEX + 1];
    snprintf(token, sizeof token, "%s", slash + 1);
    free(urls);
    assert_int_equal(strlen(token), SECURE_TOKEN_HEX);

    as(w, 0);
    struct call c;
    call(w, &c, notify_api_unsubscribe_peek, "GET", token, NULL, NULL);
    assert_json(c.json, "{\"kind\":\"overdue\",\"name\":\"Ana\"}");
    call_done(&c);
    call(w, &c, notify_api_unsubscribe, "POST", token, NULL, NULL);
    assert_json(c.json, "{\"email\":false,\"kind\":\"overdue\"}");
    call_done(&c);

    as(w, w->admin);
    n.key = "overdue:1:2026-12-03";
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    assert_int_equal(notify_post(&w->cx, &n, &created), RC_OK);
    assert_int_equal(db_commit(w->db), RC_OK);
    assert_int_equal(created, 1);
    assert_int_equal(sql_value(w,
                               "SELECT COUNT(*) FROM outbox WHERE user_id = $1 AND channel = "
                               "'email'",
                               w->learner),
                     1);
    assert_int_equal(
        sql_value(w, "SELECT COUNT(*) FROM notifications WHERE user_id = $1", w->learner), 2);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(settings_without_a_row_are_the_defaults),
        T(an_admin_changes_settings_and_the_password_stays_secret),
        T(every_bad_setting_is_a_detail_and_nothing_is_written),
        T(only_admins_change_settings),
        T(the_first_save_copies_the_defaults),
        T(bad_preferences_are_refused_and_change_nothing),
        T(quiet_hours_hold_email_until_they_end_local_time),
        T(webhooks_are_created_read_changed_and_deleted),
        T(active_webhooks_carry_their_secret_for_signing),
        T(bad_webhooks_are_refused_field_by_field),
        T(another_organisations_webhook_is_not_found),
        T(an_organisation_has_at_most_twenty_webhooks),
        T(a_webhook_test_is_queued_in_its_format),
        T(one_click_unsubscribe_turns_one_kind_off),
        T(bad_tokens_and_email_only_kinds_are_refused),
        T(the_bell_lists_counts_and_marks_my_notifications),
        T(the_outbox_log_shows_no_bodies),
        T(the_link_of_a_posted_email_unsubscribes),
    };
    log_set_level(LOG_ERROR);
    if (secure_init() != RC_OK)
        return 1;
    int failed = FIXTURE_RUN_ON_BOTH("notify_settings", tests, NULL);
    return failed;
}
