/*
 * sniff.h — deciding what uploaded bytes are from the bytes themselves, never from the
 * name or the Content-Type a client claims, and cleaning the names clients send.
 *
 * Recognised: PDF, PNG, JPEG, GIF, WebP, plain text (valid UTF-8 without NUL or control
 * characters other than tab, CR, LF, form feed), the Office Open XML formats (docx,
 * xlsx, pptx: a ZIP whose entries name word/, xl/ or ppt/ and [Content_Types].xml) and
 * OpenDocument (odt, ods, odp: a ZIP whose first entry is "mimetype" naming the type).
 * Everything else (HTML, SVG, scripts, executables, other ZIPs, …) is unknown.
 *
 * HTML, SVG and XML are never plain text: text whose first character (after a BOM and
 * white space) is '<' is unknown, and so is text starting with "#!". Empty data is
 * unknown. All functions are pure and thread-safe.
 */
#ifndef WAYMARK_SNIFF_H
#define WAYMARK_SNIFF_H

#include <stddef.h>

/* The media type of data, or NULL when it is none of the recognised types. */
const char *sniff_type(const void *data, size_t len);
/* "image/png" or "image/jpeg" when data is one (the logo's rule), else NULL. */
const char *sniff_image(const void *data, size_t len);
/* The file extension (without dot) conventional for a type sniff_type returns, e.g.
 * "pdf"; NULL for other types. */
const char *sniff_extension(const char *type);

#define SNIFF_NAME_MAX 120 /* bytes of a cleaned file name, NUL excluded */

/* Cleans a client's file name into out (size ≥ SNIFF_NAME_MAX + 1): keeps only the last
 * path component (after any '/' or '\\'), drops control characters (C0, DEL, C1),
 * invalid UTF-8, the characters " * : < > ? | ; and the bidirectional and invisible
 * formatting characters (U+202E RIGHT-TO-LEFT OVERRIDE and its kin, which make
 * "x" U+202E "fdp.exe" look like "xexe.pdf"); strips leading dots and spaces and trailing
 * dots and spaces; cuts to SNIFF_NAME_MAX bytes on a UTF-8 boundary keeping the
 * extension (up to 16 bytes after the last dot). An empty result becomes "file". Never
 * yields "", ".", ".." or a name with a path. name may be NULL (→ "file"). */
void sniff_file_name(const char *name, char *out, size_t size);

#endif
