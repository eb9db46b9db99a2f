/*
 * demo.c — seeding the demo organisation (see demo.h).
 *
 * The people are one table below, turned into a CSV file and fed through the same import
 * as an admin's upload — managers deliberately listed after their teams, names with
 * accents and apostrophes — so the demo exercises the real path and a second run is
 * "all unchanged" for free. Passwords and coach assignments go through the import
 * module's seeding helpers, so this file holds no SQL.
 */
#include "demo.h"

#include <stdio.h>
#include <string.h>

#include "people/import.h"
#include "people/people.h"
#include "people/users.h"
#include "workflow/workflow.h"

#define DOMAIN "@democo.example"
/* The demo designer, who loads the templates and publishes one. */
#define DEMO_DESIGNER "tom.becker"

struct demo_person {
    const char *email; /* local part; DOMAIN is appended */
    const char *name;
    const char *manager; /* local part, or NULL */
    const char *department;
    const char *job_title;
    const char *roles;
};

#define SALES   "Sales"
#define SUPPORT "Customer Support"
#define ENG     "Engineering"
#define LND     "Learning & Development"

static const struct demo_person PEOPLE[] = {
    {"priya.shah", "Priya Shah", NULL, "People", "People Operations Lead", "admin"},
    {DEMO_DESIGNER, "Tom Becker", NULL, LND, "Learning Designer", "designer"},
    {"grace.okafor", "Grace Okafor", NULL, LND, "Leadership Coach", "coach"},
    {"daniel.reyes", "Daniel Reyes", NULL, LND, "Qualifications Assessor", "assessor"},
    /* Sales: the team first, their manager after them. */
    {"liam.walsh", "Liam Walsh", "sofia.marin", SALES, "Account Executive", ""},
    {"chloe.dubois", "Chlo\xC3\xA9 Dubois", "sofia.marin", SALES, "Account Executive", ""},
    {"arjun.mehta", "Arjun Mehta", "sofia.marin", SALES, "Senior Account Executive", ""},
    {"emma.lindqvist", "Emma Lindqvist", "sofia.marin", SALES, "Sales Development Representative",
     ""},
    {"noah.kim", "Noah Kim", "sofia.marin", SALES, "Sales Development Representative", ""},
    {"fatima.haddad", "Fatima Haddad", "sofia.marin", SALES, "Account Executive", ""},
    {"oliver.brown", "Oliver Brown", "sofia.marin", SALES, "Sales Development Representative", ""},
    {"mia.rossi", "Mia Rossi", "sofia.marin", SALES, "Senior Account Executive", ""},
    {"lucas.silva", "Lucas Silva", "sofia.marin", SALES, "Account Executive", ""},
    {"hannah.schmidt", "Hannah Schmidt", "sofia.marin", SALES, "Sales Operations Analyst", ""},
    {"sofia.marin", "Sofia Mar\xC3\xADn", NULL, SALES, "Head of Sales", ""},
    /* Customer support. */
    {"james.oconnor", "James O'Connor", NULL, SUPPORT, "Customer Support Manager", ""},
    {"zoe.muller", "Zo\xC3\xAB M\xC3\xBCller", "james.oconnor", SUPPORT, "Support Specialist", ""},
    {"ethan.nguyen", "Ethan Nguyen", "james.oconnor", SUPPORT, "Support Specialist", ""},
    {"amara.okeke", "Amara Okeke", "james.oconnor", SUPPORT, "Senior Support Specialist", ""},
    {"jack.thompson", "Jack Thompson", "james.oconnor", SUPPORT, "Support Specialist", ""},
    {"isla.fraser", "Isla Fraser", "james.oconnor", SUPPORT, "Support Team Lead", ""},
    {"mateo.garcia",
     "Mateo Garc\xC3\xAD"
     "a",
     "james.oconnor", SUPPORT, "Support Specialist", ""},
    {"sara.cohen", "Sara Cohen", "james.oconnor", SUPPORT, "Knowledge Base Editor", ""},
    {"ben.adeyemi", "Ben Adeyemi", "james.oconnor", SUPPORT, "Support Specialist", ""},
    {"ava.novak", "Ava Nov\xC3\xA1k", "james.oconnor", SUPPORT, "Senior Support Specialist", ""},
    {"ryan.patel", "Ryan Patel", "james.oconnor", SUPPORT, "Support Specialist", ""},
    /* Engineering. */
    {"leo.fischer", "Leo Fischer", "aiko.tanaka", ENG, "Software Engineer", ""},
    {"nina.petrova", "Nina Petrova", "aiko.tanaka", ENG, "Senior Software Engineer", ""},
    {"samuel.osei", "Samuel Osei", "aiko.tanaka", ENG, "Software Engineer", ""},
    {"julia.santos", "Julia Santos", "aiko.tanaka", ENG, "QA Engineer", ""},
    {"owen.murphy", "Owen Murphy", "aiko.tanaka", ENG, "Software Engineer", ""},
    {"lena.berg", "Lena Berg", "aiko.tanaka", ENG, "Site Reliability Engineer", ""},
    {"kai.wong", "Kai Wong", "aiko.tanaka", ENG, "Software Engineer", ""},
    {"ingrid.hansen", "Ingrid Hansen", "aiko.tanaka", ENG, "Senior Software Engineer", ""},
    {"tariq.aziz", "Tariq Aziz", "aiko.tanaka", ENG, "Software Engineer", ""},
    {"elena.popescu", "Elena Popescu", "aiko.tanaka", ENG, "QA Engineer", ""},
    {"aiko.tanaka", "Aiko Tanaka", NULL, ENG, "Engineering Manager", ""},
};
#define NPEOPLE (sizeof PEOPLE / sizeof PEOPLE[0])

/* Learners Grace coaches, across the three teams. */
static const char *const COACHED[] = {"liam.walsh", "chloe.dubois", "zoe.muller", "amara.okeke",
                                      "leo.fischer"};
#define NCOACHED (sizeof COACHED / sizeof COACHED[0])

static const struct demo_login LOGINS[] = {
    {"admin", "priya.shah" DOMAIN, "Priya Shah"},
    {"designer", DEMO_DESIGNER DOMAIN, "Tom Becker"},
    {"manager", "sofia.marin" DOMAIN, "Sofia Mar\xC3\xADn (Sales, 10 reports)"},
    {"manager", "james.oconnor" DOMAIN, "James O'Connor (Customer Support, 10 reports)"},
    {"manager", "aiko.tanaka" DOMAIN, "Aiko Tanaka (Engineering, 10 reports)"},
    {"coach", "grace.okafor" DOMAIN, "Grace Okafor (coaches 5 learners)"},
    {"assessor", "daniel.reyes" DOMAIN, "Daniel Reyes"},
    {"learner", "liam.walsh" DOMAIN, "Liam Walsh (reports to Sofia)"},
};

/* Appends s as one quoted CSV cell (quotes doubled). */
static void csv_cell(struct buf *b, const char *s, int last)
{
    buf_addc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            buf_addc(b, '"');
        buf_addc(b, *s);
    }
    buf_add(b, last ? "\"\r\n" : "\",");
}

static enum rc people_csv(struct buf *b)
{
    buf_add(b, "email,name,manager_email,department,job_title,roles,external_id\r\n");
    for (size_t i = 0; i < NPEOPLE; i++) {
        const struct demo_person *p = &PEOPLE[i];
        buf_addf(b, "%s" DOMAIN ",", p->email);
        csv_cell(b, p->name, 0);
        if (p->manager)
            buf_addf(b, "%s" DOMAIN ",", p->manager);
        else
            buf_add(b, ",");
        csv_cell(b, p->department, 0);
        csv_cell(b, p->job_title, 0);
        csv_cell(b, p->roles, 0);
        buf_addf(b, "DEMO-%03zu\r\n", i + 1);
    }
    return buf_failed(b);
}

static enum rc import_people(struct ctx *cx, struct demo_result *out)
{
    struct buf csv;
    buf_init(&csv, 64 * 1024);
    struct import_report rep = {0};
    const struct import_options opt = {0};
    enum rc rc = people_csv(&csv);
    if (!rc)
        rc = import_users_csv(cx, csv.data, csv.len, &opt, &rep);
    if (!rc && rep.error_count) {
        /* The table above is wrong, or someone took a demo email with another id. */
        rc = ctx_fail(cx, RC_CONFLICT, NULL, "The demo people cannot be imported: row %lld, %s: %s",
                      (long long)rep.errors[0].row, rep.errors[0].field, rep.errors[0].message);
    }
    out->people_created = rep.created;
    out->people_updated = rep.updated;
    import_report_free(&rep);
    buf_free(&csv);
    return rc;
}

static enum rc demo_count_workflow(void *arg, const struct workflow_summary *s)
{
    (void)s;
    (*(int *)arg)++;
    return RC_OK;
}

static enum rc demo_first_user(void *arg, const struct user *u)
{
    *(int64_t *)arg = u->id;
    return RC_OK;
}

/* Loads every shipped template as a draft and publishes DEMO_PUBLISHED_TEMPLATE, once:
 * an organisation that already has workflows is left alone. The demo designer is the
 * actor, so the audit log and the versions say who did it, as they would for real. */
static enum rc demo_workflows(struct ctx *cx, struct demo_result *out)
{
    int existing = 0;
    int64_t next = 0, designer = 0;
    enum rc rc = workflow_list(cx, -1, NULL, 0, 1, demo_count_workflow, &existing, &next);
    if (rc || existing)
        return rc;
    struct users_query q = {.q = DEMO_DESIGNER DOMAIN, .active = 1, .manager_id = -1, .limit = 1};
    if ((rc = users_list(cx, &q, demo_first_user, &designer, &next)))
        return rc;
    struct actor system = cx->actor;
    cx->actor.user_id = designer;
    for (size_t i = 0; i < WORKFLOW_TEMPLATES_COUNT; i++) {
        int64_t id;
        const char *key = WORKFLOW_TEMPLATES[i].key;
        if ((rc = workflow_create_from_template(cx, key, NULL, &id)))
            return rc;
        out->workflows_created++;
        if (strcmp(key, DEMO_PUBLISHED_TEMPLATE) == 0 &&
            (rc = workflow_publish(cx, id, &out->published_version)))
            return rc;
    }
    cx->actor = system;
    return RC_OK;
}

enum rc demo_seed(struct ctx *cx, struct demo_result *out)
{
    memset(out, 0, sizeof *out);
    out->logins = LOGINS;
    out->nlogins = sizeof LOGINS / sizeof LOGINS[0];
    out->password = DEMO_PASSWORD;
    enum rc rc = tenant_ensure(cx, DEMO_SLUG, DEMO_NAME, &out->tenant, &out->tenant_created);
    if (rc)
        return rc;
    cx->actor = (struct actor){.tenant_id = out->tenant.id, .roles = PEOPLE_ROLE_ADMIN};
    if ((rc = import_people(cx, out)))
        return rc;

    char emails[NPEOPLE][PEOPLE_EMAIL_MAX + 1];
    const char *list[NPEOPLE];
    for (size_t i = 0; i < NPEOPLE; i++) {
        snprintf(emails[i], sizeof emails[i], "%s" DOMAIN, PEOPLE[i].email);
        list[i] = emails[i];
    }
    if ((rc = import_set_missing_passwords(cx, list, NPEOPLE, DEMO_PASSWORD, &out->passwords_set)))
        return rc;
    for (size_t i = 0; i < NCOACHED; i++) {
        char learner[PEOPLE_EMAIL_MAX + 1];
        int added = 0;
        snprintf(learner, sizeof learner, "%s" DOMAIN, COACHED[i]);
        if ((rc = import_assign_coach(cx, "grace.okafor" DOMAIN, learner, &added)))
            return rc;
        out->coachings_added += added;
    }
    if ((rc = demo_workflows(cx, out)))
        return rc;
    out->changed = out->tenant_created || out->people_created || out->people_updated ||
                   out->passwords_set || out->coachings_added || out->workflows_created;
    return RC_OK;
}

enum rc demo_describe(const struct demo_result *r, const char *base_url, struct buf *out)
{
    if (!r->changed)
        buf_addf(out,
                 "The demo organisation \"%s\" (slug %s) is already set up; nothing changed.\n",
                 r->tenant.name, r->tenant.slug);
    else if (r->tenant_created)
        buf_addf(out, "Created the demo organisation \"%s\" (slug %s) with %lld people.\n",
                 r->tenant.name, r->tenant.slug, (long long)r->people_created);
    else
        buf_addf(out,
                 "Completed the demo organisation \"%s\" (slug %s): %lld people created, %lld "
                 "restored, %lld passwords set, %lld coach assignments added.\n",
                 r->tenant.name, r->tenant.slug, (long long)r->people_created,
                 (long long)r->people_updated, (long long)r->passwords_set,
                 (long long)r->coachings_added);
    if (r->workflows_created)
        buf_addf(out,
                 "Loaded %lld workflow templates as drafts and published one of them "
                 "(version %d), ready to enrol people on.\n",
                 (long long)r->workflows_created, r->published_version);
    buf_addf(out, "\nOpen %s and sign in as any of these people:\n\n", base_url);
    for (size_t i = 0; i < r->nlogins; i++)
        buf_addf(out, "  %-9s %-32s %s\n", r->logins[i].role, r->logins[i].email,
                 r->logins[i].name);
    buf_addf(out, "\nPassword for every demo person: %s\n", r->password);
    buf_add(out, "Everyone else in the organisation is a learner with the same password.\n");
    return buf_failed(out);
}
