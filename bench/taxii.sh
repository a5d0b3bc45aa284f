#!/usr/bin/env bash
# renkei and the OASIS reference TAXII server (medallion, memory backend)
# side by side, under wrk, in one run; prints a markdown table.
#
# Usage: bench/taxii.sh [--objects-small 10000] [--objects-large 1000000]
#                       [--pg postgres://user@host:port/db] [--duration 20]
#                       [--connections 64] [--connections-few N]
#                       [--pause-ms 25]
#                       [--medallion-objects 1000]
#                       [--medallion-duration 60] [--medallion-connections 1]
#                       [--reuse] [--no-analyze] [--pg-only]
#
# What runs, each server on 127.0.0.1 only and stopped before the next:
#   renkei on SQLite at --objects-small and --objects-large (and on
#   PostgreSQL at both sizes with --pg: one fresh database per size, named
#   renkei_bench_<N>, created through the --pg URL): `renkei bench taxii`
#   loads N indicators (reporting the ingest rate), then wrk asks for pages
#   of 100 at random `next` positions (bench/taxii.lua, TOKENS);
#   renkei on SQLite at --medallion-objects, first page only (no TOKENS);
#   medallion at --medallion-objects, first page only (it keeps paging state
#   server-side, so a first page with N objects stored is the fair request),
#   at --medallion-connections and at --connections.
#   With --connections-few N, each random-pages run is followed by one more
#   at N clients on the same server (a page's own latency; at 64 clients a
#   closed loop's latency is mostly queueing: 64 / throughput).
#   With --pause-ms P (default 25; 0: none), each random-pages run is also
#   followed by one at --connections clients that each pause a random
#   0..2P ms after every answer: 64 clients polling at about 64 / (P + page
#   time) pages/s together (about 2,000+ at P = 25), to show the latency at
#   a load below saturation, which a closed loop at full speed cannot.
# wrk: -t2 -c<connections> -d<duration>s --timeout 60s --latency, with
# bench/taxii.lua (wrapped to count non-200 answers and unanswered requests).
# Data directories live under target/bench/; without --reuse they are wiped
# (and the PostgreSQL databases dropped and created again) so that every
# run measures ingest; with --reuse a store that already holds N objects is
# served as it is. On PostgreSQL the script runs ANALYZE between the load
# and wrk (--no-analyze: measure a store that autovacuum has not analysed
# yet). With --pg-only (needs --pg) only the PostgreSQL runs are made: no
# SQLite store, no first-page sanity runs, no medallion, so that a run can
# compare two PostgreSQL sizes (e.g. 1,000,000 and 10,000,000) on its own.
# Raw outputs go to target/bench/results/<time>/.
set -euo pipefail

OBJECTS_SMALL=10000
OBJECTS_LARGE=1000000
PG=
DURATION=20
CONNECTIONS=64
FEW=
PAUSE=25
M_OBJECTS=1000
M_DURATION=60
M_CONNECTIONS=1
REUSE=
NO_ANALYZE=
PG_ONLY=
START_TIMEOUT=3600   # seconds a server may take to load its objects and listen
while [ $# -gt 0 ]; do
  case "$1" in
    --objects-small) OBJECTS_SMALL=$2; shift 2 ;;
    --objects-large) OBJECTS_LARGE=$2; shift 2 ;;
    --pg) PG=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --connections-few) FEW=$2; shift 2
      [[ "$FEW" =~ ^[1-9][0-9]*$ ]] || { echo "taxii.sh: --connections-few takes a number of clients" >&2; exit 2; } ;;
    --pause-ms) PAUSE=$2; shift 2
      [[ "$PAUSE" =~ ^[0-9]+$ ]] || { echo "taxii.sh: --pause-ms takes a number of milliseconds" >&2; exit 2; } ;;
    --medallion-objects) M_OBJECTS=$2; shift 2 ;;
    --medallion-duration) M_DURATION=$2; shift 2 ;;
    --medallion-connections) M_CONNECTIONS=$2; shift 2 ;;
    --reuse) REUSE=1; shift ;;
    --no-analyze) NO_ANALYZE=1; shift ;;
    --pg-only) PG_ONLY=1; shift ;;
    -h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "taxii.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

[ -n "$PG_ONLY" ] && [ -z "$PG" ] && { echo "taxii.sh: --pg-only needs --pg" >&2; exit 2; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BENCH=$ROOT/target/bench
OUT=$BENCH/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
log() { echo "[taxii.sh $(date +%H:%M:%S)] $*" >&2; }

# --- tools ---------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  log "installing wrk"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
for t in curl python3; do command -v $t >/dev/null || { echo "taxii.sh: $t is needed" >&2; exit 1; }; done
if [ -n "$PG" ]; then command -v psql >/dev/null || { echo "taxii.sh: psql is needed for --pg" >&2; exit 1; }; fi
log "building renkei (release)"
cargo build --release -q -p renkei
RENKEI=$ROOT/target/release/renkei

# bench/taxii.lua as it is, plus: responses that are neither 200 nor counted
# by wrk (its status errors are only status > 399, so a 204 or a 3xx would
# pass as a page) added to the errors of its RESULT line; and a line
# `INFLIGHT n`: requests sent but not answered when wrk stopped (wrk counts
# neither a request nor a timeout for those; for a server that answers
# nothing within the run they are the whole story).
LUA=$OUT/taxii-counted.lua
cat >"$LUA" <<EOF
dofile("$ROOT/bench/taxii.lua")
bench_non200, bench_sent, bench_answered = 0, 0, 0
local make = request
request = function()
  bench_sent = bench_sent + 1
  return make()
end
local counted = response
response = function(status, headers, body)
  bench_answered = bench_answered + 1
  if status ~= 200 and status < 400 then bench_non200 = bench_non200 + 1 end
  counted(status, headers, body)
end
local threads = {}
setup = function(thread) threads[#threads + 1] = thread end
local report = done
done = function(summary, latency, requests)
  -- wrk calls request() once more, in thread 1, to check the script
  local inflight = -1
  for _, t in ipairs(threads) do
    summary.errors.status = summary.errors.status + (t:get("bench_non200") or 0)
    inflight = inflight + (t:get("bench_sent") or 0) - (t:get("bench_answered") or 0)
  end
  report(summary, latency, requests)
  io.write(string.format("INFLIGHT %d\n", math.max(inflight, 0)))
end
EOF

# --- servers, stopped whatever happens --------------------------------------
# Only this script's own background jobs, and only while they still run (a
# finished job's pid may belong to someone else by now).
PIDS=()
running_child() { [[ " $(jobs -rp | tr '\n' ' ') " == *" $1 "* ]]; }   # no grep -q: pipefail
stop_pid() {
  local p=$1
  running_child "$p" || return 0
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 100); do running_child "$p" || return 0; sleep 0.1; done
  running_child "$p" && kill -KILL "$p" 2>/dev/null || true
}
cleanup() {
  trap - EXIT INT TERM
  for p in "${PIDS[@]}"; do stop_pid "$p"; done
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

# A loopback port nothing answers on yet.
NEXT_PORT=18210
free_port() {
  while (exec 3<>/dev/tcp/127.0.0.1/$NEXT_PORT) 2>/dev/null; do NEXT_PORT=$((NEXT_PORT + 1)); done
  PORT=$NEXT_PORT
  NEXT_PORT=$((NEXT_PORT + 1))
}

# wait_serving LOGFILE PID: until LOGFILE has a `serving URL` line.
wait_serving() {
  local logf=$1 pid=$2 end=$((SECONDS + START_TIMEOUT))
  while ! grep -q '^serving ' "$logf" 2>/dev/null; do
    if ! running_child "$pid"; then log "server exited early:"; tail -20 "$logf" >&2; return 1; fi
    if [ $SECONDS -ge $end ]; then log "server not serving after ${START_TIMEOUT}s"; return 1; fi
    sleep 0.5
  done
}

# page_check URL AUTH QUERY NAME: one request must be 200 with objects.
page_check() {
  local code n
  code=$(curl -sS -m 120 -o "$OUT/$4.page.json" -w '%{http_code}' \
    -H 'Accept: application/taxii+json;version=2.1' -H "Authorization: $2" "$1?$3")
  n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1])).get("objects", [])))' "$OUT/$4.page.json" 2>/dev/null || echo 0)
  if [ "$code" != 200 ] || [ "$n" -eq 0 ]; then
    log "$4: GET $1?$3 -> $code with $n objects"; head -c 400 "$OUT/$4.page.json" >&2; echo >&2
    return 1
  fi
  log "$4: check GET ?$3 -> 200, $n objects"
}

# run_wrk NAME URL AUTH TOKENS CONNECTIONS DURATION [wrk options…]: sets RESULT.
run_wrk() {
  local name=$1 url=$2 auth=$3 tokens=$4 conns=$5 dur=$6; shift 6
  local threads=2; [ "$conns" -lt 2 ] && threads=1
  log "$name: wrk -t$threads -c$conns -d${dur}s $* (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  NOTES+=("$name: load average $(cut -d' ' -f1-3 /proc/loadavg) before wrk")
  local envs=(env -u TOKENS -u PAUSE_MS AUTH="$auth"); [ -n "$tokens" ] && envs+=(TOKENS="$tokens")
  [ -n "${WRK_PAUSE:-}" ] && envs+=(PAUSE_MS="$WRK_PAUSE")
  # in the background, so that a signal to this script is handled at once
  "${envs[@]}" timeout $((dur + 180)) \
    wrk -t"$threads" -c"$conns" -d"${dur}s" --timeout 60s --latency "$@" -s "$LUA" "$url" >"$OUT/$name.wrk.txt" 2>&1 &
  local wpid=$!; PIDS+=("$wpid")
  wait "$wpid" || true
  RESULT=$(grep '^RESULT ' "$OUT/$name.wrk.txt" | tail -1 || true)
  [ -n "$RESULT" ] || { log "$name: wrk gave no RESULT line:"; tail -5 "$OUT/$name.wrk.txt" >&2; RESULT="RESULT failed"; }
  # pages/s with wrk's two decimals (the RESULT line rounds to whole pages)
  RESULT="$RESULT rps=$(sed -n 's/^Requests\/sec: *//p' "$OUT/$name.wrk.txt") inflight=$(sed -n 's/^INFLIGHT //p' "$OUT/$name.wrk.txt")"
  NOTES[-1]="${NOTES[-1]}, $(cut -d' ' -f1-3 /proc/loadavg) after"
  log "$name: $RESULT"
}

ROWS=()
NOTES=()   # per run: the load average around wrk; per PostgreSQL store: its size
# add_row STORE OBJECTS INGEST LOAD — from $RESULT.
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$RESULT"; }
add_row() {
  local pps p50 p99 req err inf
  pps=$(field rps); p50=$(field p50_ms); p99=$(field p99_ms); req=$(field requests); err=$(field errors); inf=$(field inflight)
  [ "${req:-0}" = 0 ] && { p50=; p99=; }
  ROWS+=("| $1 | $2 | $3 | $4 | ${pps:--} | ${p50:--} | ${p99:--} | ${req:--} | ${inf:--} | ${err:--} |")
}
declare -A PPS

# extra_run SUFFIX CONNECTIONS LOAD PAUSE_MS: one more wrk run on the server
# run_renkei started; its row goes to run_renkei's `extra` (bash's dynamic
# scope: name, url, auth, tokens, pid, logf, store and n are its locals).
extra_run() {
  local suffix=$1 conns=$2 xload=$3
  WRK_PAUSE=$4 run_wrk "$name-$suffix" "$url" "$auth" "$tokens" "$conns" "$DURATION"
  if ! running_child "$pid" || grep -q 'shutting down' "$logf"; then
    log "$name-$suffix: the server stopped during the run; its row is void"
    xload="$xload; SERVER STOPPED DURING THE RUN, VOID"
  fi
  add_row "$store" "$n" "" "$xload"
  extra+=("${ROWS[-1]}"); unset 'ROWS[-1]'
}

# run_renkei NAME STORE OBJECTS USE_TOKENS DBARG…
run_renkei() {
  local name=$1 store=$2 n=$3 use_tokens=$4; shift 4
  local logf=$OUT/$name.server.log tokens=$OUT/$name.tokens pid url auth ingest load
  free_port
  log "$name: renkei bench taxii --objects $n on 127.0.0.1:$PORT ($*)"
  timeout -s TERM $((START_TIMEOUT + DURATION + 600)) \
    "$RENKEI" bench taxii "$@" --objects "$n" --listen "127.0.0.1:$PORT" --tokens "$tokens" >"$logf" 2>&1 &
  pid=$!; PIDS+=("$pid")
  wait_serving "$logf" "$pid" || { stop_pid "$pid"; RESULT="RESULT failed"; add_row "$store" "$n" "failed" "-"; return 0; }
  url=$(sed -n 's/^serving //p' "$logf" | head -1)
  auth="Bearer $(sed -n 's/^token: //p' "$logf" | head -1)"
  ingest=$(sed -n 's/^ingest: .* = \([0-9]*\) indicators\/s.*/\1/p' "$logf" | head -1)
  grep -q '^ingest: store already holds' "$logf" && ingest="(reused)"
  if [ "$1" = --database ] && [ -z "$NO_ANALYZE" ]; then
    # Right after a bulk load PostgreSQL has no statistics for the new rows
    # until autovacuum gets to them (up to a minute or more), and plans pages
    # badly meanwhile; measure the steady state a deployment would be in.
    log "$name: ANALYZE"
    psql "$2" -q -c ANALYZE
  fi
  if [ "$1" = --database ]; then
    NOTES+=("$name: database $(psql "$2" -Atc 'SELECT pg_size_pretty(pg_database_size(current_database()))'), $(sed -n 's/^ingest: \(.*\)/\1/p' "$logf" | head -1)")
  fi
  if [ "$use_tokens" = 1 ]; then
    load="random pages, -c$CONNECTIONS"
    page_check "$url" "$auth" "limit=100&next=$(head -1 "$tokens")" "$name" || true
  else
    load="first page, -c$CONNECTIONS"; tokens=
  fi
  page_check "$url" "$auth" "limit=100" "$name" || true
  run_wrk "$name" "$url" "$auth" "$tokens" "$CONNECTIONS" "$DURATION"
  if ! running_child "$pid" || grep -q 'shutting down' "$logf"; then
    log "$name: the server stopped during the run (signalled from outside?); its row is void"
    load="$load; SERVER STOPPED DURING THE RUN, VOID"
  fi
  local main=$RESULT extra=()
  if [ -n "$FEW" ] && [ "$use_tokens" = 1 ] && running_child "$pid"; then
    # The same pages from fewer clients: a page's own latency, where at
    # -c$CONNECTIONS a closed loop's latency is mostly its queue.
    extra_run "c$FEW" "$FEW" "random pages, -c$FEW" ""
  fi
  if [ "$PAUSE" != 0 ] && [ "$use_tokens" = 1 ] && running_child "$pid"; then
    # The same pages from the same clients, each pausing between pages.
    extra_run paced "$CONNECTIONS" "random pages, -c$CONNECTIONS, each pausing 0–$((2 * PAUSE)) ms" "$PAUSE"
  fi
  RESULT=$main
  stop_pid "$pid"
  PPS[$name]=$(field rps)
  add_row "$store" "$n" "${ingest:--}" "$load"
  ROWS+=("${extra[@]}")
  return 0
}

sqlite_dir() {
  local d=$BENCH/renkei-sqlite-$1
  [ -z "$REUSE" ] && rm -rf "$d"
  mkdir -p "$d"; echo "$d"
}

# The --pg URL with its database replaced by renkei_bench_N, made fresh.
pg_db() {
  local n=$1 db=renkei_bench_$1 base query= prefix
  base=${PG%%\?*}; [ "$base" != "$PG" ] && query="?${PG#*\?}"
  export PGOPTIONS='-c client_min_messages=warning'   # no NOTICE for IF EXISTS
  if [[ "$base" =~ ^[a-z]+://[^/]*$ ]]; then prefix=$base; else prefix=${base%/*}; fi
  if [ -z "$REUSE" ]; then
    psql "$PG" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >&2
  elif [ -z "$(psql "$PG" -Atc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
    psql "$PG" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" >&2
  fi
  echo "$prefix/$db$query"
}

run_medallion() {
  local name=$1 conns=$2 logf=$OUT/$1.server.log pid url auth
  free_port
  log "$name: bench/medallion.sh --objects $M_OBJECTS on 127.0.0.1:$PORT"
  "$ROOT/bench/medallion.sh" --objects "$M_OBJECTS" --port "$PORT" \
    --max-seconds $((M_DURATION + 600)) >"$logf" 2>&1 &
  pid=$!; PIDS+=("$pid")
  wait_serving "$logf" "$pid" || { stop_pid "$pid"; RESULT="RESULT failed"; add_row "medallion / memory" "$M_OBJECTS" "-" "failed"; return 0; }
  url=$(sed -n 's/^serving //p' "$logf" | head -1)
  auth=$(sed -n 's/^auth: //p' "$logf" | head -1)
  M_VERSION=$(sed -n 's/^medallion \([^ ]*\) .*/\1/p' "$logf" | head -1)
  log "$name: $(grep '^medallion .*check' "$logf")"
  run_wrk "$name" "$url" "$auth" "" "$conns" "$M_DURATION"
  local load="first page, -c$conns"
  if ! running_child "$pid"; then
    log "$name: medallion stopped during the run; its row is void"
    load="$load; SERVER STOPPED DURING THE RUN, VOID"
  fi
  stop_pid "$pid"
  PPS[$name]=$(field rps)
  add_row "medallion $M_VERSION / memory" "$M_OBJECTS" "n/a" "$load"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the runs --------------------------------------------------------------
if [ -z "$PG_ONLY" ]; then
  for n in "$OBJECTS_SMALL" "$OBJECTS_LARGE"; do
    run_renkei "renkei-sqlite-$n" "renkei / SQLite" "$n" 1 --data "$(sqlite_dir "$n")"
  done
fi
if [ -n "$PG" ]; then
  for n in "$OBJECTS_SMALL" "$OBJECTS_LARGE"; do
    run_renkei "renkei-pg-$n" "renkei / PostgreSQL" "$n" 1 --database "$(pg_db "$n")"
  done
fi
M_VERSION=?
if [ -z "$PG_ONLY" ]; then
  run_renkei "renkei-sqlite-$M_OBJECTS-first" "renkei / SQLite" "$M_OBJECTS" 0 --data "$(sqlite_dir "$M_OBJECTS")"
  run_medallion "medallion-$M_OBJECTS-c$M_CONNECTIONS" "$M_CONNECTIONS"
  if [ "$M_CONNECTIONS" != "$CONNECTIONS" ]; then run_medallion "medallion-$M_OBJECTS-c$CONNECTIONS" "$CONNECTIONS"; fi
fi

# --- the table -------------------------------------------------------------
ratio() {  # renkei pages/s ÷ medallion pages/s
  awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (b > 0) printf "%.0f×", a / b; else printf "n/a (medallion completed no page in time)" }'
}
{
  echo "## TAXII GET objects, pages of 100 (wrk -d${DURATION}s; medallion -d${M_DURATION}s)"
  echo
  echo "| store | objects | ingest/s | load | pages/s | p50 ms | p99 ms | requests | in flight at end | errors |"
  echo "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${ROWS[@]}"
  echo
  if [ -z "$PG_ONLY" ]; then
    r=${PPS[renkei-sqlite-$M_OBJECTS-first]:-0}
    echo "renkei/medallion at $M_OBJECTS objects, first page (renkei SQLite at -c$CONNECTIONS: $r pages/s):"
    echo "- against medallion at -c$M_CONNECTIONS: $(ratio "$r" "${PPS[medallion-$M_OBJECTS-c$M_CONNECTIONS]:-0}")"
    if [ "$M_CONNECTIONS" != "$CONNECTIONS" ]; then
      echo "- against medallion at -c$CONNECTIONS: $(ratio "$r" "${PPS[medallion-$M_OBJECTS-c$CONNECTIONS]:-0}")"
    fi
  else
    echo "PostgreSQL only (--pg-only): no SQLite, no first-page or medallion runs; the sizes compare with each other."
  fi
  echo
  echo "All runs: wrk --timeout 60s, pages of 100 (?limit=100), Accept application/taxii+json;version=2.1."
  echo "requests = answered within the run; in flight at end = sent but unanswered when wrk stopped (not in the latencies);"
  if [ -n "$PG" ]; then
    if [ -z "$NO_ANALYZE" ]; then echo "PostgreSQL: ANALYZE ran between the load and wrk (a store fresh from a bulk load, before autovacuum analyses it, plans pages far worse: --no-analyze)."
    else echo "PostgreSQL: measured straight after the load, without ANALYZE (--no-analyze)."; fi
  fi
  echo "errors = socket errors + wrk timeouts (> 60 s) + responses other than 200. medallion has no ingest step: it loads a JSON file at start."
  echo
  printf -- '- %s\n' "${NOTES[@]}"
  echo
  echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo);" \
    "load average $LOAD0 at start, $(cut -d' ' -f1-3 /proc/loadavg) at end;" \
    "$(date -u +%Y-%m-%dT%H:%MZ); renkei $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates Cargo.toml Cargo.lock || echo '+dirty');" \
    "$(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2); medallion $M_VERSION; raw output: ${OUT#"$ROOT"/}"
} | tee "$OUT/table.md"
