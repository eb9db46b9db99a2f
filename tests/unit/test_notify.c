/*
 * test_notify.c — posting notices and delivering the outbox (notify.h): de-duplication,
 * the rendered email with its unsubscribe link, preferences and quiet hours, webhook rows
 * per matching webhook in each format, the in-app list and marking read, the admins'
 * outbox log, and the delivery worker through a fake transport — sent once, retried with
 * backoff, failed for good, a crashed worker's lease, signed webhook calls, the message
 * as mail_build writes it.
 *
 * Each test starts from a fresh database with two organisations: acme (Europe/London,
 * brand colour #1f5fbf) with an admin, a learner (Ana) and her manager, a peer and a
 * deactivated person; other with one person. The clock is FIXTURE_NOW, Tuesday
 * 1 December 2026 09:00 UTC (London is on UTC in December). Runs on SQLite and again on
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

#include "core/config.h"
#include "core/jsonx.h"
#include "core/log.h"
#include "core/secure.h"
#include "fixture.h"
#include "notify/notify.h"
#include "notify/notify_render.h"
#include "notify/notify_settings.h"
#include "notify/notify_store.h"
#include "notify/transport.h"
#include "people/people.h"
#include "people/users.h"
#include "tenant/tenant.h"

#define PUBLIC_URL "https://waymark.example"

struct world {
    const char *pg_url;
    char schema[96];
    struct db *db;
    struct ctx cx;
    struct config cfg;
    int64_t acme, other;
    int64_t admin, learner, manager, peer, gone, stranger;
};

/* ---- a fake transport: records what it is given, answers what it is told ---- */

#define FAKE_MAX 16

struct fake_call {
    char *message; /* email: the whole message; webhook: the body */
    char smtp_url[256], envelope_from[128], rcpt[128];
    char url[256], event[32], signature[80];
    int64_t delivery_id, timestamp;
};

struct fake {
    struct notify_transport t;
    enum transport_outcome answers[FAKE_MAX]; /* per call in order; after them: OK */
    int nanswers;
    const char *error;
    struct fake_call calls[FAKE_MAX];
    int ncalls, emails, webhooks;
};

static enum transport_outcome fake_answer(struct fake *f, char *err, size_t errlen)
{
    int i = f->ncalls - 1;
    enum transport_outcome o = i < f->nanswers ? f->answers[i] : TRANSPORT_OK;
    if (o != TRANSPORT_OK)
        snprintf(err, errlen, "%s", f->error ? f->error : "fake failure");
    return o;
}

static enum transport_outcome fake_email(struct notify_transport *t,
                                         const struct transport_email *m, char *err, size_t errlen)
{
    struct fake *f = t->impl;
    assert_true(f->ncalls < FAKE_MAX);
    struct fake_call *c = &f->calls[f->ncalls++];
    f->emails++;
    c->message = strndup(m->message, m->message_len);
    snprintf(c->smtp_url, sizeof c->smtp_url, "%s", m->smtp_url);
    snprintf(c->envelope_from, sizeof c->envelope_from, "%s", m->envelope_from);
    snprintf(c->rcpt, sizeof c->rcpt, "%s", m->rcpt);
    return fake_answer(f, err, errlen);
}

static enum transport_outcome fake_webhook(struct notify_transport *t,
                                           const struct transport_webhook *w, char *err,
                                           size_t errlen)
{
    struct fake *f = t->impl;
    assert_true(f->ncalls < FAKE_MAX);
    struct fake_call *c = &f->calls[f->ncalls++];
    f->webhooks++;
    c->message = strndup(w->body, w->body_len);
    snprintf(c->url, sizeof c->url, "%s", w->url);
    snprintf(c->event, sizeof c->event, "%s", w->event);
    snprintf(c->signature, sizeof c->signature, "%s", w->signature);
    c->delivery_id = w->delivery_id;
    c->timestamp = w->timestamp;
    return fake_answer(f, err, errlen);
}

static void fake_init(struct fake *f)
{
    memset(f, 0, sizeof *f);
    f->t.send_email = fake_email;
    f->t.post_webhook = fake_webhook;
    f->t.impl = f;
}

static void fake_free(struct fake *f)
{
    for (int i = 0; i < f->ncalls; i++)
        free(f->calls[i].message);
    f->ncalls = 0;
}

/* ---- the world ---- */

static void as(struct world *w, int64_t tenant, int64_t user, unsigned roles)
{
    ctx_clear(&w->cx);
    w->cx.actor =
        (struct actor){.tenant_id = tenant, .user_id = user, .roles = roles | PEOPLE_ROLE_LEARNER};
    w->cx.now = FIXTURE_NOW;
}

static void as_admin(struct world *w)
{
    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN);
}

static void as_user(struct world *w, int64_t user)
{
    as(w, user == w->stranger ? w->other : w->acme, user, 0);
}

static int64_t add_user(struct world *w, int64_t tenant, const char *email, const char *name,
                        int64_t manager)
{
    as(w, tenant, 0, PEOPLE_ROLE_ADMIN);
    struct users_change ch = {.set = USERS_EMAIL | USERS_NAME | (manager ? USERS_MANAGER : 0),
                              .email = email,
                              .name = name,
                              .manager_id = manager};
    struct user u;
    assert_int_equal(users_create(&w->cx, &ch, &u), RC_OK);
    return u.id;
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    w->pg_url = *state;
    w->db = fixture_db_on(w->pg_url, "notify", w->schema);
    fixture_ctx(&w->cx, w->db);
    snprintf(w->cfg.public_url, sizeof w->cfg.public_url, "%s", PUBLIC_URL);
    snprintf(w->cfg.smtp_url, sizeof w->cfg.smtp_url, "smtp://127.0.0.1:2525");
    snprintf(w->cfg.smtp_from, sizeof w->cfg.smtp_from, "Waymark <waymark@deploy.example>");
    w->cx.cfg = &w->cfg;
    struct tenant t;
    assert_int_equal(tenant_create(&w->cx, "acme", "Acme & Sons", "Europe/London", &t), RC_OK);
    w->acme = t.id;
    assert_int_equal(tenant_create(&w->cx, "other", "Other", "UTC", &t), RC_OK);
    w->other = t.id;
    w->admin = add_user(w, w->acme, "admin@acme.example", "Admin", 0);
    assert_int_equal(
        DB_RUN(w->db, "UPDATE users SET roles = 17 WHERE id = $1", NULL, DB_INT(w->admin)), RC_OK);
    w->manager = add_user(w, w->acme, "sofia@acme.example", "Sofia Marín", 0);
    w->learner = add_user(w, w->acme, "ana@acme.example", "Ana", w->manager);
    w->peer = add_user(w, w->acme, "peer@acme.example", "Peer", w->manager);
    w->gone = add_user(w, w->acme, "gone@acme.example", "Gone", 0);
    assert_int_equal(
        DB_RUN(w->db, "UPDATE users SET active = 0 WHERE id = $1", NULL, DB_INT(w->gone)), RC_OK);
    w->stranger = add_user(w, w->other, "stranger@other.example", "Stranger", 0);
    as_admin(w);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    ctx_clear(&w->cx);
    fixture_db_drop(w->db, w->pg_url, w->schema);
    free(w);
    return 0;
}

/* ---- small readers ---- */

static int64_t count(struct world *w, const char *sql, int64_t a)
{
    int64_t v = -1;
    assert_int_equal(DB_VALUE(w->db, sql, &v, DB_INT(a)), RC_OK);
    return v;
}

static int64_t value_of(struct world *w, const char *sql, const char *key)
{
    int64_t v = -1;
    assert_int_equal(DB_VALUE(w->db, sql, &v, DB_TEXT(key)), RC_OK);
    return v;
}

/* Column col of the outbox row with key, as a new string (NULL for SQL NULL). */
static char *outbox_text(struct world *w, const char *column, const char *key)
{
    char sql[200];
    struct db_stmt *st = NULL;
    snprintf(sql, sizeof sql, "SELECT %s FROM outbox WHERE dedup_key = $1", column);
    assert_int_equal(db_prepare(w->db, sql, &st), RC_OK);
    assert_int_equal(db_bind_text(st, 1, key, -1), RC_OK);
    assert_int_equal(db_step(st), RC_ROW);
    char *s = db_column_is_null(st, 0) ? NULL : strdup(db_column_text(st, 0));
    db_reset(st);
    return s;
}

static int64_t outbox_int(struct world *w, const char *column, const char *key)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT %s FROM outbox WHERE dedup_key = $1", column);
    return value_of(w, sql, key);
}

/* The email row of key rendered as the worker sends it (notify_outbox_render, as an
 * admin of acme); *text and *html are owned. */
static void rendered(struct world *w, const char *key, char **text, char **html)
{
    struct actor saved = w->cx.actor;
    w->cx.actor =
        (struct actor){.tenant_id = w->acme, .user_id = w->admin, .roles = PEOPLE_ROLE_ADMIN};
    struct buf t, h;
    buf_init(&t, NOTIFY_RENDER_TEXT_MAX);
    buf_init(&h, NOTIFY_RENDER_HTML_MAX);
    assert_int_equal(notify_outbox_render(&w->cx, outbox_int(w, "id", key), &t, &h), RC_OK);
    *text = strdup(t.data);
    *html = strdup(h.data);
    buf_free(&t);
    buf_free(&h);
    w->cx.actor = saved;
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (!haystack || !strstr(haystack, needle))
        fail_msg("expected to find \"%s\" in:\n%s", needle, haystack ? haystack : "(null)");
}

static void assert_lacks(const char *haystack, const char *needle)
{
    if (haystack && strstr(haystack, needle))
        fail_msg("did not expect \"%s\" in:\n%s", needle, haystack);
}

/* The value of header name ("From") in message, unfolded, into out. */
static const char *header_of(const char *message, const char *name, char *out, size_t size)
{
    char start[64];
    snprintf(start, sizeof start, "\r\n%s:", name);
    const char *p = strncmp(message, start + 2, strlen(start + 2)) == 0
                        ? message + strlen(start + 2)
                        : strstr(message, start);
    if (!p)
        fail_msg("no %s header in:\n%s", name, message);
    if (p != message + strlen(start + 2))
        p += strlen(start);
    size_t o = 0;
    while (*p && o + 1 < size) {
        if (p[0] == '\r' && p[1] == '\n') {
            if (p[2] != ' ' && p[2] != '\t')
                break;
            p += 2;
            continue;
        }
        out[o++] = *p++;
    }
    out[o] = '\0';
    while (out[0] == ' ')
        memmove(out, out + 1, strlen(out));
    return out;
}

/* Posts a notice of kind to user with key, in a transaction, as acme's system actor. */
static enum rc post(struct world *w, enum notify_kind kind, int64_t user, const char *key,
                    const char *title, int *created)
{
    struct actor saved = w->cx.actor;
    ctx_clear(&w->cx);
    w->cx.actor = (struct actor){.tenant_id = w->acme, .roles = PEOPLE_ROLE_ADMIN};
    struct notice n = {.kind = kind,
                       .key = key,
                       .user_id = user,
                       .title = title,
                       .text = "Ask one person for an example.\n\nThen <write> it down.",
                       .link = "/activities/12",
                       .action_label = "Open the activity"};
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    enum rc rc = notify_post(&w->cx, &n, created);
    if (rc == RC_OK)
        assert_int_equal(db_commit(w->db), RC_OK);
    else
        db_rollback(w->db);
    w->cx.actor = saved;
    return rc;
}

static json_t *parse_json(const char *s)
{
    json_error_t e;
    json_t *v = json_loads(s, 0, &e);
    if (!v)
        fail_msg("not JSON (%s): %s", e.text, s);
    return v;
}

/* PATCHes the learner's own preferences with body. */
static void learner_prefs(struct world *w, const char *body)
{
    as_user(w, w->learner);
    json_t *j = parse_json(body);
    struct notify_prefs p;
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    assert_int_equal(notify_prefs_update(&w->cx, j, &p), RC_OK);
    assert_int_equal(db_commit(w->db), RC_OK);
    json_decref(j);
}

/* Creates a webhook as the admin; the secret is secret (never NULL here). */
static int64_t add_webhook(struct world *w, const char *name, const char *format,
                           const char *kinds_json, const char *secret, int active)
{
    as_admin(w);
    char body[600];
    snprintf(body, sizeof body,
             "{\"name\": \"%s\", \"url\": \"https://hooks.example/%s\", \"format\": \"%s\", "
             "\"kinds\": %s, \"secret\": \"%s\", \"active\": %s}",
             name, name, format, kinds_json, secret, active ? "true" : "false");
    json_t *j = parse_json(body);
    struct webhook hook;
    char shown[NOTIFY_SECRET_MAX + 1];
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    assert_int_equal(notify_webhook_create(&w->cx, j, &hook, shown), RC_OK);
    assert_int_equal(db_commit(w->db), RC_OK);
    json_decref(j);
    return hook.id;
}

/* Runs the worker at instant now with f; answers its result. */
static struct notify_deliver_result deliver_at(struct world *w, struct fake *f, int64_t now)
{
    struct notify_deliver_result r = {0};
    ctx_clear(&w->cx);
    memset(&w->cx.actor, 0, sizeof w->cx.actor);
    w->cx.now = now;
    assert_int_equal(notify_deliver(&w->cx, &f->t, "test:1", 1000, &r), RC_OK);
    assert_int_equal(w->cx.actor.tenant_id, 0); /* restored */
    w->cx.now = FIXTURE_NOW;
    return r;
}

/* ---- kinds ---- */

static void kind_names_go_both_ways(void **state)
{
    (void)state;
    for (int k = 0; k < NOTIFY_KIND_COUNT; k++) {
        const char *name = notify_kind_name((enum notify_kind)k);
        assert_non_null(name);
        assert_int_equal(notify_kind_from_name(name), k);
    }
    assert_string_equal(notify_kind_name(NOTIFY_SIGNOFF_REQUEST), "signoff_request");
    assert_string_equal(notify_kind_name(NOTIFY_PASSWORD_RESET), "password_reset");
    assert_int_equal(notify_kind_from_name("remindr"), -1);
    assert_int_equal(notify_kind_from_name(""), -1);
    assert_int_equal(notify_kind_from_name(NULL), -1);
    assert_null(notify_kind_name(NOTIFY_KIND_COUNT));
}

/* ---- posting ---- */

static void posting_twice_with_one_key_writes_once(void **state)
{
    struct world *w = *state;
    int created = -1;
    assert_int_equal(
        post(w, NOTIFY_REMINDER, w->learner, "reminder:12:2026-12-02", "Due: Ask", &created),
        RC_OK);
    assert_int_equal(created, 1);
    assert_int_equal(
        post(w, NOTIFY_REMINDER, w->learner, "reminder:12:2026-12-02", "Due: Ask", &created),
        RC_OK);
    assert_int_equal(created, 0);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM notifications WHERE tenant_id = $1", w->acme),
                     1);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM outbox WHERE tenant_id = $1", w->acme), 1);

    /* The same key in another organisation is another notice. */
    ctx_clear(&w->cx);
    w->cx.actor = (struct actor){.tenant_id = w->other, .roles = PEOPLE_ROLE_ADMIN};
    struct notice n = {.kind = NOTIFY_REMINDER,
                       .key = "reminder:12:2026-12-02",
                       .user_id = w->stranger,
                       .title = "Due",
                       .text = "x"};
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    assert_int_equal(notify_post(&w->cx, &n, &created), RC_OK);
    assert_int_equal(db_commit(w->db), RC_OK);
    assert_int_equal(created, 1);

    /* A pass with the organisation loaded once counts what it wrote. */
    ctx_clear(&w->cx);
    w->cx.actor = (struct actor){.tenant_id = w->acme, .roles = PEOPLE_ROLE_ADMIN};
    struct notify_tenant *nt = NULL;
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    assert_int_equal(notify_tenant_load(&w->cx, &nt), RC_OK);
    const char *keys[] = {"a:1", "a:2", "a:1", "reminder:12:2026-12-02"};
    int made = 0;
    for (int i = 0; i < 4; i++) {
        n = (struct notice){.kind = NOTIFY_OVERDUE,
                            .key = keys[i],
                            .user_id = i == 1 ? w->peer : w->learner,
                            .title = "Overdue",
                            .text = "x"};
        assert_int_equal(notify_post_with(&w->cx, nt, &n, &created), RC_OK);
        made += created;
    }
    assert_int_equal(made, 2);
    assert_int_equal(notify_tenant_counts(nt)->notices, 2);
    assert_int_equal(notify_tenant_counts(nt)->emails, 2);
    assert_int_equal(notify_tenant_counts(nt)->webhooks, 0);
    notify_tenant_free(nt);
    assert_int_equal(db_commit(w->db), RC_OK);

    /* Inactive, unknown and other organisations' people get nothing, without an error. */
    assert_int_equal(post(w, NOTIFY_REMINDER, w->gone, "r:gone", "Due", &created), RC_OK);
    assert_int_equal(created, 0);
    assert_int_equal(post(w, NOTIFY_REMINDER, 999999, "r:unknown", "Due", &created), RC_OK);
    assert_int_equal(created, 0);
    assert_int_equal(post(w, NOTIFY_REMINDER, w->stranger, "r:stranger", "Due", &created), RC_OK);
    assert_int_equal(created, 0);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM notifications WHERE tenant_id = $1", w->acme),
                     3);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM outbox WHERE tenant_id = $1", w->acme), 3);
}

static void bad_notices_are_refused_and_titles_kept_to_one_line(void **state)
{
    struct world *w = *state;
    char long_key[NOTIFY_KEY_MAX + 2];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    int created = -1;
    assert_int_equal(post(w, NOTIFY_REMINDER, w->learner, long_key, "Due", &created), RC_INVALID);
    assert_true(ctx_has_detail(&w->cx, "key"));
    assert_int_equal(post(w, NOTIFY_REMINDER, w->learner, "", "Due", &created), RC_INVALID);
    assert_int_equal(post(w, NOTIFY_REMINDER, w->learner, "k:1", " \n\t ", &created), RC_INVALID);
    assert_true(ctx_has_detail(&w->cx, "title"));
    assert_int_equal(post(w, NOTIFY_REMINDER, w->learner, "k:2", "Bad \xc3\x28 UTF-8", &created),
                     RC_INVALID);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM notifications WHERE tenant_id = $1", w->acme),
                     0);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM outbox WHERE tenant_id = $1", w->acme), 0);

    /* CR/LF never reach a subject; a long title is cut with an ellipsis. */
    assert_int_equal(
        post(w, NOTIFY_REMINDER, w->learner, "k:3", "Due\r\nBcc: all@example.com", &created),
        RC_OK);
    char *subject = outbox_text(w, "subject", "k:3:email");
    assert_string_equal(subject, "Due  Bcc: all@example.com");
    free(subject);
    char title[2000];
    size_t at = 0;
    for (int i = 0; i < 40; i++) /* 8 characters each: 320 */
        at += (size_t)snprintf(title + at, sizeof title - at, "%s", "Ünïcødé ");
    assert_int_equal(post(w, NOTIFY_REMINDER, w->learner, "k:4", title, &created), RC_OK);
    subject = outbox_text(w, "subject", "k:4:email");
    assert_int_equal(jsonx_utf8_length(subject), NOTIFY_TITLE_MAX);
    assert_non_null(strstr(subject, "\xe2\x80\xa6"));
    assert_true(jsonx_utf8_valid(subject, strlen(subject)));
    free(subject);
    subject = outbox_text(w, "subject", "k:4:email"); /* the in-app title is the same */
    struct db_stmt *st = NULL;
    assert_int_equal(db_prepare(w->db, "SELECT title FROM notifications WHERE dedup_key = $1", &st),
                     RC_OK);
    assert_int_equal(db_bind_text(st, 1, "k:4", -1), RC_OK);
    assert_int_equal(db_step(st), RC_ROW);
    assert_string_equal(db_column_text(st, 0), subject);
    db_reset(st);
    free(subject);
}

static void the_email_is_branded_with_an_unsubscribe_link(void **state)
{
    struct world *w = *state;
    int created = 0;
    assert_int_equal(post(w, NOTIFY_REMINDER, w->learner, "reminder:12:2026-12-02",
                          "Due Wed 2 Dec: <Ask> \"one\"", &created),
                     RC_OK);
    const char *key = "reminder:12:2026-12-02:email";
    char *recipient = outbox_text(w, "recipient", key),
         *name = outbox_text(w, "recipient_name", key);
    char *subject = outbox_text(w, "subject", key), *url = outbox_text(w, "unsubscribe_url", key);
    char *text = NULL, *html = NULL;
    rendered(w, key, &text, &html);
    char *hash = outbox_text(w, "unsubscribe_hash", key), *channel = outbox_text(w, "channel", key);
    assert_string_equal(channel, "email");
    assert_string_equal(recipient, "ana@acme.example");
    assert_string_equal(name, "Ana");
    assert_string_equal(subject, "Due Wed 2 Dec: <Ask> \"one\"");
    assert_int_equal(outbox_int(w, "next_attempt_at", key), FIXTURE_NOW);
    assert_int_equal(outbox_int(w, "user_id", key), w->learner);

    /* The token of the List-Unsubscribe URL is stored only as its hash, and the footer's
     * page link carries the same token. */
    const char *prefix = PUBLIC_URL "/api/v1/unsubscribe/";
    assert_int_equal(strncmp(url, prefix, strlen(prefix)), 0);
    const char *token = url + strlen(prefix);
    assert_int_equal(strlen(token), SECURE_TOKEN_HEX);
    char expect[SECURE_TOKEN_HEX + 1], line[300];
    secure_token_hash(token, expect);
    assert_string_equal(hash, expect);
    snprintf(line, sizeof line, "Stop these emails: " PUBLIC_URL "/unsubscribe#%s\n", token);
    assert_contains(text, line);
    assert_contains(text, "Ask one person for an example.\n\nThen <write> it down.\n\n");
    assert_contains(text, "Open the activity: " PUBLIC_URL "/activities/12\n");
    assert_contains(text, "You get this email because Acme & Sons uses Waymark");

    /* The HTML part: a whole document, brand colour, everything escaped. */
    assert_int_equal(strncmp(html, "<!DOCTYPE html>", 15), 0);
    assert_contains(html, "</html>");
    assert_contains(html, "background:#1f5fbf;color:#ffffff");
    assert_contains(html, ">Acme &amp; Sons</td>");
    assert_contains(html, "Due Wed 2 Dec: &lt;Ask&gt; &quot;one&quot;");
    assert_contains(html, "<p style=\"margin:0 0 16px 0;\">Ask one person for an example.</p>");
    assert_contains(html, "Then &lt;write&gt; it down.");
    assert_contains(html, "<a href=\"" PUBLIC_URL "/activities/12\"");
    assert_contains(html, ">Open the activity</a>");
    snprintf(line, sizeof line, "<a href=\"" PUBLIC_URL "/unsubscribe#%s\"", token);
    assert_contains(html, line);
    assert_lacks(html, "<Ask>");
    assert_lacks(html, "<write>");
    assert_lacks(html, "<style");

    /* The token works for the one-click unsubscribe (notify_settings.c). */
    enum notify_kind kind = NOTIFY_TEST;
    char who[200];
    memset(&w->cx.actor, 0, sizeof w->cx.actor);
    assert_int_equal(notify_unsubscribe_peek(&w->cx, token, &kind, who, sizeof who), RC_OK);
    assert_int_equal(kind, NOTIFY_REMINDER);
    assert_string_equal(who, "Ana");

    free(recipient), free(name), free(subject), free(text), free(html), free(url), free(hash),
        free(channel);
}

static void an_email_kind_turned_off_gets_no_email(void **state)
{
    struct world *w = *state;
    learner_prefs(w, "{\"email\": {\"reminder\": false}}");
    int created = 0;
    assert_int_equal(post(w, NOTIFY_REMINDER, w->learner, "reminder:1:d", "Due", &created), RC_OK);
    assert_int_equal(created, 1); /* the in-app notice is kept */
    assert_int_equal(
        value_of(w, "SELECT COUNT(*) FROM notifications WHERE dedup_key = $1", "reminder:1:d"), 1);
    assert_int_equal(
        value_of(w, "SELECT COUNT(*) FROM outbox WHERE dedup_key = $1", "reminder:1:d:email"), 0);
    /* Other kinds still go, and other people keep the organisation's defaults. */
    assert_int_equal(post(w, NOTIFY_OVERDUE, w->learner, "overdue:1:1", "Overdue", &created),
                     RC_OK);
    assert_int_equal(
        value_of(w, "SELECT COUNT(*) FROM outbox WHERE dedup_key = $1", "overdue:1:1:email"), 1);
    assert_int_equal(post(w, NOTIFY_REMINDER, w->peer, "reminder:2:d", "Due", &created), RC_OK);
    assert_int_equal(
        value_of(w, "SELECT COUNT(*) FROM outbox WHERE dedup_key = $1", "reminder:2:d:email"), 1);
}

static void email_only_kinds_have_no_in_app_row_and_no_unsubscribe(void **state)
{
    struct world *w = *state;
    /* Even with every email turned off: invitations and resets cannot be. */
    learner_prefs(w, "{\"email\": {\"new_activities\": false, \"reminder\": false, \"overdue\": "
                     "false, \"escalation\": false, \"signoff_request\": false, \"returned\": "
                     "false, \"enrolment\": false, \"digest\": false}}");
    add_webhook(w, "all", "json",
                "[\"new_activities\", \"reminder\", \"overdue\", \"escalation\", "
                "\"signoff_request\", \"returned\", \"enrolment\", \"digest\"]",
                "s3cret", 1);
    int created = 0;
    assert_int_equal(post(w, NOTIFY_PASSWORD_RESET, w->learner, "password_reset:1:ab",
                          "Reset your Waymark password", &created),
                     RC_OK);
    assert_int_equal(created, 1);
    assert_int_equal(post(w, NOTIFY_PASSWORD_RESET, w->learner, "password_reset:1:ab",
                          "Reset your Waymark password", &created),
                     RC_OK);
    assert_int_equal(created, 0);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM notifications WHERE tenant_id = $1", w->acme),
                     0);
    /* One email, and no webhook: it carries a sign-in link. */
    assert_int_equal(count(w, "SELECT COUNT(*) FROM outbox WHERE tenant_id = $1", w->acme), 1);
    const char *key = "password_reset:1:ab:email";
    char *url = outbox_text(w, "unsubscribe_url", key),
         *hash = outbox_text(w, "unsubscribe_hash", key);
    char *text = NULL, *html = NULL;
    rendered(w, key, &text, &html);
    assert_null(url);
    assert_null(hash);
    assert_contains(text, "an administrator of Acme & Sons reset your Waymark password.");
    assert_lacks(text, "Stop these emails");
    assert_lacks(html, "Stop these emails");
    free(url), free(hash), free(text), free(html);
}

static void quiet_hours_hold_the_email_back(void **state)
{
    struct world *w = *state;
    learner_prefs(w, "{\"quiet_hours\": {\"start\": \"21:00\", \"end\": \"07:00\"}}");
    const int64_t late = FIXTURE_NOW + 13 * 3600 + 1800; /* 22:30 London */
    const int64_t morning = FIXTURE_NOW + 22 * 3600;     /* 07:00 the next day */
    int created = 0;
    as_admin(w);
    w->cx.now = late;
    struct notice n = {.kind = NOTIFY_RETURNED,
                       .key = "returned:7",
                       .user_id = w->learner,
                       .title = "Returned for another look",
                       .text = "Have a look."};
    w->cx.actor.user_id = 0;
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    assert_int_equal(notify_post(&w->cx, &n, &created), RC_OK);
    n.key = "returned:8";
    n.user_id = w->peer; /* no quiet hours */
    assert_int_equal(notify_post(&w->cx, &n, &created), RC_OK);
    assert_int_equal(db_commit(w->db), RC_OK);
    assert_int_equal(outbox_int(w, "next_attempt_at", "returned:7:email"), morning);
    assert_int_equal(outbox_int(w, "next_attempt_at", "returned:8:email"), late);
    /* The in-app notification is not held back. */
    assert_int_equal(
        value_of(w, "SELECT created_at FROM notifications WHERE dedup_key = $1", "returned:7"),
        late);

    /* The worker leaves it until the morning. */
    struct fake f;
    fake_init(&f);
    struct notify_deliver_result r = deliver_at(w, &f, late + 3600);
    assert_int_equal(r.sent, 1);
    assert_string_equal(f.calls[0].rcpt, "peer@acme.example");
    r = deliver_at(w, &f, morning);
    assert_int_equal(r.sent, 1);
    assert_string_equal(f.calls[1].rcpt, "ana@acme.example");
    fake_free(&f);
}

static void webhooks_get_a_row_each_in_their_format(void **state)
{
    struct world *w = *state;
    int64_t json_hook = add_webhook(w, "events", "json", "[\"reminder\"]", "s1", 1);
    int64_t slack = add_webhook(w, "slack", "slack", "[\"reminder\", \"overdue\"]", "s2", 1);
    int64_t teams = add_webhook(w, "teams", "teams", "[\"escalation\"]", "s3", 1);
    add_webhook(w, "off", "json", "[\"reminder\"]", "s4", 0);
    int created = 0;
    assert_int_equal(post(w, NOTIFY_REMINDER, w->learner, "reminder:12:2026-12-02",
                          "Due <soon> & now", &created),
                     RC_OK);
    assert_int_equal(count(w,
                           "SELECT COUNT(*) FROM outbox WHERE channel = 'webhook' AND "
                           "tenant_id = $1",
                           w->acme),
                     2);
    char key[120];
    snprintf(key, sizeof key, "reminder:12:2026-12-02:webhook:%lld", (long long)json_hook);
    char *recipient = outbox_text(w, "recipient", key), *body = outbox_text(w, "body_text", key);
    assert_string_equal(recipient, "https://hooks.example/events");
    assert_int_equal(outbox_int(w, "webhook_id", key), json_hook);
    assert_int_equal(outbox_int(w, "next_attempt_at", key), FIXTURE_NOW);
    json_t *j = parse_json(body);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "reminder:12:2026-12-02");
    assert_string_equal(json_string_value(json_object_get(j, "kind")), "reminder");
    json_t *org = json_object_get(j, "organisation");
    assert_string_equal(json_string_value(json_object_get(org, "slug")), "acme");
    assert_string_equal(json_string_value(json_object_get(org, "name")), "Acme & Sons");
    assert_string_equal(json_string_value(json_object_get(j, "created_at")),
                        "2026-12-01T09:00:00Z");
    json_t *who = json_object_get(j, "recipient");
    assert_int_equal(json_integer_value(json_object_get(who, "id")), w->learner);
    assert_string_equal(json_string_value(json_object_get(who, "name")), "Ana");
    assert_string_equal(json_string_value(json_object_get(who, "email")), "ana@acme.example");
    assert_string_equal(json_string_value(json_object_get(j, "title")), "Due <soon> & now");
    assert_string_equal(json_string_value(json_object_get(j, "text")),
                        "Ask one person for an example.\n\nThen <write> it down.");
    assert_string_equal(json_string_value(json_object_get(j, "url")), PUBLIC_URL "/activities/12");
    assert_int_equal(json_object_size(j), 8);
    json_decref(j);
    free(recipient), free(body);

    snprintf(key, sizeof key, "reminder:12:2026-12-02:webhook:%lld", (long long)slack);
    body = outbox_text(w, "body_text", key);
    j = parse_json(body);
    assert_int_equal(json_object_size(j), 1);
    assert_string_equal(json_string_value(json_object_get(j, "text")),
                        "*Due &lt;soon&gt; &amp; now*\nAsk one person for an example.\n\nThen "
                        "&lt;write&gt; it down.\n<" PUBLIC_URL "/activities/12|Open in Waymark>");
    json_decref(j);
    free(body);

    /* An escalation goes to Teams only, as a MessageCard. */
    assert_int_equal(
        post(w, NOTIFY_ESCALATION, w->manager, "escalation:12", "Ana is behind", &created), RC_OK);
    snprintf(key, sizeof key, "escalation:12:webhook:%lld", (long long)teams);
    body = outbox_text(w, "body_text", key);
    j = parse_json(body);
    assert_string_equal(json_string_value(json_object_get(j, "@type")), "MessageCard");
    assert_string_equal(json_string_value(json_object_get(j, "@context")),
                        "https://schema.org/extensions");
    assert_string_equal(json_string_value(json_object_get(j, "summary")), "Ana is behind");
    assert_string_equal(json_string_value(json_object_get(j, "title")), "Ana is behind");
    assert_string_equal(json_string_value(json_object_get(j, "themeColor")), "1f5fbf");
    json_t *action = json_array_get(json_object_get(j, "potentialAction"), 0);
    assert_string_equal(json_string_value(json_object_get(action, "@type")), "OpenUri");
    assert_string_equal(json_string_value(json_object_get(action, "name")), "Open in Waymark");
    json_t *target = json_array_get(json_object_get(action, "targets"), 0);
    assert_string_equal(json_string_value(json_object_get(target, "os")), "default");
    assert_string_equal(json_string_value(json_object_get(target, "uri")),
                        PUBLIC_URL "/activities/12");
    json_decref(j);
    free(body);
    assert_int_equal(count(w,
                           "SELECT COUNT(*) FROM outbox WHERE channel = 'webhook' AND "
                           "tenant_id = $1",
                           w->acme),
                     3);
    /* Posting again writes no second call. */
    assert_int_equal(
        post(w, NOTIFY_ESCALATION, w->manager, "escalation:12", "Ana is behind", &created), RC_OK);
    assert_int_equal(created, 0);
    assert_int_equal(count(w,
                           "SELECT COUNT(*) FROM outbox WHERE channel = 'webhook' AND "
                           "tenant_id = $1",
                           w->acme),
                     3);
}

/* ---- the in-app list ---- */

struct seen {
    int64_t ids[8];
    int n;
};

static enum rc see(void *arg, const struct notification *n)
{
    struct seen *s = arg;
    assert_true(s->n < 8);
    assert_string_equal(n->link, "/activities/12");
    s->ids[s->n++] = n->id;
    return RC_OK;
}

static int64_t notification_id(struct world *w, const char *key)
{
    return value_of(w, "SELECT id FROM notifications WHERE dedup_key = $1", key);
}

static void people_list_and_read_only_their_own(void **state)
{
    struct world *w = *state;
    int created;
    post(w, NOTIFY_REMINDER, w->learner, "n:1", "One", &created);
    post(w, NOTIFY_OVERDUE, w->learner, "n:2", "Two", &created);
    post(w, NOTIFY_RETURNED, w->learner, "n:3", "Three", &created);
    post(w, NOTIFY_REMINDER, w->peer, "n:peer", "Peer's", &created);
    ctx_clear(&w->cx);
    w->cx.actor = (struct actor){.tenant_id = w->other, .roles = PEOPLE_ROLE_ADMIN};
    struct notice n = {.kind = NOTIFY_REMINDER,
                       .key = "n:stranger",
                       .user_id = w->stranger,
                       .title = "Theirs",
                       .text = "x",
                       .link = "/activities/12"};
    assert_int_equal(notify_post(&w->cx, &n, &created), RC_OK);
    int64_t one = notification_id(w, "n:1"), two = notification_id(w, "n:2"),
            three = notification_id(w, "n:3");

    as_user(w, w->learner);
    struct seen s = {0};
    int64_t next = -1, unread = -1;
    assert_int_equal(notify_list(&w->cx, 0, 0, 2, see, &s, &next, &unread), RC_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ids[0], three);
    assert_int_equal(s.ids[1], two);
    assert_int_equal(next, two);
    assert_int_equal(unread, 3);
    memset(&s, 0, sizeof s);
    assert_int_equal(notify_list(&w->cx, next, 0, 2, see, &s, &next, &unread), RC_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.ids[0], one);
    assert_int_equal(next, 0);

    assert_int_equal(notify_mark_read(&w->cx, two), RC_OK);
    int64_t read_at = value_of(w, "SELECT read_at FROM notifications WHERE dedup_key = $1", "n:2");
    assert_int_equal(read_at, FIXTURE_NOW);
    w->cx.now += 60;
    assert_int_equal(notify_mark_read(&w->cx, two), RC_OK); /* idempotent, keeps the first */
    assert_int_equal(value_of(w, "SELECT read_at FROM notifications WHERE dedup_key = $1", "n:2"),
                     FIXTURE_NOW);
    assert_int_equal(notify_unread_count(&w->cx, &unread), RC_OK);
    assert_int_equal(unread, 2);
    memset(&s, 0, sizeof s);
    assert_int_equal(notify_list(&w->cx, 0, 1, 20, see, &s, &next, &unread), RC_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ids[0], three);
    assert_int_equal(s.ids[1], one);

    /* Another person's, another organisation's and a missing id are all "not found". */
    assert_int_equal(notify_mark_read(&w->cx, notification_id(w, "n:peer")), RC_NOT_FOUND);
    assert_int_equal(notify_mark_read(&w->cx, notification_id(w, "n:stranger")), RC_NOT_FOUND);
    assert_int_equal(notify_mark_read(&w->cx, 999999), RC_NOT_FOUND);
    assert_int_equal(notify_mark_read(&w->cx, -1), RC_NOT_FOUND);
    assert_int_equal(value_of(w,
                              "SELECT COUNT(*) FROM notifications WHERE read_at IS NOT NULL "
                              "AND dedup_key <> $1",
                              "n:2"),
                     0);

    int64_t marked = -1;
    assert_int_equal(notify_mark_all_read(&w->cx, &marked), RC_OK);
    assert_int_equal(marked, 2);
    assert_int_equal(notify_mark_all_read(&w->cx, &marked), RC_OK);
    assert_int_equal(marked, 0);
    as_user(w, w->peer);
    assert_int_equal(notify_unread_count(&w->cx, &unread), RC_OK);
    assert_int_equal(unread, 1);

    /* Bad paging; nobody signed in. */
    assert_int_equal(notify_list(&w->cx, 0, 0, 0, see, &s, &next, &unread), RC_BAD_REQUEST);
    assert_int_equal(notify_list(&w->cx, 0, 0, NOTIFY_LIST_MAX + 1, see, &s, &next, &unread),
                     RC_BAD_REQUEST);
    assert_int_equal(notify_list(&w->cx, -5, 0, 10, see, &s, &next, &unread), RC_BAD_REQUEST);
    ctx_clear(&w->cx);
    memset(&w->cx.actor, 0, sizeof w->cx.actor);
    assert_int_equal(notify_unread_count(&w->cx, &unread), RC_UNAUTHORIZED);
}

/* ---- the outbox log ---- */

struct outbox_seen {
    int64_t ids[8];
    char states[8][16];
    char errors[8][80];
    int n;
};

static enum rc see_outbox(void *arg, const struct outbox_entry *e)
{
    struct outbox_seen *s = arg;
    assert_true(s->n < 8);
    s->ids[s->n] = e->id;
    snprintf(s->states[s->n], sizeof s->states[0], "%s", e->state);
    snprintf(s->errors[s->n], sizeof s->errors[0], "%s", e->last_error ? e->last_error : "");
    s->n++;
    return RC_OK;
}

static void the_outbox_log_is_for_admins(void **state)
{
    struct world *w = *state;
    int created;
    post(w, NOTIFY_REMINDER, w->learner, "o:1", "One", &created);
    post(w, NOTIFY_REMINDER, w->peer, "o:2", "Two", &created);
    post(w, NOTIFY_REMINDER, w->manager, "o:3", "Three", &created);
    ctx_clear(&w->cx);
    w->cx.actor = (struct actor){.tenant_id = w->other, .roles = PEOPLE_ROLE_ADMIN};
    struct notice n = {
        .kind = NOTIFY_REMINDER, .key = "o:x", .user_id = w->stranger, .title = "X", .text = "x"};
    assert_int_equal(notify_post(&w->cx, &n, &created), RC_OK);

    struct fake f;
    fake_init(&f);
    f.answers[1] = TRANSPORT_PERMANENT; /* the second email, o:2 */
    f.nanswers = 2;
    f.error = "550 5.1.1 mailbox unavailable";
    deliver_at(w, &f, FIXTURE_NOW);
    fake_free(&f);

    struct outbox_seen s = {0};
    int64_t next = -1;
    as_user(w, w->learner);
    assert_int_equal(notify_outbox_list(&w->cx, NULL, 0, 20, see_outbox, &s, &next), RC_FORBIDDEN);
    as_admin(w);
    assert_int_equal(notify_outbox_list(&w->cx, NULL, 0, 2, see_outbox, &s, &next), RC_OK);
    assert_int_equal(s.n, 2); /* acme's three, newest first, two a page */
    assert_true(s.ids[0] > s.ids[1]);
    assert_int_equal(next, s.ids[1]);
    assert_int_equal(notify_outbox_list(&w->cx, "", next, 2, see_outbox, &s, &next), RC_OK);
    assert_int_equal(s.n, 3);
    assert_int_equal(next, 0);
    memset(&s, 0, sizeof s);
    assert_int_equal(notify_outbox_list(&w->cx, "failed", 0, 20, see_outbox, &s, &next), RC_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.states[0], "failed");
    assert_string_equal(s.errors[0], "550 5.1.1 mailbox unavailable");
    memset(&s, 0, sizeof s);
    assert_int_equal(notify_outbox_list(&w->cx, "sent", 0, 20, see_outbox, &s, &next), RC_OK);
    assert_int_equal(s.n, 2);
    memset(&s, 0, sizeof s);
    assert_int_equal(notify_outbox_list(&w->cx, "pending", 0, 20, see_outbox, &s, &next), RC_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(notify_outbox_list(&w->cx, "bogus", 0, 20, see_outbox, &s, &next), RC_INVALID);
    assert_true(ctx_has_detail(&w->cx, "state"));
}

/* ---- delivery ---- */

static void an_email_is_sent_once_through_mail_build(void **state)
{
    struct world *w = *state;
    int created;
    post(w, NOTIFY_REMINDER, w->learner, "reminder:12:2026-12-02", "Due Wed 2 Dec: Ask", &created);
    const char *key = "reminder:12:2026-12-02:email";
    int64_t id = outbox_int(w, "id", key);
    char *url = outbox_text(w, "unsubscribe_url", key);
    struct fake f;
    fake_init(&f);
    struct notify_deliver_result r = deliver_at(w, &f, FIXTURE_NOW + 5);
    assert_int_equal(r.sent, 1);
    assert_int_equal(r.retrying + r.failed, 0);
    assert_int_equal(f.emails, 1);
    struct fake_call *c = &f.calls[0];
    assert_string_equal(c->smtp_url, "smtp://127.0.0.1:2525");
    assert_string_equal(c->envelope_from, "waymark@deploy.example");
    assert_string_equal(c->rcpt, "ana@acme.example");
    const char *m = c->message;
    char value[400], hash[SECURE_TOKEN_HEX + 1], line[200];
    header_of(m, "From", value, sizeof value);
    assert_contains(value, "Acme & Sons via Waymark");
    assert_contains(value, "<waymark@deploy.example>");
    assert_string_equal(header_of(m, "To", value, sizeof value), "Ana <ana@acme.example>");
    assert_string_equal(header_of(m, "Subject", value, sizeof value), "Due Wed 2 Dec: Ask");
    assert_string_equal(header_of(m, "Date", value, sizeof value),
                        "Tue, 01 Dec 2026 09:00:05 +0000");
    secure_token_hash(key, hash);
    snprintf(line, sizeof line, "<outbox-%lld.%.16s@waymark>", (long long)id, hash);
    assert_string_equal(header_of(m, "Message-ID", value, sizeof value), line);
    snprintf(line, sizeof line, "<%s>", url);
    assert_string_equal(header_of(m, "List-Unsubscribe", value, sizeof value), line);
    assert_string_equal(header_of(m, "List-Unsubscribe-Post", value, sizeof value),
                        "List-Unsubscribe=One-Click");
    assert_string_equal(header_of(m, "Auto-Submitted", value, sizeof value), "auto-generated");
    assert_contains(m, "multipart/alternative");
    assert_contains(m, "Content-Type: text/plain");
    assert_contains(m, "Content-Type: text/html");

    assert_int_equal(outbox_int(w, "attempts", key), 1);
    assert_int_equal(outbox_int(w, "sent_at", key), FIXTURE_NOW + 5);
    char *st = outbox_text(w, "state", key), *lease = outbox_text(w, "lease_until", key);
    assert_string_equal(st, "sent");
    assert_null(lease);
    free(st), free(url);

    /* Nothing is sent twice. */
    r = deliver_at(w, &f, FIXTURE_NOW + 3600);
    assert_int_equal(r.sent, 0);
    assert_int_equal(f.ncalls, 1);
    fake_free(&f);
}

static void the_organisations_relay_and_sender_come_first(void **state)
{
    struct world *w = *state;
    as_admin(w);
    json_t *j = parse_json("{\"smtp\": {\"url\": \"smtps://mailer:pw@relay.acme.example:465\", "
                           "\"from\": \"Acme Learning <learning@acme.example>\"}}");
    struct notify_settings s;
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    assert_int_equal(notify_settings_update(&w->cx, j, &s), RC_OK);
    assert_int_equal(db_commit(w->db), RC_OK);
    json_decref(j);
    int created;
    post(w, NOTIFY_REMINDER, w->learner, "r:1", "Due", &created);
    struct fake f;
    fake_init(&f);
    assert_int_equal(deliver_at(w, &f, FIXTURE_NOW).sent, 1);
    assert_string_equal(f.calls[0].smtp_url, "smtps://mailer:pw@relay.acme.example:465");
    assert_string_equal(f.calls[0].envelope_from, "learning@acme.example");
    char value[400];
    header_of(f.calls[0].message, "From", value, sizeof value);
    assert_contains(value, "Acme & Sons via Waymark");
    assert_contains(value, "<learning@acme.example>");
    fake_free(&f);
}

static void without_a_relay_an_email_fails_at_once(void **state)
{
    struct world *w = *state;
    w->cfg.smtp_url[0] = '\0';
    int created;
    post(w, NOTIFY_REMINDER, w->learner, "r:1", "Due", &created);
    struct fake f;
    fake_init(&f);
    struct notify_deliver_result r = deliver_at(w, &f, FIXTURE_NOW);
    assert_int_equal(r.failed, 1);
    assert_int_equal(f.ncalls, 0);
    char *st = outbox_text(w, "state", "r:1:email"),
         *err = outbox_text(w, "last_error", "r:1:email");
    assert_string_equal(st, "failed");
    assert_string_equal(err, "no SMTP relay is configured");
    free(st), free(err);
    /* In-app notifications still work. */
    assert_int_equal(value_of(w, "SELECT COUNT(*) FROM notifications WHERE dedup_key = $1", "r:1"),
                     1);
}

static void a_temporary_failure_backs_off_then_succeeds(void **state)
{
    struct world *w = *state;
    int created;
    post(w, NOTIFY_REMINDER, w->learner, "r:1", "Due", &created);
    const char *key = "r:1:email";
    struct fake f;
    fake_init(&f);
    f.answers[0] = TRANSPORT_RETRY;
    f.nanswers = 1;
    f.error = "421 try again later";
    struct notify_deliver_result r = deliver_at(w, &f, FIXTURE_NOW);
    assert_int_equal(r.retrying, 1);
    assert_int_equal(r.sent, 0);
    char *st = outbox_text(w, "state", key), *err = outbox_text(w, "last_error", key);
    assert_string_equal(st, "pending");
    assert_string_equal(err, "421 try again later");
    free(st), free(err);
    assert_int_equal(outbox_int(w, "attempts", key), 1);
    assert_int_equal(outbox_int(w, "next_attempt_at", key), FIXTURE_NOW + 60);

    /* Not before the backoff. */
    r = deliver_at(w, &f, FIXTURE_NOW + 59);
    assert_int_equal(r.sent + r.retrying + r.failed, 0);
    assert_int_equal(f.ncalls, 1);

    r = deliver_at(w, &f, FIXTURE_NOW + 60);
    assert_int_equal(r.sent, 1);
    assert_int_equal(f.ncalls, 2);
    st = outbox_text(w, "state", key);
    assert_string_equal(st, "sent");
    free(st);
    assert_int_equal(outbox_int(w, "attempts", key), 2);
    assert_int_equal(outbox_int(w, "sent_at", key), FIXTURE_NOW + 60);
    /* The same Message-ID both times: a receiver can recognise a repeat. */
    char first[200], second[200];
    assert_string_equal(header_of(f.calls[0].message, "Message-ID", first, sizeof first),
                        header_of(f.calls[1].message, "Message-ID", second, sizeof second));
    r = deliver_at(w, &f, FIXTURE_NOW + 7200);
    assert_int_equal(f.ncalls, 2);
    fake_free(&f);
}

static void retries_double_and_end_after_the_last_attempt(void **state)
{
    struct world *w = *state;
    int created;
    post(w, NOTIFY_REMINDER, w->learner, "r:1", "Due", &created);
    const char *key = "r:1:email";
    struct fake f;
    fake_init(&f);
    for (int i = 0; i < FAKE_MAX; i++)
        f.answers[i] = TRANSPORT_RETRY;
    f.nanswers = FAKE_MAX;
    f.error = "connection refused";
    int64_t now = FIXTURE_NOW, wait = 60;
    for (int attempt = 1; attempt <= NOTIFY_MAX_ATTEMPTS; attempt++) {
        struct notify_deliver_result r = deliver_at(w, &f, now);
        assert_int_equal(f.ncalls, attempt);
        assert_int_equal(outbox_int(w, "attempts", key), attempt);
        if (attempt < NOTIFY_MAX_ATTEMPTS) {
            assert_int_equal(r.retrying, 1);
            assert_int_equal(outbox_int(w, "next_attempt_at", key), now + wait);
            now += wait;
            wait *= 2;
        } else {
            assert_int_equal(r.failed, 1);
        }
    }
    char *st = outbox_text(w, "state", key), *err = outbox_text(w, "last_error", key);
    assert_string_equal(st, "failed");
    assert_string_equal(err, "connection refused");
    free(st), free(err);
    deliver_at(w, &f, now + 86400);
    assert_int_equal(f.ncalls, NOTIFY_MAX_ATTEMPTS);
    fake_free(&f);
}

static void a_permanent_failure_fails_at_once(void **state)
{
    struct world *w = *state;
    int created;
    post(w, NOTIFY_REMINDER, w->learner, "r:1", "Due", &created);
    struct fake f;
    fake_init(&f);
    f.answers[0] = TRANSPORT_PERMANENT;
    f.nanswers = 1;
    f.error = "550 no such user";
    struct notify_deliver_result r = deliver_at(w, &f, FIXTURE_NOW);
    assert_int_equal(r.failed, 1);
    char *st = outbox_text(w, "state", "r:1:email"),
         *err = outbox_text(w, "last_error", "r:1:email");
    assert_string_equal(st, "failed");
    assert_string_equal(err, "550 no such user");
    free(st), free(err);
    assert_int_equal(outbox_int(w, "attempts", "r:1:email"), 1);
    deliver_at(w, &f, FIXTURE_NOW + 86400);
    assert_int_equal(f.ncalls, 1);
    fake_free(&f);
}

struct claim_arg {
    int64_t now;
    struct notify_store_claimed *rows;
    size_t n;
};

static enum rc claim_tx(struct db *db, void *arg)
{
    struct claim_arg *a = arg;
    return notify_store_claim(db, a->now, NOTIFY_LEASE_SECONDS, "crashed:1", 10, &a->rows, &a->n);
}

static void a_crashed_workers_lease_runs_out_before_another_claims(void **state)
{
    struct world *w = *state;
    int created;
    post(w, NOTIFY_REMINDER, w->learner, "r:1", "Due", &created);
    const char *key = "r:1:email";

    /* A worker claims the row and dies before recording anything. */
    struct claim_arg a = {.now = FIXTURE_NOW};
    assert_int_equal(db_transaction(w->db, 1, claim_tx, &a), RC_OK);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.rows[0].key, key);
    assert_int_equal(a.rows[0].attempts, 1);
    notify_store_claimed_free(a.rows, a.n);
    char *by = outbox_text(w, "leased_by", key);
    assert_string_equal(by, "crashed:1");
    free(by);
    assert_int_equal(outbox_int(w, "lease_until", key), FIXTURE_NOW + NOTIFY_LEASE_SECONDS);

    /* A second claim at once finds nothing. */
    a = (struct claim_arg){.now = FIXTURE_NOW + 1};
    assert_int_equal(db_transaction(w->db, 1, claim_tx, &a), RC_OK);
    assert_int_equal(a.n, 0);
    notify_store_claimed_free(a.rows, a.n);

    struct fake f;
    fake_init(&f);
    deliver_at(w, &f, FIXTURE_NOW + 60);
    deliver_at(w, &f, FIXTURE_NOW + NOTIFY_LEASE_SECONDS);
    assert_int_equal(f.ncalls, 0);
    struct notify_deliver_result r = deliver_at(w, &f, FIXTURE_NOW + NOTIFY_LEASE_SECONDS + 1);
    assert_int_equal(r.sent, 1);
    assert_int_equal(f.ncalls, 1);
    assert_int_equal(outbox_int(w, "attempts", key), 2);
    char *st = outbox_text(w, "state", key);
    assert_string_equal(st, "sent");
    free(st);
    by = outbox_text(w, "leased_by", key);
    assert_null(by);
    fake_free(&f);
}

/* 1 when signature is "v1=" + HMAC-SHA256(secret, "{timestamp}.{body}"). */
static int signature_verifies(const char *signature, const char *secret, int64_t timestamp,
                              const char *body)
{
    char signed_text[8192], hex[SECURE_HMAC_HEX + 1], expect[SECURE_HMAC_HEX + 4];
    int n = snprintf(signed_text, sizeof signed_text, "%lld.%s", (long long)timestamp, body);
    secure_hmac_sha256_hex(secret, strlen(secret), signed_text, (size_t)n, hex);
    snprintf(expect, sizeof expect, "v1=%s", hex);
    return strlen(signature) == strlen(expect) && secure_equal(signature, expect, strlen(expect));
}

static void webhook_calls_are_signed_with_the_current_secret(void **state)
{
    struct world *w = *state;
    int64_t hook = add_webhook(w, "events", "json", "[\"reminder\"]", "first secret", 1);
    int64_t paused = add_webhook(w, "paused", "slack", "[\"reminder\"]", "other secret", 1);
    int created;
    post(w, NOTIFY_REMINDER, w->learner, "r:1", "Due", &created);
    char key[80];
    snprintf(key, sizeof key, "r:1:webhook:%lld", (long long)hook);
    int64_t id = outbox_int(w, "id", key);
    char *body = outbox_text(w, "body_text", key);

    /* The secret is rotated and one webhook turned off before the worker runs. */
    as_admin(w);
    json_t *j = parse_json("{\"secret\": \"second secret\"}");
    json_t *off = parse_json("{\"active\": false}");
    struct webhook out;
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    assert_int_equal(notify_webhook_update(&w->cx, hook, j, &out), RC_OK);
    assert_int_equal(notify_webhook_update(&w->cx, paused, off, &out), RC_OK);
    assert_int_equal(db_commit(w->db), RC_OK);
    json_decref(j);
    json_decref(off);

    struct fake f;
    fake_init(&f);
    struct notify_deliver_result r = deliver_at(w, &f, FIXTURE_NOW + 7);
    assert_int_equal(f.webhooks, 1);
    assert_int_equal(r.sent, 2); /* the email and the webhook call */
    struct fake_call *c = NULL;
    for (int i = 0; i < f.ncalls; i++)
        if (f.calls[i].url[0])
            c = &f.calls[i];
    assert_non_null(c);
    assert_string_equal(c->url, "https://hooks.example/events");
    assert_string_equal(c->event, "reminder");
    assert_int_equal(c->delivery_id, id);
    assert_int_equal(c->timestamp, FIXTURE_NOW + 7);
    assert_string_equal(c->message, body);
    assert_true(signature_verifies(c->signature, "second secret", c->timestamp, c->message));
    assert_false(signature_verifies(c->signature, "first secret", c->timestamp, c->message));
    assert_false(signature_verifies(c->signature, "second secret", c->timestamp + 1, c->message));
    free(body);

    /* The call to the webhook turned off never leaves. */
    assert_int_equal(r.failed, 1);
    snprintf(key, sizeof key, "r:1:webhook:%lld", (long long)paused);
    char *st = outbox_text(w, "state", key), *err = outbox_text(w, "last_error", key);
    assert_string_equal(st, "cancelled");
    assert_string_equal(err, "the webhook was deleted or turned off");
    free(st), free(err);
    fake_free(&f);
}

/* PostgreSQL: two workers claiming at once get different rows, and neither waits. */
static void two_workers_claim_different_rows(void **state)
{
    struct world *w = *state;
    if (!w->pg_url)
        skip();
    int created;
    char key[32];
    for (int i = 0; i < 5; i++) {
        snprintf(key, sizeof key, "r:%d", i);
        post(w, NOTIFY_REMINDER, i % 2 ? w->learner : w->peer, key, "Due", &created);
    }
    char url[1024], err[256];
    snprintf(url, sizeof url, "%s%coptions=-csearch_path%%3D%s", w->pg_url,
             strchr(w->pg_url, '?') ? '&' : '?', w->schema);
    struct db *other = NULL;
    assert_int_equal(db_open(url, &other, err, sizeof err), RC_OK);

    struct notify_store_claimed *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    assert_int_equal(notify_store_claim(w->db, FIXTURE_NOW, 120, "a", 2, &a, &na), RC_OK);
    assert_int_equal(na, 2);
    /* a's transaction is still open, its rows locked: b skips them instead of waiting. */
    assert_int_equal(db_begin(other, 1), RC_OK);
    assert_int_equal(notify_store_claim(other, FIXTURE_NOW, 120, "b", 10, &b, &nb), RC_OK);
    assert_int_equal(nb, 3);
    assert_int_equal(db_commit(other), RC_OK);
    assert_int_equal(db_commit(w->db), RC_OK);
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            assert_true(a[i].id != b[j].id);
    notify_store_claimed_free(a, na);
    notify_store_claimed_free(b, nb);
    db_close(other);
    assert_int_equal(
        count(w, "SELECT COUNT(*) FROM outbox WHERE attempts = 1 AND tenant_id = $1", w->acme), 5);
}

static void links_stay_on_the_public_url(void **state)
{
    (void)state;
    static const char *const CASES[][2] = {
        {"/activities/12", PUBLIC_URL "/activities/12"},
        {"activities/12", PUBLIC_URL "/activities/12"},
        {"https://example.com/read", "https://example.com/read"},
        {"HTTP://example.com/", "HTTP://example.com/"},
        {"javascript:alert(1)", PUBLIC_URL "/javascript:alert(1)"},
        {"//evil.example/x", PUBLIC_URL "//evil.example/x"},
        {"", PUBLIC_URL "/"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        struct buf b;
        buf_init(&b, 4096);
        assert_int_equal(notify_render_link(PUBLIC_URL, CASES[i][0], &b), RC_OK);
        assert_string_equal(b.data, CASES[i][1]);
        buf_free(&b);
    }
    /* A light brand colour gets dark text; a broken one falls back to the default. */
    struct notify_brand brand = {
        .name = "<Acme>", .slug = "acme", .colour = "#ffee00", .public_url = PUBLIC_URL};
    struct notice n = {.kind = NOTIFY_DIGEST, .key = "d", .title = "T", .text = "a\nb\n\n\nc"};
    struct buf text, html;
    buf_init(&text, 65536);
    buf_init(&html, 65536);
    assert_int_equal(notify_render_email(&brand, &n, "tok", &text, &html), RC_OK);
    assert_contains(html.data, "background:#ffee00;color:#1f2328");
    assert_contains(html.data, "&lt;Acme&gt;");
    assert_contains(html.data, ">a<br>\nb</p>\n<p style=\"margin:0 0 16px 0;\">c</p>");
    assert_lacks(html.data, "<Acme>");
    assert_lacks(text.data, "Open in Waymark"); /* no link, no action */
    buf_reset(&html);
    brand.colour = "red;}</style><script>";
    buf_reset(&text);
    assert_int_equal(notify_render_email(&brand, &n, NULL, &text, &html), RC_OK);
    assert_contains(html.data, "background:#1f5fbf;");
    assert_lacks(html.data, "<script>");
    buf_reset(&text);
    assert_int_equal(notify_render_webhook(&brand, "xml", &n, NULL, 0, &text), RC_INVALID);
    buf_free(&text);
    buf_free(&html);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(kind_names_go_both_ways),
        T(posting_twice_with_one_key_writes_once),
        T(bad_notices_are_refused_and_titles_kept_to_one_line),
        T(the_email_is_branded_with_an_unsubscribe_link),
        T(an_email_kind_turned_off_gets_no_email),
        T(email_only_kinds_have_no_in_app_row_and_no_unsubscribe),
        T(quiet_hours_hold_the_email_back),
        T(webhooks_get_a_row_each_in_their_format),
        T(people_list_and_read_only_their_own),
        T(the_outbox_log_is_for_admins),
        T(an_email_is_sent_once_through_mail_build),
        T(the_organisations_relay_and_sender_come_first),
        T(without_a_relay_an_email_fails_at_once),
        T(a_temporary_failure_backs_off_then_succeeds),
        T(retries_double_and_end_after_the_last_attempt),
        T(a_permanent_failure_fails_at_once),
        T(a_crashed_workers_lease_runs_out_before_another_claims),
        T(webhook_calls_are_signed_with_the_current_secret),
        T(two_workers_claim_different_rows),
        T(links_stay_on_the_public_url),
    };
    log_set_level(LOG_ERROR);
    if (secure_init() != RC_OK)
        return 1;
    int failed = FIXTURE_RUN_ON_BOTH("notify", tests, NULL);
    return failed;
}
