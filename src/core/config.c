/*
 * config.c — the option table and its parser (see config.h).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

enum opt_kind { OPT_STRING, OPT_DB_URL, OPT_INT, OPT_BYTES, OPT_BOOL, OPT_LEVEL, OPT_LISTEN };

struct option_def {
    const char *flag; /* without the leading dashes */
    const char *env;
    enum opt_kind kind;
    size_t offset;
    size_t size; /* of the string field */
    long min, max;
    const char *def;
    unsigned commands;
    const char *help;
};

#define FIELD(f)  offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define DB_CMDS   (CMD_SERVE | CMD_MIGRATE | CMD_DEMO | CMD_TICK)
#define MAIL_CMDS (CMD_SERVE | CMD_TICK)

static const struct option_def OPTIONS[] = {
    {"db", "WAYMARK_DB", OPT_DB_URL, FIELD(db_url), 0, 0, "sqlite:data/waymark.db", DB_CMDS,
     "database URL: sqlite:PATH or postgres://user:pass@host:port/dbname"},
    {"listen", "WAYMARK_LISTEN", OPT_LISTEN, FIELD(listen_host), 0, 0, "127.0.0.1:8080", CMD_SERVE,
     "address and port to listen on (port 0 picks a free one)"},
    {"threads", "WAYMARK_THREADS", OPT_INT, FIELD(threads), 1, 256, "2", CMD_SERVE,
     "HTTP worker threads, each with its own database connection"},
    {"web-root", "WAYMARK_WEB_ROOT", OPT_STRING, FIELD(web_root), 0, 0, "web", CMD_SERVE,
     "folder of the static web UI"},
    {"max-body", "WAYMARK_MAX_BODY", OPT_BYTES, FIELD(max_body), 1024, 1L << 30, "1MiB", CMD_SERVE,
     "largest JSON request body (bytes, or with KiB/MiB)"},
    {"max-upload", "WAYMARK_MAX_UPLOAD", OPT_BYTES, FIELD(max_upload), 1024, 1L << 32, "25MiB",
     CMD_SERVE, "largest file upload"},
    {"max-uri", "WAYMARK_MAX_URI", OPT_BYTES, FIELD(max_uri), 256, 32768, "8KiB", CMD_SERVE,
     "longest request URL"},
    {"max-headers", "WAYMARK_MAX_HEADERS", OPT_BYTES, FIELD(max_headers), 1024, 49152, "16KiB",
     CMD_SERVE, "largest total size of the request headers"},
    {"max-connections", "WAYMARK_MAX_CONNECTIONS", OPT_INT, FIELD(max_connections), 1, 100000,
     "1024", CMD_SERVE, "most open connections"},
    {"max-per-ip", "WAYMARK_MAX_PER_IP", OPT_INT, FIELD(max_per_ip), 0, 100000, "0", CMD_SERVE,
     "most open connections from one address (0: no limit; set it when not behind a proxy)"},
    {"idle-timeout", "WAYMARK_IDLE_TIMEOUT", OPT_INT, FIELD(idle_timeout), 1, 3600, "30", CMD_SERVE,
     "seconds before a silent connection is closed"},
    {"shutdown-timeout", "WAYMARK_SHUTDOWN_TIMEOUT", OPT_INT, FIELD(shutdown_timeout), 0, 600, "10",
     CMD_SERVE, "seconds in-flight requests get to finish on SIGTERM/SIGINT"},
    {"log-level", "WAYMARK_LOG_LEVEL", OPT_LEVEL, FIELD(log_level), 0, 0, "info", DB_CMDS,
     "error, warn, info or debug"},
    {"access-log", "WAYMARK_ACCESS_LOG", OPT_BOOL, FIELD(access_log), 0, 0, "on", CMD_SERVE,
     "one log line per request: on or off"},
    {"secure-cookies", "WAYMARK_SECURE_COOKIES", OPT_BOOL, FIELD(secure_cookies), 0, 0, "off",
     CMD_SERVE, "mark the session cookie Secure: on when users reach Waymark over HTTPS"},
    {"now-file", "WAYMARK_NOW_FILE", OPT_STRING, FIELD(now_file), 0, 0, "", CMD_SERVE,
     "for tests: read the clock from this file (RFC 3339 or epoch seconds)"},
    {"public-url", "WAYMARK_PUBLIC_URL", OPT_STRING, FIELD(public_url), 0, 0,
     "http://127.0.0.1:8080", MAIL_CMDS | CMD_DEMO,
     "the address people reach Waymark at, for links in emails (http:// or https://)"},
    {"smtp-url", "WAYMARK_SMTP_URL", OPT_STRING, FIELD(smtp_url), 0, 0, "", MAIL_CMDS,
     "mail relay: smtp://host:port (STARTTLS when offered), smtps://host:port, "
     "optionally user:password@; empty: no email"},
    {"smtp-from", "WAYMARK_SMTP_FROM", OPT_STRING, FIELD(smtp_from), 0, 0, "waymark@localhost",
     MAIL_CMDS, "sender of emails: address or \"Name <address>\""},
    {"scheduler", "WAYMARK_SCHEDULER", OPT_BOOL, FIELD(scheduler), 0, 0, "on", CMD_SERVE,
     "run the scheduler (nudges, digests, email delivery) in this server: on or off"},
    {"scheduler-interval", "WAYMARK_SCHEDULER_INTERVAL", OPT_INT, FIELD(scheduler_interval), 1,
     3600, "60", CMD_SERVE, "seconds between scheduler passes"},
};

#define NOPTIONS (sizeof OPTIONS / sizeof OPTIONS[0])

static int parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_bytes(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || v < 0)
        return -1;
    long mult = 1;
    if (strcmp(end, "KiB") == 0 || strcmp(end, "K") == 0)
        mult = 1L << 10;
    else if (strcmp(end, "MiB") == 0 || strcmp(end, "M") == 0)
        mult = 1L << 20;
    else if (strcmp(end, "GiB") == 0 || strcmp(end, "G") == 0)
        mult = 1L << 30;
    else if (*end)
        return -1;
    if (v > LONG_MAX / mult)
        return -1;
    *out = v * mult;
    return 0;
}

static enum rc set_option(struct config *cfg, const struct option_def *o, const char *value,
                          const char *source, char *err, size_t errlen)
{
    char *field = (char *)cfg + o->offset;
    long v;
    switch (o->kind) {
    case OPT_DB_URL:
        if (strncmp(value, "sqlite:", 7) != 0 && strncmp(value, "postgres://", 11) != 0 &&
            strncmp(value, "postgresql://", 13) != 0) {
            /* Name only the scheme: the rest of a URL may hold a password. */
            snprintf(err, errlen,
                     "%s: must start with sqlite:, postgres:// or postgresql:// (got '%.*s')",
                     source, (int)strcspn(value, ":/@"), value);
            return RC_INVALID;
        }
        /* fall through */
    case OPT_STRING:
        if (strlen(value) >= o->size) {
            snprintf(err, errlen, "%s: is longer than %zu bytes", source, o->size - 1);
            return RC_INVALID;
        }
        memcpy(field, value, strlen(value) + 1);
        return RC_OK;
    case OPT_INT:
        if (parse_long(value, &v) || v < o->min || v > o->max) {
            snprintf(err, errlen, "%s: '%s' is not a whole number from %ld to %ld", source, value,
                     o->min, o->max);
            return RC_INVALID;
        }
        *(int *)field = (int)v;
        return RC_OK;
    case OPT_BYTES:
        if (parse_bytes(value, &v) || v < o->min || v > o->max) {
            snprintf(err, errlen, "%s: '%s' is not a size from %ld to %ld bytes", source, value,
                     o->min, o->max);
            return RC_INVALID;
        }
        *(long *)field = v;
        return RC_OK;
    case OPT_BOOL:
        if (strcmp(value, "on") == 0 || strcmp(value, "1") == 0 || strcmp(value, "true") == 0)
            *(int *)field = 1;
        else if (strcmp(value, "off") == 0 || strcmp(value, "0") == 0 ||
                 strcmp(value, "false") == 0)
            *(int *)field = 0;
        else {
            snprintf(err, errlen, "%s: '%s' must be on or off", source, value);
            return RC_INVALID;
        }
        return RC_OK;
    case OPT_LEVEL:
        if ((v = log_level_parse(value)) < 0) {
            snprintf(err, errlen, "%s: '%s' must be error, warn, info or debug", source, value);
            return RC_INVALID;
        }
        *(int *)field = (int)v;
        return RC_OK;
    case OPT_LISTEN: {
        const char *colon = strrchr(value, ':');
        long port;
        size_t hostlen = colon ? (size_t)(colon - value) : 0;
        if (!colon || hostlen == 0 || hostlen >= sizeof cfg->listen_host ||
            parse_long(colon + 1, &port) || port < 0 || port > 65535) {
            snprintf(err, errlen, "%s: '%s' must be HOST:PORT, e.g. 127.0.0.1:8080", source, value);
            return RC_INVALID;
        }
        memcpy(cfg->listen_host, value, hostlen);
        cfg->listen_host[hostlen] = '\0';
        cfg->listen_port = (int)port;
        return RC_OK;
    }
    }
    return RC_INTERNAL;
}

/* 1 when s starts with one of the prefixes and has something after it, and holds no
 * space or control character. */
static int url_shaped(const char *s, const char *a, const char *b)
{
    size_t n = strlen(a), m = b ? strlen(b) : 0;
    const char *rest = strncmp(s, a, n) == 0 ? s + n : b && strncmp(s, b, m) == 0 ? s + m : NULL;
    if (!rest || !*rest)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == 0x7f)
            return 0;
    return 1;
}

/* The URL options are checked once all sources are read, whichever set them. */
static enum rc check_urls(struct config *cfg, char *err, size_t errlen)
{
    if (!url_shaped(cfg->public_url, "http://", "https://")) {
        snprintf(err, errlen,
                 "--public-url: must be an http:// or https:// address, e.g. "
                 "https://learn.example.com");
        return RC_INVALID;
    }
    size_t n = strlen(cfg->public_url);
    while (n > 0 && cfg->public_url[n - 1] == '/')
        cfg->public_url[--n] = '\0';
    if (cfg->smtp_url[0] && !url_shaped(cfg->smtp_url, "smtp://", "smtps://")) {
        snprintf(err, errlen, "--smtp-url: must be smtp://host:port or smtps://host:port");
        return RC_INVALID;
    }
    if (!strchr(cfg->smtp_from, '@')) {
        snprintf(err, errlen, "--smtp-from: must be an address or \"Name <address>\"");
        return RC_INVALID;
    }
    return RC_OK;
}

enum rc config_parse(struct config *cfg, enum config_command command, int argc, char **argv,
                     int first, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    char source[128];
    for (size_t i = 0; i < NOPTIONS; i++) {
        const struct option_def *o = &OPTIONS[i];
        snprintf(source, sizeof source, "default of --%s", o->flag);
        if (set_option(cfg, o, o->def, source, err, errlen))
            return RC_INTERNAL;
        const char *env = getenv(o->env);
        if (env && (o->commands & command)) {
            snprintf(source, sizeof source, "%s", o->env);
            if (set_option(cfg, o, env, source, err, errlen))
                return RC_INVALID;
        }
    }
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0 || !arg[2]) {
            snprintf(err, errlen, "unexpected argument '%s'", arg);
            return RC_INVALID;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t namelen = eq ? (size_t)(eq - name) : strlen(name);
        const struct option_def *o = NULL;
        for (size_t k = 0; k < NOPTIONS && !o; k++)
            if ((OPTIONS[k].commands & command) && strlen(OPTIONS[k].flag) == namelen &&
                strncmp(OPTIONS[k].flag, name, namelen) == 0)
                o = &OPTIONS[k];
        if (!o) {
            snprintf(err, errlen, "unknown option --%.*s", (int)(namelen > 64 ? 64 : namelen),
                     name);
            return RC_INVALID;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (!value) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "--%s needs a value", o->flag);
                return RC_INVALID;
            }
            value = argv[++i];
        }
        snprintf(source, sizeof source, "--%s", o->flag);
        if (set_option(cfg, o, value, source, err, errlen))
            return RC_INVALID;
    }
    return check_urls(cfg, err, errlen);
}

void config_print_options(FILE *out, enum config_command command)
{
    for (size_t i = 0; i < NOPTIONS; i++) {
        const struct option_def *o = &OPTIONS[i];
        if (!(o->commands & command))
            continue;
        fprintf(out, "  --%-18s %-26s %s", o->flag, o->env, o->help);
        if (*o->def)
            fprintf(out, " (default %s)", o->def);
        fputc('\n', out);
    }
}
