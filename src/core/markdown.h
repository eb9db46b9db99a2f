/*
 * markdown.h — Markdown to safe HTML, the one place Waymark renders what people type
 * (step instructions now, forum posts later), on top of cmark (CommonMark).
 *
 * Safe means: raw HTML in the source never reaches the output (it is dropped, as
 * cmark's safe mode does), and links and images keep their destination only when it is
 * http:, https: or (links only) mailto: — anything else (javascript:, data:, vbscript:,
 * file:, relative paths, protocol-relative //host) loses its destination and renders as
 * plain text of its label. Only cmark.h is included, and only by markdown.c.
 */
#ifndef WAYMARK_MARKDOWN_H
#define WAYMARK_MARKDOWN_H

#include <stddef.h>

#include "buf.h"
#include "rc.h"

#define MARKDOWN_MAX 100000 /* bytes of Markdown accepted by markdown_render */

/* Appends the HTML rendering of md[0..len) to out. md must be valid UTF-8 (callers have
 * checked it). RC_OK, RC_INVALID when len > MARKDOWN_MAX, RC_NOMEM. Thread-safe. */
enum rc markdown_render(const char *md, size_t len, struct buf *out);

#endif
