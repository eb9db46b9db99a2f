/*
 * credentials_store.h — the SQL behind credentials.c: password hashes, API tokens,
 * one-time links and ending sessions. Private to src/people/.
 *
 * Every function takes the tenant id and never reaches another tenant's rows, except
 * credentials_store_link_by_hash, whose whole point is to find a link from its token
 * alone (the token is 256 random bits, so knowing it is the authorisation). Token
 * arguments are always hashes (secure_token_hash); no clear token reaches this file.
 */
#ifndef WAYMARK_CREDENTIALS_STORE_H
#define WAYMARK_CREDENTIALS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/secure.h"
#include "credentials.h"
#include "db/db.h"

/* ---- passwords ---- */

/* Copies the user's password hash into out ("" when none is set). RC_NOT_FOUND when the
 * user is not in the tenant. */
enum rc credentials_store_password_hash(struct db *db, int64_t tenant_id, int64_t user_id,
                                        char out[SECURE_PASSWORD_HASH]);
/* Sets the user's password hash; hash NULL clears it (nobody can sign in with a
 * password until a link sets one). RC_NOT_FOUND when the user is not in the tenant. */
enum rc credentials_store_set_password_hash(struct db *db, int64_t tenant_id, int64_t user_id,
                                            const char *hash);

/* ---- sessions ---- */

/* Deletes the user's sessions except the one with id keep_session_id (0: keep none). */
enum rc credentials_store_delete_sessions(struct db *db, int64_t tenant_id, int64_t user_id,
                                          int64_t keep_session_id);

/* ---- API tokens ---- */

/* Inserts a live token and writes its id. */
enum rc credentials_store_token_insert(struct db *db, int64_t tenant_id, int64_t user_id,
                                       const char *name, const char *token_hash, int64_t now,
                                       int64_t *id_out);
/* How many live tokens the user has, and whether one of them is called name
 * (exact comparison). */
enum rc credentials_store_token_count(struct db *db, int64_t tenant_id, int64_t user_id,
                                      const char *name, int64_t *live_out, int *name_taken_out);
/* Up to limit live tokens of the user with id > after_id, in id order, into out (room
 * for limit entries); *count_out says how many, *more whether further tokens exist. */
enum rc credentials_store_token_list(struct db *db, int64_t tenant_id, int64_t user_id,
                                     int64_t after_id, int limit, struct credentials_token *out,
                                     int *count_out, int *more);
/* Revokes one live token of the user at now. RC_NOT_FOUND when there is no live token
 * with this id belonging to this user. */
enum rc credentials_store_token_revoke(struct db *db, int64_t tenant_id, int64_t user_id,
                                       int64_t id, int64_t now);
/* Revokes every live token of the user at now. */
enum rc credentials_store_token_revoke_all(struct db *db, int64_t tenant_id, int64_t user_id,
                                           int64_t now);

/* ---- one-time links ---- */

struct credentials_store_link {
    int64_t id;
    int64_t tenant_id;
    int64_t user_id;
    char purpose[16];
    int64_t expires_at;
    int64_t used_at; /* 0: unused */
};

enum rc credentials_store_link_insert(struct db *db, int64_t tenant_id, int64_t user_id,
                                      const char *purpose, const char *token_hash,
                                      int64_t created_by, int64_t now, int64_t expires_at);
/* The link with this token hash, in any tenant. RC_NOT_FOUND when there is none. */
enum rc credentials_store_link_by_hash(struct db *db, const char *token_hash,
                                       struct credentials_store_link *out);
/* Marks one link used at now if it still is unused: *claimed is 1 when this call did it,
 * 0 when the link had been used meanwhile. */
enum rc credentials_store_link_claim(struct db *db, int64_t tenant_id, int64_t id, int64_t now,
                                     int *claimed);
/* Marks the user's unused links used at now: those of purpose, or all when purpose is
 * NULL. */
enum rc credentials_store_links_void(struct db *db, int64_t tenant_id, int64_t user_id,
                                     const char *purpose, int64_t now);

#endif
