#!/usr/bin/env bash
# The coordinator's queue of incident reports and the submission of a
# version (`renkei bench report-queue`, issue 18) on SQLite and PostgreSQL;
# prints a markdown table.
#
# Usage: bench/report_queue.sh [--reports 100000] [--orgs 1000] [--sample 1000]
#                              [--rounds 300] [--submissions 1000]
#                              [--pg postgres://user@host:port/db] [--only sqlite|pg]
#                              [--keep]
#
# For each store, one fresh store (SQLite under
# target/bench/report-queue-sqlite-<N>/; PostgreSQL database
# renkei_bench_reports created through the --pg URL, dropped at the end
# unless --keep): `renkei bench report-queue` binds every shipped profile's
# recipients to one coordinator organisation, files --sample reports through
# the store API and times the queue and submissions on them (the small-store
# baseline), loads the rest of --reports through the bulk path, checks that
# loaded reports' stored deadlines agree with their clocks, then times the
# coordinator's first page (limit 50) for each filter and order three ways
# (`store`: the page alone; `clocks`: with every row's clocks computed by
# the server's functions; `answer`: the page as the API answers it, JSON)
# and --submissions versions (`store`: submit_version alone; `server`: what
# the API's POST does around it). The measuring runs are not niced; the
# build is. Raw output goes to target/bench/results/<time>-report-queue/.
set -euo pipefail

REPORTS=100000
ORGS=1000
SAMPLE=1000
ROUNDS=300
SUBMISSIONS=1000
PG=
ONLY=
KEEP=
while [ $# -gt 0 ]; do
  case "$1" in
    --reports) REPORTS=$2; shift 2 ;;
    --orgs) ORGS=$2; shift 2 ;;
    --sample) SAMPLE=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --submissions) SUBMISSIONS=$2; shift 2 ;;
    --pg) PG=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "report_queue.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BENCH=$ROOT/target/bench
OUT=$BENCH/results/$(date -u +%Y%m%dT%H%M%SZ)-report-queue
mkdir -p "$OUT"
log() { echo "[report_queue.sh $(date +%H:%M:%S)] $*" >&2; }
if [ -n "$PG" ]; then command -v psql >/dev/null || { echo "report_queue.sh: psql is needed for --pg" >&2; exit 1; }; fi

log "building renkei (release)"
nice -n 19 cargo build --release -q -p renkei
RENKEI=$ROOT/target/release/renkei
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
NOTES=()

# run NAME LABEL DBARG…
run() {
  local name=$1 label=$2; shift 2
  log "$name: renkei bench report-queue --reports $REPORTS (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  local load0; load0=$(cut -d' ' -f1-3 /proc/loadavg)
  "$RENKEI" bench report-queue "$@" --reports "$REPORTS" --orgs "$ORGS" --sample "$SAMPLE" \
    --rounds "$ROUNDS" --submissions "$SUBMISSIONS" --label "$label" 2>&1 | tee "$OUT/$name.log" >&2
  local note="$name: load average $load0 at start, $(cut -d' ' -f1-3 /proc/loadavg) at end"
  note="$note; $(grep -E '^(sample|bulk load|check)' "$OUT/$name.log" | paste -sd ';' -)"
  if [ "$1" = --database ]; then
    note="$note; database $(psql "$2" -Atc 'SELECT pg_size_pretty(pg_database_size(current_database()))')"
  fi
  NOTES+=("$note")
}

pg_db() {  # the --pg URL with its database replaced by $1, made fresh
  local db=$1 base query= prefix
  base=${PG%%\?*}; [ "$base" != "$PG" ] && query="?${PG#*\?}"
  export PGOPTIONS='-c client_min_messages=warning'
  if [[ "$base" =~ ^[a-z]+://[^/]*$ ]]; then prefix=$base; else prefix=${base%/*}; fi
  psql "$PG" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >&2
  echo "$prefix/$db$query"
}

if [ "$ONLY" != pg ]; then
  d=$BENCH/report-queue-sqlite-$REPORTS
  rm -rf "$d"; mkdir -p "$d"
  run "sqlite-$REPORTS" SQLite --data "$d"
fi
if [ -n "$PG" ] && [ "$ONLY" != sqlite ]; then
  run "pg-$REPORTS" PostgreSQL --database "$(pg_db renkei_bench_reports)"
  [ -z "$KEEP" ] && psql "$PG" -q -c "DROP DATABASE IF EXISTS renkei_bench_reports WITH (FORCE)" >&2
fi

{
  echo "## Coordinator queue and submissions (renkei bench report-queue)"
  echo
  echo "| store | reports | stage | case | how | rows | n | p50 ms | p95 ms | p99 ms | max ms |"
  echo "| --- | ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  grep -h '^RESULT ' "$OUT"/*.log | awk '{
    c = $0; sub(/.*case="/, "", c); sub(/".*/, "", c)
    r = $0; sub(/case="[^"]*"/, "", r)
    n = split(r, kv, " ")
    for (i = 2; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | **%s** | %s |\n", v["store"], v["reports"], v["stage"], c, v["how"], v["rows"], v["n"], v["p50"], v["p95"], v["p99"], v["max"]
  }'
  echo
  printf -- '- %s\n' "${NOTES[@]}"
  echo
  echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo);" \
    "load average $LOAD0 at start, $(cut -d' ' -f1-3 /proc/loadavg) at end;" \
    "$(date -u +%Y-%m-%dT%H:%MZ); renkei $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates Cargo.toml Cargo.lock || echo '+dirty'); raw output: ${OUT#"$ROOT"/}"
} | tee "$OUT/table.md"
