/*
 * cli_tick.h — `waymark tick [--at RFC3339] [--no-deliver] [--max-deliveries N] [--db URL]
 * [--smtp-url URL] [--smtp-from ADDR] [--public-url URL]`: one scheduler pass at the given
 * instant (default: now), exactly as the server's scheduler thread runs it
 * (scheduler_run_once: enrol the new members of followed groups, re-plan learners who fell
 * behind, post the notices that are due, in one transaction), then the delivery of the
 * outbox rows due at that instant (unless --no-deliver; at most --max-deliveries of them),
 * then one line saying what it did. Tests and operators use it to move a database through
 * time.
 * Exit status: 0 done, 1 the pass failed (nothing was written), 2 bad usage.
 */
#ifndef WAYMARK_CLI_TICK_H
#define WAYMARK_CLI_TICK_H

/* argv[1] is "tick". Returns the exit status. */
int cli_tick_main(int argc, char **argv);

#endif
