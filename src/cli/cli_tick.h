/*
 * cli_tick.h — `waymark tick [--at RFC3339] [--db URL]`: one scheduler pass at the given
 * instant (default: now), as enrolment_tick does it — enrol the new members of followed
 * groups, re-plan learners who fell behind — in one transaction, then one line saying
 * what it did. Tests and operators use it to move a database through time; the server's
 * scheduler runs the same pass.
 * Exit status: 0 done, 1 the pass failed (nothing was written), 2 bad usage.
 */
#ifndef WAYMARK_CLI_TICK_H
#define WAYMARK_CLI_TICK_H

/* argv[1] is "tick". Returns the exit status. */
int cli_tick_main(int argc, char **argv);

#endif
