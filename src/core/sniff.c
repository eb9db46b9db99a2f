/*
 * sniff.c — what uploaded bytes are, and clean file names (see sniff.h).
 *
 * Signatures are checked at fixed offsets and every read is bounded by len. ZIP-based
 * office documents are told apart by their entry names: the local file headers are
 * walked from the start (at most SNIFF_ZIP_ENTRIES of them); when an entry's sizes are
 * only in a data descriptor after its data (flag bit 3, common for streamed writers),
 * the walk cannot skip it, and the central directory at the end of the archive is read
 * instead. A ZIP that is neither OOXML nor ODF is unknown: a plain archive may hide
 * anything.
 *
 * Plain text must be valid UTF-8 (no overlong forms, surrogates or code points beyond
 * U+10FFFF) with no NUL and no control characters but tab, LF, CR and form feed. Text
 * whose first character after any BOM and white space is '<' is refused: HTML, SVG and
 * XML are markup a browser may render and run, not plain text, even though the download
 * is sent with nosniff. So is text starting with "#!" (a script).
 */
#include "sniff.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SNIFF_ZIP_ENTRIES 4096 /* entries looked at before giving up */

static const char TYPE_PDF[] = "application/pdf";
static const char TYPE_PNG[] = "image/png";
static const char TYPE_JPEG[] = "image/jpeg";
static const char TYPE_GIF[] = "image/gif";
static const char TYPE_WEBP[] = "image/webp";
static const char TYPE_TEXT[] = "text/plain";
static const char TYPE_DOCX[] =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
static const char TYPE_XLSX[] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
static const char TYPE_PPTX[] =
    "application/vnd.openxmlformats-officedocument.presentationml.presentation";
static const char TYPE_ODT[] = "application/vnd.oasis.opendocument.text";
static const char TYPE_ODS[] = "application/vnd.oasis.opendocument.spreadsheet";
static const char TYPE_ODP[] = "application/vnd.oasis.opendocument.presentation";

static const struct {
    const char *type;
    const char *ext;
} EXTENSIONS[] = {
    {TYPE_PDF, "pdf"},   {TYPE_PNG, "png"},  {TYPE_JPEG, "jpg"},  {TYPE_GIF, "gif"},
    {TYPE_WEBP, "webp"}, {TYPE_TEXT, "txt"}, {TYPE_DOCX, "docx"}, {TYPE_XLSX, "xlsx"},
    {TYPE_PPTX, "pptx"}, {TYPE_ODT, "odt"},  {TYPE_ODS, "ods"},   {TYPE_ODP, "odp"},
};

static int starts_with(const unsigned char *p, size_t len, const char *sig, size_t n)
{
    return len >= n && memcmp(p, sig, n) == 0;
}

static unsigned le16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

const char *sniff_image(const void *data, size_t len)
{
    static const unsigned char PNG[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    const unsigned char *p = data;
    /* A PNG's first chunk is always IHDR, right after the signature and its length. */
    if (len >= 16 && memcmp(p, PNG, 8) == 0 && memcmp(p + 12, "IHDR", 4) == 0)
        return TYPE_PNG;
    /* SOI followed by the first marker. */
    if (len >= 4 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
        return TYPE_JPEG;
    return NULL;
}

/* ---- ZIP: OOXML and ODF ---- */

struct zip_names {
    int content_types; /* "[Content_Types].xml" */
    int word, xl, ppt; /* an entry under word/, xl/, ppt/ */
};

static void zip_name_seen(struct zip_names *z, const unsigned char *name, size_t n)
{
    static const char CT[] = "[Content_Types].xml";
    if (n == sizeof CT - 1 && memcmp(name, CT, n) == 0)
        z->content_types = 1;
    else if (n > 5 && memcmp(name, "word/", 5) == 0)
        z->word = 1;
    else if (n > 3 && memcmp(name, "xl/", 3) == 0)
        z->xl = 1;
    else if (n > 4 && memcmp(name, "ppt/", 4) == 0)
        z->ppt = 1;
}

/* Walks the local file headers from the start. 1 when the walk reached something that is
 * not a local header (the central directory, normally), 0 when it could not go on (an
 * entry with a data descriptor, a truncated entry, too many entries). */
static int zip_walk_local(const unsigned char *p, size_t len, struct zip_names *z)
{
    size_t off = 0;
    for (int i = 0; i < SNIFF_ZIP_ENTRIES; i++) {
        if (len - off < 30 || memcmp(p + off, "PK\3\4", 4) != 0)
            return i > 0;
        unsigned flags = le16(p + off + 6);
        uint32_t csize = le32(p + off + 18);
        size_t nlen = le16(p + off + 26), xlen = le16(p + off + 28);
        if (len - off - 30 < nlen)
            return 0;
        zip_name_seen(z, p + off + 30, nlen);
        if (flags & 0x08)
            return 0; /* the sizes follow the data */
        size_t skip = 30 + nlen + xlen;
        if (len - off < skip || len - off - skip < csize)
            return 0;
        off += skip + csize;
    }
    return 0;
}

/* Reads the names of the central directory. 0 when there is none to read. */
static int zip_walk_central(const unsigned char *p, size_t len, struct zip_names *z)
{
    /* The end-of-central-directory record is 22 bytes plus a comment of up to 65535. */
    if (len < 22)
        return 0;
    size_t lowest = len > 22 + 65535 ? len - 22 - 65535 : 0;
    size_t eocd = len - 22;
    for (;;) {
        if (memcmp(p + eocd, "PK\5\6", 4) == 0)
            break;
        if (eocd == lowest)
            return 0;
        eocd--;
    }
    size_t count = le16(p + eocd + 10);
    size_t cd_size = le32(p + eocd + 12), cd_off = le32(p + eocd + 16);
    if (cd_off > eocd || cd_size > eocd - cd_off)
        return 0;
    size_t off = cd_off, cd_end = cd_off + cd_size;
    for (size_t i = 0; i < count && i < SNIFF_ZIP_ENTRIES; i++) {
        if (cd_end - off < 46 || memcmp(p + off, "PK\1\2", 4) != 0)
            return 0;
        size_t nlen = le16(p + off + 28), xlen = le16(p + off + 30), clen = le16(p + off + 32);
        if (cd_end - off - 46 < nlen)
            return 0;
        zip_name_seen(z, p + off + 46, nlen);
        size_t skip = 46 + nlen + xlen + clen;
        if (cd_end - off < skip)
            return 0;
        off += skip;
    }
    return 1;
}

/* ODF: the first entry is "mimetype", stored uncompressed, holding the media type. */
static const char *zip_odf(const unsigned char *p, size_t len)
{
    static const char *const TYPES[] = {TYPE_ODT, TYPE_ODS, TYPE_ODP};
    if (len < 38 || memcmp(p + 26, "\10\0", 2) != 0 || memcmp(p + 30, "mimetype", 8) != 0)
        return NULL;
    unsigned method = le16(p + 8);
    uint32_t csize = le32(p + 18), usize = le32(p + 22);
    size_t start = 30 + 8 + le16(p + 28);
    if (method != 0 || csize != usize || start > len || len - start < csize)
        return NULL;
    for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
        if (csize == strlen(TYPES[i]) && memcmp(p + start, TYPES[i], csize) == 0)
            return TYPES[i];
    return NULL;
}

static const char *sniff_zip(const unsigned char *p, size_t len)
{
    const char *odf = zip_odf(p, len);
    if (odf)
        return odf;
    struct zip_names z = {0};
    if (!zip_walk_local(p, len, &z)) {
        struct zip_names central = {0};
        if (!zip_walk_central(p, len, &central))
            return NULL;
        z = central;
    }
    if (!z.content_types)
        return NULL;
    if (z.word)
        return TYPE_DOCX;
    if (z.xl)
        return TYPE_XLSX;
    if (z.ppt)
        return TYPE_PPTX;
    return NULL;
}

/* ---- text ---- */

/* The code point at p (at most n bytes) into *cp; returns its length, or 0 when the
 * bytes are not valid UTF-8 (overlong forms, surrogates and values over U+10FFFF are
 * not). */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
    if (n == 0)
        return 0;
    unsigned c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t need;
    uint32_t v, min;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 2, v = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3, v = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return need;
}

static int is_text(const unsigned char *p, size_t len)
{
    size_t i = 0;
    if (starts_with(p, len, "\xef\xbb\xbf", 3))
        i = 3;
    size_t first = i;
    while (first < len && (p[first] == ' ' || p[first] == '\t' || p[first] == '\n' ||
                           p[first] == '\r' || p[first] == '\f'))
        first++;
    if (first < len && p[first] == '<')
        return 0;
    if (starts_with(p + first, len - first, "#!", 2))
        return 0;
    while (i < len) {
        if (p[i] >= 0x20 && p[i] < 0x7f) { /* the common case, byte by byte */
            i++;
            continue;
        }
        uint32_t cp = 0;
        size_t n = utf8_decode(p + i, len - i, &cp);
        if (n == 0)
            return 0;
        if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r' && cp != '\f') ||
            (cp >= 0x7f && cp <= 0x9f))
            return 0;
        i += n;
    }
    return 1;
}

const char *sniff_type(const void *data, size_t len)
{
    const unsigned char *p = data;
    if (!p || len == 0)
        return NULL;
    const char *image = sniff_image(p, len);
    if (image)
        return image;
    if (starts_with(p, len, "%PDF-", 5))
        return TYPE_PDF;
    if (len >= 13 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
        return TYPE_GIF;
    /* RIFF, the size, WEBP, then a VP8/VP8L/VP8X chunk. */
    if (len >= 16 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBPVP8", 7) == 0 &&
        (p[15] == ' ' || p[15] == 'L' || p[15] == 'X'))
        return TYPE_WEBP;
    if (starts_with(p, len, "PK\3\4", 4))
        return sniff_zip(p, len);
    if (is_text(p, len))
        return TYPE_TEXT;
    return NULL;
}

const char *sniff_extension(const char *type)
{
    if (!type)
        return NULL;
    for (size_t i = 0; i < sizeof EXTENSIONS / sizeof EXTENSIONS[0]; i++)
        if (strcmp(EXTENSIONS[i].type, type) == 0)
            return EXTENSIONS[i].ext;
    return NULL;
}

/* ---- file names ---- */

/* Characters a cleaned name never holds besides controls: those Windows forbids and
 * shells or headers treat specially. */
static int name_char_dropped(uint32_t cp)
{
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
        return 1;
    if (cp < 0x80 && strchr("\"*:<>?|;/\\", (int)cp))
        return 1;
    /* Bidirectional and invisible formatting characters: "invoice" U+202E "fdp.exe" shows
     * as "invoiceexe.pdf". */
    return cp == 0x061c || cp == 0x200b || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

/* Appends the kept characters of s[0..n) to out (holding *used of cap bytes), whole
 * code points only, stopping at the first that does not fit. With skip_lead, dots and
 * spaces are dropped while out is still empty. */
static void name_clean(const unsigned char *s, size_t n, char *out, size_t *used, size_t cap,
                       int skip_lead)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp = 0;
        size_t k = utf8_decode(s + i, n - i, &cp);
        if (k == 0) { /* an invalid byte is dropped on its own */
            i++;
            continue;
        }
        if (name_char_dropped(cp) || (skip_lead && *used == 0 && (cp == '.' || cp == ' '))) {
            i += k;
            continue;
        }
        if (cap - *used < k)
            return;
        memcpy(out + *used, s + i, k);
        *used += k;
        i += k;
    }
}

static size_t trim_trailing(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == '.' || s[n - 1] == ' '))
        n--;
    return n;
}

/* The longest prefix of s[0..n) no longer than max that ends on a UTF-8 boundary. */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
        max--;
    return max;
}

#define SNIFF_EXT_MAX 16 /* bytes after the last dot that still count as an extension */

void sniff_file_name(const char *name, char *out, size_t size)
{
    if (!out || size == 0)
        return;
    size_t limit = size - 1 < SNIFF_NAME_MAX ? size - 1 : SNIFF_NAME_MAX;
    if (!name)
        name = "";
    const char *base = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t n = strlen(base);
    const unsigned char *b = (const unsigned char *)base;

    /* The extension: what follows the last dot, when short and not the whole name. */
    size_t dot = n;
    for (size_t i = n; i > 0 && n - i < SNIFF_EXT_MAX + 1; i--)
        if (base[i - 1] == '.') {
            dot = i - 1;
            break;
        }
    if (dot == 0 || dot + 1 >= n)
        dot = n;

    char stem[SNIFF_NAME_MAX], ext[SNIFF_EXT_MAX + 1];
    size_t slen = 0, elen = 0;
    name_clean(b, dot, stem, &slen, sizeof stem, 1);
    name_clean(b + dot, n - dot, ext, &elen, sizeof ext, slen == 0);
    elen = trim_trailing(ext, elen);
    if (elen == 1 && ext[0] == '.')
        elen = 0;
    if (elen == 0)
        slen = trim_trailing(stem, slen);
    if (elen > limit) /* only when size breaks the contract */
        elen = 0;
    if (slen + elen > limit)
        slen = utf8_cut(stem, slen, limit - elen);
    if (slen + elen == 0) {
        snprintf(out, size, "file");
        return;
    }
    memcpy(out, stem, slen);
    memcpy(out + slen, ext, elen);
    out[slen + elen] = '\0';
}
