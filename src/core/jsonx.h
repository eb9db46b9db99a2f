/*
 * jsonx.h — strict JSON in, compact JSON out, on top of Jansson.
 *
 * jsonx_parse is the one door through which request bodies become JSON: it rejects
 * invalid UTF-8 (overlong forms, surrogates, code points above U+10FFFF), nesting
 * deeper than JSONX_MAX_DEPTH, duplicate keys and anything that is not one object or
 * array, each with its own error code, before Jansson builds a single node — so a
 * hostile 10,000-deep body costs one linear scan.
 *
 * The field readers (jsonx_string, jsonx_int64, jsonx_bool, jsonx_only) let handlers
 * validate an object and report every bad field at once through ctx_fail(RC_INVALID).
 */
#ifndef WAYMARK_JSONX_H
#define WAYMARK_JSONX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ctx.h"

#define JSONX_MAX_DEPTH 64

/* 1 when p[0..n) is well-formed UTF-8 (RFC 3629), else 0. */
int jsonx_utf8_valid(const char *p, size_t n);

/* Parses a request body. On success *out is a new reference to an object or array.
 * Failures (RC_BAD_REQUEST) set cx with code invalid_utf8, nesting_too_deep or
 * malformed_json and a message naming the position. */
enum rc jsonx_parse(struct ctx *cx, const char *p, size_t n, json_t **out);

/* Appends the compact serialisation of v to b. */
enum rc jsonx_dump(const json_t *v, struct buf *b);

/* Field readers. Each looks up key in obj; when absent, a required field fails with
 * "is required" and an optional one leaves *out untouched and returns RC_OK. A present
 * field of the wrong type or out of bounds fails with a message saying what is expected.
 * Failures go through ctx_fail(cx, RC_INVALID, key, …) and return RC_INVALID.
 * Strings: borrowed from obj, lengths counted in characters (code points). */
enum rc jsonx_string(struct ctx *cx, const json_t *obj, const char *key, int required,
                     size_t min_chars, size_t max_chars, const char **out);
enum rc jsonx_int64(struct ctx *cx, const json_t *obj, const char *key, int required, int64_t min,
                    int64_t max, int64_t *out);
enum rc jsonx_bool(struct ctx *cx, const json_t *obj, const char *key, int required, int *out);

/* Fails (RC_INVALID, one detail per field) when obj has a key not in the NULL-terminated
 * list allowed, or when obj is not an object. */
enum rc jsonx_only(struct ctx *cx, const json_t *obj, const char *const *allowed);
/* The same for a nested object at path ("smtp"): details name "<path>.<key>", and a
 * non-object is a detail on path. path NULL is jsonx_only. */
enum rc jsonx_only_at(struct ctx *cx, const json_t *obj, const char *path,
                      const char *const *allowed);

/* Checks a one-line name a person typed: valid UTF-8, 1 to max_chars characters, no
 * control characters, not only spaces. Fails RC_INVALID on field with the reason. */
enum rc jsonx_check_name(struct ctx *cx, const char *field, const char *s, size_t max_chars);

/* An instant as the API shows it: "2026-12-01T09:00:00Z". New reference. */
json_t *jsonx_instant(int64_t t);
/* jsonx_instant, or JSON null for 0 (an instant that has not happened). New reference. */
json_t *jsonx_instant_or_null(int64_t t);

/* Number of code points in a valid UTF-8 string. */
size_t jsonx_utf8_length(const char *s);

#endif
