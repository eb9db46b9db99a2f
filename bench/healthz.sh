#!/bin/bash
# bench/healthz.sh — Waymark's GET /healthz against nginx serving the same bytes.
#
# Starts, in one temporary folder: nginx (2 workers, static file {"status":"ok"}, access log
# to a file) and build/release/waymark serve (2 threads, fresh SQLite database, access log
# on stderr redirected to a file). Warms both up, then alternates wrk runs
# nginx/waymark/nginx/waymark… so drift on this shared machine hits both alike, and prints
# one Markdown table — median requests/s (min–max), p50, p99, ratio to nginx, peak RSS —
# which it also writes to bench/results/latest.md with the date, commit and command.
#
# Builds nothing: `make bench` builds build/release first. Environment:
#   BENCH_RUNS (3)   runs per target     BENCH_DURATION (10s)   length of each run
#   BENCH_CONNECTIONS (64), BENCH_THREADS (2)   wrk's -c and -t
#   WAYMARK_BIN (build/release/waymark)
# Only the two servers it started are stopped, by their process ids.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${BENCH_RUNS:-3}
DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
WRK_THREADS=${BENCH_THREADS:-2}
BIN=${WAYMARK_BIN:-build/release/waymark}
[[ $DURATION =~ ^[0-9]+$ ]] && DURATION="${DURATION}s"

die() {
    echo "bench/healthz.sh: $*" >&2
    exit 1
}
[ -x "$BIN" ] || die "no $BIN; run 'make bench' (it builds build/release first) or set WAYMARK_BIN"
command -v wrk >/dev/null || die "wrk is missing (Debian package wrk; scripts/deps bench)"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || die "nginx is missing (Debian package nginx-light; scripts/deps bench)"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive whole number"

work=$(mktemp -d /tmp/waymark-bench-XXXXXX)
chmod 755 "$work"
nginx_pid=""
waymark_pid=""
cleanup() {
    for pid in $waymark_pid $nginx_pid; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Polls url until it answers 200 (10 s), or fails naming log.
wait_ready() { # name url pid log
    for _ in $(seq 100); do
        kill -0 "$3" 2>/dev/null || { cat "$4" >&2; die "$1 exited during start-up"; }
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$2" || true)" = 200 ] && return 0
        sleep 0.1
    done
    cat "$4" >&2
    die "$1 did not answer $2 within 10 s"
}

# ---- nginx ------------------------------------------------------------------------------
mkdir -p "$work/nginx-root" "$work/nginx-tmp"
printf '{"status":"ok"}' >"$work/nginx-root/healthz"
chmod -R a+rX "$work/nginx-root"
nginx_port=$(free_port)
user_line=""
[ "$(id -u)" -eq 0 ] && user_line="user root;" # workers read the temp folder as we do
sed -e "s|@WORK@|$work|g" -e "s|@PORT@|$nginx_port|g" -e "s|@USER@|$user_line|g" \
    bench/nginx.conf.in >"$work/nginx.conf"
"$NGINX" -p "$work/" -c "$work/nginx.conf" -e "$work/nginx-error.log" 2>>"$work/nginx-error.log" &
nginx_pid=$!
nginx_url="http://127.0.0.1:$nginx_port/healthz"
wait_ready nginx "$nginx_url" "$nginx_pid" "$work/nginx-error.log"

# ---- waymark ----------------------------------------------------------------------------
"$BIN" serve --db "sqlite:$work/waymark.db" --listen 127.0.0.1:0 --threads 2 \
    --web-root web --access-log on --log-level info 2>"$work/waymark.log" &
waymark_pid=$!
for _ in $(seq 150); do
    grep -q 'msg="listening"' "$work/waymark.log" 2>/dev/null && break
    kill -0 "$waymark_pid" 2>/dev/null || { cat "$work/waymark.log" >&2; die "waymark exited during start-up"; }
    sleep 0.1
done
waymark_base=$(sed -n 's/.*msg="listening".*url=\(http:[^ ]*\).*/\1/p' "$work/waymark.log" | head -1)
[ -n "$waymark_base" ] || { cat "$work/waymark.log" >&2; die "waymark did not log its listening URL"; }
waymark_url="$waymark_base/healthz"
wait_ready waymark "$waymark_url" "$waymark_pid" "$work/waymark.log"

body_nginx=$(curl -s "$nginx_url")
body_waymark=$(curl -s "$waymark_url")
[ "$body_nginx" = "$body_waymark" ] || die "bodies differ: nginx '$body_nginx', waymark '$body_waymark'"

# ---- runs -------------------------------------------------------------------------------
echo "warming up (2 s each)…" >&2
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d2s "$nginx_url" >/dev/null
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d2s "$waymark_url" >/dev/null

# Latency in microseconds from wrk's "50%  123.45us" / "1.23ms" / "1.2s".
to_us() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n = n; else if (u == "ms") n *= 1000; else if (u == "s") n *= 1000000
        else if (u == "m") n *= 60000000
        printf "%.1f", n }'
}

declare -A rps p50 p99 errors
for name in nginx waymark; do errors[$name]=0; done
for i in $(seq "$RUNS"); do
    for name in nginx waymark; do
        url=$nginx_url
        [ "$name" = waymark ] && url=$waymark_url
        out="$work/wrk-$name-$i.txt"
        wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$out"
        r=$(awk '/^Requests\/sec:/ {print $2}' "$out")
        a=$(awk '$1 == "50%" {print $2}' "$out")
        b=$(awk '$1 == "99%" {print $2}' "$out")
        [ -n "$r" ] && [ -n "$a" ] && [ -n "$b" ] || { cat "$out" >&2; die "could not read wrk's output"; }
        bad=$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$out")
        errors[$name]=$((errors[$name] + bad))
        rps[$name]+="$r "
        p50[$name]+="$(to_us "$a") "
        p99[$name]+="$(to_us "$b") "
        printf '  run %d %-8s %10.0f req/s  p50 %s  p99 %s%s\n' "$i" "$name" "$r" "$a" "$b" \
            "$([ "$bad" -gt 0 ] && echo "  ($bad errors)")" >&2
    done
done

peak_rss_kib=$(awk '/^VmHWM:/ {print $2}' "/proc/$waymark_pid/status")
nginx_rss_kib=0
for pid in $(pgrep -P "$nginx_pid" 2>/dev/null) "$nginx_pid"; do
    k=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    nginx_rss_kib=$((nginx_rss_kib + ${k:-0}))
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
minimum() { tr ' ' '\n' | grep . | sort -g | head -1; }
maximum() { tr ' ' '\n' | grep . | sort -g | tail -1; }
thousands() { LC_ALL=C awk -v n="$1" 'BEGIN { s = sprintf("%.0f", n); o = ""; while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) } print s o }'; }
latency() { awk -v us="$1" 'BEGIN { if (us >= 1000) printf "%.2f ms", us / 1000; else printf "%.0f µs", us }'; }

nginx_median=$(median <<<"${rps[nginx]}")
row() { # name label rss
    local m lo hi
    m=$(median <<<"${rps[$1]}")
    lo=$(minimum <<<"${rps[$1]}")
    hi=$(maximum <<<"${rps[$1]}")
    printf '| %s | %s (%s–%s) | %s | %s | %s | %s |\n' "$2" "$(thousands "$m")" "$(thousands "$lo")" \
        "$(thousands "$hi")" "$(latency "$(median <<<"${p50[$1]}")")" \
        "$(latency "$(median <<<"${p99[$1]}")")" \
        "$(awk -v a="$m" -v b="$nginx_median" 'BEGIN {printf "%.2f", a / b}')" "$3"
}
mib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}'; }

table=$(
    echo '| target | median req/s (min–max) | p50 | p99 | ratio to nginx | peak RSS |'
    echo '|---|---:|---:|---:|---:|---:|'
    row nginx 'nginx 1.22 static file, 2 workers' "$(mib "$nginx_rss_kib") (all processes)"
    row waymark 'waymark `GET /healthz`, 2 threads, SQLite' "$(mib "$peak_rss_kib")"
)

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit="$commit (with uncommitted changes)"
notes=""
for name in nginx waymark; do
    [ "${errors[$name]}" -gt 0 ] && notes+="- **$name had ${errors[$name]} errors or non-2xx responses** — the figures are not valid."$'\n'
done

report=$(cat <<EOF
# Benchmark: GET /healthz, Waymark against nginx

- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)
- commit: $commit
- command: \`BENCH_RUNS=$RUNS BENCH_DURATION=$DURATION bench/healthz.sh\` (binary $BIN) — each run \`wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION --latency\`, $RUNS runs per target, alternated, after a 2 s warm-up
- machine: $(nproc) CPUs ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(uname -sr); load generator on the same cores

$table

Both bodies are the 15 bytes \`{"status":"ok"}\`; both servers write an access log to a file.
Waymark's /healthz also makes one SQLite round trip (\`SELECT 1\`) per request.
Peak RSS is VmHWM from /proc at the end of the runs. Medians over the runs; p50/p99 are
the medians of each run's wrk percentiles. The machine is shared: compare ratios, not
absolute numbers.
${notes}
EOF
)

mkdir -p bench/results
printf '%s\n' "$report" >bench/results/latest.md.tmp
mv bench/results/latest.md.tmp bench/results/latest.md
echo
printf '%s\n' "$table"
echo
echo "written to bench/results/latest.md" >&2
[ -z "$notes" ]
