/*
 * test_pacing.c — calendar dates, time zones (ICU) and pacing: offsets to days, days to
 * instants in a zone, pauses, and the re-planning of a learner who fell behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/date.h"
#include "core/tz.h"
#include "enrolment/pacing.h"

#define D(y, m, d) date_from_ymd((y), (m), (d))

static const struct pacing MON_FRI = {.working_days = 0x1fu, .calendar_days = 0, .zone = "UTC"};
static const struct pacing EVERY_DAY = {.working_days = 0x1fu, .calendar_days = 1, .zone = "UTC"};

/* ---- date.h ---- */

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static void dates_round_trip_over_centuries_and_leap_years(void **state)
{
    (void)state;
    assert_int_equal(D(1970, 1, 1), 0);
    assert_int_equal(D(1969, 12, 31), -1);
    assert_int_equal(D(2000, 3, 1), 11017);
    assert_int_equal(D(2026, 12, 1), 20788);
    assert_int_equal(D(1900, 1, 1), -25567);
    assert_int_equal(D(9999, 12, 31), 2932896);
    assert_int_equal(D(1600, 2, 29), -135081);
    assert_int_equal(D(2400, 2, 29), 157113);

    /* Walk every day from 1599-01-01 to 2401-12-31 and check each against a calendar
     * computed here by hand: consecutive numbers, right month lengths, leap years. */
    static const int MONTH_DAYS[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = 1599, m = 1, d = 1;
    int64_t day = D(1599, 1, 1);
    long checked = 0;
    while (y <= 2401) {
        int ry, rm, rd;
        date_to_ymd(day, &ry, &rm, &rd);
        if (ry != y || rm != m || rd != d)
            fail_msg("day %lld is %d-%d-%d, wanted %d-%d-%d", (long long)day, ry, rm, rd, y, m, d);
        if (D(y, m, d) != day)
            fail_msg("%d-%d-%d is not day %lld", y, m, d, (long long)day);
        int len = m == 2 && leap(y) ? 29 : MONTH_DAYS[m - 1];
        if (++d > len) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
        day++;
        checked++;
    }
    assert_int_equal(checked, D(2402, 1, 1) - D(1599, 1, 1));
    /* 1700, 1800, 1900, 2100 are not leap years; 1600, 2000, 2400 are. */
    assert_int_equal(D(1900, 3, 1) - D(1900, 2, 28), 1);
    assert_int_equal(D(2100, 3, 1) - D(2100, 2, 28), 1);
    assert_int_equal(D(2000, 3, 1) - D(2000, 2, 28), 2);
    assert_int_equal(D(2001, 1, 1) - D(2000, 1, 1), 366);
    assert_int_equal(D(2101, 1, 1) - D(2100, 1, 1), 365);
    /* Far outside the text range the arithmetic still round-trips. */
    for (int64_t far = -1000000; far <= 1000000; far += 99991) {
        int fy, fm, fd;
        date_to_ymd(far, &fy, &fm, &fd);
        assert_int_equal(D(fy, fm, fd), far);
    }
}

static void weekdays_of_known_dates(void **state)
{
    (void)state;
    assert_int_equal(date_weekday(D(1970, 1, 1)), 3);   /* Thursday */
    assert_int_equal(date_weekday(D(1969, 12, 31)), 2); /* Wednesday */
    assert_int_equal(date_weekday(D(2026, 12, 1)), 1);  /* Tuesday (FIXTURE_NOW) */
    assert_int_equal(date_weekday(D(2026, 12, 5)), 5);  /* Saturday */
    assert_int_equal(date_weekday(D(2027, 3, 28)), 6);  /* Sunday */
    assert_int_equal(date_weekday(D(2000, 2, 29)), 1);  /* Tuesday */
    assert_int_equal(date_weekday(D(1900, 1, 1)), 0);   /* Monday */
    assert_int_equal(date_weekday(D(1600, 1, 1)), 5);   /* Saturday */
    assert_int_equal(date_weekday(D(9999, 12, 31)), 4); /* Friday */
}

static void dates_parse_strictly_and_format(void **state)
{
    (void)state;
    int64_t day = 42;
    assert_int_equal(date_parse("2026-12-01", &day), 0);
    assert_int_equal(day, 20788);
    assert_int_equal(date_parse("2024-02-29", &day), 0);
    assert_int_equal(day, D(2024, 2, 29));
    assert_int_equal(date_parse("2000-02-29", &day), 0);
    assert_int_equal(date_parse("1900-01-01", &day), 0);
    assert_int_equal(day, -25567);
    assert_int_equal(date_parse("9999-12-31", &day), 0);
    assert_int_equal(day, 2932896);

    const char *bad[] = {"2026-02-30",
                         "2025-02-29",
                         "1900-02-29",
                         "2100-02-29",
                         "2026-04-31",
                         "2026-13-01",
                         "2026-00-10",
                         "2026-12-00",
                         "2026-12-32",
                         "+2026-12-01",
                         "-2026-12-01",
                         " 2026-12-01",
                         "2026-12-01 ",
                         "2026-12-01x",
                         "2026-12-01T00:00:00Z",
                         "2026-12-1",
                         "2026-1-01",
                         "26-12-01",
                         "2026/12/01",
                         "2026-1a-01",
                         "2026-+1-01",
                         "",
                         "2026",
                         "2026-12-",
                         "1899-12-31",
                         "10000-01-01",
                         "0000-01-01",
                         "\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x96-12-01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        day = 42;
        if (date_parse(bad[i], &day) != -1)
            fail_msg("'%s' was accepted", bad[i]);
        assert_int_equal(day, 42);
    }
    assert_int_equal(date_parse(NULL, &day), -1);

    char text[DATE_TEXT];
    date_format(0, text);
    assert_string_equal(text, "1970-01-01");
    date_format(D(2026, 12, 1), text);
    assert_string_equal(text, "2026-12-01");
    date_format(D(2400, 2, 29), text);
    assert_string_equal(text, "2400-02-29");
    date_format(-25567, text);
    assert_string_equal(text, "1900-01-01");
    date_format(D(1066, 10, 14), text);
    assert_string_equal(text, "1066-10-14");
    for (int64_t d = D(1900, 1, 1); d <= D(2100, 12, 31); d += 17) {
        int64_t back = -1;
        date_format(d, text);
        assert_int_equal(date_parse(text, &back), 0);
        assert_int_equal(back, d);
    }
}

/* ---- pacing days and offsets ---- */

static void working_day_offsets_skip_weekends(void **state)
{
    (void)state;
    /* The example of pacing.h: a start on Saturday 5 Dec 2026 makes offset 0 Monday 7 Dec
     * and offset 5 Monday 14 Dec. */
    int64_t release = 0, due = 0;
    pacing_step_days(&MON_FRI, D(2026, 12, 5), 0, 5, &release, &due);
    assert_int_equal(release, D(2026, 12, 7));
    assert_int_equal(due, D(2026, 12, 14));
    /* From a Tuesday: offsets 3 and 4 are Friday and Monday. */
    pacing_step_days(&MON_FRI, D(2026, 12, 1), 3, 4, &release, &due);
    assert_int_equal(release, D(2026, 12, 4));
    assert_int_equal(due, D(2026, 12, 7));

    assert_true(pacing_is_day(&MON_FRI, D(2026, 12, 4)));
    assert_false(pacing_is_day(&MON_FRI, D(2026, 12, 5)));
    assert_false(pacing_is_day(&MON_FRI, D(2026, 12, 6)));
    assert_int_equal(pacing_first_day(&MON_FRI, D(2026, 12, 5)), D(2026, 12, 7));
    assert_int_equal(pacing_first_day(&MON_FRI, D(2026, 12, 6)), D(2026, 12, 7));
    assert_int_equal(pacing_first_day(&MON_FRI, D(2026, 12, 7)), D(2026, 12, 7));

    assert_int_equal(pacing_add(&MON_FRI, D(2026, 12, 6), 0), D(2026, 12, 7));
    assert_int_equal(pacing_add(&MON_FRI, D(2026, 12, 1), 4), D(2026, 12, 7));
    assert_int_equal(pacing_add(&MON_FRI, D(2026, 12, 4), 1), D(2026, 12, 7));
    assert_int_equal(pacing_add(&MON_FRI, D(2026, 12, 5), 1), D(2026, 12, 8));
    /* 260 working days are exactly 52 weeks; 89 days (90-day programme) from Monday. */
    assert_int_equal(pacing_add(&MON_FRI, D(2026, 12, 7), 260), D(2027, 12, 6));
    assert_int_equal(pacing_add(&MON_FRI, D(2026, 12, 7), 89), D(2027, 4, 9));
    /* Over a year boundary. */
    assert_int_equal(pacing_add(&MON_FRI, D(2026, 12, 31), 1), D(2027, 1, 1));
    assert_int_equal(pacing_add(&MON_FRI, D(2027, 1, 1), 1), D(2027, 1, 4));

    /* A Sunday–Thursday week (bits Mon–Thu and Sun). */
    const struct pacing sun_thu = {.working_days = 0x4fu, .calendar_days = 0, .zone = "UTC"};
    assert_int_equal(pacing_first_day(&sun_thu, D(2026, 12, 4)), D(2026, 12, 6));
    assert_int_equal(pacing_add(&sun_thu, D(2026, 12, 3), 1), D(2026, 12, 6));
    assert_int_equal(pacing_add(&sun_thu, D(2026, 12, 3), 10), D(2026, 12, 17));
    /* Only Wednesdays. */
    const struct pacing wed = {.working_days = 0x4u, .calendar_days = 0, .zone = "UTC"};
    assert_int_equal(pacing_add(&wed, D(2026, 12, 1), 0), D(2026, 12, 2));
    assert_int_equal(pacing_add(&wed, D(2026, 12, 1), 3), D(2026, 12, 23));

    /* Adding along agrees with adding one at a time. */
    int64_t step = D(2026, 12, 5);
    for (int n = 0; n < 40; n++) {
        assert_int_equal(pacing_add(&MON_FRI, D(2026, 12, 5), n), pacing_first_day(&MON_FRI, step));
        step = pacing_first_day(&MON_FRI, step) + 1;
    }
}

static void calendar_pacing_counts_every_day(void **state)
{
    (void)state;
    int64_t release = 0, due = 0;
    pacing_step_days(&EVERY_DAY, D(2026, 12, 5), 0, 5, &release, &due);
    assert_int_equal(release, D(2026, 12, 5));
    assert_int_equal(due, D(2026, 12, 10));
    for (int64_t d = D(2026, 12, 1); d < D(2026, 12, 8); d++)
        assert_true(pacing_is_day(&EVERY_DAY, d));
    assert_int_equal(pacing_add(&EVERY_DAY, D(2026, 12, 31), 60), D(2027, 3, 1));
    assert_int_equal(pacing_count(&EVERY_DAY, D(2026, 12, 1), D(2027, 12, 1)), 365);
}

static void pacing_count_counts_days_in_a_half_open_range(void **state)
{
    (void)state;
    assert_int_equal(pacing_count(&MON_FRI, D(2026, 12, 7), D(2026, 12, 14)), 5);
    assert_int_equal(pacing_count(&MON_FRI, D(2026, 12, 5), D(2026, 12, 7)), 0);
    assert_int_equal(pacing_count(&MON_FRI, D(2026, 12, 4), D(2026, 12, 5)), 1);
    assert_int_equal(pacing_count(&MON_FRI, D(2026, 12, 4), D(2026, 12, 8)), 2);
    assert_int_equal(pacing_count(&MON_FRI, D(2026, 12, 4), D(2026, 12, 4)), 0);
    assert_int_equal(pacing_count(&MON_FRI, D(2026, 12, 9), D(2026, 12, 4)), 0);
    assert_int_equal(pacing_count(&MON_FRI, D(2026, 1, 1), D(2027, 1, 1)), 261);
    assert_int_equal(pacing_count(&EVERY_DAY, D(2026, 12, 5), D(2026, 12, 7)), 2);
    /* count is the inverse of add from a pacing day. */
    for (int n = 0; n < 30; n++)
        assert_int_equal(
            pacing_count(&MON_FRI, D(2026, 12, 2), pacing_add(&MON_FRI, D(2026, 12, 2), n)), n);
}

/* ---- time zones ---- */

static void tz_knows_real_zones_only(void **state)
{
    (void)state;
    const char *good[] = {"UTC",
                          "Europe/London",
                          "America/New_York",
                          "Australia/Sydney",
                          "America/Argentina/Buenos_Aires",
                          "America/Port-au-Prince",
                          "Etc/GMT+5",
                          "Asia/Kolkata"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!tz_valid(good[i]))
            fail_msg("'%s' was rejected", good[i]);
    char too_long[TZ_NAME_MAX + 2];
    memset(too_long, 'A', sizeof too_long - 1);
    too_long[sizeof too_long - 1] = '\0';
    const char *bad[] = {"",
                         "Europe/Londn",
                         "Mars/Olympus_Mons",
                         "Etc/Unknown",
                         "GMT+5",
                         "GMT+05:00",
                         "Europe",
                         "Europe//London",
                         "Europe/London/",
                         "Europe/London ",
                         " Europe/London",
                         "Europe/London\n",
                         "../../etc/passwd",
                         "/etc/passwd",
                         "zone.tab",
                         "Europe/L\xc3\xb3ndon",
                         "utc'; DROP TABLE tenants; --",
                         too_long};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (tz_valid(bad[i]))
            fail_msg("'%s' was accepted", bad[i]);
    assert_false(tz_valid(NULL));

    int64_t out = 7;
    assert_int_equal(tz_day_start("Mars/Olympus_Mons", D(2026, 12, 1), &out), RC_INVALID);
    assert_int_equal(tz_date_of("Etc/Unknown", 0, &out), RC_INVALID);
    assert_int_equal(tz_day_start(NULL, 0, &out), RC_INVALID);
    assert_int_equal(out, 7);
}

static void expect_day(const char *zone, int64_t day, int64_t start)
{
    int64_t got = -1, back = -1;
    assert_int_equal(tz_day_start(zone, day, &got), RC_OK);
    if (got != start)
        fail_msg("%s day %lld starts at %lld, wanted %lld", zone, (long long)day, (long long)got,
                 (long long)start);
    /* The start belongs to the day, the second before it to the day before. */
    assert_int_equal(tz_date_of(zone, start, &back), RC_OK);
    assert_int_equal(back, day);
    assert_int_equal(tz_date_of(zone, start - 1, &back), RC_OK);
    assert_int_equal(back, day - 1);
}

static void tz_utc_days_are_86400_seconds(void **state)
{
    (void)state;
    expect_day("UTC", D(2026, 12, 1), 1796083200);
    expect_day("UTC", 0, 0);
    expect_day("UTC", D(1900, 1, 1), -25567LL * 86400);
    expect_day("UTC", D(2400, 2, 29), 157113LL * 86400);
    int64_t day = -1;
    assert_int_equal(tz_date_of("UTC", 1796115600, &day), RC_OK); /* FIXTURE_NOW */
    assert_int_equal(day, D(2026, 12, 1));
    assert_int_equal(tz_date_of("UTC", -1, &day), RC_OK);
    assert_int_equal(day, -1);
}

static void tz_london_across_the_2027_changes(void **state)
{
    (void)state;
    const struct pacing london = {
        .working_days = 0x1fu, .calendar_days = 0, .zone = "Europe/London"};
    expect_day("Europe/London", D(2027, 3, 26), 1806019200);  /* 00:00Z, GMT */
    expect_day("Europe/London", D(2027, 3, 28), 1806192000);  /* 00:00Z; 23 hours long */
    expect_day("Europe/London", D(2027, 3, 29), 1806274800);  /* 2027-03-28T23:00:00Z, BST */
    expect_day("Europe/London", D(2027, 10, 31), 1824937200); /* 2027-10-30T23:00:00Z */
    expect_day("Europe/London", D(2027, 11, 1), 1825027200);  /* 00:00Z; 31 Oct was 25 h */

    /* A step released and due on Monday 29 March 2027, the day after the change. */
    int64_t release_at = 0, due_at = 0;
    assert_int_equal(pacing_instants(&london, D(2027, 3, 29), D(2027, 3, 29), &release_at, &due_at),
                     RC_OK);
    assert_int_equal(release_at, 1806274800); /* 2027-03-28T23:00:00Z */
    assert_int_equal(due_at, 1806361199);     /* 2027-03-29T22:59:59Z */
    /* Due on Friday 26 March, still GMT: 23:59:59Z. */
    assert_int_equal(pacing_instants(&london, D(2027, 3, 22), D(2027, 3, 26), &release_at, &due_at),
                     RC_OK);
    assert_int_equal(release_at, D(2027, 3, 22) * 86400);
    assert_int_equal(due_at, 1806105599); /* 2027-03-26T23:59:59Z */
    /* Due on Sunday 31 October, the 25-hour day: 2027-10-31T23:59:59Z. */
    assert_int_equal(
        pacing_instants(&london, D(2027, 10, 29), D(2027, 10, 31), &release_at, &due_at), RC_OK);
    assert_int_equal(release_at, 1824764400); /* 2027-10-28T23:00:00Z, BST */
    assert_int_equal(due_at, 1825027199);

    /* Both 01:30s of 31 October (BST then GMT) are on 31 October. */
    int64_t day = 0;
    assert_int_equal(tz_date_of("Europe/London", 1825027200 - 86400 + 1800, &day), RC_OK);
    assert_int_equal(day, D(2027, 10, 31));
    assert_int_equal(tz_date_of("Europe/London", 1825027200 - 86400 + 5400, &day), RC_OK);
    assert_int_equal(day, D(2027, 10, 31));
    /* 23:30Z on 28 March is already 29 March in London, not in UTC. */
    assert_int_equal(tz_date_of("Europe/London", 1806274800 + 1800, &day), RC_OK);
    assert_int_equal(day, D(2027, 3, 29));
    assert_int_equal(tz_date_of("UTC", 1806274800 + 1800, &day), RC_OK);
    assert_int_equal(day, D(2027, 3, 28));

    const struct pacing nowhere = {
        .working_days = 0x1fu, .calendar_days = 0, .zone = "Nowhere/Land"};
    release_at = due_at = 5;
    assert_int_equal(
        pacing_instants(&nowhere, D(2027, 3, 29), D(2027, 3, 29), &release_at, &due_at),
        RC_INVALID);
    assert_int_equal(release_at, 5);
    assert_int_equal(due_at, 5);
}

static void tz_new_york_and_sydney(void **state)
{
    (void)state;
    expect_day("America/New_York", D(2027, 3, 14), 1805000400); /* 05:00Z, EST */
    expect_day("America/New_York", D(2027, 3, 15), 1805083200); /* 04:00Z, EDT */
    expect_day("America/New_York", D(2027, 11, 7), 1825560000); /* 04:00Z, EDT */
    expect_day("America/New_York", D(2027, 11, 8), 1825650000); /* 05:00Z, EST */
    int64_t day = 0;
    /* FIXTURE_NOW minus 6 hours: 03:00Z on 1 December is 30 November in New York. */
    assert_int_equal(tz_date_of("America/New_York", 1796115600 - 6 * 3600, &day), RC_OK);
    assert_int_equal(day, D(2026, 11, 30));

    expect_day("Australia/Sydney", D(2026, 12, 1), 1796043600); /* 2026-11-30T13:00Z, AEDT */
    expect_day("Australia/Sydney", D(2027, 4, 4), 1806757200);  /* 13:00Z; 25 hours long */
    expect_day("Australia/Sydney", D(2027, 4, 5), 1806847200);  /* 14:00Z, AEST */
    expect_day("Australia/Sydney", D(2027, 10, 3), 1822485600); /* 14:00Z; 23 hours long */
    expect_day("Australia/Sydney", D(2027, 10, 4), 1822568400); /* 13:00Z, AEDT */
    /* FIXTURE_NOW (09:00Z Tuesday) is Tuesday evening in Sydney. */
    assert_int_equal(tz_date_of("Australia/Sydney", 1796115600, &day), RC_OK);
    assert_int_equal(day, D(2026, 12, 1));
    assert_int_equal(tz_date_of("Australia/Sydney", 1796115600 + 6 * 3600, &day), RC_OK);
    assert_int_equal(day, D(2026, 12, 2));
}

static void tz_a_skipped_midnight_starts_the_day_at_the_first_real_instant(void **state)
{
    (void)state;
    /* Brazil moved clocks from 00:00 to 01:00 on 4 November 2018: that day began at
     * 01:00 -02 (03:00Z), and it was 23 hours long. */
    expect_day("America/Sao_Paulo", D(2018, 11, 4), 1541300400);
    expect_day("America/Sao_Paulo", D(2018, 11, 5), 1541383200);
    /* Cuba did the same on 10 March 2019: the day began at 01:00 CDT (05:00Z). */
    expect_day("America/Havana", D(2019, 3, 10), 1552194000);
    expect_day("America/Havana", D(2019, 3, 11), 1552276800);
    const struct pacing havana = {
        .working_days = 0x1fu, .calendar_days = 0, .zone = "America/Havana"};
    int64_t release_at = 0, due_at = 0;
    assert_int_equal(pacing_instants(&havana, D(2019, 3, 8), D(2019, 3, 9), &release_at, &due_at),
                     RC_OK);
    assert_int_equal(release_at, 1552021200); /* 2019-03-08T05:00:00Z, CST */
    assert_int_equal(due_at, 1552194000 - 1); /* the last second of Saturday 9 March */
}

/* ---- pauses and re-planning ---- */

static void pacing_shift_moves_by_pacing_days(void **state)
{
    (void)state;
    struct pacing_item items[] = {
        {D(2026, 12, 1), D(2026, 12, 3)},  /* Tue, Thu */
        {D(2026, 12, 3), D(2026, 12, 4)},  /* Thu, Fri */
        {D(2026, 12, 4), D(2026, 12, 5)},  /* Fri, Sat (not a working day) */
        {D(2026, 12, 7), D(2026, 12, 14)}, /* Mon, Mon */
    };
    pacing_shift(&MON_FRI, items, 4, 3);
    assert_int_equal(items[0].release_day, D(2026, 12, 4));
    assert_int_equal(items[0].due_day, D(2026, 12, 8));
    assert_int_equal(items[1].release_day, D(2026, 12, 8));
    assert_int_equal(items[1].due_day, D(2026, 12, 9));
    assert_int_equal(items[2].release_day, D(2026, 12, 9));
    assert_int_equal(items[2].due_day, D(2026, 12, 10)); /* Mon 7 + 3 */
    assert_int_equal(items[3].release_day, D(2026, 12, 10));
    assert_int_equal(items[3].due_day, D(2026, 12, 17));

    struct pacing_item cal[] = {{D(2026, 12, 4), D(2026, 12, 5)}};
    pacing_shift(&EVERY_DAY, cal, 1, 3);
    assert_int_equal(cal[0].release_day, D(2026, 12, 7));
    assert_int_equal(cal[0].due_day, D(2026, 12, 8));
    /* A pause of 0 days moves nothing that is on a pacing day. */
    struct pacing_item same[] = {{D(2026, 12, 1), D(2026, 12, 2)}};
    pacing_shift(&MON_FRI, same, 1, 0);
    assert_int_equal(same[0].release_day, D(2026, 12, 1));
    assert_int_equal(same[0].due_day, D(2026, 12, 2));
}

static void pacing_behind_counts_from_the_oldest_overdue_item(void **state)
{
    (void)state;
    int64_t today = D(2026, 12, 8); /* Tuesday */
    struct pacing_item none[] = {{D(2026, 12, 1), D(2026, 12, 8)},
                                 {D(2026, 12, 1), D(2026, 12, 9)}};
    assert_int_equal(pacing_behind(&MON_FRI, none, 2, today), 0); /* due today is not late */
    assert_int_equal(pacing_behind(&MON_FRI, none, 0, today), 0);
    /* Unsorted; the oldest overdue is Friday 4 Dec: Mon 7 and Tue 8 have passed since. */
    struct pacing_item late[] = {{D(2026, 12, 1), D(2026, 12, 7)},
                                 {D(2026, 12, 1), D(2026, 12, 4)},
                                 {D(2026, 12, 1), D(2026, 12, 10)}};
    assert_int_equal(pacing_behind(&MON_FRI, late, 3, today), 2);
    assert_int_equal(pacing_behind(&EVERY_DAY, late, 3, today), 4);
    /* Due on Monday, today Tuesday: one day behind. */
    assert_int_equal(pacing_behind(&MON_FRI, late, 1, today), 1);
    /* Due on a Saturday, seen on Monday: Monday is the one missed pacing day. */
    struct pacing_item sat[] = {{D(2026, 12, 1), D(2026, 12, 5)}};
    assert_int_equal(pacing_behind(&MON_FRI, sat, 1, D(2026, 12, 7)), 1);
    assert_int_equal(pacing_behind(&MON_FRI, sat, 1, D(2026, 12, 6)), 0);
}

static void check_replan_invariants(const struct pacing *p, const struct pacing_item *before,
                                    const struct pacing_item *after, size_t n, int64_t today,
                                    int max_per_day)
{
    for (size_t i = 0; i < n; i++) {
        assert_true(after[i].due_day >= before[i].due_day); /* nothing moves earlier */
        assert_true(after[i].due_day >= today);
        assert_true(pacing_is_day(p, after[i].due_day));
        assert_true(after[i].release_day <= before[i].release_day);
        assert_true(after[i].release_day <= after[i].due_day);
        if (i > 0)
            assert_true(after[i].due_day >= after[i - 1].due_day); /* order kept */
        int same = 0;
        for (size_t k = 0; k < n; k++)
            same += after[k].due_day == after[i].due_day;
        assert_true(same <= max_per_day);
    }
}

static void pacing_replan_spreads_a_learner_who_fell_behind(void **state)
{
    (void)state;
    /* Ten open items of an enrolment that started on Thursday 19 Nov 2026, each released
     * two working days before it is due; due on working days 2..11: Mon 23 Nov … Fri 4 Dec. */
    struct pacing_item items[10], before[10];
    for (int i = 0; i < 10; i++)
        pacing_step_days(&MON_FRI, D(2026, 11, 19), i, i + 2, &items[i].release_day,
                         &items[i].due_day);
    assert_int_equal(items[0].due_day, D(2026, 11, 23));
    assert_int_equal(items[9].due_day, D(2026, 12, 4));
    memcpy(before, items, sizeof items);
    int64_t today = D(2026, 12, 1); /* Tuesday */
    /* Overdue since Monday 23 Nov: Tue 24 … Tue 1 Dec are six working days. */
    assert_int_equal(pacing_behind(&MON_FRI, items, 10, today), 6);

    assert_int_equal(pacing_replan(&MON_FRI, items, 10, today, 2), 10);
    const int64_t want[10] = {D(2026, 12, 1), D(2026, 12, 1), D(2026, 12, 2), D(2026, 12, 2),
                              D(2026, 12, 3), D(2026, 12, 3), D(2026, 12, 4), D(2026, 12, 4),
                              D(2026, 12, 7), D(2026, 12, 7)}; /* the weekend skipped */
    for (int i = 0; i < 10; i++) {
        assert_int_equal(items[i].due_day, want[i]);
        assert_int_equal(items[i].release_day, before[i].release_day); /* all were earlier */
    }
    check_replan_invariants(&MON_FRI, before, items, 10, today, 2);
    assert_int_equal(pacing_behind(&MON_FRI, items, 10, today), 0);
    /* A plan that already satisfies the rules is left alone. */
    memcpy(before, items, sizeof items);
    assert_int_equal(pacing_replan(&MON_FRI, items, 10, today, 2), 0);
    assert_memory_equal(items, before, sizeof items);

    /* One a day, calendar pacing: Tue 1 Dec … Thu 10 Dec, weekends included. */
    for (int i = 0; i < 10; i++)
        pacing_step_days(&MON_FRI, D(2026, 11, 19), i, i + 2, &items[i].release_day,
                         &items[i].due_day);
    memcpy(before, items, sizeof items);
    assert_int_equal(pacing_replan(&EVERY_DAY, items, 10, today, 1), 10);
    for (int i = 0; i < 10; i++)
        assert_int_equal(items[i].due_day, D(2026, 12, 1) + i);
    check_replan_invariants(&EVERY_DAY, before, items, 10, today, 1);
}

static void pacing_replan_keeps_what_is_fine_and_fixes_the_rest(void **state)
{
    (void)state;
    int64_t today = D(2026, 12, 1);
    /* Future items on distinct working days stay where they are. */
    struct pacing_item fine[] = {{D(2026, 12, 1), D(2026, 12, 2)},
                                 {D(2026, 12, 2), D(2026, 12, 2)},
                                 {D(2026, 12, 2), D(2026, 12, 7)}};
    struct pacing_item copy[3];
    memcpy(copy, fine, sizeof fine);
    assert_int_equal(pacing_replan(&MON_FRI, fine, 3, today, 2), 0);
    assert_memory_equal(fine, copy, sizeof fine);

    /* Three due the same Wednesday with at most two a day: the third moves to Thursday.
     * An item due on a Saturday moves to Monday. An item out of order (due before the one
     * ahead of it) moves up to that one's day. A release after the new due day is pulled
     * back to it. */
    struct pacing_item mixed[] = {
        {D(2026, 11, 30), D(2026, 12, 2)}, {D(2026, 11, 30), D(2026, 12, 2)},
        {D(2026, 11, 30), D(2026, 12, 2)}, {D(2026, 12, 1), D(2026, 12, 12)},
        {D(2026, 12, 20), D(2026, 12, 9)}, {D(2026, 12, 20), D(2026, 12, 21)},
    };
    struct pacing_item before[6];
    memcpy(before, mixed, sizeof mixed);
    assert_int_equal(pacing_replan(&MON_FRI, mixed, 6, today, 2), 3);
    assert_int_equal(mixed[0].due_day, D(2026, 12, 2));
    assert_int_equal(mixed[1].due_day, D(2026, 12, 2));
    assert_int_equal(mixed[2].due_day, D(2026, 12, 3));
    assert_int_equal(mixed[3].due_day, D(2026, 12, 14)); /* Saturday 12th → Monday 14th */
    assert_int_equal(mixed[4].due_day, D(2026, 12, 14)); /* not before the one ahead of it */
    assert_int_equal(mixed[4].release_day, D(2026, 12, 14));
    assert_int_equal(mixed[5].due_day, D(2026, 12, 21));
    assert_int_equal(mixed[5].release_day, D(2026, 12, 20));
    check_replan_invariants(&MON_FRI, before, mixed, 6, today, 2);

    /* A full day right before a weekend pushes past it; a max below 1 counts as 1. */
    struct pacing_item friday[] = {{D(2026, 12, 1), D(2026, 12, 4)},
                                   {D(2026, 12, 1), D(2026, 12, 4)}};
    assert_int_equal(pacing_replan(&MON_FRI, friday, 2, today, 0), 1);
    assert_int_equal(friday[0].due_day, D(2026, 12, 4));
    assert_int_equal(friday[1].due_day, D(2026, 12, 7));
    assert_int_equal(pacing_replan(&MON_FRI, friday, 0, today, 2), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dates_round_trip_over_centuries_and_leap_years),
        cmocka_unit_test(weekdays_of_known_dates),
        cmocka_unit_test(dates_parse_strictly_and_format),
        cmocka_unit_test(working_day_offsets_skip_weekends),
        cmocka_unit_test(calendar_pacing_counts_every_day),
        cmocka_unit_test(pacing_count_counts_days_in_a_half_open_range),
        cmocka_unit_test(tz_knows_real_zones_only),
        cmocka_unit_test(tz_utc_days_are_86400_seconds),
        cmocka_unit_test(tz_london_across_the_2027_changes),
        cmocka_unit_test(tz_new_york_and_sydney),
        cmocka_unit_test(tz_a_skipped_midnight_starts_the_day_at_the_first_real_instant),
        cmocka_unit_test(pacing_shift_moves_by_pacing_days),
        cmocka_unit_test(pacing_behind_counts_from_the_oldest_overdue_item),
        cmocka_unit_test(pacing_replan_spreads_a_learner_who_fell_behind),
        cmocka_unit_test(pacing_replan_keeps_what_is_fine_and_fixes_the_rest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
