/*
 * markdown.c — Markdown to safe HTML on top of cmark (CommonMark); see markdown.h.
 *
 * How: cmark parses the text into a tree, markdown_filter walks the tree once with a
 * cmark_iter and disarms every link and image whose destination is not on the allow
 * list, then cmark renders the tree to HTML in its safe mode.
 *
 *  - Raw HTML (blocks and inline tags) is left in the tree and dropped by the renderer:
 *    since cmark 0.29 rendering is safe unless CMARK_OPT_UNSAFE is passed, and raw HTML
 *    comes out as the comment "<!-- raw HTML omitted -->". We never pass CMARK_OPT_UNSAFE;
 *    the #error below refuses to build against an older cmark where the default was unsafe.
 *    Text, code, link titles and alt text are HTML-escaped by the renderer.
 *  - A link keeps its destination only when it begins, ASCII case-insensitively, with
 *    "http://", "https://" or "mailto:"; an image only with "http://" or "https://".
 *    The check is on the exact bytes that go into href/src, without trimming: cmark has
 *    already removed the spaces around a destination and decoded entities and
 *    backslash escapes ("&#106;avascript:" arrives as "javascript:"), and a destination
 *    that still starts with a space or control character (from the <…> form or an entity
 *    such as "&#9;") is refused rather than trusted to a browser's own trimming.
 *    A refused link is replaced by its children (the label stays, as text and emphasis);
 *    a refused image by a text node holding its alt text. This is stricter than cmark's
 *    own safe-mode list, which lets data:image/png through and keeps relative and //host
 *    destinations.
 *  - No CMARK_OPT_SMART: it turns straight quotes into curly ones, "--" into dashes and
 *    "..." into an ellipsis even outside code spans, which silently changes command-line
 *    flags and quoted values that people paste into step instructions.
 *  - CMARK_OPT_VALIDATE_UTF8 costs one scan and turns any invalid byte into U+FFFD, so
 *    the output is valid UTF-8 even if a caller breaks the "valid UTF-8" contract.
 *
 * Not done here: no syntax highlighting, no tables or other GFM extensions, no link
 * rewriting (rel="nofollow", target) — the UI decides how links open.
 *
 * Thread-safety: each call owns its tree; cmark keeps no mutable global state.
 */
#include "markdown.h"

#include <cmark.h>
#include <string.h>

#ifndef CMARK_OPT_UNSAFE
#error "cmark older than 0.29 renders raw HTML by default; Waymark needs cmark >= 0.29"
#endif

/* Parsing and rendering options. CMARK_OPT_UNSAFE must never appear here. */
#define MARKDOWN_PARSE_OPTIONS  (CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8)
#define MARKDOWN_RENDER_OPTIONS (CMARK_OPT_DEFAULT) /* safe: raw HTML and bad URLs omitted */

/* 1 when s begins with prefix, comparing ASCII letters case-insensitively (not by locale). */
static int markdown_has_prefix(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (c != (unsigned char)*prefix)
            return 0;
    }
    return 1;
}

/* 1 when url may stay as the destination of a link (image when image is 1). */
static int markdown_url_allowed(const char *url, int image)
{
    if (!url)
        return 0;
    if (markdown_has_prefix(url, "http://") || markdown_has_prefix(url, "https://"))
        return 1;
    return !image && markdown_has_prefix(url, "mailto:");
}

/* Appends the plain text of node's descendants to alt, as cmark's HTML renderer writes an
 * image's alt attribute: the literals of text, code and inline HTML (which the renderer
 * escapes as text), line breaks as spaces. */
static enum rc markdown_alt_text(cmark_node *node, struct buf *alt)
{
    cmark_iter *it = cmark_iter_new(node);
    if (!it)
        return RC_NOMEM;
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *cur = cmark_iter_get_node(it);
        if (ev != CMARK_EVENT_ENTER)
            continue;
        switch (cmark_node_get_type(cur)) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE:
        case CMARK_NODE_HTML_INLINE: {
            const char *literal = cmark_node_get_literal(cur);
            if (literal)
                buf_add(alt, literal);
            break;
        }
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK:
            buf_addc(alt, ' ');
            break;
        default:
            break;
        }
    }
    cmark_iter_free(it);
    return buf_failed(alt);
}

/* Replaces a refused link by its children, moved in order to just before it. */
static enum rc markdown_unwrap_link(cmark_node *link)
{
    cmark_node *child;
    while ((child = cmark_node_first_child(link)) != NULL) {
        cmark_node_unlink(child);
        if (!cmark_node_insert_before(link, child)) {
            cmark_node_free(child);
            return RC_INTERNAL;
        }
    }
    cmark_node_free(link); /* unlinks it */
    return RC_OK;
}

/* Replaces a refused image by a text node with its alt text (nothing when that is empty). */
static enum rc markdown_unwrap_image(cmark_node *image)
{
    struct buf alt;
    cmark_node *text = NULL;
    buf_init(&alt, MARKDOWN_MAX);
    enum rc rc = markdown_alt_text(image, &alt);
    if (rc)
        goto out;
    if (alt.len > 0) {
        text = cmark_node_new(CMARK_NODE_TEXT);
        if (!text || !cmark_node_set_literal(text, alt.data)) {
            rc = RC_NOMEM;
            goto out;
        }
        if (!cmark_node_insert_before(image, text)) {
            rc = RC_INTERNAL;
            goto out;
        }
        text = NULL; /* owned by the tree now */
    }
    cmark_node_free(image);
out:
    if (text) /* cmark_node_free does not accept NULL */
        cmark_node_free(text);
    buf_free(&alt);
    return rc;
}

/* Disarms every link and image of doc whose destination is not allowed. Nodes are
 * replaced on their EXIT event: their children have been visited already, and the
 * iterator has computed its next step (the next sibling or the parent's EXIT), which
 * neither moving the children before the node nor freeing the node disturbs. */
static enum rc markdown_filter(cmark_node *doc)
{
    enum rc rc = RC_OK;
    cmark_iter *it = cmark_iter_new(doc);
    if (!it)
        return RC_NOMEM;
    cmark_event_type ev;
    while (rc == RC_OK && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *cur = cmark_iter_get_node(it);
        if (ev != CMARK_EVENT_EXIT)
            continue;
        cmark_node_type type = cmark_node_get_type(cur);
        if (type == CMARK_NODE_LINK && !markdown_url_allowed(cmark_node_get_url(cur), 0))
            rc = markdown_unwrap_link(cur);
        else if (type == CMARK_NODE_IMAGE && !markdown_url_allowed(cmark_node_get_url(cur), 1))
            rc = markdown_unwrap_image(cur);
    }
    cmark_iter_free(it);
    return rc;
}

enum rc markdown_render(const char *md, size_t len, struct buf *out)
{
    cmark_node *doc = NULL;
    char *html = NULL;
    enum rc rc = RC_OK;
    if (len > MARKDOWN_MAX)
        return RC_INVALID;
    if (!md)
        md = "";
    doc = cmark_parse_document(md, len, MARKDOWN_PARSE_OPTIONS);
    if (!doc) {
        rc = RC_NOMEM;
        goto out;
    }
    if ((rc = markdown_filter(doc)))
        goto out;
    html = cmark_render_html(doc, MARKDOWN_RENDER_OPTIONS);
    if (!html) {
        rc = RC_NOMEM;
        goto out;
    }
    rc = buf_add(out, html);
out:
    if (html)
        cmark_get_default_mem_allocator()->free(html);
    if (doc)
        cmark_node_free(doc);
    return rc;
}
