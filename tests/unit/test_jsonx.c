/*
 * test_jsonx.c — strict request JSON and the field readers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"
#include "core/jsonx.h"

static enum rc parse(const char *text, struct ctx *cx, json_t **out)
{
    ctx_init(cx);
    *out = NULL;
    return jsonx_parse(cx, text, strlen(text), out);
}

static void accepts_objects_and_arrays(void **state)
{
    (void)state;
    struct ctx cx;
    json_t *v;
    assert_int_equal(parse("{\"title\":\"Feedback \\u00e9 \xf0\x9f\x91\x8b\"}", &cx, &v), RC_OK);
    assert_string_equal(json_string_value(json_object_get(v, "title")),
                        "Feedback \xc3\xa9 \xf0\x9f\x91\x8b");
    json_decref(v);
    assert_int_equal(parse("[1,2,3]", &cx, &v), RC_OK);
    assert_int_equal(json_array_size(v), 3);
    json_decref(v);
    ctx_clear(&cx);
}

static void rejects_invalid_utf8_with_its_own_code(void **state)
{
    (void)state;
    const char *bad[] = {
        "{\"a\":\"\xff\"}",             /* never valid */
        "{\"a\":\"\xc0\xaf\"}",         /* overlong '/' */
        "{\"a\":\"\xed\xa0\x80\"}",     /* UTF-16 surrogate */
        "{\"a\":\"\xf4\x90\x80\x80\"}", /* above U+10FFFF */
        "{\"a\":\"\xe2\x82\"}",         /* truncated */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct ctx cx;
        json_t *v;
        assert_int_equal(parse(bad[i], &cx, &v), RC_BAD_REQUEST);
        assert_string_equal(cx.code, "invalid_utf8");
        assert_null(v);
        ctx_clear(&cx);
    }
}

static void rejects_nesting_deeper_than_64(void **state)
{
    (void)state;
    char *deep = malloc(20001);
    for (int i = 0; i < 10000; i++) {
        deep[i] = '[';
        deep[10000 + i] = ']';
    }
    deep[20000] = '\0';
    struct ctx cx;
    json_t *v;
    assert_int_equal(parse(deep, &cx, &v), RC_BAD_REQUEST);
    assert_string_equal(cx.code, "nesting_too_deep");
    ctx_clear(&cx);

    /* Exactly 64 levels is fine; brackets inside strings do not count. */
    memset(deep, 0, 20001);
    for (int i = 0; i < 64; i++) {
        deep[i] = '[';
        deep[64 + 200 + i] = ']';
    }
    deep[64] = '"';
    memset(deep + 65, '[', 198);
    deep[263] = '"';
    assert_int_equal(parse(deep, &cx, &v), RC_OK);
    json_decref(v);
    ctx_clear(&cx);
    free(deep);
}

static void rejects_malformed_duplicates_and_scalars(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "{",
                         "{\"a\":1,}",
                         "{\"a\":1,\"a\":2}",
                         "42",
                         "\"text\"",
                         "{\"a\":1} trailing",
                         "{'a':1}",
                         "{\"a\":\"\\u0000\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct ctx cx;
        json_t *v;
        assert_int_equal(parse(bad[i], &cx, &v), RC_BAD_REQUEST);
        assert_string_equal(cx.code, "malformed_json");
        assert_non_null(strstr(cx.message, "not valid JSON"));
        ctx_clear(&cx);
    }
}

static void field_readers_report_every_problem(void **state)
{
    (void)state;
    struct ctx cx;
    json_t *v;
    assert_int_equal(
        parse("{\"title\":\"\",\"days\":\"3\",\"flag\":1,\"name\":\"\xc3\xa9t\xc3\xa9\","
              "\"extra\":true,\"n\":500}",
              &cx, &v),
        RC_OK);
    const char *title = "untouched", *name = NULL, *missing = "keep";
    int64_t days = -1, n = 0;
    int flag = -1;
    assert_int_equal(jsonx_string(&cx, v, "title", 1, 1, 200, &title), RC_INVALID);
    assert_string_equal(title, "untouched");
    assert_int_equal(jsonx_int64(&cx, v, "days", 1, 0, 365, &days), RC_INVALID);
    assert_int_equal(jsonx_bool(&cx, v, "flag", 1, &flag), RC_INVALID);
    /* Lengths are characters, not bytes: "été" is 3 characters in 5 bytes. */
    assert_int_equal(jsonx_string(&cx, v, "name", 1, 1, 3, &name), RC_OK);
    assert_int_equal(jsonx_string(&cx, v, "nothing", 0, 1, 3, &missing), RC_OK);
    assert_string_equal(missing, "keep");
    assert_int_equal(jsonx_int64(&cx, v, "n", 1, 0, 365, &n), RC_INVALID);
    const char *const allowed[] = {"title", "days", "flag", "name", "n", NULL};
    assert_int_equal(jsonx_only(&cx, v, allowed), RC_INVALID);
    assert_int_equal(json_array_size(cx.details), 5);
    const char *fields[] = {"title", "days", "flag", "n", "extra"};
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(
            json_string_value(json_object_get(json_array_get(cx.details, i), "field")), fields[i]);
    json_decref(v);
    ctx_clear(&cx);
}

static void nested_objects_name_their_unknown_fields_by_path(void **state)
{
    (void)state;
    struct ctx cx;
    ctx_init(&cx);
    json_t *v = json_pack("{s:s, s:i}", "url", "smtp://relay", "pasword", 1);
    const char *const allowed[] = {"url", "from", NULL};
    assert_int_equal(jsonx_only_at(&cx, v, "smtp", allowed), RC_INVALID);
    assert_int_equal(json_array_size(cx.details), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(cx.details, 0), "field")),
                        "smtp.pasword");
    ctx_clear(&cx);
    json_t *s = json_string("x");
    assert_int_equal(jsonx_only_at(&cx, s, "smtp", allowed), RC_INVALID);
    assert_string_equal(json_string_value(json_object_get(json_array_get(cx.details, 0), "field")),
                        "smtp");
    ctx_clear(&cx);
    assert_int_equal(jsonx_only_at(&cx, v, NULL, allowed), RC_INVALID);
    assert_string_equal(json_string_value(json_object_get(json_array_get(cx.details, 0), "field")),
                        "pasword");
    ctx_clear(&cx);
    json_decref(s);
    json_decref(v);
}

static void dump_is_compact_utf8(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1024);
    json_t *v = json_pack("{s:s, s:i}", "name", "<b>\xc3\xa9</b>", "n", 1);
    assert_int_equal(jsonx_dump(v, &b), RC_OK);
    assert_string_equal(b.data, "{\"name\":\"<b>\xc3\xa9</b>\",\"n\":1}");
    json_decref(v);
    buf_free(&b);
}

static void writer_places_commas_and_escapes_what_json_requires(void **state)
{
    (void)state;
    struct buf b;
    struct jsonw w;
    buf_init(&b, 4096);
    jsonw_init(&w, &b);
    jsonw_object(&w);
    jsonw_key(&w, "text");
    jsonw_string(&w, "a \"quote\", a \\ back\nslash\ttab\x01 caf\xc3\xa9 </script>");
    jsonw_key(&w, "n");
    jsonw_array(&w);
    jsonw_int(&w, 0);
    jsonw_int(&w, -42);
    jsonw_int(&w, INT64_MIN);
    jsonw_int(&w, INT64_MAX);
    jsonw_end_array(&w);
    jsonw_key(&w, "empty");
    jsonw_object(&w);
    jsonw_end_object(&w);
    jsonw_key(&w, "none");
    jsonw_string(&w, NULL);
    jsonw_key(&w, "yes");
    jsonw_bool(&w, 1);
    jsonw_key(&w, "at");
    jsonw_instant_or_null(&w, 1796115600);
    jsonw_key(&w, "never");
    jsonw_instant_or_null(&w, 0);
    jsonw_end_object(&w);
    assert_int_equal(buf_failed(&b), RC_OK);
    assert_string_equal(b.data, "{\"text\":\"a \\\"quote\\\", a \\\\ back\\nslash\\ttab\\u0001 "
                                "caf\xc3\xa9 </script>\",\"n\":[0,-42,-9223372036854775808,"
                                "9223372036854775807],\"empty\":{},\"none\":null,\"yes\":true,"
                                "\"at\":\"2026-12-01T09:00:00Z\",\"never\":null}");
    /* and Jansson reads back what was meant */
    json_t *v = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(v);
    assert_string_equal(json_string_value(json_object_get(v, "text")),
                        "a \"quote\", a \\ back\nslash\ttab\x01 caf\xc3\xa9 </script>");
    json_decref(v);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_objects_and_arrays),
        cmocka_unit_test(nested_objects_name_their_unknown_fields_by_path),
        cmocka_unit_test(rejects_invalid_utf8_with_its_own_code),
        cmocka_unit_test(rejects_nesting_deeper_than_64),
        cmocka_unit_test(rejects_malformed_duplicates_and_scalars),
        cmocka_unit_test(field_readers_report_every_problem),
        cmocka_unit_test(dump_is_compact_utf8),
        cmocka_unit_test(writer_places_commas_and_escapes_what_json_requires),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
