/*
 * files.h — serving the static web UI from one folder, and nothing outside it.
 *
 * A request path is refused unless every segment is a plain name (no "", ".", "..",
 * no backslash, no leading dot), and the resolved real path — symlinks followed — must
 * still lie inside the real web root, so neither encoded dot-segments nor a symlink can
 * lead out. Paths without an extension that name no file get index.html, because the
 * single-page app routes them in the browser. Responses carry a strong ETag built from
 * size and modification time; If-None-Match answers 304.
 */
#ifndef WAYMARK_FILES_H
#define WAYMARK_FILES_H

#include "core/ctx.h"

/* Resolves root once at start-up into real_root (PATH_MAX bytes). RC_NOT_FOUND when the
 * folder does not exist. */
enum rc files_resolve_root(const char *root, char *real_root, size_t size);

/* Fills rs with the file for path, 304, or fails RC_NOT_FOUND (ctx message set). */
enum rc files_serve(struct ctx *cx, const char *real_root, const char *path,
                    const char *if_none_match, struct resp *rs);

/* Content type for a file name by its extension ("application/octet-stream" when
 * unknown). */
const char *files_content_type(const char *name);

#endif
