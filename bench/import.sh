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

python3 - "$ROWS" >"$dir/people.csv" <<'PY'
import random, sys

rows = int(sys.argv[1])
rnd = random.Random(20261201)
first = ["Ana", "Ben", "Chlo\u00e9", "Dev", "Emma", "Farah", "Georg", "Hana", "Ian", "Jos\u00e9",
         "Kai", "Lena", "Mateo", "Nia", "Owen", "Priya", "Quinn", "Ravi", "Sofia", "Tom\u00e1s",
         "Uma", "Vik", "Wen", "Xavier", "Yara", "Zo\u00eb"]
last = ["Adams", "Brown", "Chen", "D'Souza", "Evans", "Fischer", "Garc\u00eda", "Haddad", "Ito",
        "Jones", "Kowalski", "Lindqvist", "M\u00fcller", "Nguyen", "O'Connor", "Patel", "Quinn",
        "Rossi", "Silva", "Tanaka", "Usman", "Varga", "Walsh", "Xu", "Young", "Zhang"]
departments = ["Sales", "Customer Support", "Engineering", "Finance", "Operations",
               "Marketing", "People", "Legal", "Product", "Logistics"]
titles = ["Associate", "Specialist", "Senior Specialist", "Analyst", "Engineer", "Advisor",
          "Coordinator", "Consultant"]

directors, managers = 100, 2000
people = []  # (index, manager index or None, level)
for d in range(directors):
    people.append((d, None, 0))
for m in range(managers):
    people.append((directors + m, m % directors, 1))
for i in range(directors + managers, rows):
    people.append((i, directors + (i % managers), 2))

def email(i):
    return f"person{i:06d}@example.com"

def row(i, boss, level):
    name = f"{rnd.choice(first)} {rnd.choice(last)}"
    dept = departments[(boss if boss is not None else i) % len(departments)]
    title = ["Director", "Manager", rnd.choice(titles)][level]
    roles = "admin" if i == 0 else ("coach" if i % 97 == 0 else "")
    manager = email(boss) if boss is not None else ""
    q = '"' + name.replace('"', '""') + '"'
    return f"EMP{i:06d},{email(i)},{q},{manager},{dept},{title} {dept},{roles}\r\n"

# Output order: directors last; each manager's team grouped, with the manager after the
# team for odd-numbered managers and before it for even ones.
teams = {}
for p in people:
    if p[2] == 2:
        teams.setdefault(p[1], []).append(p)
out = sys.stdout
out.write("external_id,email,name,manager_email,department,job_title,roles\r\n")
for m in range(managers):
    mp = people[directors + m]
    if m % 2 == 0:
        out.write(row(*mp))
    for p in teams.get(directors + m, []):
        out.write(row(*p))
    if m % 2 == 1:
        out.write(row(*mp))
for d in range(directors):
    out.write(row(*people[d]))
PY

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
