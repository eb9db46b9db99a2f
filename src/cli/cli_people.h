/*
 * cli_people.h — operator commands for organisations and people:
 *   waymark tenant add --slug SLUG --name NAME [--timezone ZONE] [--db URL]
 *   waymark user add --tenant SLUG --email EMAIL --name NAME [--roles admin,designer] [--db URL]
 * `user add` reads the password from standard input (prompting twice, without echo, on
 * a terminal), never from the command line, where other users could read it in the
 * process list. Adding a slug or email that exists is an error (exit 1), so scripts
 * can run them safely more than once.
 */
#ifndef WAYMARK_CLI_PEOPLE_H
#define WAYMARK_CLI_PEOPLE_H

/* argv[1] is "tenant" or "user". Returns the process exit code (0, 1, or 2 for usage). */
int cli_people_main(int argc, char **argv);

#endif
