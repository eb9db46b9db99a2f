/*
 * secure.h — the only door to libsodium: secure random bytes, token hashing, password
 * hashing and constant-time comparison. secure_init must run once in main before
 * threads start; afterwards all functions are thread-safe.
 *
 * Tokens (session cookies, API tokens, one-time links) are 32 random bytes shown to
 * their owner as 64 hex characters and stored only as a BLAKE2b-256 hash: the token
 * is already uniformly random, so a fast keyed-less hash is enough and a stolen table
 * reveals nothing usable. Passwords are hashed with argon2id at libsodium's
 * "interactive" limits (crypto_pwhash_str), which embeds salt and parameters.
 */
#ifndef WAYMARK_SECURE_H
#define WAYMARK_SECURE_H

#include <stddef.h>

#include "rc.h"

#define SECURE_TOKEN_HEX     64  /* characters of a token, without the NUL */
#define SECURE_PASSWORD_HASH 128 /* bytes of a password hash string, NUL included */

enum rc secure_init(void);
void secure_random(void *p, size_t n);
/* Writes 2*n lowercase hex characters of fresh randomness and a NUL into out. */
void secure_random_hex(char *out, size_t n);
/* A fresh token: SECURE_TOKEN_HEX hex characters and a NUL. */
void secure_token_new(char out[SECURE_TOKEN_HEX + 1]);
/* The hex BLAKE2b-256 hash of token, for storage and lookup. */
void secure_token_hash(const char *token, char out[SECURE_TOKEN_HEX + 1]);
/* Hashes a password with argon2id. RC_NOMEM when the memory limit cannot be met. */
enum rc secure_password_hash(const char *password, char out[SECURE_PASSWORD_HASH]);
/* 1 when password matches hash. A NULL or empty hash never matches, but the time spent
 * is the same as for a real check, so callers can use it for unknown accounts too. */
int secure_password_verify(const char *hash, const char *password);
/* Overwrites n bytes in a way the compiler cannot optimise away (passwords in memory). */
void secure_zero(void *p, size_t n);
/* 1 when the n bytes are equal, in time independent of their contents. */
int secure_equal(const void *a, const void *b, size_t n);

#define SECURE_HMAC_HEX 64 /* characters of an HMAC-SHA256, without the NUL */
/* HMAC-SHA256 of msg with key (any length), as lowercase hex: webhook signatures. */
void secure_hmac_sha256_hex(const void *key, size_t key_len, const void *msg, size_t msg_len,
                            char out[SECURE_HMAC_HEX + 1]);

#endif
