/*
 * jsonw.c — see jsonw.h. Escaping copies the longest run of characters that need no
 * escape in one buf_addn, so a long Markdown text costs a few copies, not one call per
 * character.
 */
#include "jsonw.h"

#include <stdio.h>
#include <string.h>

#include "now.h"

void jsonw_init(struct jsonw *w, struct buf *b)
{
    memset(w, 0, sizeof *w);
    w->b = b;
}

/* Writes the comma a new value or key needs, unless it follows a key. */
static void separate(struct jsonw *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->depth > 0) {
        if (w->has[w->depth - 1])
            buf_addc(w->b, ',');
        w->has[w->depth - 1] = 1;
    }
}

static void open_container(struct jsonw *w, char c)
{
    separate(w);
    buf_addc(w->b, c);
    if (w->depth < JSONW_MAX_DEPTH)
        w->has[w->depth] = 0;
    w->depth++;
}

static void close_container(struct jsonw *w, char c)
{
    if (w->depth > 0)
        w->depth--;
    buf_addc(w->b, c);
}

void jsonw_object(struct jsonw *w)
{
    open_container(w, '{');
}

void jsonw_array(struct jsonw *w)
{
    open_container(w, '[');
}

void jsonw_end_object(struct jsonw *w)
{
    close_container(w, '}');
}

void jsonw_end_array(struct jsonw *w)
{
    close_container(w, ']');
}

static void escaped(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    buf_addc(b, '"');
    const unsigned char *p = (const unsigned char *)s, *run = p;
    for (; *p; p++) {
        unsigned char c = *p;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        buf_addn(b, run, (size_t)(p - run));
        run = p + 1;
        switch (c) {
        case '"':
            buf_addn(b, "\\\"", 2);
            break;
        case '\\':
            buf_addn(b, "\\\\", 2);
            break;
        case '\n':
            buf_addn(b, "\\n", 2);
            break;
        case '\r':
            buf_addn(b, "\\r", 2);
            break;
        case '\t':
            buf_addn(b, "\\t", 2);
            break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_addn(b, u, sizeof u);
        }
        }
    }
    buf_addn(b, run, (size_t)(p - run));
    buf_addc(b, '"');
}

void jsonw_key(struct jsonw *w, const char *key)
{
    separate(w);
    escaped(w->b, key);
    buf_addc(w->b, ':');
    w->after_key = 1;
}

void jsonw_string(struct jsonw *w, const char *s)
{
    separate(w);
    if (s)
        escaped(w->b, s);
    else
        buf_addn(w->b, "null", 4);
}

void jsonw_int(struct jsonw *w, int64_t v)
{
    /* By hand: printf's machinery cost a tenth of a large answer's time. */
    char digits[24], *end = digits + sizeof digits, *p = end;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do
        *--p = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        *--p = '-';
    separate(w);
    buf_addn(w->b, p, (size_t)(end - p));
}

void jsonw_bool(struct jsonw *w, int v)
{
    separate(w);
    if (v)
        buf_addn(w->b, "true", 4);
    else
        buf_addn(w->b, "false", 5);
}

void jsonw_null(struct jsonw *w)
{
    separate(w);
    buf_addn(w->b, "null", 4);
}

void jsonw_instant_or_null(struct jsonw *w, int64_t t)
{
    char text[32];
    if (!t) {
        jsonw_null(w);
        return;
    }
    now_format_rfc3339(t, text, sizeof text);
    jsonw_string(w, text);
}
