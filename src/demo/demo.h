/*
 * demo.h — the demo organisation behind `waymark demo`: tenant "Demo Co" (slug "demo")
 * with an admin, a designer, three managers with teams (30 learners), a coach with a
 * few learners assigned and an assessor, all sharing one printed password.
 *
 * Seeding is idempotent: people come in through the CSV import (so a second run finds
 * every row unchanged), passwords are set only for demo people who have none, and
 * coach assignments only when missing; the workflow templates are loaded as drafts (and
 * DEMO_PUBLISHED_TEMPLATE published) only while the organisation has no workflow. A second run
 * therefore writes nothing and says so. It never resets a password someone changed.
 */
#ifndef WAYMARK_DEMO_H
#define WAYMARK_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ctx.h"
#include "tenant/tenant.h"

#define DEMO_SLUG     "demo"
#define DEMO_NAME     "Demo Co"
#define DEMO_PASSWORD "waymark-demo"
/* The template the demo publishes, so there is a live workflow to enrol people on. */
#define DEMO_PUBLISHED_TEMPLATE "giving-feedback"

/* One person worth signing in as; strings are literals owned by demo.c. */
struct demo_login {
    const char *role; /* "admin", "designer", "manager", "coach", "assessor", "learner" */
    const char *email;
    const char *name;
};

struct demo_result {
    struct tenant tenant;
    int tenant_created;
    int64_t people_created;    /* users created by the import */
    int64_t people_updated;    /* users brought back to the demo data */
    int64_t passwords_set;     /* demo people who had no password and got DEMO_PASSWORD */
    int64_t coachings_added;   /* coach assignments created */
    int64_t workflows_created; /* drafts made from the template library (first run only) */
    int published_version;     /* version of DEMO_PUBLISHED_TEMPLATE published, 0: none */
    int changed;               /* 1 when anything at all was written */
    const struct demo_login *logins;
    size_t nlogins;
    const char *password; /* DEMO_PASSWORD */
};

/* Creates or completes the demo organisation inside the caller's write transaction
 * (cx->db, cx->now). Sets cx->actor to the tenant's system actor (user 0, admin).
 * RC_OK and *out filled, or the rc of the failing step with the reason in cx. */
enum rc demo_seed(struct ctx *cx, struct demo_result *out);

/* The text `waymark demo` prints: what was done, the address to open (base_url, e.g.
 * "http://127.0.0.1:8080/"), each demo login with its role, and the password. */
enum rc demo_describe(const struct demo_result *r, const char *base_url, struct buf *out);

#endif
