/*
 * test_auth.c — sessions, bearer tokens, the CSRF rule and sign-in throttling, on a fresh
 * database with a fake request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/secure.h"
#include "fixture.h"
#include "people/auth.h"
#include "people/credentials.h"
#include "people/people.h"
#include "people/users.h"
#include "tenant/tenant.h"

#define PASSWORD "correct horse battery"

struct world {
    struct db *db;
    struct ctx cx;
    int64_t tenant_id;
    int64_t user_id;
};

static void exec(struct db *db, const char *sql)
{
    assert_int_equal(db_exec(db, sql), RC_OK);
}

static int64_t count(struct db *db, const char *sql)
{
    struct db_stmt *st;
    assert_int_equal(db_prepare(db, sql, &st), RC_OK);
    assert_int_equal(db_step(st), RC_ROW);
    int64_t n = db_column_int64(st, 0);
    db_reset(st);
    return n;
}

static int setup(void **state)
{
    assert_int_equal(secure_init(), RC_OK);
    struct world *w = calloc(1, sizeof *w);
    w->db = fixture_db();
    fixture_ctx(&w->cx, w->db);
    struct tenant t;
    int created;
    assert_int_equal(tenant_ensure(&w->cx, "acme", "Acme", &t, &created), RC_OK);
    w->tenant_id = t.id;
    /* Created the way an operator does it: the tenant's system actor. */
    w->cx.actor.tenant_id = t.id;
    w->cx.actor.roles = PEOPLE_ROLES_ALL;
    struct users_change ch = {.set = USERS_EMAIL | USERS_NAME | USERS_ROLES,
                              .email = "Ada@Acme.example",
                              .name = "Ada",
                              .roles = PEOPLE_ROLE_ADMIN};
    struct user u;
    assert_int_equal(users_create(&w->cx, &ch, &u), RC_OK);
    assert_int_equal(credentials_set_password(&w->cx, u.id, PASSWORD), RC_OK);
    memset(&w->cx.actor, 0, sizeof w->cx.actor);
    w->user_id = u.id;
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

static enum rc sign_in(struct world *w, const char *email, const char *password,
                       struct auth_session *s, int64_t *retry)
{
    ctx_clear(&w->cx);
    return auth_sign_in(&w->cx, email, password, NULL, "192.0.2.7", s, retry);
}

static enum rc authenticate(struct world *w, const char *cookie, const char *csrf,
                            const char *bearer, int check_csrf)
{
    struct fake_req f;
    fake_req_init(&f, "POST", "/api/v1/anything");
    char cookie_header[256], auth_header[256];
    int n = 0;
    if (cookie) {
        snprintf(cookie_header, sizeof cookie_header, "theme=dark; %s=%s; lang=en", AUTH_COOKIE,
                 cookie);
        f.headers[n][0] = "Cookie";
        f.headers[n++][1] = cookie_header;
    }
    if (csrf) {
        f.headers[n][0] = "X-CSRF-Token";
        f.headers[n++][1] = csrf;
    }
    if (bearer) {
        snprintf(auth_header, sizeof auth_header, "Bearer %s", bearer);
        f.headers[n][0] = "Authorization";
        f.headers[n++][1] = auth_header;
    }
    ctx_clear(&w->cx);
    return auth_authenticate(&w->cx, &f.rq, check_csrf);
}

static void a_session_identifies_the_user_until_it_expires(void **state)
{
    struct world *w = *state;
    struct auth_session s;
    int64_t retry = 0;
    assert_int_equal(sign_in(w, "ADA@acme.example", PASSWORD, &s, &retry), RC_OK);
    assert_int_equal(s.user_id, w->user_id);
    /* Only the hash of the token is stored. */
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sessions WHERE token_hash = '%s'", s.token);
    assert_int_equal(count(w->db, sql), 0);

    assert_int_equal(authenticate(w, s.token, NULL, NULL, 0), RC_OK);
    assert_int_equal(w->cx.actor.user_id, w->user_id);
    assert_int_equal(w->cx.actor.tenant_id, w->tenant_id);
    assert_true(w->cx.actor.roles & PEOPLE_ROLE_ADMIN);
    assert_true(w->cx.actor.session_id > 0);
    assert_string_equal(w->cx.actor.csrf_token, s.csrf);

    /* Used within the idle limit it lives on; beyond it, it is gone. */
    w->cx.now = FIXTURE_NOW + AUTH_SESSION_IDLE - 10;
    assert_int_equal(authenticate(w, s.token, NULL, NULL, 0), RC_OK);
    w->cx.now += AUTH_SESSION_IDLE + 1;
    assert_int_equal(authenticate(w, s.token, NULL, NULL, 0), RC_UNAUTHORIZED);
}

static void sessions_end_at_their_absolute_limit_however_busy(void **state)
{
    struct world *w = *state;
    struct auth_session s;
    int64_t retry;
    assert_int_equal(sign_in(w, "ada@acme.example", PASSWORD, &s, &retry), RC_OK);
    for (int64_t t = FIXTURE_NOW; t < FIXTURE_NOW + AUTH_SESSION_MAX; t += 3600) {
        w->cx.now = t;
        assert_int_equal(authenticate(w, s.token, NULL, NULL, 0), RC_OK);
    }
    w->cx.now = FIXTURE_NOW + AUTH_SESSION_MAX;
    assert_int_equal(authenticate(w, s.token, NULL, NULL, 0), RC_UNAUTHORIZED);
}

static void changes_need_the_sessions_csrf_token(void **state)
{
    struct world *w = *state;
    struct auth_session s;
    int64_t retry;
    assert_int_equal(sign_in(w, "ada@acme.example", PASSWORD, &s, &retry), RC_OK);
    assert_int_equal(authenticate(w, s.token, NULL, NULL, 1), RC_FORBIDDEN);
    assert_string_equal(w->cx.code, "csrf_failed");
    char wrong[65];
    snprintf(wrong, sizeof wrong, "%s", s.csrf);
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    assert_int_equal(authenticate(w, s.token, wrong, NULL, 1), RC_FORBIDDEN);
    assert_int_equal(authenticate(w, s.token, "short", NULL, 1), RC_FORBIDDEN);
    assert_int_equal(authenticate(w, s.token, s.csrf, NULL, 1), RC_OK);
}

static void garbage_and_inactive_users_are_unauthorized(void **state)
{
    struct world *w = *state;
    assert_int_equal(authenticate(w, NULL, NULL, NULL, 0), RC_UNAUTHORIZED);
    assert_int_equal(authenticate(w, "' OR 1=1 --", NULL, NULL, 0), RC_UNAUTHORIZED);
    char zeros[65];
    memset(zeros, '0', 64);
    zeros[64] = '\0';
    assert_int_equal(authenticate(w, zeros, NULL, NULL, 0), RC_UNAUTHORIZED);
    struct auth_session s;
    int64_t retry;
    assert_int_equal(sign_in(w, "ada@acme.example", PASSWORD, &s, &retry), RC_OK);
    exec(w->db, "UPDATE users SET active = 0");
    assert_int_equal(authenticate(w, s.token, NULL, NULL, 0), RC_UNAUTHORIZED);
    assert_int_equal(sign_in(w, "ada@acme.example", PASSWORD, &s, &retry), RC_UNAUTHORIZED);
}

static void bearer_tokens_work_until_revoked_and_skip_csrf(void **state)
{
    struct world *w = *state;
    char token[80], hex[SECURE_TOKEN_HEX + 1], hash[SECURE_TOKEN_HEX + 1], sql[512];
    secure_token_new(hex);
    snprintf(token, sizeof token, "%s%s", CREDENTIALS_TOKEN_PREFIX, hex);
    secure_token_hash(token, hash);
    snprintf(sql, sizeof sql,
             "INSERT INTO api_tokens (tenant_id, user_id, name, token_hash, created_at) VALUES "
             "(%lld, %lld, 'ci', '%s', 0)",
             (long long)w->tenant_id, (long long)w->user_id, hash);
    exec(w->db, sql);
    assert_int_equal(authenticate(w, NULL, NULL, token, 1), RC_OK);
    assert_int_equal(w->cx.actor.user_id, w->user_id);
    assert_true(w->cx.actor.token_id > 0);
    assert_int_equal(w->cx.actor.session_id, 0);
    assert_int_equal(count(w->db, "SELECT last_used_at FROM api_tokens"), FIXTURE_NOW);
    assert_int_equal(authenticate(w, NULL, NULL, hex, 0), RC_UNAUTHORIZED); /* no prefix */
    exec(w->db, "UPDATE api_tokens SET revoked_at = 1");
    assert_int_equal(authenticate(w, NULL, NULL, token, 0), RC_UNAUTHORIZED);
}

static void failures_are_counted_and_throttled(void **state)
{
    struct world *w = *state;
    struct auth_session s;
    int64_t retry = 0;
    assert_int_equal(sign_in(w, "nobody@acme.example", "x", &s, &retry), RC_UNAUTHORIZED);
    const char *message_unknown = "Email or password is not right.";
    assert_string_equal(w->cx.message, message_unknown);
    for (int i = 0; i < AUTH_THROTTLE_ACCOUNT; i++) {
        assert_int_equal(sign_in(w, "ada@acme.example", "wrong", &s, &retry), RC_UNAUTHORIZED);
        assert_string_equal(w->cx.message, message_unknown);
    }
    assert_int_equal(count(w->db, "SELECT count(*) FROM sign_in_failures WHERE throttle_key = "
                                  "'account:ada@acme.example'"),
                     AUTH_THROTTLE_ACCOUNT);
    assert_int_equal(sign_in(w, "ada@acme.example", PASSWORD, &s, &retry), RC_RATE_LIMITED);
    assert_int_equal(retry, AUTH_THROTTLE_WINDOW);
    /* When the window has passed, the right password works and clears the count. */
    w->cx.now = FIXTURE_NOW + AUTH_THROTTLE_WINDOW + 1;
    assert_int_equal(sign_in(w, "ada@acme.example", PASSWORD, &s, &retry), RC_OK);
    assert_int_equal(count(w->db, "SELECT count(*) FROM sign_in_failures WHERE throttle_key = "
                                  "'account:ada@acme.example'"),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_session_identifies_the_user_until_it_expires, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(sessions_end_at_their_absolute_limit_however_busy, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(changes_need_the_sessions_csrf_token, setup, teardown),
        cmocka_unit_test_setup_teardown(garbage_and_inactive_users_are_unauthorized, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(bearer_tokens_work_until_revoked_and_skip_csrf, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(failures_are_counted_and_throttled, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
