/*
 * routes.h — THE route table: every URL of the JSON API is one row of routes.c.
 */
#ifndef WAYMARK_ROUTES_H
#define WAYMARK_ROUTES_H

#include "router.h"

extern const struct route ROUTES[];
extern const size_t ROUTES_COUNT;

#endif
