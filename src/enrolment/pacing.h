/*
 * pacing.h — turning a workflow's day offsets into a learner's dates and instants, and
 * moving them when life happens (a pause, falling behind). Pure functions of their
 * arguments except pacing_instants, which asks tz.h about the zone.
 *
 * Days are date.h day numbers in the tenant's zone. A calendar is the tenant's working
 * days (bit 0 Monday … bit 6 Sunday, as in tenant.h) or, for calendar pacing, every day.
 *
 * Offsets: day 0 of an enrolment is its start date when that is a pacing day, else the
 * next pacing day; offset n is the n-th pacing day after day 0. So with Monday–Friday
 * working days, a start on Saturday 5 Dec 2026 makes offset 0 Monday 7 Dec and offset 5
 * Monday 14 Dec.
 * An activity is released at the start of its release day and due at the end of its due
 * day (the last second before the next local day starts).
 */
#ifndef WAYMARK_PACING_H
#define WAYMARK_PACING_H

#include <stddef.h>
#include <stdint.h>

#include "core/rc.h"

struct pacing {
    unsigned working_days; /* tenant.h bits; never 0 */
    int calendar_days;     /* 1: every day counts (the workflow's pacing is calendar_days) */
    const char *zone;      /* IANA time zone of the tenant */
};

/* 1 when day is a pacing day. */
int pacing_is_day(const struct pacing *p, int64_t day);
/* The first pacing day on or after day. */
int64_t pacing_first_day(const struct pacing *p, int64_t day);
/* day moved forward by n pacing days (n ≥ 0): from a pacing day, the n-th pacing day
 * after it; from another day, counted from the next pacing day (so n = 0 gives that). */
int64_t pacing_add(const struct pacing *p, int64_t day, int n);
/* Pacing days in [from, to): how many pacing days a pause from `from` to `to` covered.
 * 0 when to ≤ from. */
int pacing_count(const struct pacing *p, int64_t from, int64_t to);
/* The release and due days of a step with these offsets, for an enrolment starting on
 * start_day (day 0 = pacing_first_day(start_day)). */
void pacing_step_days(const struct pacing *p, int64_t start_day, int release_offset, int due_offset,
                      int64_t *release_day, int64_t *due_day);
/* release_at = start of release_day; due_at = start of (due_day + 1) - 1, in p->zone. */
enum rc pacing_instants(const struct pacing *p, int64_t release_day, int64_t due_day,
                        int64_t *release_at, int64_t *due_at);

/* ---- re-planning ("the satnav") -------------------------------------------------------- */

/* One open activity of an enrolment, in the order of the workflow (seq). */
struct pacing_item {
    int64_t release_day;
    int64_t due_day;
};

/* How far behind a learner is: the pacing days from the due day of their oldest overdue
 * item (due_day < today) to today, i.e. pacing_count(p, oldest_due + 1, today + 1);
 * 0 when nothing is overdue. items need not be sorted. */
int pacing_behind(const struct pacing *p, const struct pacing_item *items, size_t n, int64_t today);

/* Re-plans the open items of one enrolment, given in workflow order, so that
 *   - nothing is due before today, and no item is due earlier than it was;
 *   - due days never decrease along the workflow order;
 *   - at most max_per_day items fall due on one pacing day, and every due day is a
 *     pacing day;
 *   - each item is placed on the earliest day satisfying the above (greedy, in order);
 *   - an item's release day becomes min(its release day, its new due day), so nothing
 *     is released later than before and never after it is due.
 * max_per_day ≥ 1. Returns how many items changed their due day. */
size_t pacing_replan(const struct pacing *p, struct pacing_item *items, size_t n, int64_t today,
                     int max_per_day);

/* Shifts every item by n pacing days (a resume after a pause of n pacing days): each
 * release and due day d becomes pacing_add(p, d, n). */
void pacing_shift(const struct pacing *p, struct pacing_item *items, size_t count, int n);

#endif
