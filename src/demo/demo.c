/*
 * demo.c — seeding the demo organisation (see demo.h).
 *
 * The people are one table below, turned into a CSV file and fed through the same import
 * as an admin's upload — managers deliberately listed after their teams, names with
 * accents and apostrophes — so the demo exercises the real path and a second run is
 * "all unchanged" for free. Passwords and coach assignments go through the import
 * module's seeding helpers, so this file holds no SQL.
 *
 * On the first run the demo also puts people on the published workflow, through the same
 * calls the API makes and as the people who would make them: the designer enrols cohorts
 * that started 15 and 5 working days ago, today and next Monday; learners of the earliest
 * cohorts complete their early activities with short reflections (the clock set to a
 * plausible moment after each release, so the dates read like a real history); some
 * leave activities overdue; three submit a manager sign-off step, which waits for their
 * manager; the coach approves some coach steps and leaves one waiting.
 */
#include "demo.h"

#include <stdio.h>
#include <string.h>

#include "activity/activity.h"
#include "core/date.h"
#include "core/now.h"
#include "core/tz.h"
#include "enrolment/enrolment.h"
#include "enrolment/pacing.h"
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

/* Who is enrolled when: cohorts on DEMO_PUBLISHED_TEMPLATE, by working days before
 * today (-1: next Monday). */
static const char *const STARTED_15[] = {"liam.walsh",     "chloe.dubois", "arjun.mehta",
                                         "emma.lindqvist", "zoe.muller",   "ethan.nguyen",
                                         "amara.okeke",    "leo.fischer"};
static const char *const STARTED_5[] = {"noah.kim", "fatima.haddad", "jack.thompson", "isla.fraser",
                                        "nina.petrova"};
static const char *const STARTING_TODAY[] = {"oliver.brown", "mia.rossi", "mateo.garcia",
                                             "sara.cohen", "samuel.osei"};
static const char *const STARTING_NEXT_WEEK[] = {"lucas.silva", "hannah.schmidt", "ben.adeyemi",
                                                 "julia.santos"};
struct demo_cohort {
    int working_days_ago; /* -1: next Monday */
    const char *const *people;
    size_t n;
};
#define COHORT(days, list)                                                                         \
    {                                                                                              \
        days, list, sizeof list / sizeof list[0]                                                   \
    }
static const struct demo_cohort COHORTS[] = {
    COHORT(15, STARTED_15),
    COHORT(5, STARTED_5),
    COHORT(0, STARTING_TODAY),
    COHORT(-1, STARTING_NEXT_WEEK),
};
#define NCOHORTS (sizeof COHORTS / sizeof COHORTS[0])

/* How far each learner has got: every released activity up to seq `through` is done;
 * sign-off steps among them are submitted, and the coach approves theirs when
 * coach_approves (else it waits). Manager steps always wait for the manager. */
struct demo_progress {
    const char *who;
    int through;
    int coach_approves;
};
static const struct demo_progress PROGRESS[] = {
    {"liam.walsh", 16, 1},  {"chloe.dubois", 16, 0},  {"amara.okeke", 16, 1},
    {"zoe.muller", 12, 1},  {"emma.lindqvist", 9, 0}, {"arjun.mehta", 6, 0},
    {"ethan.nguyen", 4, 0}, {"leo.fischer", 3, 0},    {"jack.thompson", 5, 0},
    {"noah.kim", 4, 0},     {"nina.petrova", 3, 0},   {"fatima.haddad", 2, 0},
    {"oliver.brown", 1, 0},
};
#define NPROGRESS (sizeof PROGRESS / sizeof PROGRESS[0])

static const char *const REFLECTIONS[] = {
    "Noticed I wait for the weekly one-to-one before saying anything. Too late to be useful.",
    "Said what I saw and why it mattered, in the moment. It took thirty seconds.",
    "Harder than I expected to stay on the behaviour and not the person. Getting better.",
    "Asked first whether they wanted my view. The conversation went far better for it.",
    "Wrote the SBI version down before the call; it kept me specific.",
    "I thanked a colleague for a clear handover and said exactly which part helped.",
    "Mixed results: one piece landed well, the other came out vague. Will rehearse next time.",
};
#define NREFLECTIONS (sizeof REFLECTIONS / sizeof REFLECTIONS[0])

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

/* ---- enrolments and progress ---------------------------------------------------------- */

struct demo_people {
    int64_t ids[NPEOPLE]; /* user id of PEOPLE[i] */
    int64_t enrolments[NPEOPLE];
};

static size_t person_index(const char *local)
{
    for (size_t i = 0; i < NPEOPLE; i++)
        if (strcmp(PEOPLE[i].email, local) == 0)
            return i;
    return NPEOPLE;
}

static enum rc demo_collect_user(void *arg, const struct user *u)
{
    struct demo_people *p = arg;
    char local[PEOPLE_EMAIL_MAX + 1];
    snprintf(local, sizeof local, "%s", u->email);
    char *at = strchr(local, '@');
    if (at)
        *at = '\0';
    size_t i = person_index(local);
    if (i < NPEOPLE)
        p->ids[i] = u->id;
    return RC_OK;
}

/* The start day of a cohort: n working days before today, or next Monday. */
static int64_t cohort_day(const struct pacing *p, int64_t today, int working_days_ago)
{
    if (working_days_ago < 0)
        return today + 7 - date_weekday(today);
    int64_t day = today;
    for (int n = 0; n < working_days_ago;)
        if (pacing_is_day(p, --day))
            n++;
    return day;
}

/* Makes user_id (with roles, and learner) the actor; returns the actor to restore. */
static struct actor demo_as(struct ctx *cx, int64_t user_id, unsigned roles)
{
    struct actor was = cx->actor;
    cx->actor.user_id = user_id;
    cx->actor.roles = roles | PEOPLE_ROLE_LEARNER;
    return was;
}

/* Enrols every cohort as the designer, with the clock at 08:30 on its start day (for the
 * past ones), so enrolled_at reads true. */
static enum rc demo_enrol(struct ctx *cx, int64_t workflow_id, const struct pacing *p,
                          int64_t today, struct demo_people *people, int64_t real_now)
{
    enum rc rc = RC_OK;
    for (size_t c = 0; c < NCOHORTS && !rc; c++) {
        const struct demo_cohort *co = &COHORTS[c];
        char emails[NPEOPLE][PEOPLE_EMAIL_MAX + 1];
        const char *list[NPEOPLE];
        for (size_t i = 0; i < co->n && i < NPEOPLE; i++) {
            snprintf(emails[i], sizeof emails[i], "%s" DOMAIN, co->people[i]);
            list[i] = emails[i];
        }
        int64_t day = cohort_day(p, today, co->working_days_ago), morning = 0;
        char start[DATE_TEXT];
        date_format(day, start);
        if (co->working_days_ago > 0 && tz_day_start(p->zone, day, &morning) == RC_OK)
            cx->now = morning + 8 * 3600 + 30 * 60;
        struct enrolment_request rq = {.emails = list, .nemails = co->n, .start_date = start};
        struct enrolment_batch b;
        struct actor was =
            demo_as(cx, people->ids[person_index(DEMO_DESIGNER)], PEOPLE_ROLE_DESIGNER);
        rc = enrolment_enrol(cx, workflow_id, &rq, &b);
        cx->actor = was;
        cx->now = real_now;
        for (size_t i = 0; !rc && i < b.npeople; i++)
            for (size_t k = 0; k < NPEOPLE; k++)
                if (people->ids[k] == b.people[i].user_id)
                    people->enrolments[k] = b.people[i].enrolment_id;
        enrolment_batch_free(&b);
    }
    return rc;
}

/* A plausible moment for completing an activity: the afternoon before it is due, never
 * before it is released nor after now. */
static int64_t demo_moment(int64_t release_at, int64_t due_at, int seq, int64_t real_now)
{
    int64_t t = due_at - 6 * 3600 - (seq % 3) * 1800;
    if (t < release_at + 3600)
        t = release_at + 3600;
    return t < real_now - 600 ? t : real_now - 600;
}

static int64_t instant_of(const json_t *summary, const char *key)
{
    int64_t t = 0;
    now_parse_rfc3339(json_string_value(json_object_get(summary, key)), &t);
    return t;
}

/* Moves one learner through their early activities (see PROGRESS). */
static enum rc demo_progress(struct ctx *cx, const struct demo_progress *pr,
                             const struct demo_people *people, int64_t real_now)
{
    size_t who = person_index(pr->who);
    if (who >= NPEOPLE || !people->enrolments[who])
        return RC_OK;
    json_t *list = json_array();
    if (!list)
        return RC_NOMEM;
    enum rc rc = activity_enrolment_summaries(cx, people->enrolments[who], list);
    size_t i;
    json_t *a;
    json_array_foreach(list, i, a)
    {
        int seq = (int)json_integer_value(json_object_get(a, "seq"));
        const char *status = json_string_value(json_object_get(a, "status"));
        const char *completion = json_string_value(json_object_get(a, "completion"));
        const char *evidence = json_string_value(json_object_get(a, "evidence"));
        if (rc || seq > pr->through || !status || strcmp(status, "available") != 0 ||
            strcmp(completion, "assessor") == 0 || strcmp(completion, "xapi") == 0)
            continue;
        int64_t id = json_integer_value(json_object_get(a, "id"));
        int64_t release_at = instant_of(a, "release_at"), due_at = instant_of(a, "due_at");
        struct activity_input in = {
            .reflection = REFLECTIONS[(size_t)(seq + (int)who) % NREFLECTIONS],
            .evidence_text = strcmp(evidence, "none") != 0
                                 ? "Notes from the conversation: what I said, what they said "
                                   "back, and what we agreed to try next."
                                 : NULL,
        };
        cx->now = demo_moment(release_at, due_at, seq, real_now);
        struct actor was = demo_as(cx, people->ids[who], 0);
        rc = activity_complete(cx, id, &in, NULL);
        cx->actor = was;
        if (!rc && pr->coach_approves && strcmp(completion, "coach_signoff") == 0) {
            cx->now = cx->now + 20 * 3600 < real_now ? cx->now + 20 * 3600 : real_now - 300;
            was = demo_as(cx, people->ids[person_index("grace.okafor")], PEOPLE_ROLE_COACH);
            rc = activity_sign_off(cx, id, 1,
                                   "Good rehearsal: you kept to what you saw and asked before "
                                   "telling. Try it for real this week.",
                                   NULL);
            cx->actor = was;
        }
    }
    cx->now = real_now;
    json_decref(list);
    return rc;
}

/* Enrols the cohorts and plays their progress (first run only). */
static enum rc demo_journeys(struct ctx *cx, int64_t workflow_id, const struct tenant *t)
{
    struct demo_people people;
    memset(&people, 0, sizeof people);
    int64_t next = 0, today = 0, real_now = cx->now;
    struct users_query q = {.q = DOMAIN, .active = 1, .manager_id = -1, .limit = USERS_LIST_MAX};
    enum rc rc = users_list(cx, &q, demo_collect_user, &people, &next);
    if (rc)
        return rc;
    struct pacing p = {.working_days =
                           t->working_days ? t->working_days : TENANT_WORKING_DAYS_DEFAULT,
                       .zone = t->time_zone};
    if (tz_date_of(p.zone, cx->now, &today) != RC_OK)
        return ctx_fail(cx, RC_INTERNAL, NULL, "The demo's time zone cannot be used.");
    if ((rc = demo_enrol(cx, workflow_id, &p, today, &people, real_now)))
        return rc;
    for (size_t i = 0; i < NPROGRESS && !rc; i++)
        rc = demo_progress(cx, &PROGRESS[i], &people, real_now);
    cx->now = real_now;
    return rc;
}

/* Loads every shipped template as a draft and publishes DEMO_PUBLISHED_TEMPLATE, once:
 * an organisation that already has workflows is left alone. The demo designer is the
 * actor, so the audit log and the versions say who did it, as they would for real. */
static enum rc demo_workflows(struct ctx *cx, struct demo_result *out)
{
    int existing = 0;
    int64_t next = 0, designer = 0, published = 0;
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
        if (strcmp(key, DEMO_PUBLISHED_TEMPLATE) == 0) {
            if ((rc = workflow_publish(cx, id, &out->published_version)))
                return rc;
            published = id;
        }
    }
    cx->actor = system;
    return published ? demo_journeys(cx, published, &out->tenant) : RC_OK;
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
    if (r->workflows_created) {
        size_t enrolled = 0;
        for (size_t i = 0; i < NCOHORTS; i++)
            enrolled += COHORTS[i].n;
        buf_addf(out,
                 "Loaded %lld workflow templates as drafts and published one of them "
                 "(version %d).\n",
                 (long long)r->workflows_created, r->published_version);
        buf_addf(out,
                 "Enrolled %zu people on it: %zu started 15 working days ago, %zu five days "
                 "ago, %zu today, %zu start next Monday. Some are well ahead, some overdue.\n",
                 enrolled, COHORTS[0].n, COHORTS[1].n, COHORTS[2].n, COHORTS[3].n);
        buf_add(out, "Waiting for sign-off: Sofia Mar\xC3\xADn (sofia.marin" DOMAIN
                     ") has 2, from Liam Walsh and Chlo\xC3\xA9 Dubois;\n"
                     "  James O'Connor (james.oconnor" DOMAIN ") has 1, from Amara Okeke;\n"
                     "  Grace Okafor (grace.okafor" DOMAIN ") has a coach step from Chlo\xC3\xA9 "
                     "Dubois.\n");
        buf_add(out, "To see a learner's side, sign in as liam.walsh" DOMAIN
                     " (well under way) or arjun.mehta" DOMAIN " (overdue).\n");
    }
    buf_addf(out, "\nOpen %s and sign in as any of these people:\n\n", base_url);
    for (size_t i = 0; i < r->nlogins; i++)
        buf_addf(out, "  %-9s %-32s %s\n", r->logins[i].role, r->logins[i].email,
                 r->logins[i].name);
    buf_addf(out, "\nPassword for every demo person: %s\n", r->password);
    buf_add(out, "Everyone else in the organisation is a learner with the same password.\n");
    return buf_failed(out);
}
