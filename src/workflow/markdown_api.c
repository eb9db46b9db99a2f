/*
 * markdown_api.c — JSON ⇄ core/markdown.h for POST /api/v1/markdown/preview.
 *
 * The body is read strictly: one object with exactly the field "markdown", a string of
 * at most MARKDOWN_API_CHARS_MAX characters (0 is allowed and previews as ""). Problems
 * are 422 on the field "markdown" (or on the unknown field). The answer is {"html": …},
 * rendered by markdown_render, so the preview is byte for byte what learners will see.
 *
 * Deliberately no database, no permission check beyond the route's (any signed-in
 * person) and no state: the handler only turns text into text.
 */
#include "markdown_api.h"

#include <string.h>

#include "core/jsonx.h"
#include "core/markdown.h"

/* Characters (code points) a preview accepts; at 4 bytes each still under MARKDOWN_MAX. */
#define MARKDOWN_API_CHARS_MAX 20000
/* Most bytes of HTML a preview may produce. CommonMark can expand its input: 20,000
 * nested ">" become about 560 KB of <blockquote>; this leaves room for that many times. */
#define MARKDOWN_API_HTML_CAP (8u << 20)

_Static_assert(MARKDOWN_API_CHARS_MAX * 4 <= MARKDOWN_MAX, "a preview must fit markdown_render");

enum rc markdown_api_preview(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    static const char *const fields[] = {"markdown", NULL};
    const char *md = NULL;
    json_t *answer = NULL;
    struct buf html;
    buf_init(&html, MARKDOWN_API_HTML_CAP);
    enum rc rc = jsonx_only(cx, rq->json, fields);
    if (!json_is_object(rq->json))
        goto out;
    if (jsonx_string(cx, rq->json, "markdown", 1, 0, MARKDOWN_API_CHARS_MAX, &md) || rc) {
        rc = RC_INVALID;
        goto out;
    }
    rc = markdown_render(md, strlen(md), &html);
    if (rc == RC_INVALID || rc == RC_TOO_LARGE) {
        rc = ctx_fail(cx, RC_INVALID, "markdown", "is too long to preview");
        goto out;
    }
    if (rc)
        goto out;
    answer = json_pack("{s:s%}", "html", html.data, html.len);
    if (!answer) {
        rc = RC_NOMEM;
        goto out;
    }
    rc = resp_json(rs, 200, answer); /* steals answer */
out:
    buf_free(&html);
    return rc;
}
