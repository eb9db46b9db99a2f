/*
 * date.c — civil dates as day numbers, with Howard Hinnant's days_from_civil and
 * civil_from_days algorithms (proleptic Gregorian, exact for any int year).
 */
#include "date.h"

#include <stddef.h>

/* Floor division for the era computation (C division truncates toward zero). */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

int64_t date_from_ymd(int year, int month, int day)
{
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                         /* [0, 399] */
    int64_t mp = (month + 9) % 12;                       /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + day - 1;          /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void date_to_ymd(int64_t days, int *year, int *month, int *day)
{
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100); /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                      /* [0, 11] */
    int64_t d = doy - (153 * mp + 2) / 5 + 1;              /* [1, 31] */
    int64_t m = mp < 10 ? mp + 3 : mp - 9;                 /* [1, 12] */
    *year = (int)(y + (m <= 2));
    *month = (int)m;
    *day = (int)d;
}

int date_weekday(int64_t days)
{
    /* 1970-01-01 was a Thursday (3 with Monday 0). */
    int64_t w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int year, int month)
{
    static const int DAYS[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : DAYS[month - 1];
}

int date_parse(const char *text, int64_t *days)
{
    int y, m, d;
    if (!text)
        return -1;
    /* Every index is checked before the next is read, so a short string stops at its NUL. */
    if (digits(text, 4, &y) || text[4] != '-' || digits(text + 5, 2, &m) || text[7] != '-' ||
        digits(text + 8, 2, &d) || text[10] != '\0')
        return -1;
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -1;
    *days = date_from_ymd(y, m, d);
    return 0;
}

void date_format(int64_t days, char out[DATE_TEXT])
{
    int y, m, d;
    date_to_ymd(days, &y, &m, &d);
    if (y < 0 || y > 9999) { /* outside what the text form can say: clamp, never overflow */
        m = y < 0 ? 1 : 12;
        d = y < 0 ? 1 : 31;
        y = y < 0 ? 0 : 9999;
    }
    const int parts[3][2] = {{y, 4}, {m, 2}, {d, 2}};
    size_t at = 0;
    for (int i = 0; i < 3; i++) {
        if (i)
            out[at++] = '-';
        for (int k = parts[i][1] - 1, v = parts[i][0]; k >= 0; k--, v /= 10)
            out[at + (size_t)k] = (char)('0' + v % 10);
        at += (size_t)parts[i][1];
    }
    out[at] = '\0';
}
