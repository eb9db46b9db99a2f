/*
 * auth.c — resolving who is asking, signing in and out (see auth.h).
 *
 * Why sessions live in the database: several app servers share them, and deactivating a
 * user can end them at once. To keep a signed-in GET a read, last_seen_at is written at
 * most once a minute per session (idle expiry is measured in hours, so a minute of
 * slack is harmless); API tokens' last_used_at likewise.
 *
 * Sign-in checks every active account with the email (across tenants unless a tenant
 * is named) against the password, so someone with the same email in two organisations
 * signs in without naming one when only one password matches. An unknown email still
 * costs one argon2id verification, so timing does not reveal which emails exist.
 */
#include "auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth_store.h"
#include "core/secure.h"
#include "credentials.h"
#include "people.h"

#define AUTH_TOUCH_EVERY          60
#define AUTH_UNAUTHORIZED_MESSAGE "Email or password is not right."

/* Finds name=value in a Cookie header; copies the value into out. */
static int cookie_value(const char *header, const char *name, char *out, size_t size)
{
    size_t n = strlen(name);
    for (const char *p = header; p && *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > n && strncmp(p, name, n) == 0 && p[n] == '=') {
            size_t vlen = len - n - 1;
            if (vlen + 1 > size)
                return 0;
            memcpy(out, p + n + 1, vlen);
            out[vlen] = '\0';
            return 1;
        }
        p = end;
    }
    return 0;
}

static int is_hex_token(const char *s)
{
    if (strlen(s) != SECURE_TOKEN_HEX)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

static void set_actor(struct ctx *cx, const struct auth_principal *p, int session)
{
    cx->actor.tenant_id = p->tenant_id;
    cx->actor.user_id = p->user_id;
    cx->actor.roles = p->roles | PEOPLE_ROLE_LEARNER;
    cx->actor.session_id = session ? p->id : 0;
    cx->actor.token_id = session ? 0 : p->id;
    snprintf(cx->actor.csrf_token, sizeof cx->actor.csrf_token, "%s", session ? p->csrf : "");
}

static enum rc authenticate_bearer(struct ctx *cx, const char *authorization)
{
    const char *token = authorization + 7;
    while (*token == ' ')
        token++;
    size_t plen = strlen(CREDENTIALS_TOKEN_PREFIX);
    if (strncmp(token, CREDENTIALS_TOKEN_PREFIX, plen) != 0 || !is_hex_token(token + plen))
        return ctx_fail(cx, RC_UNAUTHORIZED, NULL, "This API token is not valid.");
    char hash[SECURE_TOKEN_HEX + 1];
    secure_token_hash(token, hash);
    struct auth_principal p;
    enum rc rc = auth_store_token_by_hash(cx->db, hash, &p);
    if (rc == RC_NOT_FOUND)
        return ctx_fail(cx, RC_UNAUTHORIZED, NULL, "This API token is not valid.");
    if (rc)
        return rc;
    if (cx->now - p.last_used_at >= AUTH_TOUCH_EVERY &&
        (rc = auth_store_token_touch(cx->db, p.id, cx->now)))
        return rc;
    set_actor(cx, &p, 0);
    return RC_OK;
}

enum rc auth_authenticate(struct ctx *cx, const struct req *rq, int check_csrf)
{
    memset(&cx->actor, 0, sizeof cx->actor);
    const char *authorization = rq->header(rq, "Authorization");
    if (authorization && strncasecmp(authorization, "Bearer ", 7) == 0)
        return authenticate_bearer(cx, authorization);

    char token[SECURE_TOKEN_HEX + 2];
    const char *cookies = rq->header(rq, "Cookie");
    if (!cookies || !cookie_value(cookies, AUTH_COOKIE, token, sizeof token) ||
        !is_hex_token(token))
        return ctx_fail(cx, RC_UNAUTHORIZED, NULL, "Please sign in.");
    char hash[SECURE_TOKEN_HEX + 1];
    secure_token_hash(token, hash);
    struct auth_principal p;
    enum rc rc = auth_store_session_by_hash(cx->db, hash, &p);
    if (rc == RC_NOT_FOUND ||
        (rc == RC_OK && (cx->now >= p.expires_at || cx->now - p.last_used_at >= AUTH_SESSION_IDLE)))
        return ctx_fail(cx, RC_UNAUTHORIZED, NULL, "Your session has ended; please sign in again.");
    if (rc)
        return rc;
    if (check_csrf) {
        const char *sent = rq->header(rq, "X-CSRF-Token");
        if (!sent || strlen(sent) != strlen(p.csrf) || !secure_equal(sent, p.csrf, strlen(p.csrf)))
            return ctx_fail_code(cx, RC_FORBIDDEN, "csrf_failed",
                                 "The X-CSRF-Token header is missing or wrong; reload the page "
                                 "and try again.");
    }
    if (cx->now - p.last_used_at >= AUTH_TOUCH_EVERY &&
        (rc = auth_store_session_touch(cx->db, p.id, cx->now)))
        return rc;
    set_actor(cx, &p, 1);
    return RC_OK;
}

/* ---- sign-in ---- */

struct failure_args {
    const char *keys[2];
    int64_t now;
};

static enum rc record_failures(struct db *db, void *arg)
{
    struct failure_args *a = arg;
    enum rc rc = RC_OK;
    for (int i = 0; i < 2 && !rc; i++)
        if (a->keys[i])
            rc = auth_store_failure_add(db, a->keys[i], a->now, a->now - AUTH_THROTTLE_WINDOW);
    return rc;
}

/* RC_RATE_LIMITED with *retry_after when key has reached limit in the window. */
static enum rc check_throttle(struct ctx *cx, const char *key, int64_t limit, int64_t *retry_after)
{
    int64_t count = 0, oldest = 0;
    enum rc rc = auth_store_failures(cx->db, key, cx->now - AUTH_THROTTLE_WINDOW, &count, &oldest);
    if (rc)
        return rc;
    if (count < limit)
        return RC_OK;
    int64_t wait = oldest + AUTH_THROTTLE_WINDOW - cx->now;
    *retry_after = wait > 1 ? wait : 1;
    return ctx_fail(cx, RC_RATE_LIMITED, NULL,
                    "Too many failed sign-ins. Try again in %lld minutes.",
                    (long long)((*retry_after + 59) / 60));
}

struct session_args {
    const struct auth_candidate *who;
    struct auth_session *out;
    const char *account_key;
    int64_t now;
};

static enum rc create_session(struct db *db, void *arg)
{
    struct session_args *a = arg;
    char hash[SECURE_TOKEN_HEX + 1];
    secure_token_new(a->out->token);
    secure_token_new(a->out->csrf);
    secure_token_hash(a->out->token, hash);
    int64_t id;
    enum rc rc = auth_store_session_insert(db, a->who->tenant_id, a->who->user_id, hash,
                                           a->out->csrf, a->now, a->now + AUTH_SESSION_MAX, &id);
    if (!rc)
        rc = auth_store_failures_clear(db, a->account_key);
    a->out->user_id = a->who->user_id;
    a->out->tenant_id = a->who->tenant_id;
    return rc;
}

enum rc auth_sign_in(struct ctx *cx, const char *email, const char *password,
                     const char *tenant_slug, const char *client_ip, struct auth_session *out,
                     int64_t *retry_after)
{
    char email_key[PEOPLE_EMAIL_MAX + 1] = "";
    char account_key[PEOPLE_EMAIL_MAX + 96], address_key[96];
    int email_ok = people_email_key(email, email_key, sizeof email_key) == RC_OK;
    /* Per email across tenants: naming another tenant does not open a fresh budget. */
    snprintf(account_key, sizeof account_key, "account:%s", email_ok ? email_key : "-");
    snprintf(address_key, sizeof address_key, "address:%s", client_ip ? client_ip : "");

    enum rc rc = check_throttle(cx, address_key, AUTH_THROTTLE_ADDRESS, retry_after);
    if (!rc && email_ok)
        rc = check_throttle(cx, account_key, AUTH_THROTTLE_ACCOUNT, retry_after);
    if (rc)
        return rc;

    struct auth_candidate candidates[AUTH_MAX_CANDIDATES];
    int n = 0, matches = 0;
    const struct auth_candidate *match = NULL;
    if (email_ok && (rc = auth_store_candidates(cx->db, email_key, tenant_slug, candidates, &n)))
        return rc;
    if (n == 0)
        (void)secure_password_verify(NULL, password);
    for (int i = 0; i < n; i++)
        if (secure_password_verify(candidates[i].password_hash, password)) {
            matches++;
            match = &candidates[i];
        }

    if (matches == 1) {
        struct session_args a = {match, out, account_key, cx->now};
        return db_transaction(cx->db, 1, create_session, &a);
    }
    if (matches > 1)
        return ctx_fail(cx, RC_INVALID, "tenant",
                        "is needed: this email signs in to more than one organisation");

    struct failure_args f = {{address_key, email_ok ? account_key : NULL}, cx->now};
    if ((rc = db_transaction(cx->db, 1, record_failures, &f)))
        return rc;
    return ctx_fail(cx, RC_UNAUTHORIZED, NULL, AUTH_UNAUTHORIZED_MESSAGE);
}

enum rc auth_sign_out(struct ctx *cx)
{
    if (!cx->actor.session_id)
        return RC_OK;
    return auth_store_session_delete(cx->db, cx->actor.session_id);
}
