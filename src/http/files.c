/*
 * files.c — static files from the web root (see files.h).
 *
 * The file is sent by descriptor (the server hands it to libmicrohttpd, which uses
 * sendfile), so a large asset is never copied through user memory.
 */
#include "files.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct content_type {
    const char *ext;
    const char *type;
};

static const struct content_type TYPES[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".txt", "text/plain; charset=utf-8"},
    {".map", "application/json; charset=utf-8"},
    {".yaml", "text/yaml; charset=utf-8"},
};

const char *files_content_type(const char *name)
{
    const char *dot = strrchr(name, '.'), *slash = strrchr(name, '/');
    if (dot && (!slash || dot > slash))
        for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
            if (strcasecmp(dot, TYPES[i].ext) == 0)
                return TYPES[i].type;
    return "application/octet-stream";
}

enum rc files_resolve_root(const char *root, char *real_root, size_t size)
{
    char tmp[PATH_MAX];
    if (!realpath(root, tmp) || strlen(tmp) >= size)
        return RC_NOT_FOUND;
    struct stat st;
    if (stat(tmp, &st) != 0 || !S_ISDIR(st.st_mode))
        return RC_NOT_FOUND;
    memcpy(real_root, tmp, strlen(tmp) + 1);
    return RC_OK;
}

/* 1 when every segment of path is a plain name. */
static int path_is_plain(const char *path)
{
    if (path[0] != '/' || strchr(path, '\\'))
        return 0;
    const char *s = path + 1;
    while (*s) {
        const char *end = strchr(s, '/');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (len == 0 || s[0] == '.')
            return 0;
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
                return 0;
        if (!end)
            break;
        s = end + 1;
    }
    return 1;
}

static int last_segment_has_dot(const char *path)
{
    const char *slash = strrchr(path, '/');
    return strchr(slash ? slash : path, '.') != NULL;
}

/* Opens real_root + rel when it resolves inside real_root to a regular file. */
static int open_inside(const char *real_root, const char *rel, struct stat *st)
{
    char joined[PATH_MAX], real[PATH_MAX];
    int n = snprintf(joined, sizeof joined, "%s%s", real_root, rel);
    if (n < 0 || (size_t)n >= sizeof joined || !realpath(joined, real))
        return -1;
    size_t rootlen = strlen(real_root);
    if (strncmp(real, real_root, rootlen) != 0 || real[rootlen] != '/')
        return -1;
    int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return -1;
    }
    return fd;
}

enum rc files_serve(struct ctx *cx, const char *real_root, const char *path,
                    const char *if_none_match, struct resp *rs)
{
    const char *rel = strcmp(path, "/") == 0 ? "/index.html" : path;
    if (strlen(rel) > 1024 || !path_is_plain(rel))
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no page at this address.");
    struct stat st;
    int fd = open_inside(real_root, rel, &st);
    if (fd < 0 && !last_segment_has_dot(rel)) {
        rel = "/index.html";
        fd = open_inside(real_root, rel, &st);
    }
    if (fd < 0)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no file at this address.");

    char etag[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
                 (unsigned long long)st.st_mtim.tv_nsec);
    resp_header(rs, "ETag", "%s", etag);
    resp_header(rs, "Cache-Control", "no-cache");
    rs->content_type = files_content_type(rel);
    if (if_none_match && (strstr(if_none_match, etag) || strcmp(if_none_match, "*") == 0)) {
        close(fd);
        rs->status = 304;
        rs->content_type = NULL;
        return RC_OK;
    }
    rs->status = 200;
    rs->file_fd = fd;
    rs->file_size = (uint64_t)st.st_size;
    return RC_OK;
}
