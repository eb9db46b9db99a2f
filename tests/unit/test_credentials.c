/*
 * test_credentials.c — passwords, one-time links and API tokens (credentials.h), and the
 * tenant settings and logo rules (tenant.h) that share this binary.
 *
 * Each test starts from a fresh migrated database with two organisations; people are
 * inserted directly so the tests depend on nothing but the schema. What a test checks is
 * what the contract promises: lifetimes to the second, single use, that no clear token
 * ever reaches a row, and that a failed call writes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/jsonx.h"
#include "core/secure.h"
#include "core/sniff.h"
#include "fixture.h"
#include "people/credentials.h"
#include "people/credentials_api.h"
#include "people/people.h"
#include "tenant/tenant.h"

/* ---- helpers ---- */

struct world {
    struct db *db;
    struct ctx cx;
    int64_t acme, other;              /* tenants */
    int64_t admin, learner, stranger; /* users: admin and learner in acme, stranger in other */
};

static int64_t add_user(struct db *db, int64_t tenant, const char *email, unsigned roles,
                        const char *password)
{
    char hash[SECURE_PASSWORD_HASH] = "";
    if (password)
        assert_int_equal(secure_password_hash(password, hash), RC_OK);
    char key[PEOPLE_EMAIL_MAX + 1];
    assert_int_equal(people_email_key(email, key, sizeof key), RC_OK);
    struct db_stmt *st;
    assert_int_equal(db_prepare(db,
                                "INSERT INTO users (tenant_id, email, email_key, name, roles, "
                                "password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, "
                                "$5, $6, $7, $7) RETURNING id",
                                &st),
                     RC_OK);
    db_bind_int64(st, 1, tenant);
    db_bind_text(st, 2, email, -1);
    db_bind_text(st, 3, key, -1);
    db_bind_text(st, 4, email, -1);
    db_bind_int64(st, 5, roles | PEOPLE_ROLE_LEARNER);
    if (password)
        db_bind_text(st, 6, hash, -1);
    else
        db_bind_null(st, 6);
    db_bind_int64(st, 7, FIXTURE_NOW);
    assert_int_equal(db_step(st), RC_ROW);
    int64_t id = db_column_int64(st, 0);
    db_reset(st);
    return id;
}

static int64_t add_session(struct db *db, int64_t tenant, int64_t user)
{
    char token[SECURE_TOKEN_HEX + 1], hash[SECURE_TOKEN_HEX + 1];
    secure_token_new(token);
    secure_token_hash(token, hash);
    struct db_stmt *st;
    assert_int_equal(db_prepare(db,
                                "INSERT INTO sessions (tenant_id, user_id, token_hash, "
                                "csrf_token, created_at, last_seen_at, expires_at) VALUES ($1, "
                                "$2, $3, 'x', $4, $4, $5) RETURNING id",
                                &st),
                     RC_OK);
    db_bind_int64(st, 1, tenant);
    db_bind_int64(st, 2, user);
    db_bind_text(st, 3, hash, -1);
    db_bind_int64(st, 4, FIXTURE_NOW);
    db_bind_int64(st, 5, FIXTURE_NOW + 86400);
    assert_int_equal(db_step(st), RC_ROW);
    int64_t id = db_column_int64(st, 0);
    db_reset(st);
    return id;
}

/* The single integer answer of sql, with up to two int64 parameters. */
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

/* The user's password hash, or "" when none. */
static void password_hash_of(struct db *db, int64_t user, char out[SECURE_PASSWORD_HASH])
{
    struct db_stmt *st;
    assert_int_equal(
        db_prepare(db, "SELECT COALESCE(password_hash, '') FROM users WHERE id = $1", &st), RC_OK);
    db_bind_int64(st, 1, user);
    assert_int_equal(db_step(st), RC_ROW);
    snprintf(out, SECURE_PASSWORD_HASH, "%s", db_column_text(st, 0));
    db_reset(st);
}

static void as(struct world *w, int64_t tenant, int64_t user, unsigned roles, int64_t session)
{
    w->cx.actor.tenant_id = tenant;
    w->cx.actor.user_id = user;
    w->cx.actor.roles = roles | PEOPLE_ROLE_LEARNER;
    w->cx.actor.session_id = session;
    w->cx.actor.token_id = 0;
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    w->db = fixture_db();
    fixture_ctx(&w->cx, w->db);
    struct tenant t;
    int created;
    assert_int_equal(tenant_ensure(&w->cx, "acme", "Acme", &t, &created), RC_OK);
    w->acme = t.id;
    assert_int_equal(tenant_ensure(&w->cx, "other", "Other", &t, &created), RC_OK);
    w->other = t.id;
    w->admin = add_user(w->db, w->acme, "ada@acme.example", PEOPLE_ROLE_ADMIN, "admin password 1");
    w->learner = add_user(w->db, w->acme, "lea@acme.example", 0, "learner password 1");
    w->stranger = add_user(w->db, w->other, "sam@other.example", PEOPLE_ROLE_ADMIN, NULL);
    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN, 0);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    ctx_clear(&w->cx);
    db_close(w->db);
    free(w);
    return 0;
}

static const char *first_detail_field(const struct ctx *cx)
{
    return json_string_value(json_object_get(json_array_get(cx->details, 0), "field"));
}

/* The token part of a "/welcome#token=…" URL. */
static const char *link_token(const char *url)
{
    const char *prefix = "/welcome#token=";
    assert_int_equal(strncmp(url, prefix, strlen(prefix)), 0);
    const char *token = url + strlen(prefix);
    assert_int_equal(strlen(token), SECURE_TOKEN_HEX);
    assert_int_equal(strspn(token, "0123456789abcdef"), SECURE_TOKEN_HEX);
    return token;
}

/* Accepts a link as a visitor who is not signed in, at instant at. */
static enum rc accept_at(struct world *w, int64_t at, const char *token, const char *password)
{
    struct actor saved = w->cx.actor;
    memset(&w->cx.actor, 0, sizeof w->cx.actor);
    int64_t saved_now = w->cx.now;
    w->cx.now = at;
    ctx_clear(&w->cx);
    enum rc rc = credentials_accept_link(&w->cx, token, password);
    w->cx.actor = saved;
    w->cx.now = saved_now;
    return rc;
}

/* ---- passwords ---- */

static void password_rules_count_characters_and_refuse_the_email(void **state)
{
    struct world *w = *state;
    struct ctx *cx = &w->cx;
    assert_int_equal(credentials_check_password(cx, "password", "123456789", NULL), RC_INVALID);
    assert_string_equal(first_detail_field(cx), "password");
    assert_non_null(
        strstr(json_string_value(json_object_get(json_array_get(cx->details, 0), "message")),
               "at least 10 characters"));
    ctx_clear(cx);
    assert_int_equal(credentials_check_password(cx, "password", "1234567890", NULL), RC_OK);
    /* Ten two-byte characters are ten characters, nine are not enough. */
    assert_int_equal(
        credentials_check_password(cx, "password",
                                   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                   "\xc3\xa9\xc3\xa9\xc3\xa9",
                                   NULL),
        RC_OK);
    assert_int_equal(credentials_check_password(cx, "password",
                                                "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                                "\xc3\xa9\xc3\xa9\xc3\xa9",
                                                NULL),
                     RC_INVALID);
    ctx_clear(cx);
    char longest[CREDENTIALS_PASSWORD_MAX + 2];
    memset(longest, 'x', sizeof longest);
    longest[CREDENTIALS_PASSWORD_MAX] = '\0';
    assert_int_equal(credentials_check_password(cx, "password", longest, NULL), RC_OK);
    longest[CREDENTIALS_PASSWORD_MAX] = 'x';
    longest[CREDENTIALS_PASSWORD_MAX + 1] = '\0';
    assert_int_equal(credentials_check_password(cx, "password", longest, NULL), RC_INVALID);
    ctx_clear(cx);
    assert_int_equal(
        credentials_check_password(cx, "new_password", "valid start \xff\xfe end", NULL),
        RC_INVALID);
    assert_string_equal(first_detail_field(cx), "new_password");
    ctx_clear(cx);
    assert_int_equal(
        credentials_check_password(cx, "password", "ANA@Example.COM", "ana@example.com"),
        RC_INVALID);
    assert_non_null(strstr(
        json_string_value(json_object_get(json_array_get(cx->details, 0), "message")), "email"));
    ctx_clear(cx);
    assert_int_equal(
        credentials_check_password(cx, "password", "ana@example.com!", "ana@example.com"), RC_OK);
}

/* ---- links ---- */

static void invite_link_lasts_seven_days_is_stored_hashed_and_works_once(void **state)
{
    struct world *w = *state;
    int64_t ivy = add_user(w->db, w->acme, "ivy@acme.example", 0, NULL);
    char url[CREDENTIALS_LINK_URL_MAX];
    assert_int_equal(credentials_issue_link(&w->cx, ivy, "invite", url), RC_OK);
    const char *token = link_token(url);

    /* The row holds the hash, never the token, and expires in exactly seven days. */
    struct db_stmt *st;
    assert_int_equal(db_prepare(w->db,
                                "SELECT token_hash, expires_at, created_by, purpose, used_at "
                                "FROM one_time_links WHERE user_id = $1",
                                &st),
                     RC_OK);
    db_bind_int64(st, 1, ivy);
    assert_int_equal(db_step(st), RC_ROW);
    char want[SECURE_TOKEN_HEX + 1];
    secure_token_hash(token, want);
    assert_string_equal(db_column_text(st, 0), want);
    assert_string_not_equal(db_column_text(st, 0), token);
    assert_int_equal(db_column_int64(st, 1), FIXTURE_NOW + 7 * 86400);
    assert_int_equal(db_column_int64(st, 2), w->admin);
    assert_string_equal(db_column_text(st, 3), "invite");
    assert_true(db_column_is_null(st, 4));
    assert_int_equal(db_step(st), RC_DONE);
    db_reset(st);

    /* One second before expiry it works; the password is stored as an argon2id hash. */
    assert_int_equal(accept_at(w, FIXTURE_NOW + 7 * 86400 - 1, token, "a brand new secret"), RC_OK);
    char hash[SECURE_PASSWORD_HASH];
    password_hash_of(w->db, ivy, hash);
    assert_int_equal(strncmp(hash, "$argon2id$", 10), 0);
    assert_true(secure_password_verify(hash, "a brand new secret"));

    /* A second use is refused with the one message for every bad link. */
    assert_int_equal(accept_at(w, FIXTURE_NOW + 60, token, "another new secret"), RC_NOT_FOUND);
    assert_string_equal(w->cx.message, "This link is not valid any more.");
    password_hash_of(w->db, ivy, hash);
    assert_true(secure_password_verify(hash, "a brand new secret"));
}

static void reset_link_expires_after_twenty_four_hours(void **state)
{
    struct world *w = *state;
    char url[CREDENTIALS_LINK_URL_MAX];
    assert_int_equal(credentials_issue_link(&w->cx, w->learner, "reset", url), RC_OK);
    char token[SECURE_TOKEN_HEX + 1];
    snprintf(token, sizeof token, "%s", link_token(url));
    assert_int_equal(accept_at(w, FIXTURE_NOW + 24 * 3600, token, "too late for this"),
                     RC_NOT_FOUND);
    assert_string_equal(w->cx.message, "This link is not valid any more.");
    char hash[SECURE_PASSWORD_HASH];
    password_hash_of(w->db, w->learner, hash);
    assert_true(secure_password_verify(hash, "learner password 1"));

    assert_int_equal(credentials_issue_link(&w->cx, w->learner, "reset", url), RC_OK);
    assert_int_equal(accept_at(w, FIXTURE_NOW + 24 * 3600 - 1, link_token(url), "just in time!"),
                     RC_OK);
}

static void a_new_link_voids_older_ones_of_the_same_purpose(void **state)
{
    struct world *w = *state;
    int64_t ivy = add_user(w->db, w->acme, "ivy@acme.example", 0, NULL);
    char first[CREDENTIALS_LINK_URL_MAX], second[CREDENTIALS_LINK_URL_MAX],
        reset[CREDENTIALS_LINK_URL_MAX];
    assert_int_equal(credentials_issue_link(&w->cx, ivy, "invite", first), RC_OK);
    assert_int_equal(credentials_issue_link(&w->cx, ivy, "invite", second), RC_OK);
    assert_string_not_equal(first, second);
    assert_int_equal(
        query_int(w->db,
                  "SELECT count(*) FROM one_time_links WHERE user_id = $1 AND used_at IS NULL", ivy,
                  0),
        1);
    assert_int_equal(accept_at(w, FIXTURE_NOW, link_token(first), "first password!"), RC_NOT_FOUND);
    /* A reset link does not void the invitation, but using either voids the other. */
    assert_int_equal(credentials_issue_link(&w->cx, ivy, "reset", reset), RC_OK);
    assert_int_equal(
        query_int(w->db,
                  "SELECT count(*) FROM one_time_links WHERE user_id = $1 AND used_at IS NULL", ivy,
                  0),
        2);
    assert_int_equal(accept_at(w, FIXTURE_NOW, link_token(second), "second password"), RC_OK);
    assert_int_equal(accept_at(w, FIXTURE_NOW, link_token(reset), "third password!"), RC_NOT_FOUND);
}

static void a_weak_password_is_refused_and_the_link_stays_usable(void **state)
{
    struct world *w = *state;
    int64_t ivy = add_user(w->db, w->acme, "ivy@acme.example", 0, NULL);
    char url[CREDENTIALS_LINK_URL_MAX];
    assert_int_equal(credentials_issue_link(&w->cx, ivy, "invite", url), RC_OK);
    assert_int_equal(accept_at(w, FIXTURE_NOW, link_token(url), "short"), RC_INVALID);
    assert_string_equal(first_detail_field(&w->cx), "password");
    assert_int_equal(accept_at(w, FIXTURE_NOW, link_token(url), "IVY@acme.example"), RC_INVALID);
    char hash[SECURE_PASSWORD_HASH];
    password_hash_of(w->db, ivy, hash);
    assert_string_equal(hash, "");
    assert_int_equal(accept_at(w, FIXTURE_NOW, link_token(url), "long enough now"), RC_OK);
}

static void garbage_and_guessed_tokens_get_the_same_answer(void **state)
{
    struct world *w = *state;
    char url[CREDENTIALS_LINK_URL_MAX];
    assert_int_equal(credentials_issue_link(&w->cx, w->learner, "reset", url), RC_OK);
    char upper[SECURE_TOKEN_HEX + 1];
    snprintf(upper, sizeof upper, "%s", link_token(url));
    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 32);
    char hash_of_real[SECURE_TOKEN_HEX + 1];
    secure_token_hash(link_token(url), hash_of_real);
    const char *bad[] = {"",
                         "zz",
                         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
                         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                         "' OR 1=1 --",
                         upper,
                         hash_of_real /* the stored hash is not a key to the door */};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(accept_at(w, FIXTURE_NOW, bad[i], "perfectly fine pw"), RC_NOT_FOUND);
        assert_string_equal(w->cx.message, "This link is not valid any more.");
    }
    char hash[SECURE_PASSWORD_HASH];
    password_hash_of(w->db, w->learner, hash);
    assert_true(secure_password_verify(hash, "learner password 1"));
}

static void links_are_refused_for_deactivated_people_and_other_tenants(void **state)
{
    struct world *w = *state;
    char url[CREDENTIALS_LINK_URL_MAX];
    /* Another tenant's user id is not found, exactly like a missing one. */
    assert_int_equal(credentials_issue_link(&w->cx, w->stranger, "invite", url), RC_NOT_FOUND);
    ctx_clear(&w->cx);
    assert_int_equal(credentials_issue_link(&w->cx, 999999, "invite", url), RC_NOT_FOUND);
    ctx_clear(&w->cx);
    assert_int_equal(credentials_issue_link(&w->cx, w->learner, "invite", url), RC_OK);
    struct db_stmt *st;
    assert_int_equal(db_prepare(w->db, "UPDATE users SET active = 0 WHERE id = $1", &st), RC_OK);
    db_bind_int64(st, 1, w->learner);
    assert_int_equal(db_step(st), RC_DONE);
    db_reset(st);
    assert_int_equal(accept_at(w, FIXTURE_NOW, link_token(url), "perfectly fine pw"), RC_NOT_FOUND);
    ctx_clear(&w->cx);
    assert_int_equal(credentials_issue_link(&w->cx, w->learner, "invite", url), RC_CONFLICT);
}

/* ---- ending everything ---- */

static void revoke_all_ends_sessions_tokens_and_links_of_that_user_only(void **state)
{
    struct world *w = *state;
    add_session(w->db, w->acme, w->learner);
    add_session(w->db, w->acme, w->learner);
    int64_t admin_session = add_session(w->db, w->acme, w->admin);
    char url[CREDENTIALS_LINK_URL_MAX], token[CREDENTIALS_TOKEN_LEN + 1];
    struct credentials_token t;
    assert_int_equal(credentials_issue_link(&w->cx, w->learner, "reset", url), RC_OK);
    as(w, w->acme, w->learner, 0, 0);
    assert_int_equal(credentials_token_create(&w->cx, "ci", token, &t), RC_OK);
    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN, admin_session);
    assert_int_equal(credentials_token_create(&w->cx, "mine", token, &t), RC_OK);

    assert_int_equal(credentials_revoke_all(&w->cx, w->learner), RC_OK);
    assert_int_equal(
        query_int(w->db, "SELECT count(*) FROM sessions WHERE user_id = $1", w->learner, 0), 0);
    assert_int_equal(
        query_int(w->db, "SELECT count(*) FROM api_tokens WHERE user_id = $1 AND revoked_at = $2",
                  w->learner, FIXTURE_NOW),
        1);
    assert_int_equal(
        query_int(w->db,
                  "SELECT count(*) FROM one_time_links WHERE user_id = $1 AND used_at IS NULL",
                  w->learner, 0),
        0);
    /* The admin's own session and token are untouched. */
    assert_int_equal(
        query_int(w->db, "SELECT count(*) FROM sessions WHERE user_id = $1", w->admin, 0), 1);
    assert_int_equal(
        query_int(w->db,
                  "SELECT count(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL",
                  w->admin, 0),
        1);
    assert_int_equal(accept_at(w, FIXTURE_NOW, link_token(url), "perfectly fine pw"), RC_NOT_FOUND);
}

static void changing_a_password_checks_the_current_one_and_ends_other_sessions(void **state)
{
    struct world *w = *state;
    int64_t here = add_session(w->db, w->acme, w->learner);
    add_session(w->db, w->acme, w->learner);
    add_session(w->db, w->acme, w->learner);
    as(w, w->acme, w->learner, 0, here);
    char token[CREDENTIALS_TOKEN_LEN + 1];
    struct credentials_token t;
    assert_int_equal(credentials_token_create(&w->cx, "ci", token, &t), RC_OK);

    /* A wrong current password and a weak new one are both reported; nothing changes. */
    assert_int_equal(credentials_change_password(&w->cx, "not my password", "short"), RC_INVALID);
    assert_int_equal(json_array_size(w->cx.details), 2);
    ctx_clear(&w->cx);
    assert_int_equal(credentials_change_password(&w->cx, "not my password", "good new password"),
                     RC_INVALID);
    assert_string_equal(first_detail_field(&w->cx), "current_password");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(w->cx.details, 0), "message")),
        "is not right");
    ctx_clear(&w->cx);
    assert_int_equal(
        query_int(w->db, "SELECT count(*) FROM sessions WHERE user_id = $1", w->learner, 0), 3);

    assert_int_equal(credentials_change_password(&w->cx, "learner password 1", "good new password"),
                     RC_OK);
    char hash[SECURE_PASSWORD_HASH];
    password_hash_of(w->db, w->learner, hash);
    assert_true(secure_password_verify(hash, "good new password"));
    assert_false(secure_password_verify(hash, "learner password 1"));
    assert_int_equal(
        query_int(w->db, "SELECT count(*) FROM sessions WHERE user_id = $1", w->learner, 0), 1);
    assert_int_equal(query_int(w->db, "SELECT count(*) FROM sessions WHERE id = $1", here, 0), 1);
    /* Integrations keep working. */
    assert_int_equal(
        query_int(w->db,
                  "SELECT count(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL",
                  w->learner, 0),
        1);
    assert_int_equal(query_int(w->db,
                               "SELECT count(*) FROM audit_log WHERE action = "
                               "'user.password_change' AND target_id = $1 AND actor_id = $2",
                               w->learner, w->learner),
                     1);
}

static void an_admin_reset_ends_sessions_keeps_tokens_and_issues_a_link(void **state)
{
    struct world *w = *state;
    add_session(w->db, w->acme, w->learner);
    as(w, w->acme, w->learner, 0, 0);
    char token[CREDENTIALS_TOKEN_LEN + 1];
    struct credentials_token t;
    assert_int_equal(credentials_token_create(&w->cx, "ci", token, &t), RC_OK);

    char url[CREDENTIALS_LINK_URL_MAX];
    int64_t expires = 0;
    /* Only an admin may, and only within their tenant. */
    assert_int_equal(credentials_reset_password(&w->cx, w->admin, url, &expires), RC_FORBIDDEN);
    ctx_clear(&w->cx);
    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN, 0);
    assert_int_equal(credentials_reset_password(&w->cx, w->stranger, url, &expires), RC_NOT_FOUND);
    ctx_clear(&w->cx);

    assert_int_equal(credentials_reset_password(&w->cx, w->learner, url, &expires), RC_OK);
    assert_int_equal(expires, FIXTURE_NOW + 24 * 3600);
    assert_int_equal(
        query_int(w->db, "SELECT count(*) FROM sessions WHERE user_id = $1", w->learner, 0), 0);
    assert_int_equal(
        query_int(w->db,
                  "SELECT count(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL",
                  w->learner, 0),
        1);
    char hash[SECURE_PASSWORD_HASH];
    password_hash_of(w->db, w->learner, hash);
    assert_string_equal(hash, ""); /* the old password no longer opens the account */

    /* The audit entry names the target, never the link. */
    struct db_stmt *st;
    assert_int_equal(db_prepare(w->db,
                                "SELECT changes FROM audit_log WHERE action = "
                                "'user.password_reset' AND target_id = $1",
                                &st),
                     RC_OK);
    db_bind_int64(st, 1, w->learner);
    assert_int_equal(db_step(st), RC_ROW);
    assert_null(strstr(db_column_text(st, 0), link_token(url)));
    db_reset(st);

    assert_int_equal(accept_at(w, FIXTURE_NOW + 3600, link_token(url), "fresh start pw"), RC_OK);
    assert_int_equal(accept_at(w, FIXTURE_NOW + 3601, link_token(url), "fresh start pw"),
                     RC_NOT_FOUND);
}

/* ---- API tokens ---- */

static void api_tokens_are_shown_once_and_stored_only_as_a_hash(void **state)
{
    struct world *w = *state;
    as(w, w->acme, w->learner, 0, 0);
    char token[CREDENTIALS_TOKEN_LEN + 1];
    struct credentials_token t;
    assert_int_equal(credentials_token_create(&w->cx, "Reporting <script>", token, &t), RC_OK);
    assert_int_equal(strlen(token), 3 + 64);
    assert_int_equal(strncmp(token, "wm_", 3), 0);
    assert_int_equal(strspn(token + 3, "0123456789abcdef"), 64);
    assert_true(t.id > 0);
    assert_string_equal(t.name, "Reporting <script>");

    /* No column of the row holds the token or its random part. */
    struct db_stmt *st;
    assert_int_equal(db_prepare(w->db,
                                "SELECT id, tenant_id, user_id, name, token_hash, created_at, "
                                "last_used_at, revoked_at FROM api_tokens WHERE id = $1",
                                &st),
                     RC_OK);
    db_bind_int64(st, 1, t.id);
    assert_int_equal(db_step(st), RC_ROW);
    for (int c = 0; c < db_column_count(st); c++) {
        assert_null(strstr(db_column_text(st, c), token));
        assert_null(strstr(db_column_text(st, c), token + 3));
    }
    char want[SECURE_TOKEN_HEX + 1];
    secure_token_hash(token, want); /* the whole string, prefix included */
    assert_string_equal(db_column_text(st, 4), want);
    assert_int_equal(db_column_int64(st, 1), w->acme);
    assert_int_equal(db_column_int64(st, 2), w->learner);
    db_reset(st);

    /* The same name twice is a conflict; blank and control characters are refused. */
    assert_int_equal(credentials_token_create(&w->cx, "Reporting <script>", token, &t),
                     RC_CONFLICT);
    assert_string_equal(first_detail_field(&w->cx), "name");
    ctx_clear(&w->cx);
    assert_int_equal(credentials_token_create(&w->cx, "   ", token, &t), RC_INVALID);
    ctx_clear(&w->cx);
    assert_int_equal(credentials_token_create(&w->cx, "tab\there", token, &t), RC_INVALID);
    ctx_clear(&w->cx);
    assert_int_equal(credentials_token_create(&w->cx, "", token, &t), RC_INVALID);
    ctx_clear(&w->cx);
    assert_int_equal(
        query_int(w->db, "SELECT count(*) FROM api_tokens WHERE user_id = $1", w->learner, 0), 1);
}

static void tokens_are_listed_paged_and_revoked_by_their_owner_only(void **state)
{
    struct world *w = *state;
    as(w, w->acme, w->learner, 0, 0);
    char token[CREDENTIALS_TOKEN_LEN + 1];
    struct credentials_token t, first;
    assert_int_equal(credentials_token_create(&w->cx, "one", token, &first), RC_OK);
    assert_int_equal(credentials_token_create(&w->cx, "two", token, &t), RC_OK);
    assert_int_equal(credentials_token_create(&w->cx, "three", token, &t), RC_OK);
    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN, 0);
    struct credentials_token admins;
    assert_int_equal(credentials_token_create(&w->cx, "one", token, &admins), RC_OK);

    /* Even an admin cannot revoke someone else's token through this door. */
    assert_int_equal(credentials_token_revoke(&w->cx, first.id), RC_NOT_FOUND);
    ctx_clear(&w->cx);

    as(w, w->acme, w->learner, 0, 0);
    struct credentials_token *items = NULL;
    int n = 0, more = 0;
    assert_int_equal(credentials_token_list(&w->cx, 0, 2, &items, &n, &more), RC_OK);
    assert_int_equal(n, 2);
    assert_true(more);
    assert_string_equal(items[0].name, "one");
    assert_string_equal(items[1].name, "two");
    assert_int_equal(items[0].last_used_at, 0);
    int64_t after = items[1].id;
    free(items);
    assert_int_equal(credentials_token_list(&w->cx, after, 2, &items, &n, &more), RC_OK);
    assert_int_equal(n, 1);
    assert_false(more);
    assert_string_equal(items[0].name, "three");
    free(items);

    assert_int_equal(credentials_token_revoke(&w->cx, admins.id), RC_NOT_FOUND);
    ctx_clear(&w->cx);
    assert_int_equal(credentials_token_revoke(&w->cx, first.id), RC_OK);
    assert_int_equal(credentials_token_revoke(&w->cx, first.id), RC_NOT_FOUND);
    ctx_clear(&w->cx);
    assert_int_equal(credentials_token_list(&w->cx, 0, 50, &items, &n, &more), RC_OK);
    assert_int_equal(n, 2);
    free(items);
    /* A revoked token's name may be used again. */
    assert_int_equal(credentials_token_create(&w->cx, "one", token, &t), RC_OK);
}

static void the_token_handlers_show_the_token_once(void **state)
{
    struct world *w = *state;
    as(w, w->acme, w->learner, 0, 0);
    struct fake_req f;
    struct resp rs;
    fake_req_init(&f, "POST", "/api/v1/me/tokens");
    json_t *body = json_pack("{s:s}", "name", "ci");
    f.rq.json = body;
    resp_init(&rs);
    assert_int_equal(credentials_api_create_token(&w->cx, &f.rq, &rs), RC_OK);
    assert_int_equal(rs.status, 201);
    json_t *created = json_loads(rs.body.data, 0, NULL);
    const char *token = json_string_value(json_object_get(created, "token"));
    assert_non_null(token);
    assert_int_equal(strncmp(token, "wm_", 3), 0);
    assert_true(json_integer_value(json_object_get(created, "id")) > 0);
    assert_string_equal(json_string_value(json_object_get(created, "name")), "ci");
    assert_non_null(json_object_get(created, "created_at"));
    resp_free(&rs);
    json_decref(body);

    fake_req_init(&f, "GET", "/api/v1/me/tokens");
    resp_init(&rs);
    assert_int_equal(credentials_api_list_tokens(&w->cx, &f.rq, &rs), RC_OK);
    assert_int_equal(rs.status, 200);
    assert_null(strstr(rs.body.data, token));
    assert_null(strstr(rs.body.data, token + 3));
    assert_non_null(strstr(rs.body.data, "\"next_cursor\":null"));
    resp_free(&rs);

    /* A bad limit or cursor is 400. */
    fake_req_init(&f, "GET", "/api/v1/me/tokens");
    f.query[0][0] = "limit";
    f.query[0][1] = "501";
    resp_init(&rs);
    assert_int_equal(credentials_api_list_tokens(&w->cx, &f.rq, &rs), RC_BAD_REQUEST);
    ctx_clear(&w->cx);
    f.query[0][1] = "10";
    f.query[1][0] = "cursor";
    f.query[1][1] = "-1";
    assert_int_equal(credentials_api_list_tokens(&w->cx, &f.rq, &rs), RC_BAD_REQUEST);
    ctx_clear(&w->cx);
    resp_free(&rs);
    json_decref(created);
}

/* ---- tenant settings (tenant.h) ---- */

static void time_zones_must_exist_in_the_tz_database(void **state)
{
    (void)state;
    const char *good[] = {"UTC", "Europe/London", "America/Argentina/Buenos_Aires", "Etc/GMT+5",
                          "America/Port-au-Prince"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(tenant_time_zone_valid(good[i]));
    const char *bad[] = {"",
                         "Europe/Londn",
                         "Europe",
                         "../../etc/passwd",
                         "/etc/passwd",
                         "Europe/../UTC",
                         "Europe//London",
                         "Europe/London/",
                         "zone.tab",
                         "leapseconds",
                         "Europe/London\n",
                         "Europe/London ",
                         "utc'; DROP TABLE tenants; --",
                         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(tenant_time_zone_valid(bad[i]));
}

static void logos_are_recognised_by_their_bytes(void **state)
{
    (void)state;
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                        'I',  'H', 'D', 'R', 0,    0,    0,    1,    0, 0, 0, 1};
    static const unsigned char jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F'};
    assert_string_equal(sniff_image(png, sizeof png), "image/png");
    assert_string_equal(sniff_image(jpeg, sizeof jpeg), "image/jpeg");
    assert_null(sniff_image(png, 10)); /* truncated */
    const char *html = "<!doctype html><script>alert(1)</script>";
    assert_null(sniff_image(html, strlen(html)));
    const char *svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    assert_null(sniff_image(svg, strlen(svg)));
    assert_null(sniff_image("GIF89a\x01\x00\x01\x00", 10));
    assert_null(sniff_image("", 0));
}

static void tenant_settings_change_only_for_admins_and_are_audited(void **state)
{
    struct world *w = *state;
    struct tenant t;
    struct tenant_changes ch = {.name = "Acme Group", .time_zone = "Europe/London"};
    as(w, w->acme, w->learner, 0, 0);
    assert_int_equal(tenant_update(&w->cx, &ch, &t), RC_FORBIDDEN);
    ctx_clear(&w->cx);

    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN, 0);
    struct tenant_changes bad = {.name = "  ",
                                 .time_zone = "Mars/Olympus_Mons",
                                 .set_working_days = 1,
                                 .working_days = 0,
                                 .brand_colour = "red"};
    assert_int_equal(tenant_update(&w->cx, &bad, &t), RC_INVALID);
    assert_int_equal(json_array_size(w->cx.details), 4);
    ctx_clear(&w->cx);
    assert_int_equal(tenant_get(&w->cx, &t), RC_OK);
    assert_string_equal(t.name, "Acme");
    assert_string_equal(t.time_zone, "UTC");
    assert_int_equal(t.working_days, TENANT_WORKING_DAYS_DEFAULT);
    assert_string_equal(t.brand_colour, TENANT_BRAND_COLOUR_DEFAULT);

    w->cx.now = FIXTURE_NOW + 100;
    ch.set_working_days = 1;
    ch.working_days = 1u | 4u | 64u; /* mon, wed, sun */
    ch.brand_colour = "#AABBCC";
    assert_int_equal(tenant_update(&w->cx, &ch, &t), RC_OK);
    assert_string_equal(t.name, "Acme Group");
    assert_string_equal(t.time_zone, "Europe/London");
    assert_string_equal(t.brand_colour, "#aabbcc");
    assert_int_equal(t.updated_at, FIXTURE_NOW + 100);
    json_t *days = tenant_working_days_json(t.working_days);
    char *text = json_dumps(days, JSON_COMPACT);
    assert_string_equal(text, "[\"mon\",\"wed\",\"sun\"]");
    free(text);
    json_decref(days);

    struct db_stmt *st;
    assert_int_equal(db_prepare(w->db,
                                "SELECT changes FROM audit_log WHERE action = 'tenant.update' "
                                "AND target_id = $1",
                                &st),
                     RC_OK);
    db_bind_int64(st, 1, w->acme);
    assert_int_equal(db_step(st), RC_ROW);
    json_t *changes = json_loads(db_column_text(st, 0), 0, NULL);
    db_reset(st);
    assert_string_equal(json_string_value(json_object_get(json_object_get(changes, "name"), "old")),
                        "Acme");
    assert_string_equal(json_string_value(json_object_get(json_object_get(changes, "name"), "new")),
                        "Acme Group");
    assert_non_null(json_object_get(changes, "working_days"));
    json_decref(changes);

    /* The same values again change nothing and audit nothing. */
    assert_int_equal(tenant_update(&w->cx, &ch, &t), RC_OK);
    assert_int_equal(
        query_int(w->db, "SELECT count(*) FROM audit_log WHERE action = 'tenant.update'", 0, 0), 1);
    /* The other tenant is untouched. */
    as(w, w->other, w->stranger, PEOPLE_ROLE_ADMIN, 0);
    assert_int_equal(tenant_get(&w->cx, &t), RC_OK);
    assert_string_equal(t.name, "Other");
}

static void working_days_parse_refuses_unknown_and_repeated_days(void **state)
{
    struct world *w = *state;
    unsigned days = 0;
    json_t *ok = json_pack("[s,s]", "sat", "mon");
    assert_int_equal(tenant_working_days_parse(&w->cx, ok, "working_days", &days), RC_OK);
    assert_int_equal(days, 1u | 32u);
    json_decref(ok);
    const char *bad[] = {"[]",
                         "[\"mon\",\"mon\"]",
                         "[\"Mon\"]",
                         "[\"monday\"]",
                         "[1]",
                         "\"mon\"",
                         "[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\",\"sun\",\"mon\"]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *v = json_loads(bad[i], JSON_DECODE_ANY, NULL);
        assert_non_null(v);
        assert_int_equal(tenant_working_days_parse(&w->cx, v, "working_days", &days), RC_INVALID);
        assert_string_equal(first_detail_field(&w->cx), "working_days");
        ctx_clear(&w->cx);
        json_decref(v);
    }
}

static void the_logo_is_stored_served_and_removed(void **state)
{
    struct world *w = *state;
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                        'I',  'H', 'D', 'R', 0,    0,    0,    1,    0, 0, 0, 1};
    struct tenant t;
    struct buf b;
    buf_init(&b, 1 << 20);
    const char *type = NULL;

    as(w, w->acme, w->learner, 0, 0);
    assert_int_equal(tenant_logo_set(&w->cx, png, sizeof png, &t), RC_FORBIDDEN);
    ctx_clear(&w->cx);
    assert_int_equal(tenant_logo_get(&w->cx, &b, &type), RC_NOT_FOUND);
    ctx_clear(&w->cx);

    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN, 0);
    const char *html = "<html><script>alert(1)</script></html>";
    assert_int_equal(tenant_logo_set(&w->cx, html, strlen(html), &t), RC_UNSUPPORTED_MEDIA);
    ctx_clear(&w->cx);
    assert_int_equal(tenant_logo_set(&w->cx, "", 0, &t), RC_INVALID);
    ctx_clear(&w->cx);
    unsigned char *big = calloc(1, TENANT_LOGO_MAX + 1);
    memcpy(big, png, sizeof png);
    assert_int_equal(tenant_logo_set(&w->cx, big, TENANT_LOGO_MAX + 1, &t), RC_TOO_LARGE);
    ctx_clear(&w->cx);
    /* Exactly the limit is fine. */
    assert_int_equal(tenant_logo_set(&w->cx, big, TENANT_LOGO_MAX, &t), RC_OK);
    assert_true(t.has_logo);
    free(big);

    assert_int_equal(tenant_logo_set(&w->cx, png, sizeof png, &t), RC_OK);
    assert_int_equal(tenant_logo_get(&w->cx, &b, &type), RC_OK);
    assert_string_equal(type, "image/png");
    assert_int_equal(b.len, sizeof png);
    assert_memory_equal(b.data, png, sizeof png);

    /* Another tenant sees no logo. */
    as(w, w->other, w->stranger, PEOPLE_ROLE_ADMIN, 0);
    buf_reset(&b);
    assert_int_equal(tenant_logo_get(&w->cx, &b, &type), RC_NOT_FOUND);
    ctx_clear(&w->cx);
    assert_int_equal(tenant_logo_delete(&w->cx), RC_NOT_FOUND);
    ctx_clear(&w->cx);

    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN, 0);
    assert_int_equal(tenant_logo_delete(&w->cx), RC_OK);
    assert_int_equal(tenant_logo_get(&w->cx, &b, &type), RC_NOT_FOUND);
    ctx_clear(&w->cx);
    assert_int_equal(tenant_get(&w->cx, &t), RC_OK);
    assert_false(t.has_logo);
    buf_free(&b);
}

static void tenants_are_created_once_per_slug_with_a_real_time_zone(void **state)
{
    struct world *w = *state;
    struct tenant t;
    assert_int_equal(tenant_create(&w->cx, "globex", "Globex", "America/New_York", &t), RC_OK);
    assert_true(t.id > 0);
    assert_string_equal(t.time_zone, "America/New_York");
    assert_int_equal(tenant_create(&w->cx, "globex", "Globex again", "UTC", &t), RC_CONFLICT);
    ctx_clear(&w->cx);
    assert_int_equal(tenant_create(&w->cx, "initech", "Initech", "Nowhere/Special", &t),
                     RC_INVALID);
    assert_string_equal(first_detail_field(&w->cx), "time_zone");
    ctx_clear(&w->cx);
    assert_int_equal(tenant_find(&w->cx, "initech", &t), RC_NOT_FOUND);
    ctx_clear(&w->cx);
    assert_int_equal(tenant_find(&w->cx, "globex", &t), RC_OK);
    assert_int_equal(t.working_days, TENANT_WORKING_DAYS_DEFAULT);
    assert_string_equal(t.brand_colour, TENANT_BRAND_COLOUR_DEFAULT);
    assert_int_equal(t.updated_at, FIXTURE_NOW);
}

int main(void)
{
    if (secure_init() != RC_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(password_rules_count_characters_and_refuse_the_email, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            invite_link_lasts_seven_days_is_stored_hashed_and_works_once, setup, teardown),
        cmocka_unit_test_setup_teardown(reset_link_expires_after_twenty_four_hours, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_new_link_voids_older_ones_of_the_same_purpose, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_weak_password_is_refused_and_the_link_stays_usable, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(garbage_and_guessed_tokens_get_the_same_answer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(links_are_refused_for_deactivated_people_and_other_tenants,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(revoke_all_ends_sessions_tokens_and_links_of_that_user_only,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            changing_a_password_checks_the_current_one_and_ends_other_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(an_admin_reset_ends_sessions_keeps_tokens_and_issues_a_link,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(api_tokens_are_shown_once_and_stored_only_as_a_hash, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(tokens_are_listed_paged_and_revoked_by_their_owner_only,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(the_token_handlers_show_the_token_once, setup, teardown),
        cmocka_unit_test_setup_teardown(time_zones_must_exist_in_the_tz_database, setup, teardown),
        cmocka_unit_test_setup_teardown(logos_are_recognised_by_their_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(tenant_settings_change_only_for_admins_and_are_audited,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(working_days_parse_refuses_unknown_and_repeated_days, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_logo_is_stored_served_and_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(tenants_are_created_once_per_slug_with_a_real_time_zone,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
