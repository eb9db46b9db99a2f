/*
 * config.h — every setting of the waymark binary, from flags and environment.
 *
 * One table (config.c) names each option once: its flag, its environment variable, its
 * default, its bounds and which subcommands take it. Precedence: flag, then environment,
 * then default. config_parse validates everything before anything starts, so a typo
 * fails fast with a one-line message (exit 2 in main) instead of half-starting a server.
 * The parsed struct is read-only afterwards and shared by all threads.
 */
#ifndef WAYMARK_CONFIG_H
#define WAYMARK_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "rc.h"

/* Subcommands, as bits, for the option table. */
enum config_command {
    CMD_SERVE = 1 << 0,
    CMD_MIGRATE = 1 << 1,
    CMD_DEMO = 1 << 2,
    CMD_VERSION = 1 << 3,
    CMD_HELP = 1 << 4,
    CMD_TICK = 1 << 5, /* waymark tick: the database options and the delivery ones */
};

struct config {
    char db_url[1024];
    char listen_host[64];
    int listen_port;
    int threads;
    char web_root[1024];
    long max_body;        /* bytes of a JSON body */
    long max_upload;      /* bytes of a multipart upload */
    long max_uri;         /* bytes of the request target */
    long max_headers;     /* bytes of all request headers */
    int max_connections;  /* open connections, whole server */
    int max_per_ip;       /* open connections per client address (0: unlimited) */
    int idle_timeout;     /* seconds a connection may stay silent */
    int shutdown_timeout; /* seconds to let in-flight requests finish on SIGTERM */
    int log_level;
    int access_log;      /* 1: one line per request on stderr */
    char now_file[1024]; /* test clock; "" for the system clock */
    int secure_cookies;  /* 1: mark cookies Secure (users reach Waymark over HTTPS) */
    /* Notifications (docs/notifications.md). */
    char public_url[512];   /* how people reach Waymark, for links in emails; no trailing / */
    char smtp_url[1024];    /* the deployment's relay: smtp://, smtps://; "" none */
    char smtp_from[512];    /* "Name <address>" or "address" */
    int scheduler;          /* 1: serve runs the scheduler thread */
    int scheduler_interval; /* seconds between its passes */
};

/* Fills cfg with defaults, then environment, then the flags in argv[first..argc) that
 * command accepts. On error returns RC_INVALID with a one-line message in err. */
enum rc config_parse(struct config *cfg, enum config_command command, int argc, char **argv,
                     int first, char *err, size_t errlen);

/* Prints the options command accepts, one per line with env var, default and meaning. */
void config_print_options(FILE *out, enum config_command command);

#endif
