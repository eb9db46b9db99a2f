/*
 * transport.c — the libcurl transport (see transport.h for the contract).
 *
 * One struct curl_transport per worker keeps two easy handles: one for SMTP, bound to
 * the relay URL it was made for, and one for webhooks. An easy handle keeps its
 * connections between transfers, so consecutive emails to one relay share one SMTP
 * session; when the relay URL changes the SMTP handle is thrown away (closing the old
 * session with QUIT) and a new one is made. The webhook handle is reset before each call
 * (curl_easy_reset keeps live connections) and every option is set again.
 *
 * What curl is told, and why:
 *  - only smtp/smtps for email and only http/https for webhooks, redirects never
 *    followed: a URL from the database can neither read a file nor wander elsewhere;
 *  - CURLUSESSL_TRY on smtp://, so a relay that offers STARTTLS gets it; smtps:// is
 *    TLS from the first byte by itself; credentials come from the URL's user:password;
 *  - connect and total timeouts and CURLOPT_NOSIGNAL, since workers are threads;
 *  - envelope addresses and webhook header values are refused when they hold controls or
 *    angle brackets, so nothing reaches an SMTP command line or an HTTP header unchecked.
 *
 * For SMTP, curl's error buffer says what failed ("RCPT failed: 550"), and the relay's
 * own words are caught from curl's trace of incoming reply lines (only replies are kept:
 * what Waymark sends, AUTH included, is never looked at). Webhook answers are read and
 * dropped, at most TRANSPORT_BODY_MAX bytes of them.
 */
#include "transport.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TRANSPORT_BODY_MAX        (64u << 10) /* answer bytes read before hanging up */
#define TRANSPORT_REPLY_MAX       200         /* a relay's refusal, kept for err */
#define TRANSPORT_ADDR_MAX        254
#define TRANSPORT_HEADER_MAX      512
#define TRANSPORT_DEFAULT_TIMEOUT 30L

struct curl_transport {
    struct notify_transport base;
    long timeout;
    CURL *smtp;
    char *smtp_url; /* the relay smtp's connection belongs to */
    CURL *http;
    char errbuf[CURL_ERROR_SIZE];
    char reply[TRANSPORT_REPLY_MAX]; /* the relay's first refusal in this transfer */
    size_t body_bytes;
    int body_capped;
};

/* Sets an option unless an earlier one failed; ok stays 0 after the first failure. */
#define SETOPT(ok, h, opt, val) ((ok) = (ok) && curl_easy_setopt((h), (opt), (val)) == CURLE_OK)

enum rc transport_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? RC_OK : RC_INTERNAL;
}

void transport_global_cleanup(void)
{
    curl_global_cleanup();
}

static void say(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    for (char *p = err; *p; p++) /* one line, whatever a server or curl said */
        if ((unsigned char)*p < ' ' || *p == 0x7f)
            *p = ' ';
}

/* Whether url starts with "<scheme>://" (case-insensitive). */
static int scheme_is(const char *url, const char *scheme)
{
    size_t n = strlen(scheme);
    return strncasecmp(url, scheme, n) == 0 && strncmp(url + n, "://", 3) == 0;
}

/* No controls, no space, no angle brackets: safe inside "MAIL FROM:<…>" or a header. */
static int printable(const char *s, size_t max, int allow_space)
{
    size_t len = strlen(s);
    if (len == 0 || len > max)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < ' ' || c == 0x7f || (c == ' ' && !allow_space) ||
            (!allow_space && (c == '<' || c == '>')))
            return 0;
    }
    return 1;
}

/* ---- SMTP ---- */

struct upload {
    const char *p;
    size_t left;
};

static size_t read_message(char *dst, size_t size, size_t nmemb, void *arg)
{
    struct upload *u = arg;
    size_t n = size * nmemb < u->left ? size * nmemb : u->left;
    memcpy(dst, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

/* Keeps the first 4xx or 5xx reply line of a transfer (curl may say QUIT after it),
 * printable ASCII only. */
static int smtp_trace(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
    (void)h;
    struct curl_transport *ct = arg;
    if (type != CURLINFO_HEADER_IN || ct->reply[0] || size < 3 ||
        (data[0] != '4' && data[0] != '5'))
        return 0;
    while (size && (data[size - 1] == '\n' || data[size - 1] == '\r'))
        size--;
    size_t start = size;
    while (start && data[start - 1] != '\n')
        start--;
    size_t n = 0;
    for (size_t i = start; i < size && n + 1 < sizeof ct->reply; i++)
        if (data[i] >= ' ' && data[i] < 0x7f)
            ct->reply[n++] = data[i];
    if (n)
        ct->reply[n] = '\0';
    return 0;
}

/* A fresh handle for one relay URL, with everything that does not change per message. */
static int smtp_open(struct curl_transport *ct, const char *url)
{
    curl_easy_cleanup(ct->smtp);
    free(ct->smtp_url);
    ct->smtp = curl_easy_init();
    ct->smtp_url = strdup(url);
    if (!ct->smtp || !ct->smtp_url)
        return 0;
    int ok = 1;
    CURL *h = ct->smtp;
    SETOPT(ok, h, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    SETOPT(ok, h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
    SETOPT(ok, h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
    if (scheme_is(url, "smtp"))
        SETOPT(ok, h, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    SETOPT(ok, h, CURLOPT_UPLOAD, 1L);
    SETOPT(ok, h, CURLOPT_READFUNCTION, read_message);
    SETOPT(ok, h, CURLOPT_CONNECTTIMEOUT, ct->timeout);
    SETOPT(ok, h, CURLOPT_TIMEOUT, ct->timeout);
    SETOPT(ok, h, CURLOPT_NOSIGNAL, 1L);
    SETOPT(ok, h, CURLOPT_ERRORBUFFER, ct->errbuf);
    /* The trace goes to smtp_trace only (nothing is printed): it is how the relay's
     * words reach err. */
    SETOPT(ok, h, CURLOPT_DEBUGFUNCTION, smtp_trace);
    SETOPT(ok, h, CURLOPT_DEBUGDATA, ct);
    SETOPT(ok, h, CURLOPT_VERBOSE, 1L);
    return ok;
}

static enum transport_outcome curl_send_email(struct notify_transport *t,
                                              const struct transport_email *m, char *err,
                                              size_t errlen)
{
    struct curl_transport *ct = t->impl;
    say(err, errlen, "%s", "");
    if (!m->smtp_url || !*m->smtp_url) {
        say(err, errlen, "no SMTP relay is configured");
        return TRANSPORT_PERMANENT;
    }
    if (!scheme_is(m->smtp_url, "smtp") && !scheme_is(m->smtp_url, "smtps")) {
        say(err, errlen, "the SMTP relay URL must start with smtp:// or smtps://");
        return TRANSPORT_PERMANENT;
    }
    if (!m->envelope_from || !printable(m->envelope_from, TRANSPORT_ADDR_MAX, 0) || !m->rcpt ||
        !printable(m->rcpt, TRANSPORT_ADDR_MAX, 0) || !m->message) {
        say(err, errlen, "the envelope sender or recipient is not a plain address");
        return TRANSPORT_PERMANENT;
    }
    if ((!ct->smtp || strcmp(ct->smtp_url, m->smtp_url) != 0) && !smtp_open(ct, m->smtp_url)) {
        curl_easy_cleanup(ct->smtp);
        ct->smtp = NULL;
        say(err, errlen, "could not prepare the SMTP connection");
        return TRANSPORT_RETRY;
    }

    char from[TRANSPORT_ADDR_MAX + 3], to[TRANSPORT_ADDR_MAX + 3];
    snprintf(from, sizeof from, "<%s>", m->envelope_from);
    snprintf(to, sizeof to, "<%s>", m->rcpt);
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    struct upload up = {m->message, m->message_len};
    int ok = rcpt != NULL;
    CURL *h = ct->smtp;
    SETOPT(ok, h, CURLOPT_MAIL_FROM, from);
    SETOPT(ok, h, CURLOPT_MAIL_RCPT, rcpt);
    SETOPT(ok, h, CURLOPT_READDATA, &up);
    SETOPT(ok, h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)m->message_len);
    CURLcode res = CURLE_OUT_OF_MEMORY;
    ct->errbuf[0] = '\0';
    ct->reply[0] = '\0';
    if (ok)
        res = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, NULL);
    curl_easy_setopt(h, CURLOPT_READDATA, NULL);
    curl_slist_free_all(rcpt);
    if (res == CURLE_OK)
        return TRANSPORT_OK;

    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    const char *why = ct->errbuf[0] ? ct->errbuf : curl_easy_strerror(res);
    if (code >= 400 && code < 600 && ct->reply[0])
        say(err, errlen, "%s; the relay said: %s", why, ct->reply);
    else if (code >= 400 && code < 600)
        say(err, errlen, "%s (SMTP %ld)", why, code);
    else
        say(err, errlen, "%s", why);
    if (code >= 500 && code < 600)
        return TRANSPORT_PERMANENT;
    if (code >= 400 && code < 500)
        return TRANSPORT_RETRY;
    if (res == CURLE_URL_MALFORMAT || res == CURLE_UNSUPPORTED_PROTOCOL)
        return TRANSPORT_PERMANENT;
    return TRANSPORT_RETRY;
}

/* ---- webhooks ---- */

static size_t drop_body(char *data, size_t size, size_t nmemb, void *arg)
{
    (void)data;
    struct curl_transport *ct = arg;
    size_t n = size * nmemb;
    if (n > TRANSPORT_BODY_MAX - ct->body_bytes) {
        ct->body_capped = 1;
        return 0; /* enough: curl stops with CURLE_WRITE_ERROR */
    }
    ct->body_bytes += n;
    return n;
}

static enum transport_outcome curl_post_webhook(struct notify_transport *t,
                                                const struct transport_webhook *w, char *err,
                                                size_t errlen)
{
    struct curl_transport *ct = t->impl;
    say(err, errlen, "%s", "");
    if (!w->url || (!scheme_is(w->url, "http") && !scheme_is(w->url, "https"))) {
        say(err, errlen, "the webhook URL must start with http:// or https://");
        return TRANSPORT_PERMANENT;
    }
    if (!w->event || !printable(w->event, TRANSPORT_HEADER_MAX, 1) || !w->signature ||
        !printable(w->signature, TRANSPORT_HEADER_MAX, 1)) {
        say(err, errlen, "the webhook event or signature is not a plain header value");
        return TRANSPORT_PERMANENT;
    }
    if (ct->http)
        curl_easy_reset(ct->http);
    else if (!(ct->http = curl_easy_init())) {
        say(err, errlen, "could not prepare the HTTP connection");
        return TRANSPORT_RETRY;
    }

    char line[TRANSPORT_HEADER_MAX + 32];
    struct curl_slist *headers = NULL, *next;
    int ok = 1;
#define HEADER(...)                                                                                \
    do {                                                                                           \
        snprintf(line, sizeof line, __VA_ARGS__);                                                  \
        if (ok && (next = curl_slist_append(headers, line)) != NULL)                               \
            headers = next;                                                                        \
        else                                                                                       \
            ok = 0;                                                                                \
    } while (0)
    HEADER("Content-Type: application/json");
    HEADER("User-Agent: Waymark");
    HEADER("Waymark-Event: %s", w->event);
    HEADER("Waymark-Delivery: %lld", (long long)w->delivery_id);
    HEADER("Waymark-Timestamp: %lld", (long long)w->timestamp);
    HEADER("Waymark-Signature: %s", w->signature);
    HEADER("Expect:"); /* no "100-continue" round trip for larger bodies */
#undef HEADER

    CURL *h = ct->http;
    SETOPT(ok, h, CURLOPT_URL, w->url);
#if LIBCURL_VERSION_NUM >= 0x075500
    SETOPT(ok, h, CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(ok, h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    SETOPT(ok, h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    SETOPT(ok, h, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SETOPT(ok, h, CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(ok, h, CURLOPT_POST, 1L);
    SETOPT(ok, h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(w->body ? w->body_len : 0));
    SETOPT(ok, h, CURLOPT_POSTFIELDS, w->body ? w->body : "");
    SETOPT(ok, h, CURLOPT_HTTPHEADER, headers);
    SETOPT(ok, h, CURLOPT_WRITEFUNCTION, drop_body);
    SETOPT(ok, h, CURLOPT_WRITEDATA, ct);
    SETOPT(ok, h, CURLOPT_CONNECTTIMEOUT, ct->timeout);
    SETOPT(ok, h, CURLOPT_TIMEOUT, ct->timeout);
    SETOPT(ok, h, CURLOPT_NOSIGNAL, 1L);
    SETOPT(ok, h, CURLOPT_ERRORBUFFER, ct->errbuf);
    CURLcode res = CURLE_OUT_OF_MEMORY;
    ct->errbuf[0] = '\0';
    ct->body_bytes = 0;
    ct->body_capped = 0;
    if (ok)
        res = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
    curl_slist_free_all(headers);

    long code = 0;
    if (res == CURLE_OK || (res == CURLE_WRITE_ERROR && ct->body_capped)) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        if (code >= 200 && code < 300)
            return TRANSPORT_OK;
        say(err, errlen, "the webhook answered HTTP %ld", code);
        if (code == 408 || code == 429 || (code >= 500 && code < 600))
            return TRANSPORT_RETRY;
        if (code >= 300 && code < 500)
            return TRANSPORT_PERMANENT;
        return TRANSPORT_RETRY;
    }
    say(err, errlen, "%s", ct->errbuf[0] ? ct->errbuf : curl_easy_strerror(res));
    if (res == CURLE_URL_MALFORMAT || res == CURLE_UNSUPPORTED_PROTOCOL)
        return TRANSPORT_PERMANENT;
    return TRANSPORT_RETRY;
}

/* ---- the transport ---- */

enum rc transport_curl_new(long timeout_seconds, struct notify_transport **out)
{
    struct curl_transport *ct = calloc(1, sizeof *ct);
    if (!ct)
        return RC_NOMEM;
    ct->timeout = timeout_seconds > 0 ? timeout_seconds : TRANSPORT_DEFAULT_TIMEOUT;
    ct->base.send_email = curl_send_email;
    ct->base.post_webhook = curl_post_webhook;
    ct->base.impl = ct;
    *out = &ct->base;
    return RC_OK;
}

void transport_curl_free(struct notify_transport *t)
{
    if (!t)
        return;
    struct curl_transport *ct = t->impl;
    curl_easy_cleanup(ct->smtp);
    curl_easy_cleanup(ct->http);
    free(ct->smtp_url);
    free(ct);
}
