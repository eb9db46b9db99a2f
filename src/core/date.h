/*
 * date.h — calendar dates without a time zone: "2026-12-01" as a day number.
 *
 * A day number counts days since 1970-01-01 (day 0), proleptic Gregorian, so adding n
 * days is adding n and weekdays are arithmetic. What a date means as an instant depends
 * on a time zone: that is tz.h's job, never this file's.
 */
#ifndef WAYMARK_DATE_H
#define WAYMARK_DATE_H

#include <stdint.h>

#define DATE_TEXT 11 /* "YYYY-MM-DD" and a NUL */

/* Day number of year-month-day (month 1..12, day 1..31; not checked here). */
int64_t date_from_ymd(int year, int month, int day);
/* The year, month and day of a day number. */
void date_to_ymd(int64_t days, int *year, int *month, int *day);
/* 0 Monday … 6 Sunday. */
int date_weekday(int64_t days);
/* Parses exactly "YYYY-MM-DD" (a real date, year 1900..9999) into *days: 0, or -1. */
int date_parse(const char *text, int64_t *days);
/* Writes "YYYY-MM-DD" into out. */
void date_format(int64_t days, char out[DATE_TEXT]);

#endif
