/*
 * transport.h — how the outbox leaves the process: email over SMTP and webhook POSTs over
 * HTTP(S), both with libcurl (the only curl user is src/notify/). notify_deliver talks to
 * a struct notify_transport, so unit tests pass a fake one and record what was sent.
 *
 * SMTP: smtp://host:port upgrades with STARTTLS when the server offers it
 * (CURLUSESSL_TRY), smtps://host:port is TLS from the first byte; user:password@ in the
 * URL authenticates. The curl handle is kept between messages to the same URL, so one
 * connection carries many messages (RSET between them, as curl does).
 *
 * Outcomes: TRANSPORT_OK; TRANSPORT_RETRY for what may work later (connection refused,
 * timeouts, SMTP 4xx, HTTP 5xx/408/429); TRANSPORT_PERMANENT for what will not (SMTP 5xx,
 * HTTP other 4xx, a malformed URL). err receives a one-line reason either way.
 */
#ifndef WAYMARK_TRANSPORT_H
#define WAYMARK_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/rc.h"

enum transport_outcome { TRANSPORT_OK, TRANSPORT_RETRY, TRANSPORT_PERMANENT };

#define TRANSPORT_ERR_MAX 256

/* One email as it goes to the relay: the RFC 5322 message (mail.h builds it) and the
 * envelope. */
struct transport_email {
    const char *smtp_url;      /* "smtp://127.0.0.1:2525", "smtps://user:pw@host" */
    const char *envelope_from; /* bare address */
    const char *rcpt;          /* bare address */
    const char *message;       /* CRLF line endings */
    size_t message_len;
};

/* One webhook call: JSON body, with the headers Waymark signs (docs/notifications.md). */
struct transport_webhook {
    const char *url;
    const char *body;
    size_t body_len;
    const char *event;     /* Waymark-Event */
    int64_t delivery_id;   /* Waymark-Delivery */
    int64_t timestamp;     /* Waymark-Timestamp, unix seconds */
    const char *signature; /* Waymark-Signature value: "v1=<hex>" */
};

struct notify_transport {
    enum transport_outcome (*send_email)(struct notify_transport *t,
                                         const struct transport_email *m, char *err, size_t errlen);
    enum transport_outcome (*post_webhook)(struct notify_transport *t,
                                           const struct transport_webhook *w, char *err,
                                           size_t errlen);
    void *impl;
};

/* The libcurl transport. timeout_seconds bounds each connection and transfer (≤ 0: 30 s).
 * Returns RC_NOMEM or RC_OK; transport_curl_free frees it (and accepts NULL). Not
 * thread-safe: one per worker thread. curl_global_init must have run
 * (transport_global_init, once in main before threads). */
enum rc transport_global_init(void);
void transport_global_cleanup(void);
enum rc transport_curl_new(long timeout_seconds, struct notify_transport **out);
void transport_curl_free(struct notify_transport *t);

#endif
