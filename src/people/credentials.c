/*
 * credentials.c — passwords, API tokens and one-time links (see credentials.h for the
 * contract: what each action ends, how links and tokens are stored).
 *
 * Every clear token is created here, handed to the caller once and wiped from this
 * file's stack (secure_zero) as soon as its hash is taken; the store only ever sees
 * hashes. Password checks that cost an argon2id verification run after the cheap
 * checks, so every problem of a request is reported at once.
 *
 * Permission: the routes already require a signed-in user (and the admin role for a
 * reset); the domain checks the admin role again for a reset and scopes every query by
 * cx->actor.tenant_id and, for tokens, by cx->actor.user_id, so an id from another user
 * or tenant is simply not found.
 */
#include "credentials.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/jsonx.h"
#include "core/secure.h"
#include "notify/notify.h"
#include "tenant/tenant.h"
#include "credentials_store.h"
#include "people.h"
#include "people_store.h"

#define LINK_INVALID "This link is not valid any more."

/* ---- helpers ---- */

static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* 1 when a and b are equal ignoring the case of ASCII letters (emails are ASCII). */
static int equal_ignoring_case(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* 1 when s is exactly SECURE_TOKEN_HEX lowercase hex characters. */
static int token_shape_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (n >= SECURE_TOKEN_HEX ||
            !((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return 0;
    return n == SECURE_TOKEN_HEX;
}

static enum rc token_name_check(struct ctx *cx, const char *name)
{
    return jsonx_check_name(cx, "name", name, CREDENTIALS_TOKEN_NAME_MAX);
}

/* Hashes password and stores it as user_id's password. */
static enum rc set_password(struct ctx *cx, int64_t tenant_id, int64_t user_id,
                            const char *password)
{
    char hash[SECURE_PASSWORD_HASH];
    enum rc rc = secure_password_hash(password, hash);
    if (rc)
        return ctx_fail(cx, rc, NULL, "The password could not be stored; try again shortly.");
    rc = credentials_store_set_password_hash(cx->db, tenant_id, user_id, hash);
    secure_zero(hash, sizeof hash);
    return rc;
}

/* ---- the contract of credentials.h ---- */

enum rc credentials_set_password(struct ctx *cx, int64_t user_id, const char *password)
{
    struct user u;
    enum rc rc = people_get_user(cx, user_id, &u);
    if (!rc)
        rc = credentials_check_password(cx, "password", password, u.email);
    if (!rc)
        rc = set_password(cx, cx->actor.tenant_id, user_id, password);
    return rc;
}

enum rc credentials_check_password(struct ctx *cx, const char *field, const char *password,
                                   const char *email)
{
    size_t n = strlen(password);
    if (!jsonx_utf8_valid(password, n))
        return ctx_fail(cx, RC_INVALID, field, "must be valid UTF-8 text");
    size_t chars = jsonx_utf8_length(password);
    if (chars < CREDENTIALS_PASSWORD_MIN)
        return ctx_fail(cx, RC_INVALID, field, "must be at least %d characters long",
                        CREDENTIALS_PASSWORD_MIN);
    if (chars > CREDENTIALS_PASSWORD_MAX)
        return ctx_fail(cx, RC_INVALID, field, "must be at most %d characters long",
                        CREDENTIALS_PASSWORD_MAX);
    if (email && equal_ignoring_case(password, email))
        return ctx_fail(cx, RC_INVALID, field, "must not be your email address");
    return RC_OK;
}

/* Emails a new link to its person through the outbox (notify.h), in the same transaction:
 * if the link is not written, neither is the email. Keyed by the link's hash, so each
 * link is mailed once. */
static enum rc email_link(struct ctx *cx, const struct user *u, int invite, const char *hash,
                          const char *url)
{
    struct tenant t;
    enum rc rc = tenant_get(cx, &t);
    if (rc)
        return rc;
    char key[96], title[TENANT_NAME_MAX * 4 + 64],
        text[TENANT_NAME_MAX * 4 + PEOPLE_NAME_MAX * 4 + 400];
    snprintf(key, sizeof key, "%s:%lld:%.16s", invite ? "invitation" : "password_reset",
             (long long)u->id, hash);
    if (invite) {
        snprintf(title, sizeof title, "You're invited to Waymark at %s", t.name);
        snprintf(text, sizeof text,
                 "Hello %s,\n\n%s uses Waymark for learning at work: small activities, spread "
                 "over weeks, that you do on the job. Choose your password to get started.\n\n"
                 "The link works once, for %d days.",
                 u->name, t.name, CREDENTIALS_INVITE_LIFETIME / 86400);
    } else {
        snprintf(title, sizeof title, "Reset your Waymark password");
        snprintf(text, sizeof text,
                 "Hello %s,\n\nAn administrator of %s reset your Waymark password. Choose a "
                 "new one with the link below.\n\nThe link works once, for %d hours. If you "
                 "did not expect this, tell your administrator.",
                 u->name, t.name, CREDENTIALS_RESET_LIFETIME / 3600);
    }
    struct notice n = {
        .kind = invite ? NOTIFY_INVITATION : NOTIFY_PASSWORD_RESET,
        .key = key,
        .user_id = u->id,
        .title = title,
        .text = text,
        .link = url,
        .action_label = invite ? "Choose your password" : "Choose a new password",
    };
    return notify_post(cx, &n, NULL);
}

enum rc credentials_issue_link(struct ctx *cx, int64_t user_id, const char *purpose,
                               char url_out[CREDENTIALS_LINK_URL_MAX])
{
    int64_t lifetime;
    if (strcmp(purpose, "invite") == 0)
        lifetime = CREDENTIALS_INVITE_LIFETIME;
    else if (strcmp(purpose, "reset") == 0)
        lifetime = CREDENTIALS_RESET_LIFETIME;
    else
        return ctx_fail(cx, RC_INTERNAL, NULL, "Unknown link purpose.");

    struct user u;
    enum rc rc = people_get_user(cx, user_id, &u);
    if (rc)
        return rc;
    if (!u.active)
        return ctx_fail(cx, RC_CONFLICT, NULL,
                        "This person is deactivated; reactivate them before sending a link.");
    rc = credentials_store_links_void(cx->db, cx->actor.tenant_id, user_id, purpose, cx->now);
    if (rc)
        return rc;

    char token[SECURE_TOKEN_HEX + 1], hash[SECURE_TOKEN_HEX + 1];
    secure_token_new(token);
    secure_token_hash(token, hash);
    rc = credentials_store_link_insert(cx->db, cx->actor.tenant_id, user_id, purpose, hash,
                                       cx->actor.user_id, cx->now, cx->now + lifetime);
    if (rc == RC_OK)
        snprintf(url_out, CREDENTIALS_LINK_URL_MAX, "/welcome#token=%s", token);
    secure_zero(token, sizeof token);
    if (rc == RC_OK)
        rc = email_link(cx, &u, strcmp(purpose, "invite") == 0, hash, url_out);
    return rc;
}

enum rc credentials_revoke_all(struct ctx *cx, int64_t user_id)
{
    int64_t tenant = cx->actor.tenant_id;
    enum rc rc;
    if ((rc = credentials_store_delete_sessions(cx->db, tenant, user_id, 0)) ||
        (rc = credentials_store_token_revoke_all(cx->db, tenant, user_id, cx->now)) ||
        (rc = credentials_store_links_void(cx->db, tenant, user_id, NULL, cx->now)))
        return rc;
    return RC_OK;
}

/* ---- links ---- */

enum rc credentials_accept_link(struct ctx *cx, const char *token, const char *password)
{
    if (!token_shape_ok(token))
        return ctx_fail(cx, RC_NOT_FOUND, NULL, LINK_INVALID);
    char hash[SECURE_TOKEN_HEX + 1];
    secure_token_hash(token, hash);
    struct credentials_store_link link;
    enum rc rc = credentials_store_link_by_hash(cx->db, hash, &link);
    if (rc == RC_NOT_FOUND || (rc == RC_OK && (link.used_at || cx->now >= link.expires_at)))
        return ctx_fail(cx, RC_NOT_FOUND, NULL, LINK_INVALID);
    if (rc)
        return rc;

    struct user u;
    rc = people_store_user_by_id(cx->db, link.tenant_id, link.user_id, &u);
    if (rc == RC_NOT_FOUND || (rc == RC_OK && !u.active))
        return ctx_fail(cx, RC_NOT_FOUND, NULL, LINK_INVALID);
    if (rc)
        return rc;
    if ((rc = credentials_check_password(cx, "password", password, u.email)))
        return rc;

    /* Claiming the row is what makes the link single-use when two requests race: only
     * one UPDATE … WHERE used_at IS NULL changes it. */
    int claimed = 0;
    if ((rc = credentials_store_link_claim(cx->db, link.tenant_id, link.id, cx->now, &claimed)))
        return rc;
    if (!claimed)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, LINK_INVALID);
    if ((rc = set_password(cx, link.tenant_id, link.user_id, password)))
        return rc;
    /* Any other open link (an invitation next to a reset) is no longer needed. */
    return credentials_store_links_void(cx->db, link.tenant_id, link.user_id, NULL, cx->now);
}

/* ---- passwords ---- */

enum rc credentials_change_password(struct ctx *cx, const char *current_password,
                                    const char *new_password)
{
    struct user u;
    enum rc rc = people_get_user(cx, cx->actor.user_id, &u);
    if (rc)
        return rc;
    char hash[SECURE_PASSWORD_HASH];
    if ((rc = credentials_store_password_hash(cx->db, cx->actor.tenant_id, u.id, hash)))
        return rc;
    enum rc weak = credentials_check_password(cx, "new_password", new_password, u.email);
    int right = secure_password_verify(hash, current_password);
    secure_zero(hash, sizeof hash);
    if (!right)
        return ctx_fail(cx, RC_INVALID, "current_password", "is not right");
    if (weak)
        return weak;

    if ((rc = set_password(cx, cx->actor.tenant_id, u.id, new_password)) ||
        (rc = credentials_store_delete_sessions(cx->db, cx->actor.tenant_id, u.id,
                                                cx->actor.session_id)) ||
        (rc = credentials_store_links_void(cx->db, cx->actor.tenant_id, u.id, NULL, cx->now)))
        return rc;
    return audit_record(cx, "user.password_change", "user", u.id, NULL);
}

enum rc credentials_reset_password(struct ctx *cx, int64_t user_id,
                                   char url_out[CREDENTIALS_LINK_URL_MAX], int64_t *expires_at)
{
    if (!(cx->actor.roles & PEOPLE_ROLE_ADMIN))
        return ctx_fail(cx, RC_FORBIDDEN, NULL, "Only an admin can reset someone's password.");
    struct user u;
    enum rc rc = people_get_user(cx, user_id, &u);
    if (rc)
        return rc;
    if (!u.active)
        return ctx_fail(cx, RC_CONFLICT, NULL,
                        "This person is deactivated; reactivate them before resetting their "
                        "password.");
    /* An admin resetting their own password keeps the session they are using. */
    int64_t keep = u.id == cx->actor.user_id ? cx->actor.session_id : 0;
    char url[CREDENTIALS_LINK_URL_MAX];
    if ((rc = credentials_store_delete_sessions(cx->db, cx->actor.tenant_id, u.id, keep)) ||
        (rc = credentials_store_set_password_hash(cx->db, cx->actor.tenant_id, u.id, NULL)) ||
        (rc = credentials_store_links_void(cx->db, cx->actor.tenant_id, u.id, NULL, cx->now)) ||
        (rc = credentials_issue_link(cx, u.id, "reset", url)))
        return rc;
    if ((rc = audit_record(cx, "user.password_reset", "user", u.id, NULL))) {
        secure_zero(url, sizeof url);
        return rc;
    }
    memcpy(url_out, url, sizeof url);
    secure_zero(url, sizeof url);
    *expires_at = cx->now + CREDENTIALS_RESET_LIFETIME;
    return RC_OK;
}

/* ---- API tokens ---- */

enum rc credentials_token_create(struct ctx *cx, const char *name,
                                 char token_out[CREDENTIALS_TOKEN_LEN + 1],
                                 struct credentials_token *out)
{
    enum rc rc = token_name_check(cx, name);
    if (rc)
        return rc;
    int64_t live = 0;
    int taken = 0;
    rc = credentials_store_token_count(cx->db, cx->actor.tenant_id, cx->actor.user_id, name, &live,
                                       &taken);
    if (rc)
        return rc;
    if (taken)
        return ctx_fail(cx, RC_CONFLICT, "name", "is already the name of one of your tokens");
    if (live >= CREDENTIALS_TOKENS_MAX)
        return ctx_fail(cx, RC_CONFLICT, NULL,
                        "You already have %d API tokens; revoke one you no longer use first.",
                        CREDENTIALS_TOKENS_MAX);

    char hex[SECURE_TOKEN_HEX + 1], token[CREDENTIALS_TOKEN_LEN + 1], hash[SECURE_TOKEN_HEX + 1];
    secure_token_new(hex);
    snprintf(token, sizeof token, "%s%s", CREDENTIALS_TOKEN_PREFIX, hex);
    secure_zero(hex, sizeof hex);
    secure_token_hash(token, hash);
    int64_t id = 0;
    rc = credentials_store_token_insert(cx->db, cx->actor.tenant_id, cx->actor.user_id, name, hash,
                                        cx->now, &id);
    if (rc == RC_OK)
        rc = audit_record(cx, "token.create", "api_token", id, json_pack("{s:s}", "name", name));
    if (rc == RC_OK) {
        memcpy(token_out, token, sizeof token);
        memset(out, 0, sizeof *out);
        out->id = id;
        snprintf(out->name, sizeof out->name, "%s", name);
        out->created_at = cx->now;
    }
    secure_zero(token, sizeof token);
    return rc;
}

enum rc credentials_token_list(struct ctx *cx, int64_t after_id, int limit,
                               struct credentials_token **items_out, int *count_out, int *more)
{
    if (limit < 1 || limit > 500)
        return ctx_fail(cx, RC_BAD_REQUEST, NULL, "limit must be from 1 to 500.");
    struct credentials_token *items = calloc((size_t)limit, sizeof *items);
    if (!items)
        return RC_NOMEM;
    int n = 0, further = 0;
    enum rc rc = credentials_store_token_list(cx->db, cx->actor.tenant_id, cx->actor.user_id,
                                              after_id, limit, items, &n, &further);
    if (rc || n == 0) {
        free(items);
        items = NULL;
    }
    if (rc)
        return rc;
    *items_out = items;
    *count_out = n;
    *more = further;
    return RC_OK;
}

enum rc credentials_token_revoke(struct ctx *cx, int64_t id)
{
    enum rc rc = id > 0 ? credentials_store_token_revoke(cx->db, cx->actor.tenant_id,
                                                         cx->actor.user_id, id, cx->now)
                        : RC_NOT_FOUND;
    if (rc == RC_NOT_FOUND)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "You have no such API token.");
    if (rc)
        return rc;
    return audit_record(cx, "token.revoke", "api_token", id, NULL);
}
