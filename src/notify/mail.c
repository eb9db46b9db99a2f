/*
 * mail.c — RFC 5322 / MIME messages (see mail.h for the contract).
 *
 * Everything is checked before anything is appended: addresses, the Message-ID, the
 * unsubscribe URL and a caller's boundary are refused (RC_INVALID) when they hold
 * anything that could end a header line or an angle-bracketed value. Free text that
 * becomes a header (display names, the subject) is cleaned instead of refused: control
 * characters, CR and LF become a space, runs of white space shrink to one, broken UTF-8
 * becomes U+FFFD. So no value can start a header line of its own.
 *
 * Headers are folded so that no line passes 78 characters (RFC 5322 2.1.1): plain ASCII
 * text folds at its spaces; anything else (non-ASCII, text that looks like an
 * encoded-word, a word too long to fold) becomes RFC 2047 "B" encoded-words of at most 75
 * characters, each holding whole UTF-8 characters, packed onto the lines.
 *
 * The body is multipart/alternative with a text/plain part and, when there is HTML, a
 * text/html part, both quoted-printable (RFC 2045 6.7). The default boundary starts with
 * "=_", which quoted-printable output can never contain ('=' is always followed by two hex
 * digits or a line break there); a boundary the caller chooses is checked against the
 * encoded parts. Lines of the parts that start with '.' or "From " have that character
 * encoded, so neither an SMTP relay nor an mbox file can misread them.
 *
 * Pure: no I/O, no clock, no globals. Not here: attachments, other charsets, SMTPUTF8.
 */
#include "mail.h"

#include <stdio.h>
#include <string.h>

#include "core/date.h"

#define MAIL_LINE_MAX     78  /* RFC 5322 2.1.1: header lines SHOULD stay within this */
#define MAIL_WORD_MAX     75  /* RFC 2047 2: the longest encoded-word */
#define MAIL_WORD_FRAME   12  /* "=?UTF-8?B?" and "?=" */
#define MAIL_QP_LINE      76  /* RFC 2045 6.7 (5): encoded lines, without the CRLF */
#define MAIL_ADDR_MAX     254 /* RFC 5321 4.5.3.1.3 */
#define MAIL_ID_MAX       250 /* keeps "Message-ID: <id>" within 998 */
#define MAIL_URL_MAX      900 /* keeps "List-Unsubscribe: <url>" within 998 */
#define MAIL_BOUNDARY_MAX 70  /* RFC 2046 5.1.1 */
#define MAIL_SCRATCH_CAP  (64u << 20)

/* ---- characters ---- */

/* Length of the well-formed UTF-8 sequence at s (n bytes left) with its code point in
 * *cp, or 0 when the bytes are not one (overlong, surrogate, beyond U+10FFFF, cut). */
static size_t utf8_next(const unsigned char *s, size_t n, unsigned long *cp)
{
    if (n == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    unsigned long v, min;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, v = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, v = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

/* RFC 5322 atext: what a display name may hold without quotes (besides spaces). */
static int is_atext(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* An address as Waymark sends it: dot-atom-ish text, one '@' with text on both sides,
 * printable ASCII only. Refuses everything that could close "<…>" or a header line. */
static int address_ok(const char *a, size_t len)
{
    if (len < 3 || len > MAIL_ADDR_MAX)
        return 0;
    size_t at = len;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)a[i];
        if (c == '@') {
            if (at != len)
                return 0;
            at = i;
        } else if (c != '.' && !is_atext(c)) {
            return 0;
        }
    }
    return at > 0 && at + 1 < len;
}

/* Printable ASCII without space, '<' and '>': a Message-ID or a URL inside "<…>". */
static int bracketed_ok(const char *s, size_t max)
{
    size_t len = strlen(s);
    if (len == 0 || len > max)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c >= 0x7f || c == '<' || c == '>')
            return 0;
    }
    return 1;
}

/* RFC 2046 5.1.1 bchars, 1 to 70 of them, not ending in a space. */
static int boundary_ok(const char *b)
{
    size_t len = strlen(b);
    if (len == 0 || len > MAIL_BOUNDARY_MAX || b[len - 1] == ' ')
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)b[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && !strchr("'()+_,-./:=? ", c))
            return 0;
    }
    return 1;
}

/* Header text as it may be written: controls (C0, DEL, C1, U+2028/9) become spaces, runs
 * of spaces become one, leading and trailing spaces go, broken UTF-8 becomes U+FFFD. */
static void clean_text(const char *in, struct buf *out)
{
    const unsigned char *s = (const unsigned char *)(in ? in : "");
    size_t n = strlen((const char *)s);
    int space = 0;
    for (size_t i = 0; i < n;) {
        unsigned long cp = 0;
        size_t len = utf8_next(s + i, n - i, &cp);
        int blank = len && (cp <= ' ' || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 ||
                            cp == 0x2029);
        if (blank) {
            space = 1;
        } else {
            if (space && out->len)
                buf_addc(out, ' ');
            space = 0;
            if (len)
                buf_addn(out, s + i, len);
            else
                buf_add(out, "\xef\xbf\xbd");
        }
        i += len ? len : 1;
    }
}

/* ---- headers ---- */

/* A header being written: where its current line is, for folding. */
struct hdr {
    struct buf *out;
    size_t col;
};

static void hdr_start(struct hdr *h, const char *name)
{
    buf_add(h->out, name);
    h->col = strlen(name);
}

static void hdr_end(struct hdr *h)
{
    buf_add(h->out, "\r\n");
}

/* Appends " token", or folds first when the token would pass the line's end (unless the
 * line holds nothing to fold away). */
static void hdr_token(struct hdr *h, const char *token, size_t len)
{
    if (h->col > 1 && h->col + 1 + len > MAIL_LINE_MAX) {
        buf_add(h->out, "\r\n");
        h->col = 0;
    }
    buf_addc(h->out, ' ');
    buf_addn(h->out, token, len);
    h->col += 1 + len;
}

static void base64(struct buf *out, const unsigned char *p, size_t n)
{
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned long v = (unsigned long)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned long)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        char q[4] = {A[(v >> 18) & 63], A[(v >> 12) & 63], i + 1 < n ? A[(v >> 6) & 63] : '=',
                     i + 2 < n ? A[v & 63] : '='};
        buf_addn(out, q, 4);
    }
}

/* text (clean UTF-8) as encoded-words, each as long as the line still allows. */
static void hdr_encoded(struct hdr *h, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        size_t room = h->col + 1 < MAIL_LINE_MAX ? MAIL_LINE_MAX - h->col - 1 : 0;
        if (room > MAIL_WORD_MAX)
            room = MAIL_WORD_MAX;
        size_t bytes = room > MAIL_WORD_FRAME ? (room - MAIL_WORD_FRAME) / 4 * 3 : 0;
        size_t take = 0;
        while (i + take < len) {
            unsigned long cp;
            size_t step = utf8_next(s + i + take, len - i - take, &cp);
            if (step == 0)
                step = 1; /* not reached: the text was cleaned */
            if (take + step > bytes)
                break;
            take += step;
        }
        if (take == 0) {
            buf_add(h->out, "\r\n");
            h->col = 0;
            continue;
        }
        buf_add(h->out, " =?UTF-8?B?");
        base64(h->out, s + i, take);
        buf_add(h->out, "?=");
        h->col += 1 + MAIL_WORD_FRAME + (take + 2) / 3 * 4;
        i += take;
    }
}

/* Whether clean text can go as it is: ASCII, nothing a reader would decode as an
 * encoded-word, and no word too long to fold onto a line of its own. */
static int plain_ok(const char *s, size_t len)
{
    if (memmem(s, len, "=?", 2))
        return 0;
    size_t word = 0;
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] >= 0x80)
            return 0;
        word = s[i] == ' ' ? 0 : word + 1;
        if (word + 1 > MAIL_LINE_MAX)
            return 0;
    }
    return 1;
}

/* Unstructured text (a subject): words folded at spaces, or encoded-words. */
static void hdr_text(struct hdr *h, const char *s, size_t len)
{
    if (!plain_ok(s, len)) {
        hdr_encoded(h, s, len);
        return;
    }
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && s[j] != ' ')
            j++;
        hdr_token(h, s + i, j - i);
        i = j + 1;
    }
}

/* A display name (clean text, not empty): atoms as they are, other ASCII as one
 * quoted-string when it fits a line, anything else as encoded-words. */
static void hdr_phrase(struct hdr *h, const char *s, size_t len)
{
    int atoms = plain_ok(s, len);
    for (size_t i = 0; i < len && atoms; i++)
        atoms = s[i] == ' ' || is_atext((unsigned char)s[i]);
    if (atoms) {
        hdr_text(h, s, len);
        return;
    }
    struct buf quoted;
    buf_init(&quoted, MAIL_LINE_MAX);
    buf_addc(&quoted, '"');
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"' || s[i] == '\\')
            buf_addc(&quoted, '\\');
        buf_addc(&quoted, s[i]);
    }
    buf_addc(&quoted, '"');
    /* Too long for a line (the cap) or not ASCII: encoded-words, which fold anywhere. */
    if (plain_ok(s, len) && buf_failed(&quoted) == RC_OK && 1 + quoted.len + 1 <= MAIL_LINE_MAX)
        hdr_token(h, quoted.data, quoted.len);
    else
        hdr_encoded(h, s, len);
    buf_free(&quoted);
}

/* "Name: display name <addr>", or "Name: addr" without a name (clean text). */
static void hdr_mailbox(struct hdr *h, const char *field, const struct buf *name, const char *addr)
{
    hdr_start(h, field);
    if (name->len) {
        char angle[MAIL_ADDR_MAX + 3];
        hdr_phrase(h, name->data, name->len);
        int n = snprintf(angle, sizeof angle, "<%s>", addr);
        hdr_token(h, angle, (size_t)n);
    } else {
        hdr_token(h, addr, strlen(addr));
    }
    hdr_end(h);
}

/* "Tue, 01 Dec 2026 09:00:00 +0000" (RFC 5322 3.3). */
static void hdr_date(struct buf *out, int64_t t)
{
    static const char *const DAYS[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *const MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int64_t days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    int y, m, d;
    date_to_ymd(days, &y, &m, &d);
    buf_addf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", DAYS[date_weekday(days)], d,
             MONTHS[m - 1], y, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

/* ---- body ---- */

/* Quoted-printable (RFC 2045 6.7) with CRLF line breaks: LF and CRLF in the text are line
 * breaks, a lone CR is data. */
static void qp_encode(const char *text, struct buf *out)
{
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    size_t n = strlen((const char *)p), col = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        if (c == '\n' || (c == '\r' && i + 1 < n && p[i + 1] == '\n')) {
            buf_add(out, "\r\n");
            col = 0;
            i += c == '\r' ? 2 : 1;
            continue;
        }
        int at_eol =
            i + 1 == n || p[i + 1] == '\n' || (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n');
        size_t limit = at_eol ? MAIL_QP_LINE : MAIL_QP_LINE - 1; /* room for a soft '=' */
        for (int pass = 0; pass < 2; pass++) {
            int literal = (c > ' ' && c < 0x7f && c != '=') || ((c == ' ' || c == '\t') && !at_eol);
            if (col == 0 && (c == '.' || (c == 'F' && n - i >= 5 && !memcmp(p + i, "From ", 5))))
                literal = 0;
            size_t width = literal ? 1 : 3;
            if (col + width > limit && pass == 0) {
                buf_add(out, "=\r\n");
                col = 0;
                continue;
            }
            if (literal)
                buf_addc(out, (char)c);
            else
                buf_addf(out, "=%02X", c);
            col += width;
            break;
        }
        i++;
    }
}

static void part(struct buf *out, const char *boundary, const char *type, const struct buf *qp)
{
    buf_addf(out,
             "--%s\r\nContent-Type: %s; charset=utf-8\r\n"
             "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
             boundary, type);
    buf_addn(out, qp->data, qp->len);
    buf_add(out, "\r\n");
}

/* ---- the message ---- */

enum rc mail_build(const struct mail *m, struct buf *out)
{
    struct buf text, html, from_name, to_name, subject;
    buf_init(&text, MAIL_SCRATCH_CAP);
    buf_init(&html, MAIL_SCRATCH_CAP);
    buf_init(&from_name, MAIL_SCRATCH_CAP);
    buf_init(&to_name, MAIL_SCRATCH_CAP);
    buf_init(&subject, MAIL_SCRATCH_CAP);
    char boundary[MAIL_BOUNDARY_MAX + 1], token[MAIL_URL_MAX + 3];
    enum rc rc = RC_INVALID;

    if (!m->from_addr || !address_ok(m->from_addr, strlen(m->from_addr)) || !m->to_addr ||
        !address_ok(m->to_addr, strlen(m->to_addr)))
        goto out;
    if (!m->message_id || !bracketed_ok(m->message_id, MAIL_ID_MAX) || !strchr(m->message_id, '@'))
        goto out;
    if (m->unsubscribe_url && !bracketed_ok(m->unsubscribe_url, MAIL_URL_MAX))
        goto out;
    if (m->boundary) {
        if (!boundary_ok(m->boundary))
            goto out;
        snprintf(boundary, sizeof boundary, "%s", m->boundary);
    } else {
        uint64_t fnv = 0xcbf29ce484222325ull; /* FNV-1a: stable per message, not secret */
        for (const unsigned char *p = (const unsigned char *)m->message_id; *p; p++)
            fnv = (fnv ^ *p) * 0x100000001b3ull;
        snprintf(boundary, sizeof boundary, "=_waymark_%016llx", (unsigned long long)fnv);
    }

    qp_encode(m->text, &text);
    if (m->html)
        qp_encode(m->html, &html);
    clean_text(m->from_name, &from_name);
    clean_text(m->to_name, &to_name);
    clean_text(m->subject, &subject);
    const struct buf *all[] = {&text, &html, &from_name, &to_name, &subject};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if ((rc = buf_failed(all[i])) != RC_OK)
            goto out;
    size_t blen = strlen(boundary);
    if (memmem(text.data, text.len, boundary, blen) ||
        memmem(html.data, html.len, boundary, blen)) {
        rc = RC_INVALID;
        goto out;
    }

    struct hdr h = {.out = out};
    hdr_mailbox(&h, "From:", &from_name, m->from_addr);
    hdr_mailbox(&h, "To:", &to_name, m->to_addr);
    hdr_start(&h, "Subject:");
    hdr_text(&h, subject.data, subject.len);
    hdr_end(&h);
    hdr_date(out, m->date);
    hdr_start(&h, "Message-ID:");
    int n = snprintf(token, sizeof token, "<%s>", m->message_id);
    hdr_token(&h, token, (size_t)n);
    hdr_end(&h);
    buf_add(out, "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
    if (m->unsubscribe_url) {
        hdr_start(&h, "List-Unsubscribe:");
        n = snprintf(token, sizeof token, "<%s>", m->unsubscribe_url);
        hdr_token(&h, token, (size_t)n);
        hdr_end(&h);
        buf_add(out, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
    }
    hdr_start(&h, "Content-Type:");
    hdr_token(&h, "multipart/alternative;", strlen("multipart/alternative;"));
    n = snprintf(token, sizeof token, "boundary=\"%s\"", boundary);
    hdr_token(&h, token, (size_t)n);
    hdr_end(&h);
    buf_add(out, "\r\n");

    part(out, boundary, "text/plain", &text);
    if (m->html)
        part(out, boundary, "text/html", &html);
    buf_addf(out, "--%s--\r\n", boundary);
    rc = buf_failed(out);
out:
    buf_free(&text);
    buf_free(&html);
    buf_free(&from_name);
    buf_free(&to_name);
    buf_free(&subject);
    return rc;
}

/* ---- addresses ---- */

static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

enum rc mail_split_address(const char *text, char *name, size_t name_size, char *addr,
                           size_t addr_size)
{
    if (!text)
        return RC_INVALID;
    const char *a = text, *nm = text;
    size_t alen = strlen(text), nlen = 0;
    trim(&a, &alen);
    if (alen && a[alen - 1] == '>') {
        const char *open = NULL;
        for (size_t i = 0; i < alen; i++)
            if (a[i] == '<')
                open = a + i;
        if (!open)
            return RC_INVALID;
        nm = a;
        nlen = (size_t)(open - a);
        a = open + 1;
        alen = alen - nlen - 2;
        trim(&nm, &nlen);
        trim(&a, &alen);
    }
    if (!address_ok(a, alen) || alen + 1 > addr_size)
        return RC_INVALID;

    /* The name: a quoted-string loses its quotes and escapes; no controls, valid UTF-8. */
    struct buf n;
    buf_init(&n, name_size);
    int quoted = nlen >= 2 && nm[0] == '"' && nm[nlen - 1] == '"';
    size_t quotes = 0;
    for (size_t i = 0; i < nlen && !quoted; i++)
        quotes += nm[i] == '"';
    if (quotes % 2) /* an unbalanced quote: not a name anyone meant */
        return RC_INVALID;
    const unsigned char *s = (const unsigned char *)nm + quoted;
    size_t slen = nlen - 2 * (size_t)quoted;
    enum rc rc = RC_OK;
    for (size_t i = 0; i < slen && rc == RC_OK;) {
        unsigned long cp = 0;
        if (quoted && s[i] == '\\' && i + 1 < slen)
            i++;
        else if (quoted && s[i] == '"')
            rc = RC_INVALID;
        size_t step = utf8_next(s + i, slen - i, &cp);
        if (step == 0 || cp < ' ' || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
            (!quoted && (cp == '<' || cp == '>')))
            rc = RC_INVALID;
        else
            buf_addn(&n, s + i, step);
        i += step ? step : 1;
    }
    if (rc == RC_OK && (buf_failed(&n) || n.len + 1 > name_size))
        rc = RC_INVALID;
    if (rc == RC_OK) {
        memcpy(name, n.data, n.len + 1);
        memcpy(addr, a, alen);
        addr[alen] = '\0';
    }
    buf_free(&n);
    return rc;
}
