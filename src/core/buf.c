/*
 * buf.c — bounded, NUL-terminated, growable byte buffer (see buf.h).
 *
 * Growth doubles, so n appends cost O(n) amortised. The cap protects the server from
 * building unbounded strings out of hostile input; it is a limit on content, not on
 * allocation size, which may briefly exceed it by the doubling step plus one.
 */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char EMPTY[1];

void buf_init(struct buf *b, size_t cap)
{
    b->data = EMPTY;
    b->len = 0;
    b->size = 0;
    b->cap = cap;
    b->failed = RC_OK;
}

void buf_free(struct buf *b)
{
    if (b->size)
        free(b->data);
    b->data = EMPTY;
    b->len = 0;
    b->size = 0;
    b->failed = RC_OK;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->size)
        b->data[0] = '\0';
    b->failed = RC_OK;
}

static enum rc buf_reserve(struct buf *b, size_t more)
{
    if (b->failed)
        return b->failed;
    if (more > b->cap || b->len > b->cap - more)
        return b->failed = RC_TOO_LARGE;
    size_t need = b->len + more + 1;
    if (need <= b->size)
        return RC_OK;
    size_t size = b->size ? b->size : 64;
    while (size < need)
        size *= 2;
    char *p = b->size ? realloc(b->data, size) : malloc(size);
    if (!p)
        return b->failed = RC_NOMEM;
    if (!b->size)
        p[0] = '\0';
    b->data = p;
    b->size = size;
    return RC_OK;
}

enum rc buf_addn(struct buf *b, const void *p, size_t n)
{
    enum rc rc = buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return RC_OK;
}

enum rc buf_add(struct buf *b, const char *s)
{
    return buf_addn(b, s, strlen(s));
}

enum rc buf_addc(struct buf *b, char c)
{
    return buf_addn(b, &c, 1);
}

enum rc buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return b->failed ? b->failed : (b->failed = RC_INTERNAL);
    enum rc rc = buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return RC_OK;
}

enum rc buf_addf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum rc rc = buf_vaddf(b, fmt, ap);
    va_end(ap);
    return rc;
}

enum rc buf_failed(const struct buf *b)
{
    return b->failed;
}

char *buf_steal(struct buf *b, size_t *len)
{
    if (b->failed)
        return NULL;
    char *p = b->size ? b->data : strdup("");
    if (len)
        *len = b->len;
    b->data = EMPTY;
    b->len = 0;
    b->size = 0;
    return p;
}
