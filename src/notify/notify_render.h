/*
 * notify_render.h — what a notice looks like when it leaves Waymark: the branded email
 * (subject, plain-text part, HTML part) and the webhook bodies in the three formats
 * (docs/notifications.md, "Email" and "Webhooks"). Pure: no database, no clock, no I/O.
 *
 * Links. A notice's link is an app path ("/activities/12"); outside the app it is made
 * absolute with the deployment's public URL. An absolute http(s) link is kept as it is;
 * anything else (a "javascript:" text, "//host") is treated as a path on public_url, so a
 * link can never leave for another scheme.
 *
 * Escaping. Everything that came from people (the organisation's name, titles, texts,
 * names) is HTML-escaped in the HTML part, Slack-escaped (&, <, >) in Slack's text and
 * JSON-escaped in every JSON body; only struct notice's html is inserted as given (its
 * contract says it is already escaped). The brand colour is used only when it is a
 * "#rrggbb" colour, and the header's text is white or near-black, whichever reads better
 * on it.
 */
#ifndef WAYMARK_NOTIFY_RENDER_H
#define WAYMARK_NOTIFY_RENDER_H

#include <stdint.h>

#include "core/buf.h"
#include "notify.h"

/* Caps of the rendered parts: what a notice within NOTIFY_TEXT_MAX renders to, escaped
 * at its worst. */
#define NOTIFY_RENDER_TEXT_MAX (256 * 1024)
#define NOTIFY_RENDER_HTML_MAX (1024 * 1024)
#define NOTIFY_RENDER_BODY_MAX (1024 * 1024) /* a webhook body */

/* Who sends: the organisation and the deployment. Strings borrowed. */
struct notify_brand {
    const char *name;       /* the organisation's name */
    const char *slug;       /* its slug */
    const char *colour;     /* "#rrggbb"; anything else: the default brand colour */
    const char *public_url; /* "https://waymark.example", no trailing '/' */
};

/* Appends the absolute URL of link (see the file comment); public_url + "/" when link is
 * NULL or "". Returns buf_failed(out). */
enum rc notify_render_link(const char *public_url, const char *link, struct buf *out);

/* Appends s HTML-escaped (& < > " ') to out. */
void notify_render_html_escape(struct buf *out, const char *s);

/* The email of n: its plain-text part into text and its HTML document into html (both
 * appended). unsubscribe_token is the one-click token of this email (its footer links to
 * {public_url}/unsubscribe#{token}); NULL for email-only kinds, whose footer says why the
 * person gets it and has no link. Returns RC_OK or the first buf failure (RC_TOO_LARGE
 * beyond the caps above, RC_NOMEM). */
enum rc notify_render_email(const struct notify_brand *b, const struct notice *n,
                            const char *unsubscribe_token, struct buf *text, struct buf *html);

/* The recipient as a webhook names them (json format). */
struct notify_render_person {
    int64_t id;
    const char *name;
    const char *email;
};

/* Appends the webhook body of n in format ("json", "slack", "teams") to out. recipient
 * NULL writes "recipient": null; created_at is the notice's instant. RC_INVALID for an
 * unknown format; else RC_OK or the buf's failure. */
enum rc notify_render_webhook(const struct notify_brand *b, const char *format,
                              const struct notice *n, const struct notify_render_person *recipient,
                              int64_t created_at, struct buf *out);

#endif
