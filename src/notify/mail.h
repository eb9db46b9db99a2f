/*
 * mail.h — building an RFC 5322 / MIME message: multipart/alternative with a text/plain
 * and a text/html part (UTF-8, quoted-printable, lines ≤ 76), RFC 2047 encoded-words for
 * non-ASCII display names and subjects, a stable Message-ID, List-Unsubscribe with
 * List-Unsubscribe-Post (RFC 8058 one-click), Auto-Submitted: auto-generated, and a Date
 * in RFC 5322 form. CR and LF inside header values are never copied (no header
 * injection). Pure: no I/O, no clock (date is passed in).
 */
#ifndef WAYMARK_MAIL_H
#define WAYMARK_MAIL_H

#include <stdint.h>

#include "core/buf.h"
#include "core/rc.h"

struct mail {
    const char *from_name; /* display name ("Acme via Waymark"), may be "" */
    const char *from_addr; /* bare address */
    const char *to_name;   /* may be "" */
    const char *to_addr;
    const char *subject;
    const char *text;            /* text/plain part, LF or CRLF line endings */
    const char *html;            /* text/html part (a whole document); NULL: text only */
    const char *message_id;      /* without angle brackets: "outbox-12.abcd@waymark" */
    const char *unsubscribe_url; /* NULL: no List-Unsubscribe headers */
    int64_t date;                /* UTC seconds, for the Date header */
    const char *boundary;        /* MIME boundary; NULL: derived from message_id */
};

/* Appends the whole message (headers, blank line, body; CRLF line endings) to out.
 * RC_INVALID, with nothing appended, when an address is empty or holds CR, LF, '<', '>'
 * or a space (more exactly: anything but printable ASCII atext, '.' and one '@' with text
 * on both sides), when message_id is not printable ASCII with an '@' and no '<', '>' or
 * space, when unsubscribe_url is not printable ASCII without '<', '>' or space, or when
 * a given boundary is not RFC 2046 bchars or occurs in an encoded part. Display names and
 * the subject are never refused: controls (CR, LF…) become spaces, broken UTF-8 U+FFFD.
 * RC_TOO_LARGE / RC_NOMEM when out fails. */
enum rc mail_build(const struct mail *m, struct buf *out);

/* The bare address of "Name <addr>" or "addr" (what WAYMARK_SMTP_FROM may hold) into
 * addr, and the display name (maybe "") into name. RC_INVALID when there is no address. */
enum rc mail_split_address(const char *text, char *name, size_t name_size, char *addr,
                           size_t addr_size);

#endif
