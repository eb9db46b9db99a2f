/*
 * query.c — ids and paging from the query string (see query.h).
 */
#include "query.h"

#include <stdio.h>
#include <string.h>

int64_t query_id(const char *s)
{
    int64_t v = 0;
    size_t n = 0;
    if (!s)
        return 0;
    for (; s[n]; n++) {
        if (n >= 18 || s[n] < '0' || s[n] > '9')
            return 0;
        v = v * 10 + (s[n] - '0');
    }
    return v;
}

enum rc query_paging(struct ctx *cx, const struct req *rq, int *limit, int64_t *cursor)
{
    return query_paging_within(cx, rq, QUERY_LIMIT_DEFAULT, QUERY_LIMIT_MAX, limit, cursor);
}

enum rc query_paging_within(struct ctx *cx, const struct req *rq, int def, int max, int *limit,
                            int64_t *cursor)
{
    enum rc rc = RC_OK;
    const char *l = rq->query(rq, "limit");
    const char *c = rq->query(rq, "cursor");
    *limit = def;
    *cursor = 0;
    if (l) {
        int64_t v = query_id(l);
        if (v < 1 || v > max)
            rc = ctx_fail(cx, RC_BAD_REQUEST, "limit", "must be a number from 1 to %d", max);
        else
            *limit = (int)v;
    }
    if (c && c[0] && !(*cursor = query_id(c)))
        rc = ctx_fail(cx, RC_BAD_REQUEST, "cursor", "is not a cursor of this list");
    return rc;
}

json_t *query_cursor_json(int64_t id)
{
    char text[24];
    if (!id)
        return json_null();
    snprintf(text, sizeof text, "%lld", (long long)id);
    return json_string(text);
}

enum rc query_like_contains(const char *s, struct buf *b)
{
    buf_addc(b, '%');
    for (; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            buf_addc(b, '\\');
        buf_addc(b, *s);
    }
    buf_addc(b, '%');
    return buf_failed(b);
}

enum rc query_path_id(struct ctx *cx, const struct req *rq, int i, const char *what, int64_t *out)
{
    *out = rq->nparams > i ? query_id(rq->params[i]) : 0;
    if (*out <= 0)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such %s.", what);
    return RC_OK;
}

enum rc query_if_match(struct ctx *cx, const struct req *rq, const char *of)
{
    const char *v = rq->header(rq, "If-Match");
    char digits[24];
    size_t n = 0;
    cx->if_match = 0;
    if (!v || strcmp(v, "*") == 0)
        return RC_OK;
    if (strncmp(v, "W/", 2) == 0)
        v += 2;
    if (*v++ != '"')
        goto bad;
    while (*v >= '0' && *v <= '9' && n < sizeof digits - 1)
        digits[n++] = *v++;
    digits[n] = '\0';
    if (*v++ != '"' || *v != '\0' || !(cx->if_match = query_id(digits)))
        goto bad;
    return RC_OK;
bad:
    cx->if_match = 0;
    return ctx_fail(cx, RC_BAD_REQUEST, "If-Match", "must be the ETag of %s", of);
}
