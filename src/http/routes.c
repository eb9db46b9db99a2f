/*
 * routes.c — the whole URL surface of Waymark, one row per route.
 *
 * This is the one place where src/http/ names module handlers. Keep rows grouped by
 * module and ordered by path. Everything not listed here is a static file from web/
 * (GET only) or 404.
 */
#include "routes.h"

#include "system_api.h"

const struct route ROUTES[] = {
    /* method   pattern      handler               flags */
    {"GET", "/healthz", system_api_healthz, 0},
    {"GET", "/metrics", system_api_metrics, 0},
};

const size_t ROUTES_COUNT = sizeof ROUTES / sizeof ROUTES[0];
