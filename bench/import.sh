#!/bin/bash
# bench/import.sh — how long `waymark import users` takes for a realistic 100,000-row CSV
# on a fresh SQLite file (the issue asks for under 10 s).
#
# Generates, in a temporary folder, a file shaped like an HR export: a three-level
# hierarchy (100 directors, 2,000 managers, the rest individual contributors), every
# column filled, names with accents and apostrophes, and for half of the teams the
# manager's row placed after their reports, so the import must resolve managers that
# appear later. Then: `waymark tenant add` (which also migrates the database, outside
# the timing), the timed import, and a timed second import of the same file (every row
# unchanged). Prints both figures in seconds, plus the import's own summary line.
#
# Builds nothing: `make build-release` first. Environment:
#   BENCH_ROWS (100000)  rows in the file
#   WAYMARK_BIN (build/release/waymark)
# Exits non-zero when the import reports errors or the first run takes 10 s or more.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${BENCH_ROWS:-100000}
BIN=${WAYMARK_BIN:-build/release/waymark}
LIMIT=10

die() {
    echo "bench/import.sh: $*" >&2
    exit 1
}
[ -x "$BIN" ] || die "no $BIN; run 'make build-release' or set WAYMARK_BIN"
[[ $ROWS =~ ^[0-9]+$ && $ROWS -ge 2200 ]] || die "BENCH_ROWS must be a number >= 2200"

dir=$(mktemp -d "${TMPDIR:-/tmp}/waymark-bench-import.XXXXXX")
trap 'rm -rf "$dir"' EXIT

python3 bench/people-csv.py "$ROWS" >"$dir/people.csv"

db="sqlite:$dir/bench.db"
"$BIN" tenant add --slug bench --name "Bench Co" --db "$db" --log-level warn >/dev/null

timed_import() { # label
    local start end
    start=$(date +%s%N)
    if ! "$BIN" import users "$dir/people.csv" --tenant bench --db "$db" --log-level warn \
        >"$dir/out.txt" 2>"$dir/err.txt"; then
        cat "$dir/out.txt" "$dir/err.txt" >&2
        die "the import failed"
    fi
    end=$(date +%s%N)
    awk -v ns=$((end - start)) 'BEGIN { printf "%.2f", ns / 1e9 }'
}

size=$(du -h "$dir/people.csv" | cut -f1)
first_run=$(timed_import)
summary=$(cat "$dir/out.txt")
second_run=$(timed_import)
echo "import of $ROWS rows ($size CSV) into a fresh SQLite database: ${first_run} s"
echo "  $summary"
echo "the same file again (all unchanged): ${second_run} s"
echo "  $(cat "$dir/out.txt")"
awk -v t="$first_run" -v limit=$LIMIT 'BEGIN { exit !(t < limit) }' ||
    die "the import took ${first_run} s, the limit is ${LIMIT} s"
