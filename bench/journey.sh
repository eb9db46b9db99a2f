#!/bin/bash
# bench/journey.sh — enrolling at scale and the learner's home page with a large database
# (issue 5 asks: enrolling 10,000 learners on a 30-step workflow in one request < 2 s;
# GET /api/v1/me/journey for a learner with 5 enrolments, with 3,000,000 activities in
# the database, < 2 ms at the server and >= 50 % of the requests/s of /healthz).
#
# Builds a fresh SQLite database: one organisation (Europe/London, Monday–Friday),
# BENCH_LEARNERS people imported from the generated HR file (bench/people-csv.py), five
# imported 30-step workflows published through the API, then enrols everybody on the first
# workflow through POST /api/v1/workflows/{id}/enrolments in requests of 10,000 pasted
# emails, with start dates staggered over six weeks (each request is timed: the enrolment
# figure is their median and worst). That makes 30 activities per person: 3,000,000 for
# the default 100,000 people. One more learner is enrolled on all five workflows, and wrk
# drives their journey with a bearer token:
#   latency     1 connection: p50, p99, and the mean time at the server from /metrics
#   throughput  BENCH_CONNECTIONS connections, alternating with /healthz under the same load
# Prints one Markdown table of medians over BENCH_RUNS runs and exits non-zero when a
# target is missed.
#
# Builds nothing: `make build-release` first. Environment: BENCH_LEARNERS (100000),
# BENCH_RUNS (3), BENCH_DURATION (5s), BENCH_CONNECTIONS (16), BENCH_THREADS (2),
# WAYMARK_BIN (build/release/waymark), BENCH_KEEP (keep and print the work folder),
# BENCH_SEED_ONLY (a folder: build the database there as bench.db, stop the server and
# exit 0 before measuring; bench/notify.sh seeds this way).
# Stops only the server it started, by its process id.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${WAYMARK_BIN:-build/release/waymark}
LEARNERS=${BENCH_LEARNERS:-100000}
RUNS=${BENCH_RUNS:-3}
DURATION=${BENCH_DURATION:-5s}
CONNS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
BATCH=10000

die() {
    echo "bench/journey.sh: $*" >&2
    exit 1
}
[ -x "$BIN" ] || die "no $BIN; run 'make build-release' or set WAYMARK_BIN"
command -v wrk >/dev/null || die "wrk is missing (Debian package wrk; scripts/deps bench)"
[[ $LEARNERS =~ ^[0-9]+$ && $LEARNERS -ge 12200 ]] || die "BENCH_LEARNERS must be >= 12200"

if [ -n "${BENCH_SEED_ONLY:-}" ]; then
    dir=$BENCH_SEED_ONLY
    mkdir -p "$dir"
    BENCH_KEEP=1
else
    dir=$(mktemp -d "${TMPDIR:-/tmp}/waymark-bench-journey.XXXXXX")
fi
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
[ -n "${BENCH_KEEP:-}" ] && [ -z "${BENCH_SEED_ONLY:-}" ] && echo "dir $dir"

db="sqlite:$dir/bench.db"
quiet=(--db "$db" --log-level warn)
"$BIN" tenant add --slug bench --name "Bench Co" --timezone Europe/London "${quiet[@]}" >/dev/null
python3 bench/people-csv.py "$LEARNERS" >"$dir/people.csv"
"$BIN" import users "$dir/people.csv" --tenant bench "${quiet[@]}" >/dev/null
echo "bench-password-123" | "$BIN" user add --tenant bench --email designer@bench.example \
    --name "Dee Signer" --roles designer "${quiet[@]}" >/dev/null
echo "bench-password-123" | "$BIN" user add --tenant bench --email learner@bench.example \
    --name "Lee Arner" "${quiet[@]}" >/dev/null
workflows=()
for w in 1 2 3 4 5; do
    python3 bench/workflow-json.py 30 3 "Workflow $w: thirty small steps" >"$dir/w$w.json"
    out=$("$BIN" import workflow "$dir/w$w.json" --tenant bench "${quiet[@]}")
    id=$(sed -n 's/^imported workflow \([0-9]*\) .*/\1/p' <<<"$out")
    [ -n "$id" ] || die "the import did not say which workflow it created: $out"
    workflows+=("$id")
done

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" serve --db "$db" --listen "127.0.0.1:$port" --threads 2 --log-level warn --scheduler off \
    >"$dir/server.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 50); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done

token_for() { # email -> a bearer token
    curl -fsS -c "$dir/cookies" -H 'Content-Type: application/json' \
        -d "{\"email\":\"$1\",\"password\":\"bench-password-123\"}" \
        "$base/api/v1/auth/login" >"$dir/login.json"
    local csrf
    csrf=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf_token"])' "$dir/login.json")
    curl -fsS -b "$dir/cookies" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
        -d '{"name":"bench"}' "$base/api/v1/me/tokens" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
designer=$(token_for designer@bench.example)
learner=$(token_for learner@bench.example)
api() { # method path [body] -> the answer; fails on an HTTP error
    local args=(-fsS -X "$1" -H "Authorization: Bearer $designer" -H 'Content-Type: application/json')
    [ $# -ge 3 ] && args+=(-d "$3")
    curl "${args[@]}" "$base$2"
}
for id in "${workflows[@]}"; do
    api POST "/api/v1/workflows/$id/publish" >/dev/null
done

# Enrolment: requests of 10,000 pasted emails (one per line), start dates staggered.
today=$(date -u +%F)
: >"$dir/enrol-times"
batches=$(((LEARNERS + BATCH - 1) / BATCH))
for b in $(seq 0 $((batches - 1))); do
    start=$(date -u -d "$today $((b * 3 - 20)) days" +%F)
    python3 - "$b" "$BATCH" "$LEARNERS" "$start" >"$dir/enrol.json" <<'PY'
import json, sys
b, size, total, start = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
emails = "\n".join(f"person{i:06d}@example.com" for i in range(b * size, min(total, (b + 1) * size)))
print(json.dumps({"emails": emails, "start_date": start}))
PY
    t0=$(date +%s%N)
    api POST "/api/v1/workflows/${workflows[0]}/enrolments" "@$dir/enrol.json" >"$dir/enrolled.json"
    t1=$(date +%s%N)
    created=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["created"])' "$dir/enrolled.json")
    echo "$created $(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.3f", ns / 1e9 }')" >>"$dir/enrol-times"
done
learner_id=$(curl -fsS -H "Authorization: Bearer $learner" "$base/api/v1/me" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("user", d)["id"])')
for i in 0 1 2 3 4; do
    start=$(date -u -d "$today $((i * 4 - 12)) days" +%F)
    api POST "/api/v1/workflows/${workflows[$i]}/enrolments" \
        "{\"user_ids\":[$learner_id],\"start_date\":\"$start\"}" >/dev/null
done
if [ -n "${BENCH_SEED_ONLY:-}" ]; then
    cp "$dir/enrol-times" "$dir/seed-enrol-times"
    exit 0
fi
journey="$base/api/v1/me/journey"
bytes=$(curl -fsS -H "Authorization: Bearer $learner" "$journey" | wc -c)
enrolments=$(curl -fsS -H "Authorization: Bearer $learner" "$journey" |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["enrolments"]))')
[ "$enrolments" = 5 ] || die "the learner has $enrolments enrolments, expected 5"
activities=$((LEARNERS * 30 + 150))

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
run_wrk() { # threads connections url [token] -> "rps p50_ms p99_ms"
    local auth=()
    [ $# -ge 4 ] && auth=(-H "Authorization: Bearer $4")
    wrk -t"$1" -c"$2" -d"$DURATION" --latency "${auth[@]}" "$3" |
        awk 'function to_ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0;
                                 if (v ~ /s$/) return v * 1000; return v }
             /Requests\/sec/ { rps = $2 } $1 == "50%" { p50 = to_ms($2) } $1 == "99%" { p99 = to_ms($2) }
             END { printf "%.0f %.3f %.3f\n", rps, p50, p99 }'
}
server_time() { # -> "sum_seconds count"
    curl -fsS "$base/metrics" | awk '/^waymark_http_request_duration_seconds_sum/ { s = $2 }
        /^waymark_http_request_duration_seconds_count/ { c = $2 } END { print s, c }'
}
wrk -t1 -c1 -d2s -H "Authorization: Bearer $learner" "$journey" >/dev/null # warm-up
: >"$dir/latency" >"$dir/load" >"$dir/healthz" >"$dir/server"
for _ in $(seq "$RUNS"); do
    read -r s0 c0 < <(server_time)
    run_wrk 1 1 "$journey" "$learner" >>"$dir/latency"
    read -r s1 c1 < <(server_time)
    awk -v s="$s1" -v t="$s0" -v c="$c1" -v d="$c0" 'BEGIN { printf "%.3f\n", (s - t) * 1000 / (c - d - 1) }' >>"$dir/server"
    run_wrk "$THREADS" "$CONNS" "$journey" "$learner" >>"$dir/load"
    run_wrk "$THREADS" "$CONNS" "$base/healthz" >>"$dir/healthz"
done
enrol_median=$(cut -d' ' -f2 "$dir/enrol-times" | median)
enrol_worst=$(cut -d' ' -f2 "$dir/enrol-times" | sort -g | tail -1)
lat_p50=$(cut -d' ' -f2 "$dir/latency" | median)
lat_p99=$(cut -d' ' -f3 "$dir/latency" | median)
server_ms=$(median <"$dir/server")
load_rps=$(cut -d' ' -f1 "$dir/load" | median)
load_p99=$(cut -d' ' -f3 "$dir/load" | median)
healthz_rps=$(cut -d' ' -f1 "$dir/healthz" | median)
ratio=$(awk -v a="$load_rps" -v b="$healthz_rps" 'BEGIN { printf "%.0f", a * 100 / b }')
rss=$(awk '/VmHWM/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$server_pid/status")
dbsize=$(du -h "$dir/bench.db" | cut -f1)

echo "SQLite, 2 server threads; $LEARNERS learners, $activities activities ($dbsize database)"
echo "enrolment: $batches requests of $BATCH pasted emails on a 30-step workflow"
printf '| figure | median | worst/p99 | target |\n|---|---:|---:|---|\n'
printf '| enrol 10,000 learners (one request) | %s s | %s s | < 2 s |\n' "$enrol_median" "$enrol_worst"
printf '| journey, 1 connection | %s ms | %s ms | |\n' "$lat_p50" "$lat_p99"
printf '| journey, time at the server (/metrics) | %s ms | | < 2 ms |\n' "$server_ms"
printf '| journey, %s connections | %s req/s | %s ms | >= 50 %% of /healthz |\n' "$CONNS" "$load_rps" "$load_p99"
printf '| /healthz, %s connections | %s req/s | | |\n' "$CONNS" "$healthz_rps"
echo "journey: $bytes bytes of JSON, 5 enrolments; journey/healthz = $ratio %; server peak RSS: $rss"
fail=0
awk -v t="$enrol_median" 'BEGIN { exit !(t < 2) }' || { echo "enrolment takes $enrol_median s; the limit is 2 s" >&2; fail=1; }
awk -v t="$server_ms" 'BEGIN { exit !(t < 2) }' || { echo "the journey takes $server_ms ms at the server; the limit is 2 ms" >&2; fail=1; }
[ "$ratio" -ge 50 ] || { echo "the journey serves $ratio % of /healthz's rate; the target is 50 %" >&2; fail=1; }
exit $fail
