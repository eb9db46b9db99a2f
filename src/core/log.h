/*
 * log.h — one line per event, logfmt style, on standard error:
 *   ts=2026-11-28T12:00:00Z level=info fn=server_start req=- msg="listening" url=…
 *
 * The level is read once at start-up (log_set_level) and is the only process-wide
 * setting here; it is written before any thread starts and only read afterwards.
 * Each line is written with one write(2), so lines from several threads never interleave.
 * Never pass passwords, tokens, cookies or email bodies.
 */
#ifndef WAYMARK_LOG_H
#define WAYMARK_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* "error", "warn", "info", "debug" → level; returns -1 when unknown. */
int log_level_parse(const char *s);

/* fields: optional extra key=value text appended verbatim after msg (may be NULL). */
void log_line(enum log_level level, const char *fn, const char *req_id, const char *fields,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Writes an already formatted line (adds the newline), e.g. the access log. */
void log_raw(const char *line, unsigned long len);

#define log_error(...) log_line(LOG_ERROR, __func__, NULL, NULL, __VA_ARGS__)
#define log_warn(...)  log_line(LOG_WARN, __func__, NULL, NULL, __VA_ARGS__)
#define log_info(...)  log_line(LOG_INFO, __func__, NULL, NULL, __VA_ARGS__)
#define log_debug(...)                                                                             \
    do {                                                                                           \
        if (log_get_level() >= LOG_DEBUG)                                                          \
            log_line(LOG_DEBUG, __func__, NULL, NULL, __VA_ARGS__);                                \
    } while (0)

#endif
