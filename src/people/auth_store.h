/*
 * auth_store.h — the SQL of sign-in: sessions, bearer-token lookup, sign-in candidates
 * and failure counting. Private to src/people/.
 */
#ifndef WAYMARK_AUTH_STORE_H
#define WAYMARK_AUTH_STORE_H

#include <stdint.h>

#include "core/secure.h"
#include "db/db.h"

/* What a session or token row says about its (active) user. */
struct auth_principal {
    int64_t id; /* session or token id */
    int64_t tenant_id;
    int64_t user_id;
    unsigned roles;
    int64_t last_used_at;            /* session: last_seen_at; token: last_used_at (0 when never) */
    int64_t expires_at;              /* session only */
    char csrf[SECURE_TOKEN_HEX + 1]; /* session only */
};

/* The session whose token hashes to token_hash, with an active user. RC_NOT_FOUND when
 * there is none (expiry is the caller's rule). */
enum rc auth_store_session_by_hash(struct db *db, const char *token_hash,
                                   struct auth_principal *out);
enum rc auth_store_session_touch(struct db *db, int64_t session_id, int64_t now);
enum rc auth_store_session_insert(struct db *db, int64_t tenant_id, int64_t user_id,
                                  const char *token_hash, const char *csrf, int64_t now,
                                  int64_t expires_at, int64_t *id);
enum rc auth_store_session_delete(struct db *db, int64_t session_id);

/* The unrevoked API token hashing to token_hash, with an active user. */
enum rc auth_store_token_by_hash(struct db *db, const char *token_hash, struct auth_principal *out);
enum rc auth_store_token_touch(struct db *db, int64_t token_id, int64_t now);

#define AUTH_MAX_CANDIDATES 8

struct auth_candidate {
    int64_t user_id;
    int64_t tenant_id;
    char password_hash[SECURE_PASSWORD_HASH];
};

/* Active users with this email key (in the tenant with slug tenant_slug when not NULL),
 * at most AUTH_MAX_CANDIDATES. */
enum rc auth_store_candidates(struct db *db, const char *email_key, const char *tenant_slug,
                              struct auth_candidate *out, int *n);

/* Failures for key since `since`, and the oldest of them (0 when none). */
enum rc auth_store_failures(struct db *db, const char *key, int64_t since, int64_t *count,
                            int64_t *oldest);
/* Records a failure and prunes this key's rows older than prune_before. */
enum rc auth_store_failure_add(struct db *db, const char *key, int64_t now, int64_t prune_before);
enum rc auth_store_failures_clear(struct db *db, const char *key);

#endif
