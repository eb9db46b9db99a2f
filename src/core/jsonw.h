/*
 * jsonw.h — writing JSON straight into a struct buf, for the large answers where
 * building a Jansson tree first costs more than the answer is worth.
 *
 * A workflow of 200 steps is ~140 KB of JSON; through Jansson every string is copied
 * into a node, checked for UTF-8 again, then escaped through a callback per run of
 * characters. Writing directly skips the tree and escapes by copying runs with memcpy.
 * The writer tracks commas itself: call jsonw_key before each member's value, values
 * alone inside arrays. Strings must be valid UTF-8 (everything Waymark stores was
 * checked on the way in); they are written as UTF-8, escaping only what JSON requires.
 * Failures (the buffer's cap, memory) are remembered by the buf; check buf_failed once
 * at the end. Small answers keep using Jansson (jsonx.h), which is simpler to read.
 */
#ifndef WAYMARK_JSONW_H
#define WAYMARK_JSONW_H

#include <stdint.h>

#include "buf.h"

#define JSONW_MAX_DEPTH 32

struct jsonw {
    struct buf *b;
    int depth;
    int after_key;                      /* the next value follows "key": */
    unsigned char has[JSONW_MAX_DEPTH]; /* the container at each depth has members */
};

void jsonw_init(struct jsonw *w, struct buf *b);
void jsonw_object(struct jsonw *w); /* { */
void jsonw_array(struct jsonw *w);  /* [ */
void jsonw_end_object(struct jsonw *w);
void jsonw_end_array(struct jsonw *w);
void jsonw_key(struct jsonw *w, const char *key);
/* NULL writes null. */
void jsonw_string(struct jsonw *w, const char *s);
void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_bool(struct jsonw *w, int v);
void jsonw_null(struct jsonw *w);
/* An instant as the API shows it ("2026-12-01T09:00:00Z"); 0 writes null. */
void jsonw_instant_or_null(struct jsonw *w, int64_t t);

#endif
