/*
 * secure.h — the only door to libsodium: secure random bytes and constant-time compare.
 * secure_init must run once in main before threads start; afterwards all functions are
 * thread-safe.
 */
#ifndef WAYMARK_SECURE_H
#define WAYMARK_SECURE_H

#include <stddef.h>

#include "rc.h"

enum rc secure_init(void);
void secure_random(void *p, size_t n);
/* Writes 2*n lowercase hex characters of fresh randomness and a NUL into out. */
void secure_random_hex(char *out, size_t n);
/* 1 when the n bytes are equal, in time independent of their contents. */
int secure_equal(const void *a, const void *b, size_t n);

#endif
