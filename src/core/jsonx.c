/*
 * jsonx.c — strict request JSON (see jsonx.h).
 *
 * The pre-scan walks the bytes once, tracking whether it is inside a string (and after a
 * backslash) so brackets inside strings do not count towards the depth. It does not
 * validate JSON grammar — Jansson does that next — only the two properties Jansson
 * would check too late or too leniently: UTF-8 everywhere and a hard depth limit.
 */
#include "jsonx.h"

#include <string.h>

#include "now.h"

int jsonx_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        unsigned char c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t len;
        unsigned cp;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if ((size_t)(end - p) < len)
            return 0;
        for (size_t i = 1; i < len; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
            return 0;
        p += len;
    }
    return 1;
}

size_t jsonx_utf8_length(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xc0) != 0x80)
            n++;
    return n;
}

/* Depth of the deepest bracket outside strings; stops counting past limit. Returns the
 * byte offset where the limit was crossed, or -1 when it never was. */
static long deepest_offset(const char *p, size_t n, int limit)
{
    int depth = 0, in_string = 0, escaped = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (in_string) {
            if (escaped)
                escaped = 0;
            else if (c == '\\')
                escaped = 1;
            else if (c == '"')
                in_string = 0;
            continue;
        }
        if (c == '"') {
            in_string = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > limit)
                return (long)i;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return -1;
}

enum rc jsonx_parse(struct ctx *cx, const char *p, size_t n, json_t **out)
{
    if (!jsonx_utf8_valid(p, n))
        return ctx_fail_code(cx, RC_BAD_REQUEST, "invalid_utf8",
                             "The request body is not valid UTF-8.");
    long at = deepest_offset(p, n, JSONX_MAX_DEPTH);
    if (at >= 0)
        return ctx_fail_code(cx, RC_BAD_REQUEST, "nesting_too_deep",
                             "JSON is nested deeper than %d levels (at byte %ld).", JSONX_MAX_DEPTH,
                             at);
    json_error_t err;
    json_t *v = json_loadb(p, n, JSON_REJECT_DUPLICATES, &err);
    if (!v)
        return ctx_fail_code(cx, RC_BAD_REQUEST, "malformed_json",
                             "The request body is not valid JSON: %s (line %d, column %d).",
                             err.text, err.line, err.column);
    *out = v;
    return RC_OK;
}

static int dump_into_buf(const char *p, size_t n, void *data)
{
    return buf_addn(data, p, n) == RC_OK ? 0 : -1;
}

enum rc jsonx_dump(const json_t *v, struct buf *b)
{
    if (json_dump_callback(v, dump_into_buf, b, JSON_COMPACT | JSON_ENCODE_ANY) != 0)
        return buf_failed(b) ? buf_failed(b) : RC_INTERNAL;
    return RC_OK;
}

/* Finds key in obj. *v is NULL when it is absent or null, which fails only if required. */
static enum rc field(struct ctx *cx, const json_t *obj, const char *key, int required, json_t **v)
{
    *v = json_object_get(obj, key);
    if (*v && json_is_null(*v))
        *v = NULL;
    if (!*v && required)
        return ctx_fail(cx, RC_INVALID, key, "is required");
    return RC_OK;
}

enum rc jsonx_string(struct ctx *cx, const json_t *obj, const char *key, int required,
                     size_t min_chars, size_t max_chars, const char **out)
{
    json_t *v;
    enum rc rc = field(cx, obj, key, required, &v);
    if (rc || !v)
        return rc;
    if (!json_is_string(v))
        return ctx_fail(cx, RC_INVALID, key, "must be a string");
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v))
        return ctx_fail(cx, RC_INVALID, key, "must not contain NUL characters");
    size_t chars = jsonx_utf8_length(s);
    if (chars < min_chars || chars > max_chars) {
        if (min_chars > 0 && chars == 0)
            return ctx_fail(cx, RC_INVALID, key, "is required");
        return ctx_fail(cx, RC_INVALID, key, "must be %zu to %zu characters", min_chars, max_chars);
    }
    *out = s;
    return RC_OK;
}

enum rc jsonx_int64(struct ctx *cx, const json_t *obj, const char *key, int required, int64_t min,
                    int64_t max, int64_t *out)
{
    json_t *v;
    enum rc rc = field(cx, obj, key, required, &v);
    if (rc || !v)
        return rc;
    if (!json_is_integer(v))
        return ctx_fail(cx, RC_INVALID, key, "must be a whole number");
    json_int_t i = json_integer_value(v);
    if (i < min || i > max)
        return ctx_fail(cx, RC_INVALID, key, "must be from %lld to %lld", (long long)min,
                        (long long)max);
    *out = i;
    return RC_OK;
}

enum rc jsonx_bool(struct ctx *cx, const json_t *obj, const char *key, int required, int *out)
{
    json_t *v;
    enum rc rc = field(cx, obj, key, required, &v);
    if (rc || !v)
        return rc;
    if (!json_is_boolean(v))
        return ctx_fail(cx, RC_INVALID, key, "must be true or false");
    *out = json_is_true(v);
    return RC_OK;
}

enum rc jsonx_only(struct ctx *cx, const json_t *obj, const char *const *allowed)
{
    return jsonx_only_at(cx, obj, NULL, allowed);
}

enum rc jsonx_only_at(struct ctx *cx, const json_t *obj, const char *path,
                      const char *const *allowed)
{
    if (!json_is_object(obj))
        return path ? ctx_fail(cx, RC_INVALID, path, "must be an object")
                    : ctx_fail(cx, RC_INVALID, "body", "must be a JSON object");
    enum rc rc = RC_OK;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        int known = 0;
        for (const char *const *a = allowed; *a && !known; a++)
            known = strcmp(*a, key) == 0;
        if (known)
            continue;
        if (path) {
            char field[256];
            snprintf(field, sizeof field, "%s.%s", path, key);
            rc = ctx_fail(cx, RC_INVALID, field, "is not a known field");
        } else {
            rc = ctx_fail(cx, RC_INVALID, key, "is not a known field");
        }
    }
    return rc;
}

json_t *jsonx_instant(int64_t t)
{
    char text[32];
    now_format_rfc3339(t, text, sizeof text);
    return json_string(text);
}

json_t *jsonx_instant_or_null(int64_t t)
{
    return t ? jsonx_instant(t) : json_null();
}

enum rc jsonx_check_name(struct ctx *cx, const char *field, const char *s, size_t max_chars)
{
    size_t n = strlen(s);
    if (!jsonx_utf8_valid(s, n))
        return ctx_fail(cx, RC_INVALID, field, "must be valid UTF-8 text");
    size_t chars = jsonx_utf8_length(s);
    if (chars < 1 || chars > max_chars)
        return ctx_fail(cx, RC_INVALID, field, "must be 1 to %zu characters", max_chars);
    int blank = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return ctx_fail(cx, RC_INVALID, field, "must not contain control characters");
        if (c != ' ')
            blank = 0;
    }
    if (blank)
        return ctx_fail(cx, RC_INVALID, field, "must not be only spaces");
    return RC_OK;
}
