/*
 * buf.h — the one bounded string buffer.
 *
 * A struct buf grows on the heap up to a cap fixed at creation, is always NUL-terminated
 * (so ->data is a C string even when empty) and remembers its first failure: once an
 * append fails (out of memory or over the cap) every later append is refused too, and
 * buf_failed() tells which. Callers therefore append freely and check once at the end.
 *
 * Not thread-safe; a buffer belongs to one owner. A zero-initialised struct buf is not
 * usable: call buf_init first. buf_free releases the memory and leaves an empty buffer.
 */
#ifndef WAYMARK_BUF_H
#define WAYMARK_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "rc.h"

struct buf {
    char *data;     /* NUL-terminated; never NULL after buf_init */
    size_t len;     /* bytes used, not counting the NUL */
    size_t size;    /* bytes allocated */
    size_t cap;     /* most bytes ->len may reach */
    enum rc failed; /* RC_OK, RC_NOMEM or RC_TOO_LARGE */
};

/* Prepares an empty buffer that may hold up to cap bytes. Never fails (allocation is lazy). */
void buf_init(struct buf *b, size_t cap);
void buf_free(struct buf *b);
/* Empties the buffer and clears a failure; keeps the memory. */
void buf_reset(struct buf *b);

enum rc buf_add(struct buf *b, const char *s);
enum rc buf_addn(struct buf *b, const void *p, size_t n);
enum rc buf_addc(struct buf *b, char c);
enum rc buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
enum rc buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* RC_OK, or the first failure of any append since init/reset. */
enum rc buf_failed(const struct buf *b);

/* Hands the bytes to the caller (free() them) and leaves the buffer empty. NULL on failure. */
char *buf_steal(struct buf *b, size_t *len);

#endif
