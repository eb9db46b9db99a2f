#!/bin/bash
# bench/notify.sh — the scheduler's pass and email delivery at scale (issue 6 asks: a
# scheduler pass over 3,000,000 activities in under 5 s on SQLite; delivery of at least
# 200 emails/s to a loopback SMTP sink).
#
# Seeds the database bench/journey.sh builds (BENCH_SEED_ONLY: 100,000 learners on a
# 30-step workflow with start dates staggered over six weeks around today: 3,000,150
# activities; nobody completes anything, so every morning is a heavy one), then on
# BENCH_RUNS consecutive working days from the next Monday:
#   morning   `waymark tick --at D 09:30 --no-deliver` again and again, as the scheduler
#             does while a pass says "more to do" (each pass posts at most 5,000 notices
#             and re-plans at most 500 enrolments), until the day's new activities,
#             reminders, overdue nudges, escalations, re-plans and digests are all posted;
#             every pass's own time ("in N ms": its transaction) is recorded;
#   later     one pass at 10:30, when nothing new is due: what a pass costs over the whole
#             database (it must post nothing).
# Then delivery: an aiosmtpd sink on loopback (Debian python3-aiosmtpd) takes
# BENCH_EMAILS of the queued emails (`waymark tick --smtp-url … --max-deliveries N`),
# timed by the "delivered … in N ms" the tick prints.
# Prints one Markdown table of medians and exits non-zero when a target is missed.
#
# Builds nothing: `make build-release` first. Environment: BENCH_LEARNERS (100000),
# BENCH_RUNS (3), BENCH_EMAILS (5000), WAYMARK_BIN (build/release/waymark), BENCH_KEEP
# (keep and print the work folder). Stops only the processes it started, by their ids.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${WAYMARK_BIN:-build/release/waymark}
RUNS=${BENCH_RUNS:-3}
EMAILS=${BENCH_EMAILS:-5000}
PY=/usr/bin/python3 # Debian's, with aiosmtpd

die() {
    echo "bench/notify.sh: $*" >&2
    exit 1
}
[ -x "$BIN" ] || die "no $BIN; run 'make build-release' or set WAYMARK_BIN"
"$PY" -c 'import aiosmtpd' 2>/dev/null || die "python3-aiosmtpd is missing (scripts/deps test)"

dir=$(mktemp -d "${TMPDIR:-/tmp}/waymark-bench-notify.XXXXXX")
sink_pid=
cleanup() {
    if [ -n "$sink_pid" ]; then
        kill "$sink_pid" 2>/dev/null || true
        wait "$sink_pid" 2>/dev/null || true # killed: not a failure of the benchmark
    fi
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
[ -n "${BENCH_KEEP:-}" ] && echo "dir $dir"

BENCH_SEED_ONLY="$dir" bench/journey.sh
db="sqlite:$dir/bench.db"
activities=$(sqlite3 "$dir/bench.db" 'SELECT count(*) FROM activities')

# Working days from next Monday, at 09:30 in London (UTC+0 in winter).
ahead=$(((8 - $(date -u +%u)) % 7))
[ "$ahead" -gt 0 ] || ahead=7
monday=$(date -u -d "$(date -u +%F) +$ahead days" +%F)
tick() { # instant [flags…] -> the tick's output line
    local at=$1
    shift
    "$BIN" tick --at "$at" --db "$db" --log-level warn "$@"
}
ms_of() { sed -n "s/.* in \([0-9]*\) ms.*/\1/p" | head -1; }
notices_of() { sed -n 's/.*; \([0-9]*\) notices\{0,1\} .*/\1/p'; }
day_file=$dir/day
: >"$dir/pass" >"$dir/quiet" >"$day_file"
last=
for i in $(seq 0 $((RUNS - 1))); do
    day=$(date -u -d "$monday +$i days" +%F)
    # The morning: passes one after another (as the scheduler runs them while a pass says
    # "more to do") until the day's notices are all posted.
    passes=0 posted=0 t0=$(date +%s%N)
    while :; do
        at=$(date -u -d "$day 09:30:00 UTC + $passes seconds" +%FT%TZ)
        out=$(tick "$at" --no-deliver)
        echo "$out" >>"$dir/ticks"
        ms_of <<<"$out" >>"$dir/pass"
        posted=$((posted + $(notices_of <<<"$out")))
        passes=$((passes + 1))
        grep -q "more to do" <<<"$out" || break
        [ "$passes" -lt 400 ] || die "the morning of $day did not settle in 400 passes"
    done
    t1=$(date +%s%N)
    echo "$posted $passes $(((t1 - t0) / 1000000))" >>"$day_file"
    # Later that day nothing new is due: what a pass costs over the whole database.
    out=$(tick "${day}T10:30:00Z" --no-deliver)
    echo "$out" >>"$dir/ticks"
    grep -q "; 0 notices" <<<"$out" || die "a pass at 10:30 posted notices: $out"
    ms_of <<<"$out" >>"$dir/quiet"
    last=${day}T10:30:00Z
done
queued=$(sqlite3 "$dir/bench.db" "SELECT count(*) FROM outbox WHERE state = 'pending' AND channel = 'email'")
[ "$queued" -ge "$EMAILS" ] || die "only $queued emails are queued; BENCH_EMAILS is $EMAILS"

port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$PY" -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Sink >"$dir/sink.log" 2>&1 &
sink_pid=$!
for _ in $(seq 50); do
    "$PY" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$port" \
        2>/dev/null && break
    sleep 0.1
done
out=$(tick "$last" --smtp-url "smtp://127.0.0.1:$port" --max-deliveries "$EMAILS")
echo "$out" >>"$dir/ticks"
sent=$(sed -n 's/.*; delivered \([0-9]*\),.*/\1/p' <<<"$out")
deliver_ms=$(sed -n 's/.*; delivered .* in \([0-9]*\) ms.*/\1/p' <<<"$out")
[ "$sent" = "$EMAILS" ] || die "delivered $sent of $EMAILS: $out"
rate=$(awk -v n="$sent" -v ms="$deliver_ms" 'BEGIN { printf "%.0f", n * 1000 / ms }')

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
pass_ms=$(median <"$dir/pass")
worst_ms=$(sort -g "$dir/pass" | tail -1)
quiet_ms=$(median <"$dir/quiet")
day_notices=$(cut -d' ' -f1 "$day_file" | median)
day_passes=$(cut -d' ' -f2 "$day_file" | median)
day_ms=$(cut -d' ' -f3 "$day_file" | median)
per_s=$(awk -v n="$day_notices" -v ms="$day_ms" 'BEGIN { printf "%.0f", n * 1000 / ms }')
dbsize=$(du -h "$dir/bench.db" | cut -f1)

echo "SQLite; $activities activities, staggered starts, nobody completing ($dbsize database); $RUNS working days"
printf '| figure | median | worst | target |\n|---|---:|---:|---|\n'
printf '| one scheduler pass of the morning burst (its transaction) | %s ms | %s ms | < 5 s |\n' "$pass_ms" "$worst_ms"
printf '| a pass later in the day (nothing new: the cost over the whole database) | %s ms | | |\n' "$quiet_ms"
printf '| the morning: notices posted, passes, seconds | %s, %s, %s s | | |\n' "$day_notices" "$day_passes" "$(awk -v ms="$day_ms" 'BEGIN { printf "%.1f", ms / 1000 }')"
printf '| posting rate over the morning | %s notices/s | | |\n' "$per_s"
printf '| delivery of %s emails to a loopback sink | %s emails/s | | >= 200/s |\n' "$sent" "$rate"
fail=0
[ "$worst_ms" -lt 5000 ] || { echo "a pass takes $worst_ms ms; the limit is 5 s" >&2; fail=1; }
[ "$rate" -ge 200 ] || { echo "delivery runs at $rate emails/s; the target is 200/s" >&2; fail=1; }
exit $fail
