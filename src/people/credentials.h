/*
 * credentials.h — passwords, API tokens and one-time links (invitations and admin
 * password resets), and ending everything a user is signed in with.
 *
 * Tokens and links are random (secure_token_new) and stored only hashed
 * (secure_token_hash); they are shown once, in the response that creates them.
 *
 * API tokens: the string shown to the user is CREDENTIALS_TOKEN_PREFIX ("wm_") followed
 * by the 64 hex characters of secure_token_new; api_tokens.token_hash is
 * secure_token_hash() of that WHOLE string, prefix included (auth.c looks bearer tokens
 * up that way). Link tokens in one_time_links are hashed the same way, without prefix.
 *
 * One-time links carry their token in the URL fragment ("/welcome#token=…"): browsers
 * never send a fragment to a server or in a Referer, so the token stays out of access
 * logs and third-party requests; the page reads it and posts it to
 * POST /api/v1/auth/accept. A link is valid once: using it, issuing a newer link of the
 * same purpose, an admin reset and deactivation all mark it used. An unknown, used or
 * expired link gets the same answer (404 "This link is not valid any more."), so the
 * answer tells an attacker nothing about which links exist.
 *
 * What ends what:
 *   password change (by the user)  the user's other sessions and unused links; API tokens
 *                                  stay
 *   admin password reset           all sessions, unused links and the password itself
 *                                  (the old one stops working); API tokens stay, so the
 *                                  user's integrations keep running
 *   credentials_revoke_all         all sessions, all tokens, unused links (deactivation)
 *
 * Passwords, tokens, links and their hashes never go into logs, the audit log or any
 * response other than the one that creates them.
 */
#ifndef WAYMARK_CREDENTIALS_H
#define WAYMARK_CREDENTIALS_H

#include <stdint.h>

#include "core/ctx.h"

#define CREDENTIALS_TOKEN_PREFIX "wm_"
#define CREDENTIALS_LINK_URL_MAX 256
#define CREDENTIALS_PASSWORD_MIN 10  /* characters */
#define CREDENTIALS_PASSWORD_MAX 200 /* characters */

/* Issues a one-time link for user_id (in the actor's tenant) with purpose "invite" (set a
 * first password, valid 7 days) or "reset" (valid 24 hours), replacing any unused link of
 * the same purpose. Writes the path to open, e.g. "/welcome#token=…", into url_out.
 * The caller has already checked permission. */
enum rc credentials_issue_link(struct ctx *cx, int64_t user_id, const char *purpose,
                               char url_out[CREDENTIALS_LINK_URL_MAX]);

/* Ends every session of user_id, revokes their API tokens and voids unused links; used
 * when a user is deactivated or their password is reset. */
enum rc credentials_revoke_all(struct ctx *cx, int64_t user_id);

/* RC_OK when password is acceptable (length in characters, valid UTF-8, not the email);
 * else RC_INVALID on field with the reason. email may be NULL (then not compared). */
enum rc credentials_check_password(struct ctx *cx, const char *field, const char *password,
                                   const char *email);

/* ---- additions for the credentials routes (credentials_api.c) ---- */

#define CREDENTIALS_INVITE_LIFETIME (7 * 86400)
#define CREDENTIALS_RESET_LIFETIME  (24 * 3600)
#define CREDENTIALS_TOKEN_NAME_MAX  100 /* characters */
#define CREDENTIALS_TOKENS_MAX      100 /* live API tokens per user */
/* The token shown once: prefix, 64 hex characters, NUL. */
#define CREDENTIALS_TOKEN_LEN (sizeof CREDENTIALS_TOKEN_PREFIX - 1 + 64)

/* An API token as its owner may see it (never the token or its hash). */
struct credentials_token {
    int64_t id;
    char name[CREDENTIALS_TOKEN_NAME_MAX * 4 + 1];
    int64_t created_at;
    int64_t last_used_at; /* 0: never used */
};

/* Sets a password through a one-time link, for someone who is not signed in (cx->actor
 * is empty): token is the link's token as the page received it. Marks the link and any
 * other unused link of that user used. Does not sign in. RC_NOT_FOUND ("This link is not
 * valid any more.") for an unknown, used or expired link or a deactivated user;
 * RC_INVALID on "password" for a weak password (the link stays usable). */
enum rc credentials_accept_link(struct ctx *cx, const char *token, const char *password);

/* An operator (the CLI, cx->actor the tenant's system actor) sets user_id's password,
 * which must pass credentials_check_password. RC_NOT_FOUND for a user outside the
 * actor's tenant. Sessions, tokens and links are left alone. */
enum rc credentials_set_password(struct ctx *cx, int64_t user_id, const char *password);

/* The signed-in user changes their own password. RC_INVALID on "current_password" ("is
 * not right") and/or "new_password"; on success the user's other sessions end (the
 * current one, cx->actor.session_id, stays; when signed in by API token every session
 * ends), unused links are voided and
 * "user.password_change" is audited (without any password). */
enum rc credentials_change_password(struct ctx *cx, const char *current_password,
                                    const char *new_password);

/* An admin resets user_id's password: ends their sessions (all but the actor's own
 * current one), voids their unused links, clears their password, issues a "reset" link
 * into url_out and *expires_at, audits "user.password_reset" (without the link).
 * RC_FORBIDDEN for a non-admin, RC_NOT_FOUND for a user outside the tenant, RC_CONFLICT
 * for a deactivated user. */
enum rc credentials_reset_password(struct ctx *cx, int64_t user_id,
                                   char url_out[CREDENTIALS_LINK_URL_MAX], int64_t *expires_at);

/* Creates an API token for the actor named name (1–CREDENTIALS_TOKEN_NAME_MAX
 * characters, not blank, unique among their live tokens: else RC_CONFLICT). Writes the
 * token (shown once) into token_out and its record into out. RC_CONFLICT too when the
 * user already has CREDENTIALS_TOKENS_MAX live tokens. */
enum rc credentials_token_create(struct ctx *cx, const char *name,
                                 char token_out[CREDENTIALS_TOKEN_LEN + 1],
                                 struct credentials_token *out);

/* The actor's live tokens with id > after_id, at most limit (1–500), in id order.
 * *items_out is a new array of *count_out entries (free() it; NULL when none);
 * *more says whether further tokens follow. */
enum rc credentials_token_list(struct ctx *cx, int64_t after_id, int limit,
                               struct credentials_token **items_out, int *count_out, int *more);

/* Revokes one of the actor's own live tokens. RC_NOT_FOUND for any other id, including
 * another user's token in the same tenant and a token already revoked. */
enum rc credentials_token_revoke(struct ctx *cx, int64_t id);

#endif
