/*
 * pacing.c — day offsets to dates, pauses and re-planning, as pacing.h describes.
 *
 * A calendar is a 7-bit week mask, so whole weeks are counted with arithmetic and only
 * the remainder (under a week) is walked day by day: every function is O(1) per day it
 * returns, whatever the offsets.
 */
#include "pacing.h"

#include "core/date.h"
#include "core/tz.h"

#define PACING_EVERY_DAY 0x7fu

/* The week mask in use: every day for calendar pacing (or a mask with no days at all,
 * which the caller promises never to pass, rather than looping for ever). */
static unsigned mask_of(const struct pacing *p)
{
    unsigned mask = p->working_days & PACING_EVERY_DAY;
    return p->calendar_days || mask == 0 ? PACING_EVERY_DAY : mask;
}

static int days_per_week(unsigned mask)
{
    int k = 0;
    for (unsigned m = mask; m; m >>= 1)
        k += (int)(m & 1u);
    return k;
}

static int is_day(unsigned mask, int64_t day)
{
    return (mask >> date_weekday(day)) & 1u;
}

int pacing_is_day(const struct pacing *p, int64_t day)
{
    return is_day(mask_of(p), day);
}

int64_t pacing_first_day(const struct pacing *p, int64_t day)
{
    unsigned mask = mask_of(p);
    while (!is_day(mask, day))
        day++;
    return day;
}

int64_t pacing_add(const struct pacing *p, int64_t day, int n)
{
    unsigned mask = mask_of(p);
    day = pacing_first_day(p, day);
    if (n <= 0)
        return day;
    int k = days_per_week(mask);
    /* From a pacing day, k pacing days later is the same weekday a week later. */
    day += (int64_t)(n / k) * 7;
    for (int left = n % k; left > 0; left--) {
        day++;
        while (!is_day(mask, day))
            day++;
    }
    return day;
}

int pacing_count(const struct pacing *p, int64_t from, int64_t to)
{
    if (to <= from)
        return 0;
    unsigned mask = mask_of(p);
    int64_t span = to - from;
    int64_t count = span / 7 * days_per_week(mask);
    for (int64_t day = from + span / 7 * 7; day < to; day++)
        count += is_day(mask, day);
    return count > INT32_MAX ? INT32_MAX : (int)count;
}

void pacing_step_days(const struct pacing *p, int64_t start_day, int release_offset, int due_offset,
                      int64_t *release_day, int64_t *due_day)
{
    int64_t day0 = pacing_first_day(p, start_day);
    *release_day = pacing_add(p, day0, release_offset);
    *due_day = pacing_add(p, day0, due_offset);
}

enum rc pacing_instants(const struct pacing *p, int64_t release_day, int64_t due_day,
                        int64_t *release_at, int64_t *due_at)
{
    int64_t release, next;
    enum rc rc = tz_day_start(p->zone, release_day, &release);
    if (!rc)
        rc = tz_day_start(p->zone, due_day + 1, &next);
    if (rc)
        return rc;
    *release_at = release;
    *due_at = next - 1;
    return RC_OK;
}

int pacing_behind(const struct pacing *p, const struct pacing_item *items, size_t n, int64_t today)
{
    int found = 0;
    int64_t oldest = 0;
    for (size_t i = 0; i < n; i++)
        if (items[i].due_day < today && (!found || items[i].due_day < oldest)) {
            oldest = items[i].due_day;
            found = 1;
        }
    return found ? pacing_count(p, oldest + 1, today + 1) : 0;
}

size_t pacing_replan(const struct pacing *p, struct pacing_item *items, size_t n, int64_t today,
                     int max_per_day)
{
    if (max_per_day < 1)
        max_per_day = 1;
    size_t changed = 0;
    int64_t last_day = 0; /* the due day of the item placed before, once there is one */
    int on_last_day = 0;  /* how many items are due on last_day */
    for (size_t i = 0; i < n; i++) {
        int64_t day = items[i].due_day > today ? items[i].due_day : today;
        if (i > 0 && day < last_day)
            day = last_day;
        day = pacing_first_day(p, day);
        /* Due days never decrease, so only last_day can already be full. */
        if (i > 0 && day == last_day && on_last_day >= max_per_day)
            day = pacing_add(p, day, 1);
        if (i > 0 && day == last_day) {
            on_last_day++;
        } else {
            last_day = day;
            on_last_day = 1;
        }
        if (day != items[i].due_day)
            changed++;
        items[i].due_day = day;
        if (items[i].release_day > day)
            items[i].release_day = day;
    }
    return changed;
}

void pacing_shift(const struct pacing *p, struct pacing_item *items, size_t count, int n)
{
    for (size_t i = 0; i < count; i++) {
        items[i].release_day = pacing_add(p, items[i].release_day, n);
        items[i].due_day = pacing_add(p, items[i].due_day, n);
    }
}
