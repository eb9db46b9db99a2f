/*
 * cli.h — what every command-line command does around its work: open the configured
 * database with every migration applied, and a context on it for the domain calls.
 */
#ifndef WAYMARK_CLI_H
#define WAYMARK_CLI_H

#include "core/config.h"
#include "core/ctx.h"

struct db;

/* Opens cfg's database and applies missing migrations. NULL after printing
 * "<prog>: <reason>" on standard error. */
struct db *cli_open_db(const struct config *cfg, const char *prog);

/* The same, and readies cx on it: cx->cfg = cfg, cx->now the current instant (or
 * WAYMARK_NOW_FILE's), no actor. Returns 0, or -1 after printing why. */
int cli_open(const struct config *cfg, const char *prog, struct ctx *cx);

/* Clears cx and closes its database. */
void cli_close(struct ctx *cx);

#endif
