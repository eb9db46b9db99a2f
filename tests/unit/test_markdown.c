/*
 * test_markdown.c — the safe Markdown renderer (core/markdown.c) and its preview
 * handler (workflow/markdown_api.c): what renders, what never reaches the HTML, and the
 * exact output for each case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/markdown.h"
#include "fixture.h"
#include "workflow/markdown_api.h"

/* Renders md and checks the result is exactly html. */
static void assert_renders(const char *md, const char *html)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    enum rc rc = markdown_render(md, strlen(md), &b);
    if (rc != RC_OK || strcmp(b.data, html) != 0)
        fprintf(stderr, "markdown: [%s]\n", md);
    assert_int_equal(rc, RC_OK);
    assert_string_equal(b.data, html);
    buf_free(&b);
}

static void renders_commonmark_blocks_and_inlines(void **state)
{
    (void)state;
    assert_renders("# Before the meeting\n\nRead *this* and **that**.\n",
                   "<h1>Before the meeting</h1>\n<p>Read <em>this</em> and "
                   "<strong>that</strong>.</p>\n");
    assert_renders("## Steps\n\n- one\n- two\n\n1. first\n2. second\n",
                   "<h2>Steps</h2>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
                   "<ol>\n<li>first</li>\n<li>second</li>\n</ol>\n");
    assert_renders("```sh\nrm -rf <dir> && echo \"done\"\n```\n",
                   "<pre><code class=\"language-sh\">rm -rf &lt;dir&gt; &amp;&amp; echo "
                   "&quot;done&quot;\n</code></pre>\n");
    assert_renders("Run `--verbose` -- \"quoted\" ...\n",
                   "<p>Run <code>--verbose</code> -- &quot;quoted&quot; ...</p>\n");
    assert_renders("> quoted\n\n---\n", "<blockquote>\n<p>quoted</p>\n</blockquote>\n<hr />\n");
}

static void drops_raw_html(void **state)
{
    (void)state;
    assert_renders("<script>alert(1)</script>\n", "<!-- raw HTML omitted -->\n");
    assert_renders("Hi <script>alert(1)</script> there\n",
                   "<p>Hi <!-- raw HTML omitted -->alert(1)<!-- raw HTML omitted --> there</p>\n");
    assert_renders("<img src=x onerror=alert(1)>\n", "<!-- raw HTML omitted -->\n");
    assert_renders("Hi <img src=x onerror=alert(1)> there\n",
                   "<p>Hi <!-- raw HTML omitted --> there</p>\n");
    assert_renders("<div onclick=\"x()\">\n\n*a*\n\n</div>\n",
                   "<!-- raw HTML omitted -->\n<p><em>a</em></p>\n<!-- raw HTML omitted -->\n");
    /* However they are placed, these never come out as a tag or an attribute. */
    const char *attacks[] = {
        "<script>alert(1)</script>",
        "x <script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "x <img src=x onerror=alert(1)>",
        "> - <SCRIPT>alert(1)</SCRIPT>",
        "*<img src=x\nonerror=alert(1)>*",
        "[<img src=x onerror=alert(1)>](https://example.com)",
        "<!-- x --><script>alert(1)</script>",
        "<![CDATA[<script>alert(1)</script>]]>",
    };
    for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
        struct buf b;
        buf_init(&b, 4096);
        assert_int_equal(markdown_render(attacks[i], strlen(attacks[i]), &b), RC_OK);
        assert_null(strcasestr(b.data, "<script"));
        assert_null(strcasestr(b.data, "<img src=\"x"));
        assert_null(strcasestr(b.data, "onerror"));
        buf_free(&b);
    }
    /* In alt text (plain text, not markup) a tag is escaped like everything else. */
    assert_renders("![<img src=x onerror=alert(1)>](https://example.com/a.png)",
                   "<p><img src=\"https://example.com/a.png\" "
                   "alt=\"&lt;img src=x onerror=alert(1)&gt;\" /></p>\n");
    /* Written as text (code span, escaped), the same characters are harmless and shown. */
    assert_renders("`<script>` and \\<img onerror=x>\n",
                   "<p><code>&lt;script&gt;</code> and &lt;img onerror=x&gt;</p>\n");
}

static void links_lose_unsafe_destinations_and_keep_their_label(void **state)
{
    (void)state;
    const char *refused[] = {
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](  javascript:alert(1))",
        "[x](<javascript:alert(1)>)",
        "[x](&#106;avascript:alert(1))",  /* entity decoded by cmark first */
        "[x](java&#x0A;script:alert(1))", /* a newline inside */
        "[x](\\javascript:alert(1))",     /* a backslash escape */
        "[x](<\x01https://example.com>)", /* a leading control character */
        "[x](<&#9;https://example.com>)", /* a leading tab from an entity */
        "[x](&#32;https://example.com)",  /* a leading space from an entity */
        "[x](data:text/html;base64,xx)",
        "[x](vbscript:x)",
        "[x](file:///etc/passwd)",
        "[x](/relative)",
        "[x](relative)",
        "[x](//evil.example)",
        "[x](https:evil.example)",
        "[x](<>)",
        "[x]()",
        "[x][r]\n\n[r]: javascript:alert(1)",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        assert_renders(refused[i], "<p>x</p>\n");
    /* The label keeps its formatting; the title goes with the link. */
    assert_renders("[*go* `now`](javascript:x \"title\")", "<p><em>go</em> <code>now</code></p>\n");
    assert_renders("a [](javascript:x) b", "<p>a  b</p>\n");
}

static void links_keep_http_https_and_mailto(void **state)
{
    (void)state;
    assert_renders("[x](https://example.com)", "<p><a href=\"https://example.com\">x</a></p>\n");
    assert_renders("[x](http://example.com)", "<p><a href=\"http://example.com\">x</a></p>\n");
    assert_renders("[x](HTTPS://example.com/a?b=1&c=\"2\")",
                   "<p><a href=\"HTTPS://example.com/a?b=1&amp;c=%222%22\">x</a></p>\n");
    assert_renders("[m](mailto:a@example.com)", "<p><a href=\"mailto:a@example.com\">m</a></p>\n");
    assert_renders("[x](https://example.com \"a \\\" <b>\")",
                   "<p><a href=\"https://example.com\" title=\"a &quot; &lt;b&gt;\">x</a></p>\n");
    assert_renders("[x][r]\n\n[r]: https://example.com",
                   "<p><a href=\"https://example.com\">x</a></p>\n");
}

static void images_keep_only_http_and_https(void **state)
{
    (void)state;
    assert_renders("![a](javascript:x)", "<p>a</p>\n");
    assert_renders("![a](data:image/png;base64,xx)", "<p>a</p>\n");
    assert_renders("![a](mailto:a@example.com)", "<p>a</p>\n");
    assert_renders("![a](/logo.png)", "<p>a</p>\n");
    assert_renders("![](javascript:x)", "<p></p>\n");
    /* The alt text is flattened to plain text, as cmark writes it into alt="". */
    assert_renders("![*a* `b`\nc <i>](javascript:x)", "<p>a b c &lt;i&gt;</p>\n");
    assert_renders("![a <b>](https://example.com/a.png)",
                   "<p><img src=\"https://example.com/a.png\" alt=\"a &lt;b&gt;\" /></p>\n");
    assert_renders("![a](http://example.com/a.png)",
                   "<p><img src=\"http://example.com/a.png\" alt=\"a\" /></p>\n");
    /* Nested: each node is judged on its own. */
    assert_renders("[![i](javascript:x)](https://example.com)",
                   "<p><a href=\"https://example.com\">i</a></p>\n");
    assert_renders("[![i](https://example.com/i.png)](javascript:x)",
                   "<p><img src=\"https://example.com/i.png\" alt=\"i\" /></p>\n");
}

static void autolinks_follow_the_same_rules(void **state)
{
    (void)state;
    assert_renders("<https://example.com>",
                   "<p><a href=\"https://example.com\">https://example.com</a></p>\n");
    assert_renders("<a@example.com>",
                   "<p><a href=\"mailto:a@example.com\">a@example.com</a></p>\n");
    assert_renders("<javascript:alert(1)>", "<p>javascript:alert(1)</p>\n");
    assert_renders("<data:text/html,x>", "<p>data:text/html,x</p>\n");
}

static void text_is_escaped(void **state)
{
    (void)state;
    assert_renders("a < b & c > \"d\" 'e'", "<p>a &lt; b &amp; c &gt; &quot;d&quot; 'e'</p>\n");
    assert_renders("&lt;script&gt; &amp; &copy; &#60;",
                   "<p>&lt;script&gt; &amp; \xc2\xa9 &lt;</p>\n");
}

static void empty_input_renders_nothing(void **state)
{
    (void)state;
    assert_renders("", "");
    struct buf b;
    buf_init(&b, 16);
    assert_int_equal(markdown_render(NULL, 0, &b), RC_OK);
    assert_string_equal(b.data, "");
    buf_free(&b);
}

static void size_limits(void **state)
{
    (void)state;
    char *md = malloc(MARKDOWN_MAX + 2);
    memset(md, 'a', MARKDOWN_MAX + 1);
    md[MARKDOWN_MAX + 1] = '\0';
    struct buf b;
    buf_init(&b, 2 * MARKDOWN_MAX);
    assert_int_equal(markdown_render(md, MARKDOWN_MAX + 1, &b), RC_INVALID);
    assert_int_equal(b.len, 0);
    assert_int_equal(markdown_render(md, MARKDOWN_MAX, &b), RC_OK);
    assert_int_equal(b.len, MARKDOWN_MAX + strlen("<p></p>\n"));
    buf_free(&b);
    /* The output buffer's cap is the caller's; going over it is reported. */
    buf_init(&b, 8);
    assert_int_equal(markdown_render("# a long heading", 16, &b), RC_TOO_LARGE);
    buf_free(&b);
    free(md);
}

static void appends_to_what_the_buffer_holds(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1024);
    buf_add(&b, "<section>");
    assert_int_equal(markdown_render("*x*", 3, &b), RC_OK);
    assert_string_equal(b.data, "<section><p><em>x</em></p>\n");
    buf_free(&b);
}

/* Runs the preview handler on body (borrowed) and returns its rc; rs is initialised. */
static enum rc preview(struct ctx *cx, json_t *body, struct resp *rs)
{
    struct fake_req f;
    fake_req_init(&f, "POST", "/api/v1/markdown/preview");
    f.rq.json = body;
    ctx_init(cx);
    cx->now = FIXTURE_NOW;
    cx->request_id = "test";
    resp_init(rs);
    return markdown_api_preview(cx, &f.rq, rs);
}

static void preview_answers_html(void **state)
{
    (void)state;
    struct ctx cx;
    struct resp rs;
    json_t *body = json_pack("{s:s}", "markdown",
                             "# Hi\n\n[x](javascript:alert(1)) <b>\"</b> [y](https://example.com)");
    assert_int_equal(preview(&cx, body, &rs), RC_OK);
    assert_int_equal(rs.status, 200);
    assert_string_equal(rs.content_type, "application/json; charset=utf-8");
    assert_string_equal(rs.body.data,
                        "{\"html\":\"<h1>Hi</h1>\\n<p>x <!-- raw HTML omitted -->&quot;"
                        "<!-- raw HTML omitted --> <a href=\\\"https://example.com\\\">y</a>"
                        "</p>\\n\"}");
    resp_free(&rs);
    ctx_clear(&cx);
    json_decref(body);

    body = json_pack("{s:s}", "markdown", "");
    assert_int_equal(preview(&cx, body, &rs), RC_OK);
    assert_string_equal(rs.body.data, "{\"html\":\"\"}");
    resp_free(&rs);
    ctx_clear(&cx);
    json_decref(body);

    /* 20,000 characters of four bytes each are accepted. */
    char *big = malloc(20000 * 4 + 1);
    for (int i = 0; i < 20000; i++)
        memcpy(big + 4 * i, "\xf0\x9f\x91\x8b", 4);
    big[20000 * 4] = '\0';
    body = json_pack("{s:s}", "markdown", big);
    assert_int_equal(preview(&cx, body, &rs), RC_OK);
    assert_int_equal(rs.status, 200);
    assert_int_equal(rs.body.len, strlen("{\"html\":\"<p></p>\\n\"}") + 20000 * 4);
    resp_free(&rs);
    ctx_clear(&cx);
    json_decref(body);
    free(big);
}

/* Checks cx holds exactly one detail, on field. */
static void assert_one_detail(const struct ctx *cx, const char *field, const char *message)
{
    assert_int_equal(cx->rc, RC_INVALID);
    assert_int_equal(json_array_size(cx->details), 1);
    json_t *d = json_array_get(cx->details, 0);
    assert_string_equal(json_string_value(json_object_get(d, "field")), field);
    assert_string_equal(json_string_value(json_object_get(d, "message")), message);
}

static void preview_rejects_bad_bodies(void **state)
{
    (void)state;
    struct ctx cx;
    struct resp rs;

    json_t *body = json_pack("{s:s, s:s}", "markdown", "x", "html", "<b>");
    assert_int_equal(preview(&cx, body, &rs), RC_INVALID);
    assert_one_detail(&cx, "html", "is not a known field");
    resp_free(&rs);
    ctx_clear(&cx);
    json_decref(body);

    body = json_object();
    assert_int_equal(preview(&cx, body, &rs), RC_INVALID);
    assert_one_detail(&cx, "markdown", "is required");
    resp_free(&rs);
    ctx_clear(&cx);
    json_decref(body);

    body = json_pack("{s:i}", "markdown", 1);
    assert_int_equal(preview(&cx, body, &rs), RC_INVALID);
    assert_one_detail(&cx, "markdown", "must be a string");
    resp_free(&rs);
    ctx_clear(&cx);
    json_decref(body);

    body = json_pack("{s:n}", "markdown");
    assert_int_equal(preview(&cx, body, &rs), RC_INVALID);
    assert_one_detail(&cx, "markdown", "is required");
    resp_free(&rs);
    ctx_clear(&cx);
    json_decref(body);

    char *big = malloc(20002);
    memset(big, 'a', 20001);
    big[20001] = '\0';
    body = json_pack("{s:s}", "markdown", big);
    assert_int_equal(preview(&cx, body, &rs), RC_INVALID);
    assert_one_detail(&cx, "markdown", "must be 0 to 20000 characters");
    resp_free(&rs);
    ctx_clear(&cx);
    json_decref(body);
    free(big);

    /* Both problems at once: an unknown field and a missing one. */
    body = json_pack("{s:s}", "text", "x");
    assert_int_equal(preview(&cx, body, &rs), RC_INVALID);
    assert_int_equal(json_array_size(cx.details), 2);
    resp_free(&rs);
    ctx_clear(&cx);
    json_decref(body);

    body = json_pack("[s]", "x");
    assert_int_equal(preview(&cx, body, &rs), RC_INVALID);
    assert_one_detail(&cx, "body", "must be a JSON object");
    resp_free(&rs);
    ctx_clear(&cx);
    json_decref(body);

    assert_int_equal(preview(&cx, NULL, &rs), RC_INVALID);
    assert_one_detail(&cx, "body", "must be a JSON object");
    resp_free(&rs);
    ctx_clear(&cx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(renders_commonmark_blocks_and_inlines),
        cmocka_unit_test(drops_raw_html),
        cmocka_unit_test(links_lose_unsafe_destinations_and_keep_their_label),
        cmocka_unit_test(links_keep_http_https_and_mailto),
        cmocka_unit_test(images_keep_only_http_and_https),
        cmocka_unit_test(autolinks_follow_the_same_rules),
        cmocka_unit_test(text_is_escaped),
        cmocka_unit_test(empty_input_renders_nothing),
        cmocka_unit_test(size_limits),
        cmocka_unit_test(appends_to_what_the_buffer_holds),
        cmocka_unit_test(preview_answers_html),
        cmocka_unit_test(preview_rejects_bad_bodies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
