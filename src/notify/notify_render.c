/*
 * notify_render.c — emails and webhook bodies of a notice (see notify_render.h).
 *
 * The HTML part is a small whole document with inline CSS only (mail clients drop
 * <style> blocks and never load stylesheets): a header bar in the organisation's colour
 * with its name, the title, the body, a button-styled link and the footer that says why
 * the person gets the email and how to stop it. Layout tables, not flexbox or grid, for
 * the same reason. No images, so nothing is fetched when the email is opened.
 */
#include "notify_render.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/jsonw.h"
#include "tenant/tenant.h"

#define DEFAULT_ACTION "Open in Waymark"

/* Why a person gets email of each kind they can switch off: "… your emails about {topic}
 * are on." */
static const char *const TOPIC[NOTIFY_KIND_PREFS] = {
    [NOTIFY_NEW_ACTIVITIES] = "new activities",
    [NOTIFY_REMINDER] = "activities that are due soon",
    [NOTIFY_OVERDUE] = "overdue activities",
    [NOTIFY_ESCALATION] = "your team's overdue activities",
    [NOTIFY_SIGNOFF_REQUEST] = "sign-off requests",
    [NOTIFY_RETURNED] = "activities returned to you",
    [NOTIFY_ENROLMENT] = "changes to your plans",
    [NOTIFY_DIGEST] = "your weekly team digest",
};

static int is_http_url(const char *s)
{
    return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

enum rc notify_render_link(const char *public_url, const char *link, struct buf *out)
{
    if (link && is_http_url(link))
        return buf_add(out, link);
    buf_add(out, public_url);
    if (!link || link[0] != '/')
        buf_addc(out, '/');
    if (link)
        buf_add(out, link);
    return buf_failed(out);
}

/* Appends s[0..n) HTML-escaped. */
static void html_escape_n(struct buf *out, const char *s, size_t n)
{
    const char *run = s, *end = s + n;
    for (; s < end; s++) {
        const char *e = NULL;
        switch (*s) {
        case '&':
            e = "&amp;";
            break;
        case '<':
            e = "&lt;";
            break;
        case '>':
            e = "&gt;";
            break;
        case '"':
            e = "&quot;";
            break;
        case '\'':
            e = "&#39;";
            break;
        default:
            continue;
        }
        buf_addn(out, run, (size_t)(s - run));
        buf_add(out, e);
        run = s + 1;
    }
    buf_addn(out, run, (size_t)(s - run));
}

void notify_render_html_escape(struct buf *out, const char *s)
{
    html_escape_n(out, s, strlen(s));
}

/* 1 when c is "#rrggbb". */
static int colour_valid(const char *c)
{
    if (!c || c[0] != '#' || strlen(c) != 7)
        return 0;
    for (int i = 1; i < 7; i++)
        if (!((c[i] >= '0' && c[i] <= '9') || (c[i] >= 'a' && c[i] <= 'f') ||
              (c[i] >= 'A' && c[i] <= 'F')))
            return 0;
    return 1;
}

static int hex_digit(char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* The text colour that reads on background c ("#rrggbb", checked). */
static const char *ink_on(const char *c)
{
    int r = hex_digit(c[1]) * 16 + hex_digit(c[2]);
    int g = hex_digit(c[3]) * 16 + hex_digit(c[4]);
    int b = hex_digit(c[5]) * 16 + hex_digit(c[6]);
    return 299 * r + 587 * g + 114 * b > 160000 ? "#1f2328" : "#ffffff";
}

/* The footer's reason, one sentence (plain text; the caller escapes it). */
static void reason(struct buf *out, const struct notify_brand *b, enum notify_kind kind)
{
    if (kind < NOTIFY_KIND_PREFS)
        buf_addf(out, "You get this email because %s uses Waymark and your emails about %s are on.",
                 b->name, TOPIC[kind]);
    else if (kind == NOTIFY_INVITATION)
        buf_addf(out, "You get this email because someone at %s invited you to Waymark.", b->name);
    else if (kind == NOTIFY_PASSWORD_RESET)
        buf_addf(out,
                 "You get this email because an administrator of %s reset your Waymark password.",
                 b->name);
    else
        buf_addf(out, "You get this email because %s sent a test from Waymark.", b->name);
}

/* The length of s without trailing white space. */
static size_t trimmed_length(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return n;
}

static void text_part(const struct notify_brand *b, const struct notice *n, const char *link,
                      const char *token, struct buf *out)
{
    const char *text = n->text ? n->text : "";
    size_t len = trimmed_length(text);
    if (len) {
        buf_addn(out, text, len);
        buf_add(out, "\n\n");
    }
    if (link) {
        const char *label = n->action_label && *n->action_label ? n->action_label : DEFAULT_ACTION;
        buf_addf(out, "%s: %s\n\n", label, link);
    }
    buf_add(out, "-- \n");
    reason(out, b, n->kind);
    buf_addc(out, '\n');
    if (token)
        buf_addf(out, "Stop these emails: %s/unsubscribe#%s\n", b->public_url, token);
}

/* Paragraphs of plain text: a blank line separates them, a single newline is a <br>. */
static void html_paragraphs(struct buf *out, const char *text)
{
    static const char P_OPEN[] = "<p style=\"margin:0 0 16px 0;\">";
    size_t len = trimmed_length(text);
    int open = 0, pending_breaks = 0;
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && text[end] != '\n')
            end++;
        size_t line_end = end;
        if (line_end > i && text[line_end - 1] == '\r')
            line_end--;
        int blank = 1;
        for (size_t k = i; k < line_end; k++)
            if (text[k] != ' ' && text[k] != '\t')
                blank = 0;
        if (blank) {
            if (open) {
                buf_add(out, "</p>\n");
                open = 0;
            }
            pending_breaks = 0;
        } else {
            if (!open) {
                buf_add(out, P_OPEN);
                open = 1;
            } else if (pending_breaks) {
                buf_add(out, "<br>\n");
            }
            html_escape_n(out, text + i, line_end - i);
            pending_breaks = 1;
        }
        i = end + 1;
    }
    if (open)
        buf_add(out, "</p>\n");
}

static void html_part(const struct notify_brand *b, const struct notice *n, const char *link,
                      const char *token, struct buf *out)
{
    const char *colour = colour_valid(b->colour) ? b->colour : TENANT_BRAND_COLOUR_DEFAULT;
    const char *ink = ink_on(colour);
    struct buf why;
    buf_init(&why, 8192); /* names are capped far below */
    reason(&why, b, n->kind);

    buf_add(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                 "<title>");
    notify_render_html_escape(out, n->title);
    buf_add(out,
            "</title>\n</head>\n"
            "<body style=\"margin:0;padding:0;background:#f3f4f6;color:#1f2328;"
            "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
            "font-size:16px;line-height:1.5;\">\n"
            "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
            "style=\"background:#f3f4f6;\"><tr><td align=\"center\" style=\"padding:24px 12px;\">\n"
            "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
            "style=\"max-width:600px;background:#ffffff;border:1px solid #d0d7de;\">\n");
    buf_addf(out,
             "<tr><td style=\"background:%s;color:%s;padding:16px 24px;font-size:18px;"
             "font-weight:bold;\">",
             colour, ink);
    notify_render_html_escape(out, b->name);
    buf_add(out, "</td></tr>\n<tr><td style=\"padding:24px;\">\n"
                 "<h1 style=\"margin:0 0 16px 0;font-size:20px;line-height:1.3;\">");
    notify_render_html_escape(out, n->title);
    buf_add(out, "</h1>\n");
    if (n->html)
        buf_add(out, n->html);
    else
        html_paragraphs(out, n->text ? n->text : "");
    if (link) {
        const char *label = n->action_label && *n->action_label ? n->action_label : DEFAULT_ACTION;
        buf_add(out, "\n<p style=\"margin:24px 0 0 0;\"><a href=\"");
        notify_render_html_escape(out, link);
        buf_addf(out,
                 "\" style=\"display:inline-block;background:%s;color:%s;padding:10px 20px;"
                 "border-radius:4px;text-decoration:none;font-weight:bold;\">",
                 colour, ink);
        notify_render_html_escape(out, label);
        buf_add(out, "</a></p>\n");
    }
    buf_add(out, "</td></tr>\n<tr><td style=\"padding:16px 24px;border-top:1px solid #d0d7de;"
                 "color:#57606a;font-size:13px;\">");
    notify_render_html_escape(out, why.data);
    if (token) {
        buf_add(out, " <a href=\"");
        struct buf url;
        buf_init(&url, 1024);
        buf_addf(&url, "%s/unsubscribe#%s", b->public_url, token);
        notify_render_html_escape(out, url.data);
        buf_free(&url);
        buf_add(out, "\" style=\"color:#57606a;\">Stop these emails</a>");
    }
    buf_add(out, "</td></tr>\n</table>\n</td></tr></table>\n</body>\n</html>\n");
    buf_free(&why);
}

enum rc notify_render_email(const struct notify_brand *b, const struct notice *n,
                            const char *unsubscribe_token, struct buf *text, struct buf *html)
{
    struct buf link;
    buf_init(&link, 4096);
    enum rc rc = RC_OK;
    const char *abs = NULL;
    if (n->link && *n->link) {
        if ((rc = notify_render_link(b->public_url, n->link, &link)))
            goto out;
        abs = link.data;
    }
    text_part(b, n, abs, unsubscribe_token, text);
    html_part(b, n, abs, unsubscribe_token, html);
    if (!(rc = buf_failed(text)))
        rc = buf_failed(html);
out:
    buf_free(&link);
    return rc;
}

/* Appends s with Slack's three control characters escaped. */
static void slack_escape(struct buf *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '&')
            buf_add(out, "&amp;");
        else if (*s == '<')
            buf_add(out, "&lt;");
        else if (*s == '>')
            buf_add(out, "&gt;");
        else
            buf_addc(out, *s);
    }
}

enum rc notify_render_webhook(const struct notify_brand *b, const char *format,
                              const struct notice *n, const struct notify_render_person *recipient,
                              int64_t created_at, struct buf *out)
{
    struct buf url, scratch;
    struct jsonw w;
    enum rc rc = RC_OK;
    const char *text = n->text ? n->text : "";
    buf_init(&url, 4096);
    buf_init(&scratch, NOTIFY_RENDER_BODY_MAX);
    if ((rc = notify_render_link(b->public_url, n->link, &url)))
        goto out;
    jsonw_init(&w, out);
    if (strcmp(format, "json") == 0) {
        jsonw_object(&w);
        jsonw_key(&w, "id");
        jsonw_string(&w, n->key);
        jsonw_key(&w, "kind");
        jsonw_string(&w, notify_kind_name(n->kind));
        jsonw_key(&w, "organisation");
        jsonw_object(&w);
        jsonw_key(&w, "slug");
        jsonw_string(&w, b->slug);
        jsonw_key(&w, "name");
        jsonw_string(&w, b->name);
        jsonw_end_object(&w);
        jsonw_key(&w, "created_at");
        jsonw_instant_or_null(&w, created_at);
        jsonw_key(&w, "recipient");
        if (recipient) {
            jsonw_object(&w);
            jsonw_key(&w, "id");
            jsonw_int(&w, recipient->id);
            jsonw_key(&w, "name");
            jsonw_string(&w, recipient->name);
            jsonw_key(&w, "email");
            jsonw_string(&w, recipient->email);
            jsonw_end_object(&w);
        } else {
            jsonw_null(&w);
        }
        jsonw_key(&w, "title");
        jsonw_string(&w, n->title);
        jsonw_key(&w, "text");
        jsonw_string(&w, text);
        jsonw_key(&w, "url");
        jsonw_string(&w, url.data);
        jsonw_end_object(&w);
    } else if (strcmp(format, "slack") == 0) {
        buf_addc(&scratch, '*');
        slack_escape(&scratch, n->title);
        buf_add(&scratch, "*\n");
        if (*text) {
            slack_escape(&scratch, text);
            buf_addc(&scratch, '\n');
        }
        buf_addc(&scratch, '<');
        slack_escape(&scratch, url.data);
        buf_add(&scratch, "|Open in Waymark>");
        if ((rc = buf_failed(&scratch)))
            goto out;
        jsonw_object(&w);
        jsonw_key(&w, "text");
        jsonw_string(&w, scratch.data);
        jsonw_end_object(&w);
    } else if (strcmp(format, "teams") == 0) {
        const char *colour = colour_valid(b->colour) ? b->colour : TENANT_BRAND_COLOUR_DEFAULT;
        jsonw_object(&w);
        jsonw_key(&w, "@type");
        jsonw_string(&w, "MessageCard");
        jsonw_key(&w, "@context");
        jsonw_string(&w, "https://schema.org/extensions");
        jsonw_key(&w, "summary");
        jsonw_string(&w, n->title);
        jsonw_key(&w, "themeColor");
        jsonw_string(&w, colour + 1);
        jsonw_key(&w, "title");
        jsonw_string(&w, n->title);
        jsonw_key(&w, "text");
        jsonw_string(&w, text);
        jsonw_key(&w, "potentialAction");
        jsonw_array(&w);
        jsonw_object(&w);
        jsonw_key(&w, "@type");
        jsonw_string(&w, "OpenUri");
        jsonw_key(&w, "name");
        jsonw_string(&w, "Open in Waymark");
        jsonw_key(&w, "targets");
        jsonw_array(&w);
        jsonw_object(&w);
        jsonw_key(&w, "os");
        jsonw_string(&w, "default");
        jsonw_key(&w, "uri");
        jsonw_string(&w, url.data);
        jsonw_end_object(&w);
        jsonw_end_array(&w);
        jsonw_end_object(&w);
        jsonw_end_array(&w);
        jsonw_end_object(&w);
    } else {
        rc = RC_INVALID;
        goto out;
    }
    rc = buf_failed(out);
out:
    buf_free(&url);
    buf_free(&scratch);
    return rc;
}
