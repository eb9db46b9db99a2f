/*
 * multipart.h — reading a buffered multipart/form-data body (RFC 7578) into its parts.
 *
 * Pure: no allocation for the data (parts point into the body), no I/O. The boundary
 * comes from the Content-Type header's boundary parameter (quoted or not, 1..70
 * characters). Each part's Content-Disposition gives its field name and, for files, the
 * file name as the client sent it (untrusted: see sniff_file_name). A part's own
 * Content-Type is kept but never trusted for anything (see sniff.h).
 */
#ifndef WAYMARK_MULTIPART_H
#define WAYMARK_MULTIPART_H

#include <stddef.h>

#include "ctx.h"

#define MULTIPART_PARTS_MAX   16
#define MULTIPART_NAME_MAX    255  /* bytes of a field or file name */
#define MULTIPART_TYPE_MAX    127  /* bytes of a part's Content-Type kept (longer: cut) */
#define MULTIPART_HEADERS_MAX 8192 /* bytes of one part's header lines */

struct multipart_part {
    char name[MULTIPART_NAME_MAX + 1];         /* the form field name, never "" */
    char filename[MULTIPART_NAME_MAX + 1];     /* as sent, "" when the part is not a file */
    char content_type[MULTIPART_TYPE_MAX + 1]; /* as sent, "" when absent; never trusted */
    int is_file;                               /* a filename parameter was present (it may
                                                  be "": a form's empty file input) */
    const char *data;                          /* into the body */
    size_t len;
};

struct multipart {
    struct multipart_part parts[MULTIPART_PARTS_MAX];
    size_t nparts;
};

/* Parses body (len bytes) as multipart/form-data with the boundary named in
 * content_type. RC_UNSUPPORTED_MEDIA when content_type is not multipart/form-data or has
 * no usable boundary; RC_BAD_REQUEST (with a message saying what is wrong) for a body
 * that does not follow the format, more than MULTIPART_PARTS_MAX parts, or names longer
 * than MULTIPART_NAME_MAX. Accepts CRLF line ends (and bare LF), filename*= (RFC 5987,
 * UTF-8 only; another charset is ignored) over filename=, and ignores the preamble and
 * epilogue.
 *
 * Strictness, so that no two readers can see different parts in one body: every part
 * needs exactly one "Content-Disposition: form-data" header with a non-empty name; a
 * parameter given twice, a header line without a colon, a folded header line, a NUL in
 * the headers, header lines over MULTIPART_HEADERS_MAX bytes, a file name that decodes
 * to a NUL, or a body that ends before the closing delimiter are RC_BAD_REQUEST. A
 * delimiter only counts at the start of a line and when followed by "--", or by optional
 * spaces and a line end; "--boundary" anywhere else is data. In a quoted value a
 * backslash escapes only '"' and '\' (so "C:\dir\a.pdf" keeps its backslashes).
 * Zero parts ("--boundary--" alone) is RC_OK with nparts 0. *out is written only on
 * success. Thread-safe. */
enum rc multipart_parse(struct ctx *cx, const char *content_type, const char *body, size_t len,
                        struct multipart *out);
/* The first part called name, or NULL. */
const struct multipart_part *multipart_find(const struct multipart *m, const char *name);

#endif
