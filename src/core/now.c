/*
 * now.c — clock reading and RFC 3339 conversion (see now.h).
 *
 * Date arithmetic uses Howard Hinnant's days-from-civil algorithm, which is exact and
 * needs neither timegm() nor the process time zone.
 */
#include "now.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

int64_t now_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int days_in_month(int64_t y, unsigned m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

static int read_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

enum rc now_parse_rfc3339(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, sec;
    const char *p = s;
    if (read_digits(&p, 4, &y) || *p++ != '-' || read_digits(&p, 2, &mo) || *p++ != '-' ||
        read_digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
        return RC_INVALID;
    p++;
    if (read_digits(&p, 2, &h) || *p++ != ':' || read_digits(&p, 2, &mi) || *p++ != ':' ||
        read_digits(&p, 2, &sec))
        return RC_INVALID;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (unsigned)mo) || h > 23 || mi > 59 ||
        sec > 60)
        return RC_INVALID;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return RC_INVALID;
        while (isdigit((unsigned char)*p))
            p++;
    }
    int64_t offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (read_digits(&p, 2, &oh) || *p++ != ':' || read_digits(&p, 2, &om) || oh > 23 || om > 59)
            return RC_INVALID;
        offset = sign * (oh * 3600 + om * 60);
    } else {
        return RC_INVALID;
    }
    if (*p)
        return RC_INVALID;
    if (sec == 60)
        sec = 59; /* a leap second maps onto the second before it */
    *out = now_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec -
           offset;
    return RC_OK;
}

void now_format_rfc3339(int64_t t, char *out, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
        if (size)
            out[0] = '\0';
    }
}

int64_t now_read(const char *now_file)
{
    if (now_file && *now_file) {
        FILE *f = fopen(now_file, "r");
        if (f) {
            char text[64] = {0};
            size_t n = fread(text, 1, sizeof text - 1, f);
            fclose(f);
            while (n && isspace((unsigned char)text[n - 1]))
                text[--n] = '\0';
            int64_t t;
            if (now_parse_rfc3339(text, &t) == RC_OK)
                return t;
            char *end;
            long long v = strtoll(text, &end, 10);
            if (n && *end == '\0')
                return v;
            log_warn("clock file %s does not hold an instant; using the system clock", now_file);
        }
    }
    return (int64_t)time(NULL);
}

int64_t now_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
