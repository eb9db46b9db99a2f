/*
 * multipart.c — reading a buffered multipart/form-data body (see multipart.h).
 *
 * How it works: the boundary is taken from the Content-Type header; then the body is cut
 * at each delimiter line ("--boundary" at the start of a line, followed by "--" for the
 * last one, or by optional spaces and a line end). The delimiters are found with memmem
 * on "\n--boundary", so a body of any size is scanned once and nothing is copied: parts
 * point into the body. Each part's header lines are read up to the blank line; only
 * Content-Disposition (field name, file name) and Content-Type (kept for logs, never
 * trusted) are looked at.
 *
 * Every read is bounded by the end of the body: nothing here assumes the body is
 * NUL-terminated, and every pointer is compared with end before it is dereferenced.
 * Anything ambiguous is refused rather than guessed (see multipart.h), because a proxy
 * or a browser that reads the same body differently is how upload filters get bypassed.
 *
 * Deliberately not supported: nested multipart/mixed parts (RFC 7578 deprecates them),
 * Content-Transfer-Encoding (browsers never send it; the data is taken as it is), and
 * charsets other than UTF-8 in filename*.
 */
#include "multipart.h"

#include <string.h>
#include <strings.h>

#define MULTIPART_BOUNDARY_MAX 70
/* A raw parameter value: a percent-encoded UTF-8 file name is up to three times longer
 * than the name, plus its charset and language. */
#define MULTIPART_VALUE_MAX (3 * MULTIPART_NAME_MAX + 64)

struct param {
    char name[32]; /* "" when the parameter's name is longer: no parameter we read is */
    char value[MULTIPART_VALUE_MAX + 1];
    size_t len;
};

enum param_result { PARAM_NONE, PARAM_OK, PARAM_MALFORMED, PARAM_TOO_LONG };

static const char *skip_ows(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* RFC 7230 tchar: what a parameter name may contain. */
static int is_tchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Reads the next "; name=value" of a header value from *pp (up to end) into out, with a
 * quoted value unquoted. Leaves *pp after it on PARAM_OK. A lone trailing ';' is
 * tolerated (some clients send one). */
static enum param_result param_next(const char **pp, const char *end, struct param *out)
{
    const char *p = skip_ows(*pp, end);
    if (p == end)
        return PARAM_NONE;
    if (*p != ';')
        return PARAM_MALFORMED;
    p = skip_ows(p + 1, end);
    if (p == end)
        return PARAM_NONE;
    const char *name = p;
    while (p < end && is_tchar(*p))
        p++;
    size_t nlen = (size_t)(p - name);
    if (nlen == 0)
        return PARAM_MALFORMED;
    if (nlen < sizeof out->name) {
        memcpy(out->name, name, nlen);
        out->name[nlen] = '\0';
    } else {
        out->name[0] = '\0';
    }
    p = skip_ows(p, end);
    if (p == end || *p != '=')
        return PARAM_MALFORMED;
    p = skip_ows(p + 1, end);

    size_t len = 0;
    int too_long = 0;
    if (p < end && *p == '"') {
        p++;
        for (;;) {
            if (p == end)
                return PARAM_MALFORMED; /* no closing quote */
            char c = *p++;
            if (c == '"')
                break;
            /* Only \" and \\ are escapes: browsers send Windows paths unescaped. */
            if (c == '\\' && p < end && (*p == '"' || *p == '\\'))
                c = *p++;
            if (len < MULTIPART_VALUE_MAX)
                out->value[len++] = c;
            else
                too_long = 1;
        }
    } else {
        const char *v = p;
        while (p < end && *p != ';' && *p != ' ' && *p != '\t' && *p != '"')
            p++;
        if (p == v || (p < end && *p == '"'))
            return PARAM_MALFORMED;
        for (; v < p; v++) {
            if (len < MULTIPART_VALUE_MAX)
                out->value[len++] = *v;
            else
                too_long = 1;
        }
    }
    out->value[len] = '\0';
    out->len = len;
    *pp = p;
    return too_long ? PARAM_TOO_LONG : PARAM_OK;
}

/* RFC 2046 bchars (space allowed, but not last). */
static int boundary_valid(const char *b, size_t n)
{
    if (n < 1 || n > MULTIPART_BOUNDARY_MAX || b[n - 1] == ' ')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("'()+_,-./:=? ", c)))
            return 0;
    }
    return 1;
}

/* Writes "--" and the boundary of content_type into dash. */
static enum rc boundary_of(struct ctx *cx, const char *content_type,
                           char dash[2 + MULTIPART_BOUNDARY_MAX + 1], size_t *dlen)
{
    static const char TYPE[] = "multipart/form-data";
    const size_t tlen = sizeof TYPE - 1;
    if (!content_type)
        return ctx_fail(cx, RC_UNSUPPORTED_MEDIA, NULL,
                        "Send the files as multipart/form-data (there is no Content-Type).");
    const char *end = content_type + strlen(content_type);
    const char *p = skip_ows(content_type, end);
    if ((size_t)(end - p) < tlen || strncasecmp(p, TYPE, tlen) != 0 ||
        (p + tlen < end && p[tlen] != ';' && p[tlen] != ' ' && p[tlen] != '\t'))
        return ctx_fail(cx, RC_UNSUPPORTED_MEDIA, NULL, "Send the files as multipart/form-data.");
    p += tlen;
    struct param pm;
    int found = 0;
    enum param_result r;
    while ((r = param_next(&p, end, &pm)) != PARAM_NONE) {
        if (r != PARAM_OK && r != PARAM_TOO_LONG)
            return ctx_fail(cx, RC_UNSUPPORTED_MEDIA, NULL,
                            "The multipart/form-data Content-Type is malformed.");
        if (strcasecmp(pm.name, "boundary") != 0)
            continue;
        if (found || r == PARAM_TOO_LONG || !boundary_valid(pm.value, pm.len))
            return ctx_fail(cx, RC_UNSUPPORTED_MEDIA, NULL,
                            "The multipart/form-data boundary must be given once, as 1-70 "
                            "letters, digits or '()+_,-./:=? characters.");
        found = 1;
        dash[0] = dash[1] = '-';
        memcpy(dash + 2, pm.value, pm.len);
        dash[2 + pm.len] = '\0';
        *dlen = 2 + pm.len;
    }
    if (!found)
        return ctx_fail(cx, RC_UNSUPPORTED_MEDIA, NULL,
                        "The multipart/form-data Content-Type names no boundary.");
    return RC_OK;
}

/* With p just after "--boundary": 1 when this is a delimiter line, with *after the start
 * of the next line and *closing set for the final "--boundary--"; 0 when it is data. */
static int delimiter_rest(const char *p, const char *end, const char **after, int *closing)
{
    if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
        *closing = 1;
        *after = end; /* the epilogue is ignored */
        return 1;
    }
    p = skip_ows(p, end);
    if (p < end && *p == '\n') {
        *after = p + 1;
    } else if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
        *after = p + 2;
    } else {
        return 0;
    }
    *closing = 0;
    return 1;
}

/* The next delimiter line at or after from: returns the '\n' that starts it (data
 * before it ends there, or one byte earlier after a '\r'), or NULL when there is none.
 * pat is "\n--boundary". */
static const char *delimiter_find(const char *from, const char *end, const char *pat, size_t plen,
                                  const char **after, int *closing)
{
    while (from < end) {
        const char *hit = memmem(from, (size_t)(end - from), pat, plen);
        if (!hit)
            return NULL;
        if (delimiter_rest(hit + plen, end, after, closing))
            return hit;
        from = hit + 1;
    }
    return NULL;
}

static int span_is(const char *p, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(p, word, n) == 0;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* filename*=UTF-8'lang'percent-encoded (RFC 5987) into out. 1 when it was UTF-8 and is
 * now in out, 0 for another charset (to be ignored), -1 when malformed, -2 when the
 * decoded name is too long. */
static int ext_value_decode(const struct param *pm, char out[MULTIPART_NAME_MAX + 1])
{
    const char *v = pm->value, *end = pm->value + pm->len;
    const char *q1 = memchr(v, '\'', pm->len);
    if (!q1)
        return -1;
    const char *q2 = memchr(q1 + 1, '\'', (size_t)(end - q1 - 1));
    if (!q2)
        return -1;
    if (!span_is(v, (size_t)(q1 - v), "UTF-8"))
        return 0;
    size_t n = 0;
    for (const char *p = q2 + 1; p < end; p++) {
        char c = *p;
        if (c == '%') {
            if (end - p < 3 || hex_value(p[1]) < 0 || hex_value(p[2]) < 0)
                return -1;
            c = (char)(hex_value(p[1]) * 16 + hex_value(p[2]));
            p += 2;
            if (c == '\0')
                return -1;
        }
        if (n == MULTIPART_NAME_MAX)
            return -2;
        out[n++] = c;
    }
    out[n] = '\0';
    return 1;
}

static enum rc malformed(struct ctx *cx, const char *what)
{
    return ctx_fail(cx, RC_BAD_REQUEST, NULL, "The multipart/form-data body is malformed: %s.",
                    what);
}

/* Reads a Content-Disposition value [p, end) into part. */
static enum rc disposition_parse(struct ctx *cx, const char *p, const char *end,
                                 struct multipart_part *part)
{
    const char *type = p;
    while (p < end && *p != ';' && *p != ' ' && *p != '\t')
        p++;
    if (!span_is(type, (size_t)(p - type), "form-data"))
        return malformed(cx, "a part's Content-Disposition is not form-data");
    int have_name = 0, have_filename = 0, have_ext = 0, ext_used = 0;
    struct param pm;
    enum param_result r;
    while ((r = param_next(&p, end, &pm)) != PARAM_NONE) {
        if (r == PARAM_MALFORMED)
            return malformed(cx, "a part's Content-Disposition has a bad parameter");
        int is_name = strcasecmp(pm.name, "name") == 0;
        int is_filename = strcasecmp(pm.name, "filename") == 0;
        int is_ext = strcasecmp(pm.name, "filename*") == 0;
        if (!is_name && !is_filename && !is_ext)
            continue;
        if ((is_name && have_name) || (is_filename && have_filename) || (is_ext && have_ext))
            return malformed(cx, "a part's Content-Disposition gives a parameter twice");
        if (r == PARAM_TOO_LONG)
            return ctx_fail(cx, RC_BAD_REQUEST, NULL,
                            "A field or file name in the multipart/form-data body is longer "
                            "than %d bytes.",
                            MULTIPART_NAME_MAX);
        if (is_ext) {
            have_ext = 1;
            int d = ext_value_decode(&pm, part->filename);
            if (d == -1)
                return malformed(cx, "a part's filename* is not valid RFC 5987 text");
            if (d == -2)
                return ctx_fail(cx, RC_BAD_REQUEST, NULL,
                                "A file name in the multipart/form-data body is longer than %d "
                                "bytes.",
                                MULTIPART_NAME_MAX);
            ext_used = d == 1;
            continue;
        }
        if (pm.len > MULTIPART_NAME_MAX)
            return ctx_fail(cx, RC_BAD_REQUEST, NULL,
                            "A field or file name in the multipart/form-data body is longer "
                            "than %d bytes.",
                            MULTIPART_NAME_MAX);
        if (is_name) {
            have_name = 1;
            memcpy(part->name, pm.value, pm.len + 1);
        } else {
            have_filename = 1;
            if (!ext_used)
                memcpy(part->filename, pm.value, pm.len + 1);
        }
    }
    if (!have_name || part->name[0] == '\0')
        return malformed(cx, "a part has no field name");
    /* filename* wins whatever the order; another charset falls back to filename (the
     * part was zeroed, so with neither the name stays ""). */
    part->is_file = have_filename || have_ext;
    return RC_OK;
}

/* Reads a part's header lines from p; *data is where its data starts. */
static enum rc part_headers(struct ctx *cx, const char *p, const char *end,
                            struct multipart_part *part, const char **data)
{
    const char *start = p;
    int have_disposition = 0;
    for (;;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return malformed(cx, "it ends inside a part's headers");
        if ((size_t)(nl + 1 - start) > MULTIPART_HEADERS_MAX)
            return ctx_fail(cx, RC_BAD_REQUEST, NULL,
                            "A part's headers in the multipart/form-data body are longer than "
                            "%d bytes.",
                            MULTIPART_HEADERS_MAX);
        const char *le = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
        if (le == p) {
            *data = nl + 1;
            break;
        }
        if (memchr(p, '\0', (size_t)(le - p)))
            return malformed(cx, "a part's headers contain a NUL byte");
        if (*p == ' ' || *p == '\t')
            return malformed(cx, "a part's header line is folded");
        const char *colon = memchr(p, ':', (size_t)(le - p));
        if (!colon || colon == p)
            return malformed(cx, "a part's header line has no name and colon");
        const char *vstart = skip_ows(colon + 1, le), *vend = le;
        while (vend > vstart && (vend[-1] == ' ' || vend[-1] == '\t'))
            vend--;
        if (span_is(p, (size_t)(colon - p), "Content-Disposition")) {
            if (have_disposition)
                return malformed(cx, "a part has two Content-Disposition headers");
            have_disposition = 1;
            enum rc rc = disposition_parse(cx, vstart, vend, part);
            if (rc)
                return rc;
        } else if (span_is(p, (size_t)(colon - p), "Content-Type")) {
            size_t n = (size_t)(vend - vstart);
            if (n > MULTIPART_TYPE_MAX)
                n = MULTIPART_TYPE_MAX;
            memcpy(part->content_type, vstart, n);
            part->content_type[n] = '\0';
        }
        p = nl + 1;
    }
    if (!have_disposition)
        return malformed(cx, "a part has no Content-Disposition header");
    return RC_OK;
}

enum rc multipart_parse(struct ctx *cx, const char *content_type, const char *body, size_t len,
                        struct multipart *out)
{
    char dash[2 + MULTIPART_BOUNDARY_MAX + 1];
    char pat[1 + sizeof dash];
    size_t dlen = 0;
    enum rc rc = boundary_of(cx, content_type, dash, &dlen);
    if (rc)
        return rc;
    pat[0] = '\n';
    memcpy(pat + 1, dash, dlen + 1);
    if (!body) {
        body = "";
        len = 0;
    }
    const char *end = body + len, *after = NULL;
    int closing = 0;

    /* The first delimiter opens the body or follows the preamble. */
    if (!(len >= dlen && memcmp(body, dash, dlen) == 0 &&
          delimiter_rest(body + dlen, end, &after, &closing)) &&
        !delimiter_find(body, end, pat, dlen + 1, &after, &closing))
        return malformed(cx, "the boundary named in Content-Type never starts a line");

    static const struct multipart EMPTY;
    struct multipart m = EMPTY;
    while (!closing) {
        if (m.nparts == MULTIPART_PARTS_MAX)
            return ctx_fail(cx, RC_BAD_REQUEST, NULL,
                            "A multipart/form-data body may have at most %d parts.",
                            MULTIPART_PARTS_MAX);
        struct multipart_part *part = &m.parts[m.nparts];
        const char *data = NULL;
        if ((rc = part_headers(cx, after, end, part, &data)))
            return rc;
        const char *nl = delimiter_find(data, end, pat, dlen + 1, &after, &closing);
        if (!nl)
            return malformed(cx, "it ends before the closing boundary");
        const char *data_end = nl > data && nl[-1] == '\r' ? nl - 1 : nl;
        part->data = data;
        part->len = (size_t)(data_end - data);
        m.nparts++;
    }
    *out = m;
    return RC_OK;
}

const struct multipart_part *multipart_find(const struct multipart *m, const char *name)
{
    for (size_t i = 0; i < m->nparts; i++)
        if (strcmp(m->parts[i].name, name) == 0)
            return &m->parts[i];
    return NULL;
}
