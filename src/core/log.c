/*
 * log.c — logfmt lines on standard error (see log.h).
 *
 * The message is quoted and its quotes, backslashes and control characters escaped, so a
 * hostile string in a message can never forge a second log line.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

static enum log_level current_level = LOG_INFO;

void log_set_level(enum log_level level)
{
    current_level = level;
}

enum log_level log_get_level(void)
{
    return current_level;
}

int log_level_parse(const char *s)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

void log_raw(const char *line, unsigned long len)
{
    char nl = '\n';
    if (len && line[len - 1] == '\n') {
        (void)!write(STDERR_FILENO, line, len);
        return;
    }
    /* One write keeps lines whole; copy when short, else two writes (rare, long lines). */
    char small[4096];
    if (len + 1 <= sizeof small) {
        memcpy(small, line, len);
        small[len] = nl;
        (void)!write(STDERR_FILENO, small, len + 1);
    } else {
        (void)!write(STDERR_FILENO, line, len);
        (void)!write(STDERR_FILENO, &nl, 1);
    }
}

void log_line(enum log_level level, const char *fn, const char *req_id, const char *fields,
              const char *fmt, ...)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    if (level > current_level)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char ts[32];
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);

    struct buf b;
    buf_init(&b, 8192);
    buf_addf(&b, "ts=%s level=%s fn=%s req=%s msg=\"", ts, names[level], fn ? fn : "-",
             req_id ? req_id : "-");
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
        if (*p == '"' || *p == '\\')
            buf_addf(&b, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            buf_addf(&b, "\\x%02x", *p);
        else
            buf_addc(&b, (char)*p);
    }
    buf_addc(&b, '"');
    if (fields && *fields)
        buf_addf(&b, " %s", fields);
    buf_addc(&b, '\n');
    if (!buf_failed(&b))
        (void)!write(STDERR_FILENO, b.data, b.len);
    buf_free(&b);
}
