/*
 * test_upload.c — what an upload goes through before anything is stored: the
 * multipart/form-data reader (core/multipart.h), type sniffing (core/sniff.h) and the
 * cleaning of client file names.
 *
 * Bodies are copied into heap blocks of exactly their size, without a NUL after them,
 * so the ASan build catches any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "core/multipart.h"
#include "core/sniff.h"

/* ---- helpers ---- */

/* A heap copy of n bytes with nothing after them. */
static char *exact(const void *p, size_t n)
{
    char *c = malloc(n ? n : 1);
    assert_non_null(c);
    if (n)
        memcpy(c, p, n);
    return c;
}

/* Parses body (n bytes, copied to an exact block) with content type ct; the parts point
 * into *keep, which the caller frees. */
static enum rc parse_n(struct ctx *cx, const char *ct, const char *body, size_t n,
                       struct multipart *m, char **keep)
{
    *keep = exact(body, n);
    ctx_clear(cx);
    return multipart_parse(cx, ct, *keep, n, m);
}

static enum rc parse(struct ctx *cx, const char *ct, const char *body, struct multipart *m,
                     char **keep)
{
    return parse_n(cx, ct, body, strlen(body), m, keep);
}

#define CT "multipart/form-data; boundary=XyZ"

/* ---- multipart ---- */

static void multipart_reads_a_browser_form(void **state)
{
    (void)state;
    static const char body[] = "--XyZ\r\n"
                               "Content-Disposition: form-data; name=\"note\"\r\n"
                               "\r\n"
                               "hello\r\n"
                               "--XyZ\r\n"
                               "Content-Disposition: form-data; name=\"file\"; "
                               "filename=\"plan.pdf\"\r\n"
                               "Content-Type: application/pdf\r\n"
                               "\r\n"
                               "%PDF-1.7\r\n\0binary\r\n--XyZnot a delimiter\r\n"
                               "--XyZ--\r\n";
    struct ctx cx;
    struct multipart m;
    char *keep;
    ctx_init(&cx);
    assert_int_equal(parse_n(&cx, CT, body, sizeof body - 1, &m, &keep), RC_OK);
    assert_int_equal(m.nparts, 2);
    assert_string_equal(m.parts[0].name, "note");
    assert_false(m.parts[0].is_file);
    assert_string_equal(m.parts[0].filename, "");
    assert_string_equal(m.parts[0].content_type, "");
    assert_int_equal(m.parts[0].len, 5);
    assert_memory_equal(m.parts[0].data, "hello", 5);
    assert_string_equal(m.parts[1].name, "file");
    assert_true(m.parts[1].is_file);
    assert_string_equal(m.parts[1].filename, "plan.pdf");
    assert_string_equal(m.parts[1].content_type, "application/pdf");
    static const char data[] = "%PDF-1.7\r\n\0binary\r\n--XyZnot a delimiter";
    assert_int_equal(m.parts[1].len, sizeof data - 1);
    assert_memory_equal(m.parts[1].data, data, sizeof data - 1);
    /* The parts point into the body: nothing was copied. */
    assert_true(m.parts[1].data > keep && m.parts[1].data < keep + sizeof body);
    assert_ptr_equal(multipart_find(&m, "file"), &m.parts[1]);
    assert_ptr_equal(multipart_find(&m, "note"), &m.parts[0]);
    assert_null(multipart_find(&m, "File"));
    free(keep);
    ctx_clear(&cx);
}

static void multipart_accepts_bare_lf_preamble_epilogue_and_quoted_boundaries(void **state)
{
    (void)state;
    struct ctx cx;
    struct multipart m;
    char *keep;
    ctx_init(&cx);
    const char *body = "This is the preamble; --XyZ in it is not a delimiter.\n"
                       "--XyZ  \n"
                       "content-disposition: FORM-DATA ; name=a ;filename=x.txt;\n"
                       "\n"
                       "one\n"
                       "two\n"
                       "--XyZ--\n"
                       "epilogue --XyZ\nContent-Disposition: form-data; name=\"b\"\n\nb\n--XyZ--";
    assert_int_equal(
        parse(&cx, "Multipart/Form-Data;charset=utf-8; boundary=\"XyZ\"", body, &m, &keep), RC_OK);
    assert_int_equal(m.nparts, 1);
    assert_string_equal(m.parts[0].name, "a");
    assert_string_equal(m.parts[0].filename, "x.txt");
    assert_int_equal(m.parts[0].len, 7);
    assert_memory_equal(m.parts[0].data, "one\ntwo", 7);
    free(keep);

    /* A boundary with spaces and punctuation, as RFC 2046 allows, quoted. */
    body = "--a'(b)+_,-./:=? c\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n\r\n"
           "--a'(b)+_,-./:=? c--";
    assert_int_equal(
        parse(&cx, "multipart/form-data; boundary=\"a'(b)+_,-./:=? c\"", body, &m, &keep), RC_OK);
    assert_int_equal(m.nparts, 1);
    assert_int_equal(m.parts[0].len, 0);
    free(keep);

    /* An empty form: only the closing delimiter. */
    assert_int_equal(parse(&cx, CT, "--XyZ--\r\n", &m, &keep), RC_OK);
    assert_int_equal(m.nparts, 0);
    free(keep);
    ctx_clear(&cx);
}

static void multipart_refuses_other_media_types_and_bad_boundaries(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "application/json",
        "multipart/form-data",
        "multipart/form-dataX; boundary=XyZ",
        "multipart/mixed; boundary=XyZ",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=\"\"",
        "multipart/form-data; boundary=\"XyZ",
        "multipart/form-data; boundary=XyZ; boundary=Other",
        "multipart/form-data; boundary=\"ends with space \"",
        "multipart/form-data; boundary=\"semi;colon\"",
        "multipart/form-data; boundary=\"a\\\"b\"",
        "multipart/form-data; boundary=12345678901234567890123456789012345678901234567890"
        "123456789012345678901",
        "multipart/form-data; =XyZ",
        "multipart/form-data boundary=XyZ",
    };
    const char *body = "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--XyZ--";
    struct ctx cx;
    struct multipart m;
    char *keep;
    ctx_init(&cx);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        m.nparts = 99;
        if (parse(&cx, bad[i], body, &m, &keep) != RC_UNSUPPORTED_MEDIA)
            fail_msg("accepted content type %s", bad[i]);
        assert_int_equal(m.nparts, 99); /* untouched on failure */
        assert_true(strlen(cx.message) > 0);
        free(keep);
    }
    assert_int_equal(parse(&cx, NULL, body, &m, &keep), RC_UNSUPPORTED_MEDIA);
    free(keep);
    /* 70 characters is the most RFC 2046 allows. */
    char ct[200], b70[71], bodyb[300];
    memset(b70, 'b', 70);
    b70[70] = '\0';
    snprintf(ct, sizeof ct, "multipart/form-data; boundary=%s", b70);
    snprintf(bodyb, sizeof bodyb,
             "--%s\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--%s--", b70, b70);
    assert_int_equal(parse(&cx, ct, bodyb, &m, &keep), RC_OK);
    assert_int_equal(m.nparts, 1);
    free(keep);
    ctx_clear(&cx);
}

static void multipart_keeps_the_boundary_text_inside_data(void **state)
{
    (void)state;
    struct ctx cx;
    struct multipart m;
    char *keep;
    ctx_init(&cx);
    /* Not at the start of a line, followed by other text, or by text after spaces. */
    const char *body = "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n"
                       "\r\n"
                       "a --XyZ b\r\n"
                       "--XyZX\r\n"
                       "--XyZ x\r\n"
                       "--XyZ-\r\n"
                       "end\r\n"
                       "--XyZ--";
    assert_int_equal(parse(&cx, CT, body, &m, &keep), RC_OK);
    assert_int_equal(m.nparts, 1);
    const char *want = "a --XyZ b\r\n--XyZX\r\n--XyZ x\r\n--XyZ-\r\nend";
    assert_int_equal(m.parts[0].len, strlen(want));
    assert_memory_equal(m.parts[0].data, want, strlen(want));
    free(keep);
    ctx_clear(&cx);
}

static void multipart_refuses_every_truncation(void **state)
{
    (void)state;
    static const char body[] =
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
        "Content-Type: application/pdf\r\n"
        "\r\n"
        "%PDF-1.4 data\r\n"
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"b\"\r\n"
        "\r\n"
        "b\r\n"
        "--XyZ--\r\n";
    size_t full = sizeof body - 1, closing_end = full - 2; /* after "--XyZ--" */
    struct ctx cx;
    struct multipart m;
    char *keep;
    ctx_init(&cx);
    for (size_t n = 0; n < closing_end; n++) {
        enum rc rc = parse_n(&cx, CT, body, n, &m, &keep);
        if (rc != RC_BAD_REQUEST)
            fail_msg("a body cut to %zu bytes gave %s", n, rc_name(rc));
        free(keep);
    }
    for (size_t n = closing_end; n <= full; n++) {
        assert_int_equal(parse_n(&cx, CT, body, n, &m, &keep), RC_OK);
        assert_int_equal(m.nparts, 2);
        free(keep);
    }
    /* No closing delimiter at all, or a last delimiter opening a part that never comes. */
    assert_int_equal(parse(&cx, CT,
                           "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n"
                           "data data data\r\n",
                           &m, &keep),
                     RC_BAD_REQUEST);
    assert_non_null(strstr(cx.message, "closing boundary"));
    free(keep);
    assert_int_equal(parse(&cx, CT,
                           "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n"
                           "data\r\n--XyZ\r\n",
                           &m, &keep),
                     RC_BAD_REQUEST);
    free(keep);
    /* No delimiter anywhere, and an empty body. */
    assert_int_equal(parse(&cx, CT, "just some bytes", &m, &keep), RC_BAD_REQUEST);
    free(keep);
    assert_int_equal(parse_n(&cx, CT, "", 0, &m, &keep), RC_BAD_REQUEST);
    free(keep);
    assert_int_equal(multipart_parse(&cx, CT, NULL, 0, &m), RC_BAD_REQUEST);
    ctx_clear(&cx);
}

static void multipart_allows_sixteen_parts_not_seventeen(void **state)
{
    (void)state;
    struct ctx cx;
    struct multipart m;
    char *keep;
    ctx_init(&cx);
    for (int parts = 16; parts <= 17; parts++) {
        char body[4096];
        size_t n = 0;
        for (int i = 0; i < parts; i++)
            n += (size_t)snprintf(body + n, sizeof body - n,
                                  "--XyZ\r\nContent-Disposition: form-data; name=\"f%d\"; "
                                  "filename=\"%d.txt\"\r\n\r\npart %d\r\n",
                                  i, i, i);
        n += (size_t)snprintf(body + n, sizeof body - n, "--XyZ--\r\n");
        enum rc rc = parse_n(&cx, CT, body, n, &m, &keep);
        if (parts == 16) {
            assert_int_equal(rc, RC_OK);
            assert_int_equal(m.nparts, 16);
            assert_string_equal(m.parts[15].name, "f15");
            assert_memory_equal(m.parts[15].data, "part 15", 7);
        } else {
            assert_int_equal(rc, RC_BAD_REQUEST);
            assert_non_null(strstr(cx.message, "16"));
        }
        free(keep);
    }
    ctx_clear(&cx);
}

static void multipart_refuses_names_over_255_bytes(void **state)
{
    (void)state;
    struct ctx cx;
    struct multipart m;
    char *keep;
    ctx_init(&cx);
    static char name[20001], body[21000];
    size_t sizes[] = {255, 256, 300, 20000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        memset(name, 'n', sizes[k]);
        name[sizes[k]] = '\0';
        for (int as_filename = 0; as_filename < 2; as_filename++) {
            if (as_filename)
                snprintf(body, sizeof body,
                         "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
                         "filename=\"%s\"\r\n\r\nx\r\n--XyZ--",
                         name);
            else
                snprintf(body, sizeof body,
                         "--XyZ\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\nx\r\n--XyZ--",
                         name);
            enum rc rc = parse(&cx, CT, body, &m, &keep);
            if (sizes[k] == 255) {
                assert_int_equal(rc, RC_OK);
                assert_int_equal(strlen(as_filename ? m.parts[0].filename : m.parts[0].name), 255);
            } else {
                assert_int_equal(rc, RC_BAD_REQUEST);
            }
            free(keep);
        }
    }
    /* filename* counts the decoded bytes: 86 euro signs are 258 bytes. */
    size_t n = 0;
    n += (size_t)snprintf(body, sizeof body,
                          "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
                          "filename*=UTF-8''");
    for (int i = 0; i < 86; i++)
        n += (size_t)snprintf(body + n, sizeof body - n, "%%E2%%82%%AC");
    snprintf(body + n, sizeof body - n, "\r\n\r\nx\r\n--XyZ--");
    assert_int_equal(parse(&cx, CT, body, &m, &keep), RC_BAD_REQUEST);
    free(keep);
    ctx_clear(&cx);
}

static void multipart_refuses_malformed_part_headers(void **state)
{
    (void)state;
    static const char *const bad[] = {
        /* a header line without a colon */
        "--XyZ\r\nContent-Disposition form-data; name=a\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\ngarbage\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\n: no name\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--XyZ--",
        /* a folded line */
        "--XyZ\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\nx\r\n--XyZ--",
        /* no Content-Disposition, or not form-data, or without a name */
        "--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; filename=a.pdf\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nx\r\n--XyZ--",
        /* a parameter twice, or two dispositions: which one would a proxy read? */
        "--XyZ\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=a; filename=x.pdf; FILENAME=y.exe\r\n"
        "\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\nContent-Disposition: form-data; "
        "name=b\r\n\r\nx\r\n--XyZ--",
        /* broken parameters */
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=a\"b\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\" junk\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=a; filename*=UTF-8''%4\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=a; filename*=UTF-8''%G1\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=a; filename*=UTF-8''a%00.pdf\r\n\r\nx\r\n"
        "--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=a; filename*=a.pdf\r\n\r\nx\r\n--XyZ--",
        /* the headers never end */
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\n",
        "--XyZ\r\nContent-Disposition: form-data; name=a",
    };
    struct ctx cx;
    struct multipart m;
    char *keep;
    ctx_init(&cx);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        enum rc rc = parse(&cx, CT, bad[i], &m, &keep);
        if (rc != RC_BAD_REQUEST)
            fail_msg("case %zu gave %s", i, rc_name(rc));
        assert_true(strlen(cx.message) > 0);
        free(keep);
    }
    /* A NUL inside the headers. */
    static const char nul[] = "--XyZ\r\nContent-Disposition: form-data; name=\"a\0b\"\r\n\r\nx\r\n"
                              "--XyZ--";
    assert_int_equal(parse_n(&cx, CT, nul, sizeof nul - 1, &m, &keep), RC_BAD_REQUEST);
    free(keep);
    /* Header lines beyond MULTIPART_HEADERS_MAX bytes. */
    static char big[MULTIPART_HEADERS_MAX + 200];
    size_t n = (size_t)snprintf(big, sizeof big,
                                "--XyZ\r\nContent-Disposition: form-data; name=a\r\nX-Pad: ");
    memset(big + n, 'p', MULTIPART_HEADERS_MAX);
    n += MULTIPART_HEADERS_MAX;
    n += (size_t)snprintf(big + n, sizeof big - n, "\r\n\r\nx\r\n--XyZ--");
    assert_int_equal(parse_n(&cx, CT, big, n, &m, &keep), RC_BAD_REQUEST);
    free(keep);
    ctx_clear(&cx);
}

static void multipart_reads_quoted_and_extended_names(void **state)
{
    (void)state;
    struct ctx cx;
    struct multipart m;
    char *keep;
    ctx_init(&cx);
    const char *body =
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\\\"b\"; filename=\"C:\\x\\evil.pdf\"\r\n"
        "\r\n1\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"c\"; filename=\"back\\\\slash "
        "\\\"q\\\".txt\""
        "\r\n\r\n2\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fallback.pdf\"; "
        "filename*=UTF-8''%E2%82%AC%20rates.pdf\r\n\r\n3\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
        "filename*=utf-8'en'%c3%a9t%C3%A9.txt; filename=\"fallback.txt\"\r\n\r\n4\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"latin.txt\"; "
        "filename*=ISO-8859-1''%E9t%E9.txt\r\n\r\n5\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"empty\"; filename=\"\"\r\n\r\n\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"semi;colon\"; "
        "filename=\"r\xc3\xa9sum\xc3\xa9"
        ".pdf\"\r\n\r\n7\r\n"
        "--XyZ--\r\n";
    assert_int_equal(parse(&cx, CT, body, &m, &keep), RC_OK);
    assert_int_equal(m.nparts, 7);
    assert_string_equal(m.parts[0].name, "a\"b");
    assert_string_equal(m.parts[0].filename, "C:\\x\\evil.pdf");
    assert_string_equal(m.parts[1].filename, "back\\slash \"q\".txt");
    assert_string_equal(m.parts[2].filename, "\xe2\x82\xac rates.pdf");
    assert_string_equal(m.parts[3].filename, "\xc3\xa9t\xc3\xa9.txt");
    assert_string_equal(m.parts[4].filename, "latin.txt"); /* another charset: ignored */
    assert_true(m.parts[5].is_file);
    assert_string_equal(m.parts[5].filename, "");
    assert_int_equal(m.parts[5].len, 0);
    assert_string_equal(m.parts[6].name, "semi;colon");
    assert_string_equal(m.parts[6].filename, "r\xc3\xa9sum\xc3\xa9.pdf");
    assert_ptr_equal(multipart_find(&m, "file"), &m.parts[2]);
    free(keep);
    ctx_clear(&cx);
}

/* A small deterministic generator, so a failure can be replayed. */
static uint32_t next_random(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

static void multipart_survives_mutated_bodies(void **state)
{
    (void)state;
    static const char body[] = "--XyZ\r\n"
                               "Content-Disposition: form-data; name=\"file\"; "
                               "filename=\"a.pdf\"; filename*=UTF-8''b%20c.pdf\r\n"
                               "Content-Type: application/pdf\r\n"
                               "\r\n"
                               "%PDF-1.4\r\n--XyZ\r\n"
                               "Content-Disposition: form-data; name=\"n\"\r\n"
                               "\r\n"
                               "v\r\n"
                               "--XyZ--\r\n";
    static const char alphabet[] = "\r\n-\"\\;=:%XyZ \0\x80\xff";
    struct ctx cx;
    struct multipart m;
    ctx_init(&cx);
    uint32_t seed = 5;
    for (int round = 0; round < 20000; round++) {
        char mutated[sizeof body + 8];
        size_t n = sizeof body - 1;
        memcpy(mutated, body, n);
        int edits = 1 + (int)(next_random(&seed) % 4);
        for (int e = 0; e < edits; e++) {
            size_t at = next_random(&seed) % n;
            uint32_t op = next_random(&seed) % 3;
            char c = alphabet[next_random(&seed) % (sizeof alphabet - 1)];
            if (op == 0) {
                mutated[at] = c;
            } else if (op == 1 && n > 1) {
                memmove(mutated + at, mutated + at + 1, n - at - 1);
                n--;
            } else if (n < sizeof mutated) {
                memmove(mutated + at + 1, mutated + at, n - at);
                mutated[at] = c;
                n++;
            }
        }
        n = next_random(&seed) % 4 == 0 ? next_random(&seed) % (n + 1) : n;
        char *copy = exact(mutated, n);
        ctx_clear(&cx);
        enum rc rc = multipart_parse(&cx, CT, copy, n, &m);
        if (rc != RC_OK && rc != RC_BAD_REQUEST)
            fail_msg("round %d gave %s", round, rc_name(rc));
        if (rc == RC_OK) {
            assert_true(m.nparts <= MULTIPART_PARTS_MAX);
            for (size_t i = 0; i < m.nparts; i++) {
                assert_true(m.parts[i].data >= copy);
                assert_true(m.parts[i].data + m.parts[i].len <= copy + n);
                assert_true(strlen(m.parts[i].name) > 0);
                assert_true(strlen(m.parts[i].name) <= MULTIPART_NAME_MAX);
            }
        }
        free(copy);
    }
    ctx_clear(&cx);
}

/* ---- sniffing ---- */

struct zentry {
    const char *name;
    const char *data;
    int method;     /* 0 stored, 8 deflated (the bytes are not really deflated) */
    int descriptor; /* sizes in a data descriptor after the data */
};

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

/* Writes a ZIP archive of the entries into out; returns its size. */
static size_t zip_build(unsigned char *out, size_t cap, const struct zentry *e, size_t n)
{
    size_t off = 0, offsets[16];
    assert_true(n <= 16);
    for (size_t i = 0; i < n; i++) {
        size_t nlen = strlen(e[i].name), dlen = strlen(e[i].data);
        assert_true(off + 30 + nlen + dlen + 16 <= cap);
        offsets[i] = off;
        unsigned char *h = out + off;
        memcpy(h, "PK\3\4", 4);
        put16(h + 4, 20);
        put16(h + 6, e[i].descriptor ? 8 : 0);
        put16(h + 8, (unsigned)e[i].method);
        put32(h + 10, 0);
        put32(h + 14, 0);
        put32(h + 18, e[i].descriptor ? 0 : (uint32_t)dlen);
        put32(h + 22, e[i].descriptor ? 0 : (uint32_t)dlen);
        put16(h + 26, (unsigned)nlen);
        put16(h + 28, 0);
        memcpy(h + 30, e[i].name, nlen);
        memcpy(h + 30 + nlen, e[i].data, dlen);
        off += 30 + nlen + dlen;
        if (e[i].descriptor) {
            memcpy(out + off, "PK\7\10", 4);
            put32(out + off + 4, 0);
            put32(out + off + 8, (uint32_t)dlen);
            put32(out + off + 12, (uint32_t)dlen);
            off += 16;
        }
    }
    size_t cd = off;
    for (size_t i = 0; i < n; i++) {
        size_t nlen = strlen(e[i].name), dlen = strlen(e[i].data);
        assert_true(off + 46 + nlen <= cap);
        unsigned char *h = out + off;
        memset(h, 0, 46);
        memcpy(h, "PK\1\2", 4);
        put16(h + 4, 20);
        put16(h + 6, 20);
        put16(h + 8, e[i].descriptor ? 8 : 0);
        put16(h + 10, (unsigned)e[i].method);
        put32(h + 20, (uint32_t)dlen);
        put32(h + 24, (uint32_t)dlen);
        put16(h + 28, (unsigned)nlen);
        put32(h + 42, (uint32_t)offsets[i]);
        memcpy(h + 46, e[i].name, nlen);
        off += 46 + nlen;
    }
    assert_true(off + 22 <= cap);
    unsigned char *z = out + off;
    memset(z, 0, 22);
    memcpy(z, "PK\5\6", 4);
    put16(z + 8, (unsigned)n);
    put16(z + 10, (unsigned)n);
    put32(z + 12, (uint32_t)(off - cd));
    put32(z + 16, (uint32_t)cd);
    return off + 22;
}

/* sniff_type on an exact heap copy. */
static const char *sniff_n(const void *p, size_t n)
{
    char *c = exact(p, n);
    const char *t = sniff_type(c, n);
    free(c);
    return t;
}

static const char *sniff_s(const char *s)
{
    return sniff_n(s, strlen(s));
}

static const char *sniff_zip(const struct zentry *e, size_t n)
{
    unsigned char zip[4096];
    return sniff_n(zip, zip_build(zip, sizeof zip, e, n));
}

#define ZIP(...)                                                                                   \
    sniff_zip((const struct zentry[]){__VA_ARGS__},                                                \
              sizeof((const struct zentry[]){__VA_ARGS__}) / sizeof(struct zentry))

static const unsigned char PNG[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                    'I',  'H', 'D', 'R', 0,    0,    0,    1,    0, 0, 0, 1};
static const unsigned char JPEG[] = {0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F'};

static void sniff_recognises_images_and_pdf_by_their_bytes(void **state)
{
    (void)state;
    assert_string_equal(sniff_n(PNG, sizeof PNG), "image/png");
    assert_string_equal(sniff_n(JPEG, sizeof JPEG), "image/jpeg");
    assert_string_equal(sniff_n("GIF89a\x01\x00\x01\x00\x80\x00\x00", 13), "image/gif");
    assert_string_equal(sniff_n("GIF87a\x01\x00\x01\x00\x80\x00\x00", 13), "image/gif");
    static const char webp[] = "RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00";
    assert_string_equal(sniff_n(webp, sizeof webp - 1), "image/webp");
    static const char webpl[] = "RIFF\x24\x00\x00\x00WEBPVP8L\x18\x00\x00\x00";
    assert_string_equal(sniff_n(webpl, sizeof webpl - 1), "image/webp");
    assert_string_equal(sniff_s("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), "application/pdf");

    /* Near misses. */
    assert_null(sniff_n(PNG, 10));
    assert_string_equal(sniff_s("GIF89a"), "text/plain"); /* too short for a GIF */
    static const char wav[] = "RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00";
    assert_null(sniff_n(wav, sizeof wav - 1));
    assert_null(sniff_n("\x89PNG\r\n\x1a\n\0\0\0\rIHDX", 16));
    assert_null(sniff_n("", 0));
    assert_null(sniff_type(NULL, 0));

    /* The logo rule: PNG and JPEG only. */
    assert_string_equal(sniff_image(PNG, sizeof PNG), "image/png");
    assert_string_equal(sniff_image(JPEG, sizeof JPEG), "image/jpeg");
    assert_null(sniff_image("GIF89a\x01\x00\x01\x00\x80\x00\x00", 13));
    assert_null(sniff_image(webp, sizeof webp - 1));
    assert_null(sniff_image("%PDF-1.7", 8));
    assert_null(sniff_image("", 0));
}

static void sniff_takes_clean_utf8_as_text_but_never_markup(void **state)
{
    (void)state;
    assert_string_equal(sniff_s("Notes from my one-to-one.\r\n\tTabs\fand form feeds.\n"),
                        "text/plain");
    assert_string_equal(
        sniff_s("\xef\xbb\xbfWith a BOM: caf\xc3\xa9, \xe2\x82\xac, \xf0\x9f\x98\x80"),
        "text/plain");
    assert_string_equal(sniff_s("a < b and c > d"), "text/plain");
    assert_string_equal(sniff_s("x"), "text/plain");

    static const char *const markup[] = {
        "<!doctype html><script>alert(1)</script>",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
        "<?xml version=\"1.0\"?><a/>",
        "   \r\n\t<html>",
        "\xef\xbb\xbf <p>hi</p>",
        "<",
        "#!/bin/sh\nrm -rf /\n",
    };
    for (size_t i = 0; i < sizeof markup / sizeof markup[0]; i++)
        if (sniff_s(markup[i]))
            fail_msg("markup case %zu was accepted", i);

    static const char nul[] = "text with a \0 NUL";
    assert_null(sniff_n(nul, sizeof nul - 1));
    static const char *const broken[] = {
        "escape \x1b[31m red",
        "delete \x7f",
        "C1 \xc2\x85 next line",
        "overlong \xc0\xaf slash",
        "overlong \xe0\x80\xaf",
        "surrogate \xed\xa0\x80",
        "beyond \xf4\x90\x80\x80",
        "cut \xe2\x82",
        "lone continuation \x80",
        "\xff\xfe U T F 1 6",
        "MZ\x90\x00\x03",
        "\x7f"
        "ELF\x02\x01\x01",
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++)
        if (sniff_s(broken[i]))
            fail_msg("case %zu was accepted as text", i);
    /* A multi-byte character cut by the end of the data. */
    assert_null(sniff_n("ok \xe2\x82\xac", 5));
}

static void sniff_tells_office_documents_from_other_zips(void **state)
{
    (void)state;
    const char *docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    const char *xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    const char *pptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation";
    assert_string_equal(ZIP({"[Content_Types].xml", "<Types/>", 0, 0},
                            {"_rels/.rels", "<Relationships/>", 0, 0},
                            {"word/document.xml", "<w:document/>", 0, 0}),
                        docx);
    assert_string_equal(
        ZIP({"[Content_Types].xml", "<Types/>", 8, 0}, {"xl/workbook.xml", "<workbook/>", 8, 0}),
        xlsx);
    assert_string_equal(
        ZIP({"ppt/presentation.xml", "<p/>", 0, 0}, {"[Content_Types].xml", "<Types/>", 0, 0}),
        pptx);
    /* Streamed writers put sizes after the data: the central directory tells. */
    assert_string_equal(ZIP({"[Content_Types].xml", "<Types/>", 8, 1},
                            {"word/document.xml", "<w:document/>", 8, 1}),
                        docx);
    /* ODF: "mimetype" first, stored, naming the type. */
    assert_string_equal(ZIP({"mimetype", "application/vnd.oasis.opendocument.text", 0, 0},
                            {"content.xml", "<office:document-content/>", 8, 0}),
                        "application/vnd.oasis.opendocument.text");
    assert_string_equal(ZIP({"mimetype", "application/vnd.oasis.opendocument.spreadsheet", 0, 0}),
                        "application/vnd.oasis.opendocument.spreadsheet");
    assert_string_equal(ZIP({"mimetype", "application/vnd.oasis.opendocument.presentation", 0, 0}),
                        "application/vnd.oasis.opendocument.presentation");

    /* Other archives are unknown. */
    assert_null(ZIP({"readme.txt", "hello", 0, 0}));
    assert_null(ZIP({"word/document.xml", "<w:document/>", 0, 0}));                   /* no types */
    assert_null(ZIP({"[Content_Types].xml", "<Types/>", 0, 0}, {"a.js", "x", 0, 0})); /* no part */
    assert_null(ZIP({"[Content_Types].xml", "<Types/>", 0, 0}, {"word/", "", 0, 0}));
    assert_null(ZIP({"mimetype", "application/vnd.oasis.opendocument.graphics", 0, 0}));
    assert_null(ZIP({"mimetype", "application/vnd.oasis.opendocument.text", 8, 0}));
    assert_null(ZIP({"content.xml", "x", 0, 0},
                    {"mimetype", "application/vnd.oasis.opendocument.text", 0, 0}));
    assert_null(ZIP({"mimetype", "application/vnd.oasis.opendocument.textx", 0, 0}));

    /* Every truncation of a document, and garbage after "PK\3\4", is read safely. */
    unsigned char zip[4096];
    size_t n = zip_build(zip, sizeof zip,
                         (const struct zentry[]){{"[Content_Types].xml", "<Types/>", 8, 1},
                                                 {"word/document.xml", "<w:document/>", 8, 1}},
                         2);
    for (size_t cut = 0; cut < n; cut++) {
        const char *t = sniff_n(zip, cut);
        assert_true(t == NULL || strcmp(t, docx) == 0 || strcmp(t, "text/plain") == 0);
    }
    unsigned char junk[64];
    memcpy(junk, "PK\3\4", 4);
    memset(junk + 4, 0xff, sizeof junk - 4);
    assert_null(sniff_n(junk, sizeof junk));
    /* A central directory pointing outside the file. */
    n = zip_build(zip, sizeof zip,
                  (const struct zentry[]){{"[Content_Types].xml", "<Types/>", 8, 1},
                                          {"word/document.xml", "<w:document/>", 8, 1}},
                  2);
    put32(zip + n - 6, 0xfffffff0u);
    assert_null(sniff_n(zip, n));
}

static void sniff_names_extensions(void **state)
{
    (void)state;
    assert_string_equal(sniff_extension("application/pdf"), "pdf");
    assert_string_equal(sniff_extension("image/jpeg"), "jpg");
    assert_string_equal(sniff_extension("text/plain"), "txt");
    assert_string_equal(
        sniff_extension("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "xlsx");
    assert_string_equal(sniff_extension("application/vnd.oasis.opendocument.presentation"), "odp");
    assert_null(sniff_extension("text/html"));
    assert_null(sniff_extension(NULL));
}

/* ---- file names ---- */

static void check_name(const char *in, const char *want)
{
    char out[SNIFF_NAME_MAX + 1];
    memset(out, 'Z', sizeof out);
    sniff_file_name(in, out, sizeof out);
    if (strcmp(out, want) != 0)
        fail_msg("sniff_file_name(\"%s\") = \"%s\", want \"%s\"", in ? in : "(null)", out, want);
}

static void file_names_lose_paths_controls_and_tricks(void **state)
{
    (void)state;
    check_name("plan.pdf", "plan.pdf");
    check_name("My notes (v2).docx", "My notes (v2).docx");
    check_name("r\xc3\xa9sum\xc3\xa9.pdf", "r\xc3\xa9sum\xc3\xa9.pdf");
    check_name("../../etc/passwd", "passwd");
    check_name("C:\\x\\evil.pdf", "evil.pdf");
    check_name("/abs/path/", "file");
    check_name("dir\\", "file");
    check_name("..", "file");
    check_name(".", "file");
    check_name("", "file");
    check_name(NULL, "file");
    check_name("...", "file");
    check_name(" . . ", "file");
    check_name(".htaccess", "htaccess");
    check_name("..\\..\\boot.ini", "boot.ini");
    check_name("a\r\nb.pdf", "ab.pdf");
    check_name("tab\there\x01\x1f\x7f.txt", "tabhere.txt");
    check_name("c1\xc2\x85\xc2\x9f.txt", "c1.txt");
    check_name("what?*:<>|\";.pdf", "what.pdf");
    check_name("name. . .", "name");
    check_name("  spaced  .pdf  ", "spaced  .pdf");
    check_name("invoice\xe2\x80\xae"
               "fdp.exe",
               "invoicefdp.exe");
    check_name("\xe2\x80\xae"
               "exe.pdf",
               "exe.pdf");
    check_name("iso\xe2\x81\xa6x\xe2\x81\xa9.txt", "isox.txt");
    check_name("bad\xff\xfeutf8\xc3.txt", "badutf8.txt");
    check_name("\x01\x02.pdf", "pdf");
    check_name("a.", "a");
    check_name("a.\x01", "a");
    check_name("report.final.pdf", "report.final.pdf");
    check_name("archive.tar.gz", "archive.tar.gz");
}

static void file_names_are_cut_on_a_character_keeping_the_extension(void **state)
{
    (void)state;
    char in[1024], out[SNIFF_NAME_MAX + 1];
    /* 300 bytes of two-byte characters, then ".pdf". */
    size_t n = 0;
    for (int i = 0; i < 150; i++) {
        in[n++] = '\xc3';
        in[n++] = '\xa9';
    }
    memcpy(in + n, ".pdf", 5);
    sniff_file_name(in, out, sizeof out);
    size_t len = strlen(out);
    assert_true(len <= SNIFF_NAME_MAX);
    assert_int_equal(len, SNIFF_NAME_MAX); /* 116 bytes of é, then ".pdf" */
    assert_string_equal(out + len - 4, ".pdf");
    for (size_t i = 0; i < len - 4; i += 2)
        assert_memory_equal(out + i, "\xc3\xa9", 2);

    /* Three-byte characters do not divide 116: the cut falls back to a boundary. */
    n = 0;
    for (int i = 0; i < 100; i++) {
        memcpy(in + n, "\xe2\x82\xac", 3);
        n += 3;
    }
    memcpy(in + n, ".docx", 6);
    sniff_file_name(in, out, sizeof out);
    len = strlen(out);
    assert_int_equal(len, 114 + 5);
    assert_string_equal(out + len - 5, ".docx");
    for (size_t i = 0; i < 114; i += 3)
        assert_memory_equal(out + i, "\xe2\x82\xac", 3);

    /* A long "extension" is not one: the name is simply cut. */
    memset(in, 'a', 200);
    memcpy(in + 200, ".thisisnotanextensionatall", 27);
    sniff_file_name(in, out, sizeof out);
    assert_int_equal(strlen(out), SNIFF_NAME_MAX);
    assert_int_equal(strspn(out, "a"), SNIFF_NAME_MAX);

    /* Exactly SNIFF_NAME_MAX bytes is kept whole; one more loses a stem byte. */
    memset(in, 'b', SNIFF_NAME_MAX - 4);
    memcpy(in + SNIFF_NAME_MAX - 4, ".pdf", 5);
    sniff_file_name(in, out, sizeof out);
    assert_string_equal(out, in);
    memset(in, 'b', SNIFF_NAME_MAX - 3);
    memcpy(in + SNIFF_NAME_MAX - 3, ".pdf", 5);
    sniff_file_name(in, out, sizeof out);
    assert_int_equal(strlen(out), SNIFF_NAME_MAX);
    assert_string_equal(out + SNIFF_NAME_MAX - 4, ".pdf");

    /* Hundreds of leading dots do not eat the room for the name. */
    memset(in, '.', 500);
    memcpy(in + 500, "name.txt", 9);
    sniff_file_name(in, out, sizeof out);
    assert_string_equal(out, "name.txt");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(multipart_reads_a_browser_form),
        cmocka_unit_test(multipart_accepts_bare_lf_preamble_epilogue_and_quoted_boundaries),
        cmocka_unit_test(multipart_refuses_other_media_types_and_bad_boundaries),
        cmocka_unit_test(multipart_keeps_the_boundary_text_inside_data),
        cmocka_unit_test(multipart_refuses_every_truncation),
        cmocka_unit_test(multipart_allows_sixteen_parts_not_seventeen),
        cmocka_unit_test(multipart_refuses_names_over_255_bytes),
        cmocka_unit_test(multipart_refuses_malformed_part_headers),
        cmocka_unit_test(multipart_reads_quoted_and_extended_names),
        cmocka_unit_test(multipart_survives_mutated_bodies),
        cmocka_unit_test(sniff_recognises_images_and_pdf_by_their_bytes),
        cmocka_unit_test(sniff_takes_clean_utf8_as_text_but_never_markup),
        cmocka_unit_test(sniff_tells_office_documents_from_other_zips),
        cmocka_unit_test(sniff_names_extensions),
        cmocka_unit_test(file_names_lose_paths_controls_and_tricks),
        cmocka_unit_test(file_names_are_cut_on_a_character_keeping_the_extension),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
