/*
 * query.h — reading ids and list paging from a request, the same way on every route.
 *
 * Lists follow API.md: ?limit= (default QUERY_LIMIT_DEFAULT, 1..QUERY_LIMIT_MAX) and
 * ?cursor=, an opaque string that is, today, the last id of the previous page. A bad value
 * is 400 with the parameter named in the details, never silently replaced.
 */
#ifndef WAYMARK_QUERY_H
#define WAYMARK_QUERY_H

#include <jansson.h>
#include <stdint.h>

#include "ctx.h"

#define QUERY_LIMIT_DEFAULT 50
#define QUERY_LIMIT_MAX     500

/* A positive decimal id of at most 18 digits; 0 when s is NULL or anything else. */
int64_t query_id(const char *s);

/* Reads ?limit= into *limit and ?cursor= into *cursor (0 when absent). RC_BAD_REQUEST
 * (details on "limit" or "cursor") when either is malformed. */
enum rc query_paging(struct ctx *cx, const struct req *rq, int *limit, int64_t *cursor);
/* The same for a list with its own default and largest page (limit 1..max). */
enum rc query_paging_within(struct ctx *cx, const struct req *rq, int def, int max, int *limit,
                            int64_t *cursor);

/* The next_cursor of a list response: the id as a string, or JSON null when id is 0.
 * New reference. */
json_t *query_cursor_json(int64_t id);

/* The id in path parameter i into *out, or RC_NOT_FOUND with "There is no such <what>." */
enum rc query_path_id(struct ctx *cx, const struct req *rq, int i, const char *what, int64_t *out);

/* Reads the If-Match header into cx->if_match: an ETag of digits ("12" or W/"12"; absent
 * or * means any, 0). RC_BAD_REQUEST for anything else, saying it must be the ETag of
 * `of` (e.g. "the workflow, like \"12\" (its revision)"). */
enum rc query_if_match(struct ctx *cx, const struct req *rq, const char *of);

/* Appends the LIKE pattern for "contains s" to b: %, _ and \ in s match themselves (use
 * with ESCAPE '\'). Returns buf_failed(b). */
enum rc query_like_contains(const char *s, struct buf *b);

#endif
