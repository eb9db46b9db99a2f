/*
 * notify.c — posting notices, the in-app list, the outbox log and the delivery worker
 * (see notify.h for the contract, docs/notifications.md for what people see).
 *
 * Posting. A notice is written in the caller's transaction, so it commits or vanishes
 * with the change that caused it. The first write decides whether the notice is new: the
 * in-app row for most kinds, the email row for the email-only ones (invitation, password
 * reset), the webhook rows for a notice to nobody in particular. When that row's key is
 * already there, nothing else is written: a pass that runs twice, or on two servers at
 * once, posts each notice once, and a crash between two rows of one notice cannot happen
 * because they share the transaction. Emails and webhook bodies are rendered now
 * (notify_render.c), so the worker only sends what was decided here; only the webhook's
 * secret is read at sending time, so a rotated secret signs the calls still waiting.
 *
 * A pass posts to thousands of people, so what posting needs of the organisation is
 * loaded once (struct notify_tenant): every saved preference row in a sorted array, found
 * with bsearch, the organisation's defaults for everyone else, its active webhooks.
 *
 * Delivery. notify_deliver never holds a transaction while it talks to a relay: it claims
 * a batch in one short write transaction (notify_store_claim: a lease, attempts + 1),
 * commits, sends each row, and records each outcome in its own short transaction. A
 * process killed in between leaves its rows leased; the lease runs out and the next
 * worker claims them again (at least once; the Message-ID derived from the outbox id and
 * key lets a receiver recognise the repeat). Retries back off exponentially: 1 minute
 * after the first failed attempt, doubling, at most 6 hours apart; a row still failing at
 * its NOTIFY_MAX_ATTEMPTS-th attempt fails for good.
 *
 * What this file does not do: decide who is told what and when (nudges.c), store or
 * check preferences, settings and webhooks (notify_settings.c), speak SMTP or HTTP
 * (transport.c), or encode MIME (mail.c).
 */
#include "core/array.h"
#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/jsonx.h"
#include "core/log.h"
#include "core/secure.h"
#include "mail.h"
#include "notify_render.h"
#include "notify_settings.h"
#include "notify_store.h"
#include "people/authz.h"
#include "people/people.h"
#include "tenant/tenant.h"
#include "transport.h"

#define DEFAULT_PUBLIC_URL "http://127.0.0.1:8080"
#define BACKOFF_FIRST      60
#define BACKOFF_MAX        (6 * 3600)
/* A whole message: both parts quoted-printable (at most 3 bytes a byte) and headers. */
#define MESSAGE_MAX ((size_t)3 * (NOTIFY_RENDER_TEXT_MAX + NOTIFY_RENDER_HTML_MAX) + 65536)

static const char *const KIND_NAMES[NOTIFY_KIND_COUNT] = {
    [NOTIFY_NEW_ACTIVITIES] = "new_activities",
    [NOTIFY_REMINDER] = "reminder",
    [NOTIFY_OVERDUE] = "overdue",
    [NOTIFY_ESCALATION] = "escalation",
    [NOTIFY_SIGNOFF_REQUEST] = "signoff_request",
    [NOTIFY_RETURNED] = "returned",
    [NOTIFY_ENROLMENT] = "enrolment",
    [NOTIFY_DIGEST] = "digest",
    [NOTIFY_INVITATION] = "invitation",
    [NOTIFY_PASSWORD_RESET] = "password_reset",
    [NOTIFY_TEST] = "test",
};

const char *notify_kind_name(enum notify_kind kind)
{
    return (int)kind >= 0 && kind < NOTIFY_KIND_COUNT ? KIND_NAMES[kind] : NULL;
}

int notify_kind_from_name(const char *name)
{
    for (int k = 0; name && k < NOTIFY_KIND_COUNT; k++)
        if (strcmp(KIND_NAMES[k], name) == 0)
            return k;
    return -1;
}

static int email_only(enum notify_kind kind)
{
    return kind == NOTIFY_INVITATION || kind == NOTIFY_PASSWORD_RESET;
}

static enum rc db_fail(struct ctx *cx, enum rc rc, const char *what)
{
    if (rc == RC_DB || rc == RC_BUSY)
        log_line(LOG_ERROR, "notify", cx->request_id, NULL, "%s: %s", what, db_errmsg(cx->db));
    return rc;
}

static const char *public_url_of(const struct ctx *cx)
{
    return cx->cfg && cx->cfg->public_url[0] ? cx->cfg->public_url : DEFAULT_PUBLIC_URL;
}

/* ---- what posting needs of the organisation ---- */

struct hook_list {
    struct webhook *v;
    size_t n, cap;
};

static enum rc hook_add(void *arg, const struct webhook *w)
{
    struct hook_list *l = arg;
    if (array_reserve((void **)&l->v, sizeof *l->v, l->n + 1, &l->cap))
        return RC_NOMEM;
    l->v[l->n++] = *w;
    return RC_OK;
}

/* Frees the list, wiping the secrets first. */
static void hook_list_free(struct hook_list *l)
{
    if (l->v)
        secure_zero(l->v, l->cap * sizeof *l->v);
    free(l->v);
    memset(l, 0, sizeof *l);
}

struct prefs_entry {
    int64_t user_id;
    struct notify_prefs p;
};

struct notify_tenant {
    int64_t tenant_id;
    struct tenant t;
    struct notify_settings s;
    struct notify_prefs defaults;
    struct prefs_entry *prefs; /* sorted by user_id */
    size_t nprefs, capprefs;
    struct hook_list hooks;
    const char *public_url;
    struct notify_counts counts;
};

static enum rc prefs_add(void *arg, int64_t user_id, const struct notify_prefs *p)
{
    struct notify_tenant *nt = arg;
    if (array_reserve((void **)&nt->prefs, sizeof *nt->prefs, nt->nprefs + 1, &nt->capprefs))
        return RC_NOMEM;
    nt->prefs[nt->nprefs].user_id = user_id;
    nt->prefs[nt->nprefs].p = *p;
    nt->nprefs++;
    return RC_OK;
}

static int cmp_prefs(const void *a, const void *b)
{
    int64_t x = ((const struct prefs_entry *)a)->user_id;
    int64_t y = ((const struct prefs_entry *)b)->user_id;
    return x < y ? -1 : x > y;
}

static const struct notify_prefs *prefs_of(const struct notify_tenant *nt, int64_t user_id)
{
    struct prefs_entry key = {.user_id = user_id};
    const struct prefs_entry *e =
        nt->nprefs ? bsearch(&key, nt->prefs, nt->nprefs, sizeof key, cmp_prefs) : NULL;
    return e ? &e->p : &nt->defaults;
}

void notify_tenant_free(struct notify_tenant *nt)
{
    if (!nt)
        return;
    hook_list_free(&nt->hooks);
    free(nt->prefs);
    secure_zero(&nt->s, sizeof nt->s); /* the relay's password */
    free(nt);
}

/* Loads the organisation with the preferences of everyone (user_id < 0), of one person
 * (user_id > 0: notify_post, which should not read a whole organisation's rows for one
 * notice) or of nobody (0). */
static enum rc tenant_load(struct ctx *cx, int64_t user_id, struct notify_tenant **out)
{
    struct notify_tenant *nt = calloc(1, sizeof *nt);
    if (!nt)
        return RC_NOMEM;
    nt->tenant_id = cx->actor.tenant_id;
    nt->public_url = public_url_of(cx);
    enum rc rc = tenant_get(cx, &nt->t);
    if (!rc)
        rc = notify_settings_get(cx, &nt->s);
    if (!rc) {
        notify_prefs_defaults(&nt->s, &nt->defaults);
        if (user_id < 0) {
            rc = notify_prefs_each(cx, prefs_add, nt);
        } else if (user_id > 0) {
            struct notify_prefs p;
            if (!(rc = notify_prefs_get(cx, user_id, &p)) && !p.is_default)
                rc = prefs_add(nt, user_id, &p);
        }
    }
    if (!rc)
        rc = notify_webhooks_active(cx, hook_add, &nt->hooks);
    if (rc) {
        notify_tenant_free(nt);
        return db_fail(cx, rc, "tenant load");
    }
    if (nt->nprefs > 1)
        qsort(nt->prefs, nt->nprefs, sizeof *nt->prefs, cmp_prefs);
    *out = nt;
    return RC_OK;
}

enum rc notify_tenant_load(struct ctx *cx, struct notify_tenant **out)
{
    return tenant_load(cx, -1, out);
}

const struct notify_counts *notify_tenant_counts(const struct notify_tenant *nt)
{
    return &nt->counts;
}

/* ---- posting ---- */

/* A notice checked, with its title cut to one line. */
struct checked {
    char title[NOTIFY_TITLE_MAX * 4 + 4];
    struct notice n; /* n.title points at title */
};

/* Copies title into out as one line of at most NOTIFY_TITLE_MAX characters: control
 * characters become spaces, spaces at both ends go, a longer title ends with "…". */
static void one_line(const char *title, char *out)
{
    const unsigned char *s = (const unsigned char *)title;
    while (*s && (*s == ' ' || *s < 0x20 || *s == 0x7f))
        s++;
    size_t total = 0, o = 0, chars = 0;
    for (const unsigned char *p = s; *p; p++)
        total += (*p & 0xc0) != 0x80;
    size_t keep = total > NOTIFY_TITLE_MAX ? NOTIFY_TITLE_MAX - 1 : total;
    for (; *s; s++) {
        if ((*s & 0xc0) != 0x80 && ++chars > keep)
            break;
        out[o++] = (char)(*s < 0x20 || *s == 0x7f ? ' ' : *s);
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    if (keep < total) {
        memcpy(out + o, "\xe2\x80\xa6", 3); /* … */
        o += 3;
    }
    out[o] = '\0';
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

static enum rc check_text(struct ctx *cx, const char *field, const char *s, size_t max)
{
    if (!s)
        return RC_OK;
    size_t n = strlen(s);
    if (n > max)
        return ctx_fail(cx, RC_INVALID, field, "must be at most %zu bytes", max);
    if (!jsonx_utf8_valid(s, n))
        return ctx_fail(cx, RC_INVALID, field, "must be valid UTF-8 text");
    return RC_OK;
}

static enum rc check_notice(struct ctx *cx, const struct notice *n, struct checked *c)
{
    enum rc rc = RC_OK;
    if (!notify_kind_name(n->kind))
        rc = ctx_fail(cx, RC_INVALID, "kind", "is not a notice kind");
    size_t key_len = n->key ? strlen(n->key) : 0;
    if (key_len == 0 || key_len > NOTIFY_KEY_MAX || has_control(n->key) ||
        !jsonx_utf8_valid(n->key, key_len))
        rc = ctx_fail(cx, RC_INVALID, "key", "must be 1 to %d bytes of text on one line",
                      NOTIFY_KEY_MAX);
    if (!n->title)
        rc = ctx_fail(cx, RC_INVALID, "title", "is required");
    else if (check_text(cx, "title", n->title, NOTIFY_TEXT_MAX))
        rc = RC_INVALID;
    else if (one_line(n->title, c->title), !c->title[0])
        rc = ctx_fail(cx, RC_INVALID, "title", "must not be empty");
    if (check_text(cx, "text", n->text, NOTIFY_TEXT_MAX))
        rc = RC_INVALID;
    if (check_text(cx, "html", n->html, NOTIFY_TEXT_MAX))
        rc = RC_INVALID;
    if (check_text(cx, "action_label", n->action_label, NOTIFY_TITLE_MAX))
        rc = RC_INVALID;
    if (n->link && (check_text(cx, "link", n->link, NOTIFY_LINK_MAX) || has_control(n->link)))
        rc = ctx_has_detail(cx, "link") ? RC_INVALID
                                        : ctx_fail(cx, RC_INVALID, "link", "must be one line");
    if (rc)
        return rc;
    c->n = *n;
    c->n.title = c->title;
    if (c->n.action_label && has_control(c->n.action_label))
        c->n.action_label = NULL;
    return RC_OK;
}

static struct notify_brand brand_of(const struct tenant *t, const char *public_url)
{
    return (struct notify_brand){
        .name = t->name, .slug = t->slug, .colour = t->brand_colour, .public_url = public_url};
}

/* Queues the email of n to person: the notice as posted, rendered when it is sent
 * (send_email), plus its one-click unsubscribe link. *created 0 when its key was already
 * there. */
static enum rc queue_email(struct ctx *cx, struct notify_tenant *nt, const struct notice *n,
                           const struct notify_store_person *person,
                           const struct notify_prefs *prefs, int *created)
{
    char token[SECURE_TOKEN_HEX + 1] = "", hash[SECURE_TOKEN_HEX + 1] = "";
    char key[NOTIFY_KEY_MAX + 16], unsubscribe[512];
    int can_stop = n->kind < NOTIFY_KIND_PREFS;
    int64_t id = 0;
    *created = 0;
    if (can_stop) {
        secure_token_new(token);
        secure_token_hash(token, hash);
        snprintf(unsubscribe, sizeof unsubscribe, "%s/api/v1/unsubscribe/%s", nt->public_url,
                 token);
    }
    snprintf(key, sizeof key, "%s:email", n->key);
    struct notify_store_outbox_new row = {
        .tenant_id = nt->tenant_id,
        .key = key,
        .channel = "email",
        .kind = notify_kind_name(n->kind),
        .user_id = n->user_id,
        .recipient = person->email,
        .recipient_name = person->name,
        .subject = n->title,
        .body_text = n->text ? n->text : "",
        .body_html = n->html,
        .link = n->link,
        .action_label = n->action_label,
        .unsubscribe_url = can_stop ? unsubscribe : NULL,
        .unsubscribe_hash = can_stop ? hash : NULL,
        /* Quiet hours hold back nudges; a link the person is waiting for (an invitation,
         * a password reset: the email-only kinds, which cannot be stopped) goes at once. */
        .next_attempt_at =
            can_stop ? notify_quiet_release(&prefs->quiet, nt->t.time_zone, cx->now) : cx->now,
        .created_at = cx->now,
    };
    enum rc rc = notify_store_outbox_insert(cx->db, &row, &id);
    if (rc == RC_NOT_FOUND)
        rc = RC_OK;
    else if (rc == RC_OK)
        *created = 1;
    secure_zero(token, sizeof token);
    return db_fail(cx, rc, "queue email");
}

/* Queues the call of n to webhook w. person NULL: nobody in particular. */
static enum rc queue_webhook(struct ctx *cx, const struct notify_brand *b, int64_t tenant_id,
                             const struct webhook *w, const struct notice *n,
                             const struct notify_store_person *person, int *created)
{
    char key[NOTIFY_KEY_MAX + 40];
    struct buf body;
    struct notify_render_person r = {0};
    int64_t id = 0;
    *created = 0;
    if (person)
        r = (struct notify_render_person){
            .id = n->user_id, .name = person->name, .email = person->email};
    buf_init(&body, NOTIFY_RENDER_BODY_MAX);
    enum rc rc = notify_render_webhook(b, w->format, n, person ? &r : NULL, cx->now, &body);
    if (rc == RC_INVALID) { /* a format notify_settings.c would not have stored */
        log_line(LOG_WARN, "notify", cx->request_id, NULL, "webhook %lld: unknown format %s",
                 (long long)w->id, w->format);
        rc = RC_OK;
        goto out;
    }
    if (rc == RC_TOO_LARGE)
        rc = ctx_fail(cx, RC_INVALID, "text", "renders to a webhook call that is too large");
    if (rc)
        goto out;
    snprintf(key, sizeof key, "%s:webhook:%lld", n->key, (long long)w->id);
    struct notify_store_outbox_new row = {
        .tenant_id = tenant_id,
        .key = key,
        .channel = "webhook",
        .kind = notify_kind_name(n->kind),
        .user_id = person ? n->user_id : 0,
        .webhook_id = w->id,
        .recipient = w->url,
        .recipient_name = w->name,
        .subject = n->title,
        .body_text = body.data,
        .next_attempt_at = cx->now,
        .created_at = cx->now,
    };
    rc = notify_store_outbox_insert(cx->db, &row, &id);
    if (rc == RC_NOT_FOUND)
        rc = RC_OK;
    else if (rc == RC_OK)
        *created = 1;
out:
    buf_free(&body);
    return db_fail(cx, rc, "queue webhook");
}

/* 1 when webhook w takes notices of kind. Email-only kinds never leave as webhooks: they
 * carry a sign-in link. */
static int hook_takes(const struct webhook *w, enum notify_kind kind)
{
    if (kind == NOTIFY_TEST)
        return 1;
    return kind < NOTIFY_KIND_PREFS && (w->kinds & NOTIFY_KIND_BIT(kind)) != 0;
}

/* The recipient of n: *person filled and *has 1, or *has 0 for user_id 0. RC_NOT_FOUND
 * when the recipient is unknown or inactive (nothing to post). */
static enum rc recipient_of(struct ctx *cx, const struct notice *n,
                            struct notify_store_person *person, int *has)
{
    *has = 0;
    if (n->user_id == 0)
        return RC_OK;
    if (n->user_id < 0)
        return RC_NOT_FOUND;
    enum rc rc = notify_store_person(cx->db, cx->actor.tenant_id, n->user_id, person);
    if (rc)
        return db_fail(cx, rc, "recipient");
    if (!person->active)
        return RC_NOT_FOUND;
    *has = 1;
    return RC_OK;
}

enum rc notify_post_with(struct ctx *cx, struct notify_tenant *nt, const struct notice *notice,
                         int *created)
{
    struct checked c;
    struct notify_store_person person;
    int has_person = 0, made = 0, in_app = 0, fresh = 0;
    if (created)
        *created = 0;
    if (nt->tenant_id != cx->actor.tenant_id)
        return ctx_fail(cx, RC_INTERNAL, NULL, "The organisation loaded is not the actor's.");
    enum rc rc = check_notice(cx, notice, &c);
    if (rc)
        return rc;
    const struct notice *n = &c.n;
    if ((rc = recipient_of(cx, n, &person, &has_person)))
        return rc == RC_NOT_FOUND ? RC_OK : rc;

    if (has_person && n->kind < NOTIFY_KIND_PREFS) {
        int64_t id = 0;
        rc = notify_store_notification_insert(cx->db, nt->tenant_id, n->user_id,
                                              notify_kind_name(n->kind), n->key, n->title,
                                              n->text ? n->text : "", n->link, cx->now, &id);
        if (rc == RC_NOT_FOUND)
            return RC_OK; /* posted before: nothing else either */
        if (rc)
            return db_fail(cx, rc, "notification");
        in_app = made = 1;
        nt->counts.notices++;
    }

    if (has_person && n->kind != NOTIFY_TEST && person.email[0]) {
        const struct notify_prefs *prefs = prefs_of(nt, n->user_id);
        if (notify_prefs_wants_email(prefs, n->kind)) {
            if ((rc = queue_email(cx, nt, n, &person, prefs, &fresh)))
                return rc;
            if (fresh)
                nt->counts.emails++;
            if (email_only(n->kind)) {
                if (!fresh)
                    return RC_OK; /* posted before */
                made = 1;
                nt->counts.notices++;
            }
        }
    }

    if (!email_only(n->kind)) {
        struct notify_brand b = brand_of(&nt->t, nt->public_url);
        for (size_t i = 0; i < nt->hooks.n; i++) {
            if (!hook_takes(&nt->hooks.v[i], n->kind))
                continue;
            if ((rc = queue_webhook(cx, &b, nt->tenant_id, &nt->hooks.v[i], n,
                                    has_person ? &person : NULL, &fresh)))
                return rc;
            if (fresh) {
                nt->counts.webhooks++;
                if (!in_app)
                    made = 1;
            }
        }
    }
    if (created)
        *created = made;
    return RC_OK;
}

enum rc notify_post(struct ctx *cx, const struct notice *n, int *created)
{
    struct notify_tenant *nt = NULL;
    if (created)
        *created = 0;
    enum rc rc = tenant_load(cx, n->user_id > 0 ? n->user_id : 0, &nt);
    if (rc)
        return rc;
    rc = notify_post_with(cx, nt, n, created);
    notify_tenant_free(nt);
    return rc;
}

/* ---- in-app notifications ---- */

static enum rc require_person(struct ctx *cx)
{
    if (cx->actor.tenant_id <= 0 || cx->actor.user_id <= 0)
        return ctx_fail(cx, RC_UNAUTHORIZED, NULL, "Sign in to see your notifications.");
    return RC_OK;
}

enum rc notify_list(struct ctx *cx, int64_t before_id, int unread_only, int limit,
                    notify_each_fn each, void *arg, int64_t *next_before, int64_t *unread)
{
    struct notify_store_page page = {0};
    enum rc rc = require_person(cx);
    if (rc)
        return rc;
    if (limit < 1 || limit > NOTIFY_LIST_MAX)
        return ctx_fail(cx, RC_BAD_REQUEST, "limit", "must be 1 to %d", NOTIFY_LIST_MAX);
    if (before_id < 0)
        return ctx_fail(cx, RC_BAD_REQUEST, "cursor", "is not a cursor of this list");
    rc = notify_store_notifications(cx->db, cx->actor.tenant_id, cx->actor.user_id, before_id,
                                    unread_only, limit, &page);
    if (!rc)
        rc = notify_store_unread(cx->db, cx->actor.tenant_id, cx->actor.user_id, unread);
    for (size_t i = 0; i < page.n && !rc; i++)
        rc = each(arg, &page.rows[i]);
    if (!rc)
        *next_before = page.more && page.n ? page.rows[page.n - 1].id : 0;
    notify_store_page_free(&page);
    return db_fail(cx, rc, "list");
}

enum rc notify_unread_count(struct ctx *cx, int64_t *unread)
{
    enum rc rc = require_person(cx);
    if (!rc)
        rc = notify_store_unread(cx->db, cx->actor.tenant_id, cx->actor.user_id, unread);
    return db_fail(cx, rc, "unread");
}

enum rc notify_mark_read(struct ctx *cx, int64_t id)
{
    int found = 0;
    enum rc rc = require_person(cx);
    if (rc)
        return rc;
    if (id > 0 && (rc = notify_store_mark_read(cx->db, cx->actor.tenant_id, cx->actor.user_id, id,
                                               cx->now, &found)))
        return db_fail(cx, rc, "mark read");
    if (!found)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such notification.");
    return RC_OK;
}

enum rc notify_mark_all_read(struct ctx *cx, int64_t *marked)
{
    enum rc rc = require_person(cx);
    if (!rc)
        rc = notify_store_mark_all_read(cx->db, cx->actor.tenant_id, cx->actor.user_id, cx->now,
                                        marked);
    return db_fail(cx, rc, "mark all read");
}

/* ---- the outbox log ---- */

enum rc notify_outbox_list(struct ctx *cx, const char *state, int64_t before_id, int limit,
                           outbox_each_fn each, void *arg, int64_t *next_before)
{
    static const char *const STATES[] = {"pending", "sent", "failed", "cancelled"};
    struct notify_store_outbox_page page = {0};
    if (!authz_has_role(cx, PEOPLE_ROLE_ADMIN))
        return ctx_fail(cx, RC_FORBIDDEN, NULL, "Only administrators see the outbox.");
    if (state && !*state)
        state = NULL;
    if (state) {
        int known = 0;
        for (size_t i = 0; i < sizeof STATES / sizeof STATES[0]; i++)
            known |= strcmp(state, STATES[i]) == 0;
        if (!known)
            return ctx_fail(cx, RC_INVALID, "state", "must be pending, sent, failed or cancelled");
    }
    if (limit < 1 || limit > NOTIFY_LIST_MAX)
        return ctx_fail(cx, RC_BAD_REQUEST, "limit", "must be 1 to %d", NOTIFY_LIST_MAX);
    if (before_id < 0)
        return ctx_fail(cx, RC_BAD_REQUEST, "cursor", "is not a cursor of this list");
    enum rc rc = notify_store_outbox(cx->db, cx->actor.tenant_id, state, before_id, limit, &page);
    for (size_t i = 0; i < page.n && !rc; i++)
        rc = each(arg, &page.rows[i]);
    if (!rc)
        *next_before = page.more && page.n ? page.rows[page.n - 1].id : 0;
    notify_store_outbox_page_free(&page);
    return db_fail(cx, rc, "outbox");
}

/* ---- delivery ---- */

/* The organisation of the rows being sent; kept while consecutive rows share it. */
struct deliver_tenant {
    int64_t id; /* 0: nothing loaded */
    struct tenant t;
    struct notify_settings s;
    struct hook_list hooks;
};

static enum rc deliver_tenant_load(struct ctx *cx, int64_t tenant_id, struct deliver_tenant *dt)
{
    if (dt->id == tenant_id)
        return RC_OK;
    dt->id = 0;
    dt->hooks.n = 0;
    struct actor saved = cx->actor;
    cx->actor = (struct actor){.tenant_id = tenant_id, .roles = PEOPLE_ROLE_ADMIN};
    enum rc rc = tenant_get(cx, &dt->t);
    if (!rc)
        rc = notify_settings_get(cx, &dt->s);
    if (!rc)
        rc = notify_webhooks_active(cx, hook_add, &dt->hooks);
    cx->actor = saved;
    if (!rc)
        dt->id = tenant_id;
    return db_fail(cx, rc, "deliver tenant");
}

static const struct webhook *hook_find(const struct deliver_tenant *dt, int64_t id)
{
    for (size_t i = 0; i < dt->hooks.n; i++)
        if (dt->hooks.v[i].id == id)
            return &dt->hooks.v[i];
    return NULL;
}

static enum transport_outcome fail_with(enum transport_outcome o, char *err, size_t errlen,
                                        const char *why)
{
    snprintf(err, errlen, "%s", why);
    return o;
}

/* A deployment without a relay (the demo, a trial) fails every email this way; that is
 * worth a line per pass (the scheduler's summary), not a warning per email. */
static const char NO_RELAY[] = "no SMTP relay is configured";

/* An email row rendered as it leaves: the notice as posted, in the organisation's
 * branding as it is now. */
static enum rc render_email(struct ctx *cx, const struct tenant *t,
                            const struct notify_store_claimed *c, struct buf *text,
                            struct buf *html)
{
    int kind = notify_kind_from_name(c->kind);
    struct notice n = {
        .kind = kind < 0 ? NOTIFY_TEST : (enum notify_kind)kind,
        .key = c->key,
        .user_id = c->user_id,
        .title = c->subject,
        .text = c->body_text,
        .html = c->body_html[0] ? c->body_html : NULL,
        .link = c->link[0] ? c->link : NULL,
        .action_label = c->action_label[0] ? c->action_label : NULL,
    };
    const char *token = c->unsubscribe_url ? strrchr(c->unsubscribe_url, '/') : NULL;
    struct notify_brand b = brand_of(t, public_url_of(cx));
    return notify_render_email(&b, &n, token ? token + 1 : NULL, text, html);
}

enum rc notify_outbox_render(struct ctx *cx, int64_t id, struct buf *text, struct buf *html)
{
    if (!authz_has_role(cx, PEOPLE_ROLE_ADMIN))
        return ctx_fail(cx, RC_FORBIDDEN, NULL, "Only admins may read the outbox.");
    struct notify_store_claimed c;
    enum rc rc = notify_store_outbox_get(cx->db, cx->actor.tenant_id, id, &c);
    if (rc == RC_OK && strcmp(c.channel, "email") != 0)
        rc = RC_NOT_FOUND;
    if (rc == RC_NOT_FOUND) {
        notify_store_claimed_free_one(&c);
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such email in the outbox.");
    }
    if (rc)
        return db_fail(cx, rc, "outbox");
    struct tenant t;
    rc = tenant_get(cx, &t);
    if (rc == RC_OK)
        rc = render_email(cx, &t, &c, text, html);
    notify_store_claimed_free_one(&c);
    return rc;
}

static enum transport_outcome send_email(struct ctx *cx, struct notify_transport *t,
                                         const struct notify_store_claimed *c,
                                         const struct deliver_tenant *dt, char *err, size_t errlen)
{
    const char *relay = dt->s.smtp_url[0] ? dt->s.smtp_url : cx->cfg ? cx->cfg->smtp_url : "";
    const char *from = dt->s.smtp_from[0] ? dt->s.smtp_from : cx->cfg ? cx->cfg->smtp_from : "";
    char from_name[NOTIFY_FROM_MAX + 1], from_addr[NOTIFY_FROM_MAX + 1];
    char display[TENANT_NAME_MAX * 4 + 16], hash[SECURE_TOKEN_HEX + 1], message_id[128];
    if (!relay[0])
        return fail_with(TRANSPORT_PERMANENT, err, errlen, NO_RELAY);
    if (mail_split_address(from, from_name, sizeof from_name, from_addr, sizeof from_addr))
        return fail_with(TRANSPORT_PERMANENT, err, errlen, "the sender address is not valid");
    snprintf(display, sizeof display, "%s via Waymark", dt->t.name);
    secure_token_hash(c->key, hash);
    snprintf(message_id, sizeof message_id, "outbox-%lld.%.16s@waymark", (long long)c->id, hash);
    struct buf text, html, msg;
    buf_init(&text, NOTIFY_RENDER_TEXT_MAX);
    buf_init(&html, NOTIFY_RENDER_HTML_MAX);
    buf_init(&msg, MESSAGE_MAX);
    enum rc rc = render_email(cx, &dt->t, c, &text, &html);
    struct mail m = {
        .from_name = display,
        .from_addr = from_addr,
        .to_name = c->recipient_name,
        .to_addr = c->recipient,
        .subject = c->subject,
        .text = text.data,
        .html = html.data,
        .message_id = message_id,
        .unsubscribe_url = c->unsubscribe_url,
        .date = cx->now,
    };
    if (rc == RC_OK)
        rc = mail_build(&m, &msg);
    buf_free(&text);
    buf_free(&html);
    enum transport_outcome o;
    if (rc == RC_INVALID)
        o = fail_with(TRANSPORT_PERMANENT, err, errlen,
                      "the message could not be built: an address is not valid");
    else if (rc)
        o = fail_with(TRANSPORT_RETRY, err, errlen, "the message could not be built");
    else {
        struct transport_email e = {.smtp_url = relay,
                                    .envelope_from = from_addr,
                                    .rcpt = c->recipient,
                                    .message = msg.data,
                                    .message_len = msg.len};
        o = t->send_email(t, &e, err, errlen);
    }
    buf_free(&msg);
    return o;
}

static enum transport_outcome send_webhook(struct ctx *cx, struct notify_transport *t,
                                           const struct notify_store_claimed *c,
                                           const struct webhook *w, char *err, size_t errlen)
{
    char signature[SECURE_HMAC_HEX + 4], hex[SECURE_HMAC_HEX + 1];
    struct buf signed_text;
    size_t body_len = strlen(c->body_text);
    buf_init(&signed_text, body_len + 32);
    buf_addf(&signed_text, "%lld.", (long long)cx->now);
    buf_addn(&signed_text, c->body_text, body_len);
    if (buf_failed(&signed_text)) {
        buf_free(&signed_text);
        return fail_with(TRANSPORT_RETRY, err, errlen, "out of memory signing the call");
    }
    secure_hmac_sha256_hex(w->secret, strlen(w->secret), signed_text.data, signed_text.len, hex);
    buf_free(&signed_text);
    snprintf(signature, sizeof signature, "v1=%s", hex);
    struct transport_webhook call = {.url = c->recipient,
                                     .body = c->body_text,
                                     .body_len = body_len,
                                     .event = c->kind,
                                     .delivery_id = c->id,
                                     .timestamp = cx->now,
                                     .signature = signature};
    return t->post_webhook(t, &call, err, errlen);
}

/* How a delivery ends, to be recorded. */
enum outcome { OUT_SENT, OUT_RETRY, OUT_FAILED, OUT_CANCELLED };

struct record {
    const struct notify_store_claimed *c;
    enum outcome outcome;
    const char *error;
    int64_t now, next_attempt_at;
    int changed;
};

static enum rc record_tx(struct db *db, void *arg)
{
    struct record *r = arg;
    switch (r->outcome) {
    case OUT_SENT:
        return notify_store_sent(db, r->c, r->now, &r->changed);
    case OUT_RETRY:
        return notify_store_retry(db, r->c, r->next_attempt_at, r->error, &r->changed);
    case OUT_FAILED:
        return notify_store_finish(db, r->c, "failed", r->error, &r->changed);
    case OUT_CANCELLED:
        return notify_store_finish(db, r->c, "cancelled", r->error, &r->changed);
    }
    return RC_INTERNAL;
}

/* The wait before the attempt after the attempts-th one failed: 1 min, 2, 4 … 6 h. */
static int64_t backoff(int attempts)
{
    int64_t wait = BACKOFF_FIRST;
    for (int i = 1; i < attempts && wait < BACKOFF_MAX; i++)
        wait *= 2;
    return wait < BACKOFF_MAX ? wait : BACKOFF_MAX;
}

static enum rc deliver_one(struct ctx *cx, struct notify_transport *t,
                           const struct notify_store_claimed *c, struct deliver_tenant *dt,
                           struct notify_deliver_result *out)
{
    char err[TRANSPORT_ERR_MAX] = "";
    struct record r = {.c = c, .now = cx->now};
    enum transport_outcome o;
    enum rc rc = deliver_tenant_load(cx, c->tenant_id, dt);
    if (rc)
        return rc; /* the row stays leased and is tried after its lease */
    if (strcmp(c->channel, "email") == 0)
        o = send_email(cx, t, c, dt, err, sizeof err);
    else if (strcmp(c->channel, "webhook") == 0) {
        const struct webhook *w = hook_find(dt, c->webhook_id);
        if (w)
            o = send_webhook(cx, t, c, w, err, sizeof err);
        else {
            o = fail_with(TRANSPORT_PERMANENT, err, sizeof err,
                          "the webhook was deleted or turned off");
            r.outcome = OUT_CANCELLED;
        }
    } else
        o = fail_with(TRANSPORT_PERMANENT, err, sizeof err, "unknown channel");
    if (!err[0])
        snprintf(err, sizeof err, "%s", o == TRANSPORT_RETRY ? "temporary failure" : "failed");
    if (o == TRANSPORT_OK)
        r.outcome = OUT_SENT;
    else if (o == TRANSPORT_RETRY && c->attempts < NOTIFY_MAX_ATTEMPTS) {
        r.outcome = OUT_RETRY;
        r.next_attempt_at = cx->now + backoff(c->attempts);
    } else if (r.outcome != OUT_CANCELLED)
        r.outcome = OUT_FAILED;
    r.error = r.outcome == OUT_SENT ? NULL : err;
    if ((rc = db_transaction(cx->db, 1, record_tx, &r)))
        return db_fail(cx, rc, "record outcome");

    char fields[160];
    snprintf(fields, sizeof fields, "outbox=%lld tenant=%lld channel=%s kind=%s attempt=%d",
             (long long)c->id, (long long)c->tenant_id, c->channel, c->kind, c->attempts);
    switch (r.outcome) {
    case OUT_SENT:
        out->sent++;
        if (log_get_level() >= LOG_DEBUG)
            log_line(LOG_DEBUG, "notify_deliver", cx->request_id, fields, "sent");
        break;
    case OUT_RETRY:
        out->retrying++;
        log_line(LOG_WARN, "notify_deliver", cx->request_id, fields,
                 "failed, tried again at %lld: %s", (long long)r.next_attempt_at, err);
        break;
    case OUT_FAILED:
    case OUT_CANCELLED:
        out->failed++;
        log_line(strcmp(err, NO_RELAY) == 0 ? LOG_DEBUG : LOG_WARN, "notify_deliver",
                 cx->request_id, fields, "%s: %s",
                 r.outcome == OUT_FAILED ? "failed for good" : "cancelled", err);
        break;
    }
    if (!r.changed && log_get_level() >= LOG_DEBUG)
        log_line(LOG_DEBUG, "notify_deliver", cx->request_id, fields,
                 "the row was claimed again meanwhile; its outcome is the other worker's");
    return RC_OK;
}

struct claim {
    int64_t now;
    const char *worker;
    int limit;
    struct notify_store_claimed *rows;
    size_t n;
};

static enum rc claim_tx(struct db *db, void *arg)
{
    struct claim *c = arg;
    notify_store_claimed_free(c->rows, c->n); /* a retried transaction starts again */
    c->rows = NULL;
    c->n = 0;
    return notify_store_claim(db, c->now, NOTIFY_LEASE_SECONDS, c->worker, c->limit, &c->rows,
                              &c->n);
}

enum rc notify_deliver(struct ctx *cx, struct notify_transport *t, const char *worker, int max,
                       struct notify_deliver_result *out)
{
    struct deliver_tenant dt;
    enum rc rc = RC_OK;
    int done = 0;
    if (max < 1 || !t)
        return ctx_fail(cx, RC_INTERNAL, NULL, "notify_deliver needs a transport and max >= 1");
    if (db_in_transaction(cx->db))
        return ctx_fail(cx, RC_INTERNAL, NULL, "notify_deliver runs outside any transaction");
    memset(&dt, 0, sizeof dt);
    while (done < max && !rc) {
        struct claim c = {.now = cx->now,
                          .worker = worker && *worker ? worker : "worker",
                          .limit = max - done < NOTIFY_BATCH ? max - done : NOTIFY_BATCH};
        rc = db_transaction(cx->db, 1, claim_tx, &c);
        if (rc) {
            rc = db_fail(cx, rc, "claim");
            notify_store_claimed_free(c.rows, c.n);
            break;
        }
        for (size_t i = 0; i < c.n && !rc; i++)
            rc = deliver_one(cx, t, &c.rows[i], &dt, out);
        done += (int)c.n;
        int more = c.n == (size_t)c.limit;
        notify_store_claimed_free(c.rows, c.n);
        if (!more)
            break;
    }
    hook_list_free(&dt.hooks);
    secure_zero(&dt.s, sizeof dt.s);
    return rc;
}
