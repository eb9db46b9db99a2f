/*
 * test_mail.c — building messages (notify/mail.h) and sending them (notify/transport.h).
 *
 * Messages are read back the way a mail client would: headers unfolded, RFC 2047
 * encoded-words and quoted-printable decoded by small decoders written here, MIME parts
 * split at the boundary. The libcurl transport talks to two fakes running in a thread of
 * this process on 127.0.0.1 (port 0): an SMTP server that speaks just enough of RFC 5321
 * and an HTTP server that answers each request with a chosen status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "notify/mail.h"
#include "notify/transport.h"

#define NOW 1796115600LL /* Tue 2026-12-01T09:00:00Z */
#define CAP (4u << 20)

/* ---- reading a message back ---- */

static struct mail base_mail(void)
{
    return (struct mail){
        .from_name = "Acme via Waymark",
        .from_addr = "noreply@waymark.test",
        .to_name = "Ana Lima",
        .to_addr = "ana@example.com",
        .subject = "Due Mon 7 Dec: Ask for one example",
        .text = "Hello Ana,\n\nOpen it.\n",
        .html = "<p>Hello Ana</p>\n",
        .message_id = "outbox-12.abcd@waymark",
        .unsubscribe_url = "http://127.0.0.1:8080/api/v1/unsubscribe/tok123",
        .date = NOW,
    };
}

/* Builds m into a fresh buffer; the caller frees it. */
static enum rc build(const struct mail *m, struct buf *out)
{
    buf_init(out, CAP);
    return mail_build(m, out);
}

/* The message's header block (up to and without the blank line). */
static size_t head_len(const char *msg)
{
    const char *end = strstr(msg, "\r\n\r\n");
    assert_non_null(end);
    return (size_t)(end - msg) + 2;
}

/* Every line ends in CRLF; header lines are at most 78 characters (lines of the body
 * at most 76); no bare CR or LF anywhere. */
static void assert_lines_sound(const char *msg)
{
    size_t head = head_len(msg), col = 0;
    for (size_t i = 0; msg[i]; i++) {
        if (msg[i] == '\r') {
            assert_int_equal(msg[i + 1], '\n');
            assert_true(col <= (i < head ? 78u : 76u));
            col = 0;
            i++;
        } else {
            assert_int_not_equal(msg[i], '\n');
            col++;
        }
    }
    assert_int_equal(col, 0);
}

/* The unfolded value of the first header called name ("" and 0 when absent), leading
 * white space dropped. */
static int header(const char *msg, const char *name, char *value, size_t size)
{
    size_t head = head_len(msg), nlen = strlen(name);
    value[0] = '\0';
    for (size_t i = 0; i < head; i = (size_t)(strstr(msg + i, "\r\n") - msg) + 2) {
        if (strncasecmp(msg + i, name, nlen) != 0 || msg[i + nlen] != ':')
            continue;
        size_t n = 0, j = i + nlen + 1;
        while (msg[j] == ' ')
            j++;
        for (; j < head; j++) {
            if (msg[j] == '\r' && (msg[j + 2] == ' ' || msg[j + 2] == '\t')) {
                j++; /* unfold: drop CRLF, keep the white space */
                continue;
            }
            if (msg[j] == '\r')
                break;
            assert_true(n + 1 < size);
            value[n++] = msg[j];
        }
        value[n] = '\0';
        size_t lead = strspn(value, " \t");
        memmove(value, value + lead, n - lead + 1);
        return 1;
    }
    return 0;
}

/* How many header lines start with name followed by ':'. */
static int header_count(const char *msg, const char *name)
{
    size_t head = head_len(msg), nlen = strlen(name);
    int count = 0;
    for (size_t i = 0; i < head; i = (size_t)(strstr(msg + i, "\r\n") - msg) + 2)
        if (strncasecmp(msg + i, name, nlen) == 0 && msg[i + nlen] == ':')
            count++;
    return count;
}

static int b64_value(char c)
{
    const char *A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c ? strchr(A, c) : NULL;
    return p ? (int)(p - A) : -1;
}

static int utf8_valid(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t len = s[i] < 0x80         ? 1
                     : (s[i] >> 5) == 6  ? 2
                     : (s[i] >> 4) == 14 ? 3
                     : (s[i] >> 3) == 30 ? 4
                                         : 0;
        if (len == 0 || i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
        i += len;
    }
    return 1;
}

/* RFC 2047 as a reader does it: "=?UTF-8?B?…?=" and "=?UTF-8?Q?…?=" words decoded, white
 * space between two encoded-words dropped, other text kept. Each word must be at most 75
 * characters and hold whole UTF-8 characters. Returns the number of encoded-words. */
static int decode_2047(const char *in, char *out, size_t size)
{
    size_t n = 0;
    int words = 0, last_was_word = 0;
    const char *p = in;
    while (*p) {
        const char *q = p;
        while (*q == ' ' || *q == '\t')
            q++;
        if (q[0] == '=' && q[1] == '?') {
            const char *cs_end = strchr(q + 2, '?');
            assert_non_null(cs_end);
            assert_int_equal(strncasecmp(q + 2, "UTF-8", 5), 0);
            char enc = (char)toupper((unsigned char)cs_end[1]);
            assert_int_equal(cs_end[2], '?');
            const char *text = cs_end + 3, *end = strstr(text, "?=");
            assert_non_null(end);
            assert_true(end + 2 - q <= 75);
            if (!last_was_word) /* white space before a word is kept unless a word precedes */
                for (const char *s = p; s < q; s++)
                    out[n++] = *s;
            size_t start = n;
            if (enc == 'B') {
                unsigned long acc = 0;
                int bits = 0;
                for (const char *s = text; s < end && *s != '='; s++) {
                    int v = b64_value(*s);
                    assert_true(v >= 0);
                    acc = (acc << 6) | (unsigned long)v;
                    bits += 6;
                    if (bits >= 8) {
                        bits -= 8;
                        assert_true(n + 1 < size);
                        out[n++] = (char)((acc >> bits) & 0xff);
                    }
                }
            } else {
                assert_int_equal(enc, 'Q');
                for (const char *s = text; s < end; s++) {
                    assert_true(n + 1 < size);
                    if (*s == '_') {
                        out[n++] = ' ';
                    } else if (*s == '=') {
                        unsigned v;
                        assert_int_equal(sscanf(s + 1, "%2x", &v), 1);
                        out[n++] = (char)v;
                        s += 2;
                    } else {
                        out[n++] = *s;
                    }
                }
            }
            assert_true(utf8_valid((const unsigned char *)out + start, n - start));
            words++;
            last_was_word = 1;
            p = end + 2;
        } else {
            assert_true(n + 1 < size);
            out[n++] = *p++;
            last_was_word = 0;
        }
    }
    out[n] = '\0';
    return words;
}

/* Quoted-printable as a reader does it, checking the rules on the way: lines ≤ 76, '='
 * only before two upper-case hex digits or a line break, no raw byte outside printable
 * ASCII, no white space at a line's end. Line breaks come out as LF. */
static void decode_qp(const char *in, size_t len, struct buf *out)
{
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '\r') {
            assert_true(i + 1 < len && in[i + 1] == '\n');
            assert_true(i == 0 || (in[i - 1] != ' ' && in[i - 1] != '\t'));
            buf_addc(out, '\n');
            i++;
            col = 0;
            continue;
        }
        assert_true(++col <= 76);
        if (c == '=') {
            if (in[i + 1] == '\r') {
                assert_int_equal(in[i + 2], '\n');
                i += 2;
                col = 0;
                continue;
            }
            assert_true(isxdigit((unsigned char)in[i + 1]) && isxdigit((unsigned char)in[i + 2]));
            assert_false(islower((unsigned char)in[i + 1]) || islower((unsigned char)in[i + 2]));
            unsigned v;
            assert_int_equal(sscanf(in + i + 1, "%2x", &v), 1);
            buf_addc(out, (char)v);
            i += 2;
            col += 2;
            continue;
        }
        assert_true(c == ' ' || c == '\t' || (c > ' ' && c < 0x7f));
        buf_addc(out, (char)c);
    }
    assert_true(len < 1 || (in[len - 1] != ' ' && in[len - 1] != '\t'));
}

struct part {
    char type[128];
    char encoding[64];
    const char *content; /* into the message */
    size_t len;
};

/* Splits a multipart message at its boundary into at most max parts; returns how many. */
static int parts(const char *msg, const char *boundary, struct part *p, int max)
{
    char delim[128], close[128];
    snprintf(delim, sizeof delim, "--%s\r\n", boundary);
    snprintf(close, sizeof close, "\r\n--%s--\r\n", boundary);
    const char *body = msg + head_len(msg) + 2;
    assert_int_equal(strncmp(body, delim, strlen(delim)), 0);
    const char *end = strstr(body, close);
    assert_non_null(end);
    assert_string_equal(end, close); /* nothing after the close delimiter */
    int n = 0;
    const char *at = body + strlen(delim);
    while (at <= end) {
        assert_true(n < max);
        char sep[140];
        snprintf(sep, sizeof sep, "\r\n--%s\r\n", boundary);
        const char *next = strstr(at, sep);
        const char *stop = next && next < end ? next : end;
        const char *blank = strstr(at, "\r\n\r\n");
        assert_true(blank && blank < stop);
        char head[512];
        snprintf(head, sizeof head, "%.*s\r\n\r\n", (int)(blank - at + 2), at);
        assert_true(header(head, "Content-Type", p[n].type, sizeof p[n].type));
        assert_true(header(head, "Content-Transfer-Encoding", p[n].encoding, sizeof p[n].encoding));
        p[n].content = blank + 4;
        p[n].len = (size_t)(stop - p[n].content);
        n++;
        if (stop == end)
            break;
        at = stop + strlen(sep);
    }
    return n;
}

static void boundary_of(const char *msg, char *boundary, size_t size)
{
    char type[256];
    assert_true(header(msg, "Content-Type", type, sizeof type));
    const char *b = strstr(type, "boundary=\"");
    assert_non_null(b);
    b += strlen("boundary=\"");
    const char *e = strchr(b, '"');
    assert_non_null(e);
    snprintf(boundary, size, "%.*s", (int)(e - b), b);
}

/* The decoded text of part i (LF line breaks) into out. */
static void part_text(const char *msg, int i, struct buf *out)
{
    char boundary[128];
    struct part p[4];
    boundary_of(msg, boundary, sizeof boundary);
    assert_true(parts(msg, boundary, p, 4) > i);
    assert_string_equal(p[i].encoding, "quoted-printable");
    buf_init(out, CAP);
    decode_qp(p[i].content, p[i].len, out);
}

/* ---- building ---- */

static void the_headers_and_parts_are_exact(void **state)
{
    (void)state;
    struct mail m = base_mail();
    struct buf b;
    assert_int_equal(build(&m, &b), RC_OK);
    char boundary[128];
    boundary_of(b.data, boundary, sizeof boundary);
    assert_int_equal(strncmp(boundary, "=_", 2), 0);

    struct buf want;
    buf_init(&want, CAP);
    buf_addf(&want,
             "From: Acme via Waymark <noreply@waymark.test>\r\n"
             "To: Ana Lima <ana@example.com>\r\n"
             "Subject: Due Mon 7 Dec: Ask for one example\r\n"
             "Date: Tue, 01 Dec 2026 09:00:00 +0000\r\n"
             "Message-ID: <outbox-12.abcd@waymark>\r\n"
             "MIME-Version: 1.0\r\n"
             "Auto-Submitted: auto-generated\r\n"
             "List-Unsubscribe: <http://127.0.0.1:8080/api/v1/unsubscribe/tok123>\r\n"
             "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
             "Content-Type: multipart/alternative; boundary=\"%s\"\r\n"
             "\r\n"
             "--%s\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n"
             "Content-Transfer-Encoding: quoted-printable\r\n"
             "\r\n"
             "Hello Ana,\r\n"
             "\r\n"
             "Open it.\r\n"
             "\r\n"
             "--%s\r\n"
             "Content-Type: text/html; charset=utf-8\r\n"
             "Content-Transfer-Encoding: quoted-printable\r\n"
             "\r\n"
             "<p>Hello Ana</p>\r\n"
             "\r\n"
             "--%s--\r\n",
             boundary, boundary, boundary, boundary);
    assert_string_equal(b.data, want.data);
    assert_lines_sound(b.data);

    /* Appending: what was in the buffer stays. */
    buf_reset(&want);
    buf_add(&want, "X");
    assert_int_equal(mail_build(&m, &want), RC_OK);
    assert_int_equal(want.len, b.len + 1);
    assert_string_equal(want.data + 1, b.data);

    /* The boundary is stable per Message-ID and differs between messages. */
    struct buf again, other;
    assert_int_equal(build(&m, &again), RC_OK);
    assert_string_equal(again.data, b.data);
    m.message_id = "outbox-13.abcd@waymark";
    assert_int_equal(build(&m, &other), RC_OK);
    char boundary2[128];
    boundary_of(other.data, boundary2, sizeof boundary2);
    assert_string_not_equal(boundary, boundary2);
    buf_free(&b);
    buf_free(&want);
    buf_free(&again);
    buf_free(&other);
}

static void dates_are_in_rfc5322_form(void **state)
{
    (void)state;
    static const struct {
        int64_t t;
        const char *text;
    } cases[] = {
        {0, "Thu, 01 Jan 1970 00:00:00 +0000"},
        {NOW, "Tue, 01 Dec 2026 09:00:00 +0000"},
        {1835481599, "Tue, 29 Feb 2028 23:59:59 +0000"},
        {NOW + 5 * 86400 + 3723, "Sun, 06 Dec 2026 10:02:03 +0000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mail m = base_mail();
        m.date = cases[i].t;
        struct buf b;
        char date[64];
        assert_int_equal(build(&m, &b), RC_OK);
        assert_true(header(b.data, "Date", date, sizeof date));
        assert_string_equal(date, cases[i].text);
        buf_free(&b);
    }
}

static void quoted_printable_encodes_what_it_must(void **state)
{
    (void)state;
    struct mail m = base_mail();
    char line77[78], line76[77];
    memset(line77, 'a', 77);
    line77[77] = '\0';
    memset(line76, 'b', 76);
    line76[76] = '\0';
    struct buf text;
    buf_init(&text, CAP);
    buf_addf(&text,
             "café=crème\n"
             "trailing  \n"
             "tab\t\r\n"
             ".starts with a dot\n"
             "From the start\n"
             "lone\rcr\n"
             "%s\n"
             "%s\n",
             line76, line77);
    for (int i = 0; i < 40; i++)
        buf_add(&text, "é ");
    buf_add(&text, "end");
    m.text = text.data;
    m.html = "<p>Überprüfung</p>\n<p>a=b</p>";
    struct buf b;
    assert_int_equal(build(&m, &b), RC_OK);
    assert_lines_sound(b.data);

    char boundary[128];
    struct part p[4];
    boundary_of(b.data, boundary, sizeof boundary);
    assert_int_equal(parts(b.data, boundary, p, 4), 2);
    assert_string_equal(p[0].type, "text/plain; charset=utf-8");
    assert_string_equal(p[1].type, "text/html; charset=utf-8");
    struct buf raw;
    buf_init(&raw, CAP);
    buf_addn(&raw, p[0].content, p[0].len);
    const char *want = "caf=C3=A9=3Dcr=C3=A8me\r\n"
                       "trailing =20\r\n"
                       "tab=09\r\n"
                       "=2Estarts with a dot\r\n"
                       "=46rom the start\r\n"
                       "lone=0Dcr\r\n";
    assert_int_equal(strncmp(raw.data, want, strlen(want)), 0);
    /* 76 characters fit a line; a 77th makes a soft break after 75. */
    const char *rest = raw.data + strlen(want);
    assert_int_equal(strncmp(rest, line76, 76), 0);
    assert_int_equal(strncmp(rest + 76, "\r\n", 2), 0);
    rest += 78;
    assert_int_equal(strncmp(rest, line77, 75), 0);
    assert_int_equal(strncmp(rest + 75, "=\r\naa\r\n", 7), 0);

    /* Decoded, both parts are the text with CRLF for LF (the lone CR stays data). */
    struct buf plain, html, expect;
    part_text(b.data, 0, &plain);
    buf_init(&expect, CAP);
    for (const char *s = text.data; *s; s++)
        if (!(s[0] == '\r' && s[1] == '\n'))
            buf_addc(&expect, *s);
    assert_string_equal(plain.data, expect.data);
    part_text(b.data, 1, &html);
    assert_string_equal(html.data, m.html);
    buf_free(&text);
    buf_free(&b);
    buf_free(&raw);
    buf_free(&plain);
    buf_free(&html);
    buf_free(&expect);
}

static void a_long_paragraph_survives_soft_breaks(void **state)
{
    (void)state;
    struct buf text;
    buf_init(&text, CAP);
    for (int i = 0; i < 300; i++)
        buf_addf(&text, "word%d%s= ", i, i % 7 ? "" : "ü");
    buf_add(&text, "\n\n\n");
    struct mail m = base_mail();
    m.text = text.data;
    m.html = NULL;
    struct buf b, plain;
    assert_int_equal(build(&m, &b), RC_OK);
    assert_lines_sound(b.data);
    part_text(b.data, 0, &plain);
    assert_string_equal(plain.data, text.data);
    buf_free(&text);
    buf_free(&b);
    buf_free(&plain);
}

static void subjects_and_names_use_encoded_words_when_needed(void **state)
{
    (void)state;
    char value[2048], decoded[2048];
    struct buf b;
    struct mail m = base_mail();

    /* Non-ASCII: encoded-words that decode to the subject. */
    m.subject = "Überprüfung — café ✓";
    assert_int_equal(build(&m, &b), RC_OK);
    assert_lines_sound(b.data);
    assert_true(header(b.data, "Subject", value, sizeof value));
    for (const char *s = value; *s; s++)
        assert_true((unsigned char)*s < 0x80);
    assert_true(decode_2047(value, decoded, sizeof decoded) >= 1);
    assert_string_equal(decoded, m.subject);
    buf_free(&b);

    /* Long and non-ASCII: several words, folded, each whole characters. */
    struct buf long_subject;
    buf_init(&long_subject, CAP);
    for (int i = 0; i < 12; i++)
        buf_add(&long_subject, "Überprüfung — café ✓ 日本語 ");
    buf_add(&long_subject, "end");
    m.subject = long_subject.data;
    assert_int_equal(build(&m, &b), RC_OK);
    assert_lines_sound(b.data);
    assert_true(header(b.data, "Subject", value, sizeof value));
    assert_true(decode_2047(value, decoded, sizeof decoded) > 5);
    assert_string_equal(decoded, m.subject);
    buf_free(&b);
    buf_free(&long_subject);

    /* Long ASCII folds at spaces and unfolds to itself. */
    m.subject = "Your team this week: 3 behind, 2 sign-offs waiting, and a great deal more "
                "text than fits on one line of a header, so it has to fold somewhere sensible";
    assert_int_equal(build(&m, &b), RC_OK);
    assert_lines_sound(b.data);
    assert_true(header(b.data, "Subject", value, sizeof value));
    assert_string_equal(value, m.subject);
    assert_non_null(strstr(b.data, "\r\n "));
    buf_free(&b);

    /* ASCII that looks like an encoded-word is encoded, so a reader shows it as typed. */
    m.subject = "Hi =?UTF-8?B?QWRtaW4=?= there";
    assert_int_equal(build(&m, &b), RC_OK);
    assert_true(header(b.data, "Subject", value, sizeof value));
    assert_null(strstr(value, "QWRtaW4=?= "));
    decode_2047(value, decoded, sizeof decoded);
    assert_string_equal(decoded, m.subject);
    buf_free(&b);

    /* Display names: atoms as they are, specials quoted, non-ASCII encoded, none bare. */
    m = base_mail();
    m.from_name = "Acme, Inc. via Waymark";
    m.to_name = "Zoë \"Z\" Brontë";
    assert_int_equal(build(&m, &b), RC_OK);
    assert_lines_sound(b.data);
    assert_true(header(b.data, "From", value, sizeof value));
    assert_string_equal(value, "\"Acme, Inc. via Waymark\" <noreply@waymark.test>");
    assert_true(header(b.data, "To", value, sizeof value));
    assert_int_equal(decode_2047(value, decoded, sizeof decoded), 1);
    assert_string_equal(decoded, "Zoë \"Z\" Brontë <ana@example.com>");
    buf_free(&b);

    m.from_name = "O'Brien \"the\" \\ one";
    m.to_name = "";
    assert_int_equal(build(&m, &b), RC_OK);
    assert_true(header(b.data, "From", value, sizeof value));
    assert_string_equal(value, "\"O'Brien \\\"the\\\" \\\\ one\" <noreply@waymark.test>");
    assert_true(header(b.data, "To", value, sizeof value));
    assert_string_equal(value, "ana@example.com");
    buf_free(&b);

    /* A very long name still keeps every line within 78. */
    m.from_name = "Department of Extremely Long Organisation Names and Other Things, Ltd. via "
                  "Waymark Notifications";
    assert_int_equal(build(&m, &b), RC_OK);
    assert_lines_sound(b.data);
    assert_true(header(b.data, "From", value, sizeof value));
    decode_2047(value, decoded, sizeof decoded);
    assert_string_equal(decoded, "Department of Extremely Long Organisation Names and Other "
                                 "Things, Ltd. via Waymark Notifications <noreply@waymark.test>");
    buf_free(&b);
}

static void header_injection_is_neutralised_or_refused(void **state)
{
    (void)state;
    char value[1024], decoded[1024];
    struct buf b;
    struct mail m = base_mail();

    /* Free text: CR, LF and other controls become a space; nothing starts a line. */
    m.subject = "Hello\r\nBcc: evil@example.com\r\n\r\nbody";
    m.from_name = "Evil\r\nBcc: x@example.com";
    m.to_name = "\nX-Injected: 1\x01\x7f";
    assert_int_equal(build(&m, &b), RC_OK);
    assert_lines_sound(b.data);
    assert_int_equal(header_count(b.data, "Bcc"), 0);
    assert_int_equal(header_count(b.data, "X-Injected"), 0);
    assert_int_equal(header_count(b.data, "Subject"), 1);
    assert_true(header(b.data, "Subject", value, sizeof value));
    assert_string_equal(value, "Hello Bcc: evil@example.com body");
    assert_true(header(b.data, "From", value, sizeof value));
    assert_string_equal(value, "\"Evil Bcc: x@example.com\" <noreply@waymark.test>");
    assert_true(header(b.data, "To", value, sizeof value));
    assert_string_equal(value, "\"X-Injected: 1\" <ana@example.com>");
    buf_free(&b);

    /* Broken UTF-8 becomes U+FFFD; a Unicode line separator becomes a space. */
    m = base_mail();
    m.subject = "bad \xff\xfe bytes\xe2\x80\xa8here \xc3";
    assert_int_equal(build(&m, &b), RC_OK);
    assert_true(header(b.data, "Subject", value, sizeof value));
    decode_2047(value, decoded, sizeof decoded);
    assert_string_equal(decoded, "bad \xef\xbf\xbd\xef\xbf\xbd bytes here \xef\xbf\xbd");
    buf_free(&b);

    /* Addresses, the Message-ID, the URL and the boundary are refused, and nothing is
     * appended. */
    static const char *const bad_addresses[] = {
        "",
        "ana@example.com\r\nBcc: evil@example.com",
        "ana@example.com>, <evil@example.com",
        "ana @example.com",
        "ana@example.com\n",
        "<ana@example.com>",
        "ana",
        "@example.com",
        "ana@",
        "a@b@c",
        "ana@exa\tmple.com",
        "ana,evil@example.com",
        "zoë@example.com",
    };
    for (size_t i = 0; i < sizeof bad_addresses / sizeof bad_addresses[0]; i++) {
        m = base_mail();
        m.to_addr = bad_addresses[i];
        assert_int_equal(build(&m, &b), RC_INVALID);
        assert_int_equal(b.len, 0);
        buf_free(&b);
        m = base_mail();
        m.from_addr = bad_addresses[i];
        assert_int_equal(build(&m, &b), RC_INVALID);
        buf_free(&b);
    }
    m = base_mail();
    m.to_addr = NULL;
    assert_int_equal(build(&m, &b), RC_INVALID);
    buf_free(&b);
    static const char *const bad_ids[] = {"", "x\r\nBcc: y@z", "a b@c", "<a@b>", "no-at-sign"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        m = base_mail();
        m.message_id = bad_ids[i];
        assert_int_equal(build(&m, &b), RC_INVALID);
        buf_free(&b);
    }
    static const char *const bad_urls[] = {"", "http://x/\r\nBcc: y@z", "http://x/ y", "http://x/>",
                                           "http://x/é"};
    for (size_t i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++) {
        m = base_mail();
        m.unsubscribe_url = bad_urls[i];
        assert_int_equal(build(&m, &b), RC_INVALID);
        buf_free(&b);
    }
}

static void the_boundary_never_occurs_in_the_parts(void **state)
{
    (void)state;
    struct mail m = base_mail();
    /* Text full of what a boundary could look like. */
    m.text = "--=_waymark_0\n=_ =_waymark_ --\n-- \n";
    m.html = "<p>=_waymark_</p>";
    struct buf b;
    char boundary[128];
    assert_int_equal(build(&m, &b), RC_OK);
    boundary_of(b.data, boundary, sizeof boundary);
    struct part p[4];
    assert_int_equal(parts(b.data, boundary, p, 4), 2);
    for (int i = 0; i < 2; i++)
        assert_null(memmem(p[i].content, p[i].len, boundary, strlen(boundary)));
    struct buf plain;
    part_text(b.data, 0, &plain);
    assert_string_equal(plain.data, m.text);
    buf_free(&plain);
    buf_free(&b);

    /* A boundary of the caller's is used when it is absent from the parts… */
    m.boundary = "simple-boundary";
    assert_int_equal(build(&m, &b), RC_OK);
    boundary_of(b.data, boundary, sizeof boundary);
    assert_string_equal(boundary, "simple-boundary");
    assert_int_equal(parts(b.data, boundary, p, 4), 2);
    buf_free(&b);
    /* …and refused when a part holds it, or when it is not a boundary at all. */
    m.text = "see simple-boundary here";
    assert_int_equal(build(&m, &b), RC_INVALID);
    buf_free(&b);
    static const char *const bad[] = {"", "a\r\nb", "ends in space ", "quote\"",
                                      "12345678901234567890123456789012345678901234567890"
                                      "123456789012345678901"};
    m = base_mail();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        m.boundary = bad[i];
        assert_int_equal(build(&m, &b), RC_INVALID);
        buf_free(&b);
    }
}

static void a_text_only_message_has_one_part(void **state)
{
    (void)state;
    struct mail m = base_mail();
    m.html = NULL;
    m.unsubscribe_url = NULL;
    m.from_name = "";
    m.subject = "";
    struct buf b, plain;
    assert_int_equal(build(&m, &b), RC_OK);
    assert_lines_sound(b.data);
    char boundary[128], value[256];
    boundary_of(b.data, boundary, sizeof boundary);
    struct part p[4];
    assert_int_equal(parts(b.data, boundary, p, 4), 1);
    assert_string_equal(p[0].type, "text/plain; charset=utf-8");
    assert_null(strstr(b.data, "text/html"));
    assert_int_equal(header_count(b.data, "List-Unsubscribe"), 0);
    assert_int_equal(header_count(b.data, "List-Unsubscribe-Post"), 0);
    assert_int_equal(header_count(b.data, "Auto-Submitted"), 1);
    assert_true(header(b.data, "From", value, sizeof value));
    assert_string_equal(value, "noreply@waymark.test");
    assert_true(header(b.data, "Subject", value, sizeof value));
    assert_string_equal(value, "");
    part_text(b.data, 0, &plain);
    assert_string_equal(plain.data, "Hello Ana,\n\nOpen it.\n");
    buf_free(&b);
    buf_free(&plain);

    /* A long unsubscribe URL goes on a line of its own. */
    m = base_mail();
    m.unsubscribe_url = "https://waymark.example.org/api/v1/unsubscribe/"
                        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    assert_int_equal(build(&m, &b), RC_OK);
    assert_non_null(strstr(b.data, "List-Unsubscribe:\r\n <https://waymark.example.org/"));
    assert_true(header(b.data, "List-Unsubscribe", value, sizeof value));
    assert_int_equal(value[0], '<');
    assert_int_equal(strncmp(value + 1, m.unsubscribe_url, strlen(m.unsubscribe_url)), 0);
    buf_free(&b);
}

static void split_address_reads_name_and_address(void **state)
{
    (void)state;
    static const struct {
        const char *in, *name, *addr;
    } good[] = {
        {"Acme <noreply@acme.test>", "Acme", "noreply@acme.test"},
        {"noreply@acme.test", "", "noreply@acme.test"},
        {"  noreply@acme.test  ", "", "noreply@acme.test"},
        {"<noreply@acme.test>", "", "noreply@acme.test"},
        {"Acme via Waymark<noreply@acme.test>", "Acme via Waymark", "noreply@acme.test"},
        {"\"Acme, Inc.\" <a@b.c>", "Acme, Inc.", "a@b.c"},
        {"\"Say \\\"hi\\\"\" <a@b.c>", "Say \"hi\"", "a@b.c"},
        {"Zoë Brontë < zoe@b.c >", "Zoë Brontë", "zoe@b.c"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char name[64], addr[64];
        assert_int_equal(mail_split_address(good[i].in, name, sizeof name, addr, sizeof addr),
                         RC_OK);
        assert_string_equal(name, good[i].name);
        assert_string_equal(addr, good[i].addr);
    }
    static const char *const bad[] = {
        "",
        "   ",
        "Acme",
        "Acme <>",
        "Acme <a@b.c",
        "a@b.c>",
        "Acme <a@b.c> x",
        "Evil\r\n <a@b.c>",
        "a b@c.d",
        "Acme <a@b.c\r\nBcc: e@f>",
        "A <b> <c@d.e>",
        "\"unclosed <a@b.c>",
        "bad \xff <a@b.c>",
        "two@at@b.c",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char name[64] = "untouched", addr[64] = "untouched";
        assert_int_equal(mail_split_address(bad[i], name, sizeof name, addr, sizeof addr),
                         RC_INVALID);
        assert_string_equal(name, "untouched");
        assert_string_equal(addr, "untouched");
    }
    /* Too small to hold the answer is refused too. */
    char name[4], addr[64];
    assert_int_equal(mail_split_address("Acme <a@b.c>", name, sizeof name, addr, sizeof addr),
                     RC_INVALID);
    assert_int_equal(mail_split_address("Acm <a@b.c>", name, sizeof name, addr, 5), RC_INVALID);
    assert_int_equal(mail_split_address("Acm <a@b.c>", name, sizeof name, addr, 6), RC_OK);
    assert_int_equal(mail_split_address(NULL, name, sizeof name, addr, sizeof addr), RC_INVALID);
}

/* ---- fakes: one thread, one listening socket, a few connections ---- */

#define FAKE_CONNS 8
#define FAKE_IN    (1u << 20)

struct conn {
    int fd;
    char *in;
    size_t len;
    int data;   /* SMTP: inside DATA */
    int auth;   /* SMTP: the next line answers "334" */
    int silent; /* HTTP: never answer */
    struct buf message;
};

struct fake {
    int fd, port;
    pthread_t thread;
    pthread_mutex_t mu;
    int stop;
    int (*serve)(struct fake *f, struct conn *c); /* consumes c->in; 0: hang up */
    void (*greet)(struct fake *f, struct conn *c);
    /* what happened (under mu) */
    int connections, commands;
    /* SMTP */
    int mail_code, rcpt_code;
    const char *password; /* set before the start: AUTH PLAIN offered, "mailer" checked */
    char user[64];        /* who authenticated */
    int messages, rsets;
    char from[300], rcpt[300];
    struct buf message;
    /* HTTP */
    int status; /* 0: never answer */
    size_t answer_size;
    int requests;
    struct buf head, body;
};

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int say_line(int fd, const char *line)
{
    return send_all(fd, line, strlen(line));
}

static void *fake_main(void *arg)
{
    struct fake *f = arg;
    struct conn *conns = calloc(FAKE_CONNS, sizeof *conns);
    for (int i = 0; i < FAKE_CONNS; i++)
        conns[i].fd = -1;
    for (;;) {
        pthread_mutex_lock(&f->mu);
        int stop = f->stop;
        pthread_mutex_unlock(&f->mu);
        if (stop)
            break;
        struct pollfd p[1 + FAKE_CONNS];
        int slot[1 + FAKE_CONNS], n = 1;
        p[0] = (struct pollfd){.fd = f->fd, .events = POLLIN};
        for (int i = 0; i < FAKE_CONNS; i++)
            if (conns[i].fd >= 0) {
                p[n] = (struct pollfd){.fd = conns[i].fd, .events = POLLIN};
                slot[n++] = i;
            }
        if (poll(p, (nfds_t)n, 20) <= 0)
            continue;
        if (p[0].revents & POLLIN) {
            int fd = accept(f->fd, NULL, NULL);
            int i = 0;
            while (i < FAKE_CONNS && conns[i].fd >= 0)
                i++;
            if (fd >= 0 && i == FAKE_CONNS) {
                close(fd);
            } else if (fd >= 0) {
                conns[i] = (struct conn){.fd = fd, .in = malloc(FAKE_IN)};
                buf_init(&conns[i].message, FAKE_IN);
                pthread_mutex_lock(&f->mu);
                f->connections++;
                pthread_mutex_unlock(&f->mu);
                if (f->greet)
                    f->greet(f, &conns[i]);
            }
        }
        for (int k = 1; k < n; k++) {
            struct conn *c = &conns[slot[k]];
            if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t r = recv(c->fd, c->in + c->len, FAKE_IN - c->len - 1, 0);
            if (r > 0) {
                c->len += (size_t)r;
                c->in[c->len] = '\0';
            }
            if (r <= 0 || !f->serve(f, c)) {
                close(c->fd);
                free(c->in);
                buf_free(&c->message);
                *c = (struct conn){.fd = -1};
            }
        }
    }
    for (int i = 0; i < FAKE_CONNS; i++)
        if (conns[i].fd >= 0) {
            close(conns[i].fd);
            free(conns[i].in);
            buf_free(&conns[i].message);
        }
    free(conns);
    return NULL;
}

static void fake_start(struct fake *f)
{
    f->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(f->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(f->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(f->fd, 8), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(f->fd, (struct sockaddr *)&a, &len), 0);
    f->port = ntohs(a.sin_port);
    buf_init(&f->message, FAKE_IN);
    buf_init(&f->head, FAKE_IN);
    buf_init(&f->body, FAKE_IN);
    pthread_mutex_init(&f->mu, NULL);
    assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

static void fake_stop(struct fake *f)
{
    pthread_mutex_lock(&f->mu);
    f->stop = 1;
    pthread_mutex_unlock(&f->mu);
    pthread_join(f->thread, NULL);
    pthread_mutex_destroy(&f->mu);
    close(f->fd);
    buf_free(&f->message);
    buf_free(&f->head);
    buf_free(&f->body);
}

/* Reads a counter the fake thread writes. */
static int fake_get(struct fake *f, const int *field)
{
    pthread_mutex_lock(&f->mu);
    int v = *field;
    pthread_mutex_unlock(&f->mu);
    return v;
}

static void fake_set(struct fake *f, int *field, int v)
{
    pthread_mutex_lock(&f->mu);
    *field = v;
    pthread_mutex_unlock(&f->mu);
}

/* A port nothing listens on (bound, then closed). */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* ---- the SMTP fake ---- */

static void smtp_greet(struct fake *f, struct conn *c)
{
    (void)f;
    say_line(c->fd, "220 fake.test ESMTP ready\r\n");
}

static const char *smtp_reply(int code)
{
    switch (code) {
    case 451:
        return "451 4.3.0 Mailbox busy, try again later\r\n";
    case 550:
        return "550 5.1.1 No such user here\r\n";
    default:
        return "250 2.1.0 OK\r\n";
    }
}

/* Copies the address between '<' and '>' of an SMTP command. */
static void smtp_path(const char *line, char *out, size_t size)
{
    const char *a = strchr(line, '<'), *b = a ? strchr(a, '>') : NULL;
    snprintf(out, size, "%.*s", a && b ? (int)(b - a - 1) : 0, a ? a + 1 : "");
}

/* AUTH PLAIN (RFC 4616): base64 of "authzid NUL user NUL password". */
static const char *smtp_auth(struct fake *f, const char *b64)
{
    char plain[256];
    size_t n = 0;
    unsigned long acc = 0;
    int bits = 0;
    for (const char *s = b64; *s && *s != '=' && n + 1 < sizeof plain; s++) {
        int v = b64_value(*s);
        if (v < 0)
            return "501 5.5.2 Cannot decode\r\n";
        acc = (acc << 6) | (unsigned long)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            plain[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    const char *user = memchr(plain, '\0', n);
    const char *pass = user ? memchr(user + 1, '\0', n - (size_t)(user + 1 - plain)) : NULL;
    if (!pass)
        return "501 5.5.2 Cannot decode\r\n";
    user++, pass++;
    size_t plen = n - (size_t)(pass - plain);
    if (strcmp(user, "mailer") != 0 || plen != strlen(f->password) ||
        memcmp(pass, f->password, plen) != 0)
        return "535 5.7.8 Authentication credentials invalid\r\n";
    pthread_mutex_lock(&f->mu);
    snprintf(f->user, sizeof f->user, "%s", user);
    pthread_mutex_unlock(&f->mu);
    return "235 2.7.0 Authentication successful\r\n";
}

static int smtp_serve(struct fake *f, struct conn *c)
{
    char *eol;
    while ((eol = strstr(c->in, "\r\n")) != NULL) {
        *eol = '\0';
        char line[1100];
        snprintf(line, sizeof line, "%s", c->in);
        size_t used = (size_t)(eol + 2 - c->in);
        memmove(c->in, c->in + used, c->len - used + 1);
        c->len -= used;

        int ok = 0;
        if (c->auth) {
            c->auth = 0;
            ok = say_line(c->fd, smtp_auth(f, line));
        } else if (c->data) {
            if (strcmp(line, ".") == 0) {
                c->data = 0;
                pthread_mutex_lock(&f->mu);
                f->messages++;
                buf_reset(&f->message);
                buf_addn(&f->message, c->message.data, c->message.len);
                pthread_mutex_unlock(&f->mu);
                ok = say_line(c->fd, "250 2.0.0 Queued\r\n");
            } else {
                buf_add(&c->message, line[0] == '.' ? line + 1 : line); /* dot-unstuffing */
                buf_add(&c->message, "\r\n");
            }
        } else {
            pthread_mutex_lock(&f->mu);
            f->commands++;
            int mail_code = f->mail_code, rcpt_code = f->rcpt_code;
            pthread_mutex_unlock(&f->mu);
            if (strncasecmp(line, "EHLO", 4) == 0) {
                ok = say_line(
                    c->fd, f->password ? "250-fake.test\r\n250-AUTH PLAIN\r\n250 SIZE 1000000\r\n"
                                       : "250-fake.test\r\n250-8BITMIME\r\n250 SIZE 10000000\r\n");
            } else if (f->password && strncasecmp(line, "AUTH PLAIN", 10) == 0) {
                if (line[10] == ' ' && line[11]) {
                    ok = say_line(c->fd, smtp_auth(f, line + 11));
                } else {
                    c->auth = 1;
                    ok = say_line(c->fd, "334 \r\n");
                }
            } else if (strncasecmp(line, "HELO", 4) == 0 || strncasecmp(line, "NOOP", 4) == 0) {
                ok = say_line(c->fd, "250 OK\r\n");
            } else if (strncasecmp(line, "MAIL FROM:", 10) == 0) {
                pthread_mutex_lock(&f->mu);
                smtp_path(line, f->from, sizeof f->from);
                pthread_mutex_unlock(&f->mu);
                ok = say_line(c->fd, smtp_reply(mail_code));
            } else if (strncasecmp(line, "RCPT TO:", 8) == 0) {
                pthread_mutex_lock(&f->mu);
                smtp_path(line, f->rcpt, sizeof f->rcpt);
                pthread_mutex_unlock(&f->mu);
                ok = say_line(c->fd, smtp_reply(rcpt_code));
            } else if (strncasecmp(line, "DATA", 4) == 0) {
                c->data = 1;
                buf_reset(&c->message);
                ok = say_line(c->fd, "354 End data with <CR><LF>.<CR><LF>\r\n");
            } else if (strncasecmp(line, "RSET", 4) == 0) {
                pthread_mutex_lock(&f->mu);
                f->rsets++;
                pthread_mutex_unlock(&f->mu);
                ok = say_line(c->fd, "250 OK\r\n");
            } else if (strncasecmp(line, "QUIT", 4) == 0) {
                say_line(c->fd, "221 Bye\r\n");
                return 0;
            } else {
                ok = say_line(c->fd, "502 5.5.2 Command not recognised\r\n");
            }
        }
        if (ok != 0)
            return 0;
    }
    return 1;
}

/* ---- the HTTP fake ---- */

static int http_serve(struct fake *f, struct conn *c)
{
    if (c->silent)
        return 1;
    char *end = strstr(c->in, "\r\n\r\n");
    if (!end)
        return 1;
    size_t head = (size_t)(end + 4 - c->in), length = 0;
    for (char *p = c->in; p < end; p = strstr(p, "\r\n") + 2)
        if (strncasecmp(p, "Content-Length:", 15) == 0)
            length = strtoul(p + 15, NULL, 10);
    if (c->len < head + length)
        return 1;
    pthread_mutex_lock(&f->mu);
    f->requests++;
    buf_reset(&f->head);
    buf_addn(&f->head, c->in, head);
    buf_reset(&f->body);
    buf_addn(&f->body, c->in + head, length);
    int status = f->status;
    size_t answer_size = f->answer_size;
    int port = f->port;
    pthread_mutex_unlock(&f->mu);
    if (status == 0) {
        c->silent = 1;
        return 1;
    }
    char top[256], location[96] = "";
    if (status == 301 || status == 302)
        snprintf(location, sizeof location, "Location: http://127.0.0.1:%d/elsewhere\r\n", port);
    snprintf(top, sizeof top,
             "HTTP/1.1 %d Whatever\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n", status,
             answer_size, location);
    if (say_line(c->fd, top) == 0) {
        char chunk[4096];
        memset(chunk, 'x', sizeof chunk);
        for (size_t sent = 0; sent < answer_size; sent += sizeof chunk) {
            size_t n = answer_size - sent < sizeof chunk ? answer_size - sent : sizeof chunk;
            if (send_all(c->fd, chunk, n) != 0)
                break;
        }
    }
    return 0;
}

/* ---- transport tests ---- */

struct world {
    struct fake smtp, smtp2, http;
    struct notify_transport *t;
};

static int world_up(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    w->smtp.serve = smtp_serve;
    w->smtp.greet = smtp_greet;
    w->smtp2.serve = smtp_serve;
    w->smtp2.greet = smtp_greet;
    w->http.serve = http_serve;
    w->http.status = 200;
    fake_start(&w->smtp);
    fake_start(&w->smtp2);
    fake_start(&w->http);
    if (transport_curl_new(5, &w->t) != RC_OK)
        return -1;
    *state = w;
    return 0;
}

static int world_down(void **state)
{
    struct world *w = *state;
    transport_curl_free(w->t); /* QUIT to the relays while they still listen */
    fake_stop(&w->smtp);
    fake_stop(&w->smtp2);
    fake_stop(&w->http);
    free(w);
    return 0;
}

static enum transport_outcome send_to(struct world *w, int port, const char *message, char *err,
                                      size_t errlen)
{
    char url[64];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", port);
    struct transport_email e = {.smtp_url = url,
                                .envelope_from = "noreply@waymark.test",
                                .rcpt = "ana@example.com",
                                .message = message,
                                .message_len = strlen(message)};
    return w->t->send_email(w->t, &e, err, errlen);
}

static void an_email_arrives_intact_over_one_connection(void **state)
{
    struct world *w = *state;
    struct mail m = base_mail();
    m.subject = "Überprüfung — café ✓";
    struct buf b;
    assert_int_equal(build(&m, &b), RC_OK);
    char err[TRANSPORT_ERR_MAX];
    assert_int_equal(send_to(w, w->smtp.port, b.data, err, sizeof err), TRANSPORT_OK);
    pthread_mutex_lock(&w->smtp.mu);
    assert_string_equal(w->smtp.message.data, b.data);
    assert_string_equal(w->smtp.from, "noreply@waymark.test");
    assert_string_equal(w->smtp.rcpt, "ana@example.com");
    pthread_mutex_unlock(&w->smtp.mu);

    /* Lines that start with a dot travel too (curl stuffs them, the server unstuffs). */
    const char *raw = "Subject: dots\r\n\r\n.one dot\r\n..two dots\r\n.\r\nlast";
    assert_int_equal(send_to(w, w->smtp.port, raw, err, sizeof err), TRANSPORT_OK);
    pthread_mutex_lock(&w->smtp.mu);
    assert_string_equal(w->smtp.message.data,
                        "Subject: dots\r\n\r\n.one dot\r\n..two dots\r\n.\r\nlast\r\n");
    pthread_mutex_unlock(&w->smtp.mu);

    /* Both messages went over one connection. */
    assert_int_equal(fake_get(&w->smtp, &w->smtp.messages), 2);
    assert_int_equal(fake_get(&w->smtp, &w->smtp.connections), 1);

    /* Another relay gets its own connection; coming back opens a new one. */
    assert_int_equal(send_to(w, w->smtp2.port, b.data, err, sizeof err), TRANSPORT_OK);
    assert_int_equal(fake_get(&w->smtp2, &w->smtp2.messages), 1);
    assert_int_equal(fake_get(&w->smtp2, &w->smtp2.connections), 1);
    assert_int_equal(send_to(w, w->smtp.port, b.data, err, sizeof err), TRANSPORT_OK);
    assert_int_equal(fake_get(&w->smtp, &w->smtp.messages), 3);
    assert_int_equal(fake_get(&w->smtp, &w->smtp.connections), 2);
    buf_free(&b);
}

static void smtp_4xx_is_retry_and_5xx_is_permanent(void **state)
{
    struct world *w = *state;
    char err[TRANSPORT_ERR_MAX];
    const char *msg = "Subject: x\r\n\r\nbody\r\n";

    fake_set(&w->smtp, &w->smtp.rcpt_code, 451);
    assert_int_equal(send_to(w, w->smtp.port, msg, err, sizeof err), TRANSPORT_RETRY);
    assert_non_null(strstr(err, "451"));
    assert_non_null(strstr(err, "try again later"));
    assert_null(strchr(err, '\n'));

    fake_set(&w->smtp, &w->smtp.rcpt_code, 550);
    assert_int_equal(send_to(w, w->smtp.port, msg, err, sizeof err), TRANSPORT_PERMANENT);
    assert_non_null(strstr(err, "550"));
    assert_non_null(strstr(err, "No such user"));

    fake_set(&w->smtp, &w->smtp.rcpt_code, 250);
    fake_set(&w->smtp, &w->smtp.mail_code, 550);
    assert_int_equal(send_to(w, w->smtp.port, msg, err, sizeof err), TRANSPORT_PERMANENT);
    assert_non_null(strstr(err, "550"));
    fake_set(&w->smtp, &w->smtp.mail_code, 451);
    assert_int_equal(send_to(w, w->smtp.port, msg, err, sizeof err), TRANSPORT_RETRY);

    /* The relay recovers; so does the transport. */
    fake_set(&w->smtp, &w->smtp.mail_code, 250);
    assert_int_equal(send_to(w, w->smtp.port, msg, err, sizeof err), TRANSPORT_OK);
    assert_int_equal(fake_get(&w->smtp, &w->smtp.messages), 1);
}

static void unreachable_or_malformed_relays(void **state)
{
    struct world *w = *state;
    char err[TRANSPORT_ERR_MAX];
    const char *msg = "Subject: x\r\n\r\nbody\r\n";

    assert_int_equal(send_to(w, closed_port(), msg, err, sizeof err), TRANSPORT_RETRY);
    assert_true(strlen(err) > 0);

    struct transport_email e = {.envelope_from = "noreply@waymark.test",
                                .rcpt = "ana@example.com",
                                .message = msg,
                                .message_len = strlen(msg)};
    static const char *const bad_urls[] = {"smtp://[::1", "smtp://a b", "ftp://127.0.0.1/",
                                           "file:///etc/passwd", "127.0.0.1:25"};
    for (size_t i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++) {
        e.smtp_url = bad_urls[i];
        err[0] = '\0';
        assert_int_equal(w->t->send_email(w->t, &e, err, sizeof err), TRANSPORT_PERMANENT);
        assert_true(strlen(err) > 0);
    }
    /* A relay that refused and then went away: the refusal is not remembered. */
    struct fake gone = {.serve = smtp_serve, .greet = smtp_greet, .rcpt_code = 550};
    fake_start(&gone);
    assert_int_equal(send_to(w, gone.port, msg, err, sizeof err), TRANSPORT_PERMANENT);
    fake_stop(&gone);
    assert_int_equal(send_to(w, gone.port, msg, err, sizeof err), TRANSPORT_RETRY);
    assert_null(strstr(err, "550"));

    e.smtp_url = "";
    assert_int_equal(w->t->send_email(w->t, &e, err, sizeof err), TRANSPORT_PERMANENT);
    assert_string_equal(err, "no SMTP relay is configured");
    e.smtp_url = NULL;
    assert_int_equal(w->t->send_email(w->t, &e, err, sizeof err), TRANSPORT_PERMANENT);

    /* An envelope that would smuggle an SMTP command is refused before any connection. */
    char url[64];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", w->smtp.port);
    e.smtp_url = url;
    e.rcpt = "ana@example.com>\r\nRCPT TO:<evil@example.com";
    assert_int_equal(w->t->send_email(w->t, &e, err, sizeof err), TRANSPORT_PERMANENT);
    e.rcpt = "ana@example.com";
    e.envelope_from = "a@b.c\r\nRSET";
    assert_int_equal(w->t->send_email(w->t, &e, err, sizeof err), TRANSPORT_PERMANENT);
    assert_int_equal(fake_get(&w->smtp, &w->smtp.connections), 0);
}

static void the_relay_url_carries_the_credentials(void **state)
{
    struct world *w = *state;
    struct fake relay = {.serve = smtp_serve, .greet = smtp_greet, .password = "s3cret"};
    fake_start(&relay);
    char url[96], err[TRANSPORT_ERR_MAX];
    const char *msg = "Subject: x\r\n\r\nbody\r\n";
    struct transport_email e = {.smtp_url = url,
                                .envelope_from = "noreply@waymark.test",
                                .rcpt = "ana@example.com",
                                .message = msg,
                                .message_len = strlen(msg)};
    snprintf(url, sizeof url, "smtp://mailer:s3cret@127.0.0.1:%d", relay.port);
    assert_int_equal(w->t->send_email(w->t, &e, err, sizeof err), TRANSPORT_OK);
    assert_int_equal(fake_get(&relay, &relay.messages), 1);
    pthread_mutex_lock(&relay.mu);
    assert_string_equal(relay.user, "mailer");
    pthread_mutex_unlock(&relay.mu);

    /* A wrong password is a 535: permanent, and the password is not repeated. */
    snprintf(url, sizeof url, "smtp://mailer:wrong-pw@127.0.0.1:%d", relay.port);
    assert_int_equal(w->t->send_email(w->t, &e, err, sizeof err), TRANSPORT_PERMANENT);
    assert_non_null(strstr(err, "535"));
    assert_null(strstr(err, "wrong-pw"));
    assert_int_equal(fake_get(&relay, &relay.messages), 1);
    fake_stop(&relay);
    assert_int_equal(w->t->send_email(w->t, &e, err, sizeof err), TRANSPORT_RETRY);
    assert_null(strstr(err, "wrong-pw"));
}

static enum transport_outcome post(struct world *w, int status, const char *path, char *err,
                                   size_t errlen)
{
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", w->http.port, path);
    fake_set(&w->http, &w->http.status, status);
    const char *body = "{\"id\":\"reminder:1:2026-12-01\",\"kind\":\"reminder\"}";
    struct transport_webhook h = {.url = url,
                                  .body = body,
                                  .body_len = strlen(body),
                                  .event = "reminder",
                                  .delivery_id = 42,
                                  .timestamp = NOW,
                                  .signature = "v1=0a1b2c3d"};
    return w->t->post_webhook(w->t, &h, err, errlen);
}

static void a_webhook_carries_its_headers_and_body(void **state)
{
    struct world *w = *state;
    char err[TRANSPORT_ERR_MAX];
    assert_int_equal(post(w, 200, "/hook?x=1", err, sizeof err), TRANSPORT_OK);
    pthread_mutex_lock(&w->http.mu);
    const char *head = w->http.head.data;
    assert_int_equal(strncmp(head, "POST /hook?x=1 HTTP/1.1\r\n", 25), 0);
    static const char *const want[] = {
        "\r\nContent-Type: application/json\r\n",
        "\r\nUser-Agent: Waymark\r\n",
        "\r\nWaymark-Event: reminder\r\n",
        "\r\nWaymark-Delivery: 42\r\n",
        "\r\nWaymark-Timestamp: 1796115600\r\n",
        "\r\nWaymark-Signature: v1=0a1b2c3d\r\n",
        "\r\nContent-Length: 48\r\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_non_null(strstr(head, want[i]));
    assert_null(strcasestr(head, "\r\nExpect:"));
    assert_string_equal(w->http.body.data,
                        "{\"id\":\"reminder:1:2026-12-01\",\"kind\":\"reminder\"}");
    pthread_mutex_unlock(&w->http.mu);
}

static void webhook_answers_are_classified(void **state)
{
    struct world *w = *state;
    char err[TRANSPORT_ERR_MAX];
    static const struct {
        int status;
        enum transport_outcome outcome;
    } cases[] = {
        {200, TRANSPORT_OK},        {201, TRANSPORT_OK},        {204, TRANSPORT_OK},
        {408, TRANSPORT_RETRY},     {429, TRANSPORT_RETRY},     {500, TRANSPORT_RETRY},
        {503, TRANSPORT_RETRY},     {400, TRANSPORT_PERMANENT}, {401, TRANSPORT_PERMANENT},
        {404, TRANSPORT_PERMANENT}, {410, TRANSPORT_PERMANENT}, {301, TRANSPORT_PERMANENT},
        {302, TRANSPORT_PERMANENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int before = fake_get(&w->http, &w->http.requests);
        err[0] = '\0';
        assert_int_equal(post(w, cases[i].status, "/hook", err, sizeof err), cases[i].outcome);
        /* One request each: a redirect is not followed. */
        assert_int_equal(fake_get(&w->http, &w->http.requests), before + 1);
        if (cases[i].outcome != TRANSPORT_OK) {
            char code[8];
            snprintf(code, sizeof code, "%d", cases[i].status);
            assert_non_null(strstr(err, code));
        }
    }

    /* A huge answer is cut short but still counts as its status. */
    pthread_mutex_lock(&w->http.mu);
    w->http.answer_size = 2u << 20;
    pthread_mutex_unlock(&w->http.mu);
    assert_int_equal(post(w, 200, "/big", err, sizeof err), TRANSPORT_OK);
    assert_int_equal(post(w, 503, "/big", err, sizeof err), TRANSPORT_RETRY);
    pthread_mutex_lock(&w->http.mu);
    w->http.answer_size = 0;
    pthread_mutex_unlock(&w->http.mu);
}

static void webhook_transport_failures(void **state)
{
    struct world *w = *state;
    char err[TRANSPORT_ERR_MAX], url[64];
    struct transport_webhook h = {.body = "{}",
                                  .body_len = 2,
                                  .event = "test",
                                  .delivery_id = 1,
                                  .timestamp = NOW,
                                  .signature = "v1=00"};

    snprintf(url, sizeof url, "http://127.0.0.1:%d/hook", closed_port());
    h.url = url;
    assert_int_equal(w->t->post_webhook(w->t, &h, err, sizeof err), TRANSPORT_RETRY);
    assert_true(strlen(err) > 0);

    static const char *const bad_urls[] = {"ftp://127.0.0.1/", "file:///etc/passwd", "http://[::1",
                                           "smtp://127.0.0.1/", "gopher://x/"};
    for (size_t i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++) {
        h.url = bad_urls[i];
        assert_int_equal(w->t->post_webhook(w->t, &h, err, sizeof err), TRANSPORT_PERMANENT);
    }

    /* Header values that would add a header are refused; nothing is sent. */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/hook", w->http.port);
    h.url = url;
    h.event = "test\r\nX-Evil: 1";
    assert_int_equal(w->t->post_webhook(w->t, &h, err, sizeof err), TRANSPORT_PERMANENT);
    h.event = "test";
    h.signature = "v1=00\nX-Evil: 1";
    assert_int_equal(w->t->post_webhook(w->t, &h, err, sizeof err), TRANSPORT_PERMANENT);
    assert_int_equal(fake_get(&w->http, &w->http.requests), 0);

    /* A server that never answers runs into the timeout. */
    struct notify_transport *quick = NULL;
    assert_int_equal(transport_curl_new(1, &quick), RC_OK);
    h.signature = "v1=00";
    fake_set(&w->http, &w->http.status, 0);
    assert_int_equal(quick->post_webhook(quick, &h, err, sizeof err), TRANSPORT_RETRY);
    assert_true(strlen(err) > 0);
    assert_int_equal(fake_get(&w->http, &w->http.requests), 1);
    transport_curl_free(quick);
    transport_curl_free(NULL);
}

static int curl_up(void **state)
{
    (void)state;
    return transport_global_init() == RC_OK ? 0 : -1;
}

static int curl_down(void **state)
{
    (void)state;
    transport_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_headers_and_parts_are_exact),
        cmocka_unit_test(dates_are_in_rfc5322_form),
        cmocka_unit_test(quoted_printable_encodes_what_it_must),
        cmocka_unit_test(a_long_paragraph_survives_soft_breaks),
        cmocka_unit_test(subjects_and_names_use_encoded_words_when_needed),
        cmocka_unit_test(header_injection_is_neutralised_or_refused),
        cmocka_unit_test(the_boundary_never_occurs_in_the_parts),
        cmocka_unit_test(a_text_only_message_has_one_part),
        cmocka_unit_test(split_address_reads_name_and_address),
        cmocka_unit_test_setup_teardown(an_email_arrives_intact_over_one_connection, world_up,
                                        world_down),
        cmocka_unit_test_setup_teardown(smtp_4xx_is_retry_and_5xx_is_permanent, world_up,
                                        world_down),
        cmocka_unit_test_setup_teardown(unreachable_or_malformed_relays, world_up, world_down),
        cmocka_unit_test_setup_teardown(the_relay_url_carries_the_credentials, world_up,
                                        world_down),
        cmocka_unit_test_setup_teardown(a_webhook_carries_its_headers_and_body, world_up,
                                        world_down),
        cmocka_unit_test_setup_teardown(webhook_answers_are_classified, world_up, world_down),
        cmocka_unit_test_setup_teardown(webhook_transport_failures, world_up, world_down),
    };
    return cmocka_run_group_tests(tests, curl_up, curl_down);
}
