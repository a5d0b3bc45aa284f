#!/usr/bin/env bash
# Indicator ingest and correlation look-ups (`renkei bench correlate`) on
# SQLite and PostgreSQL, each against its text-scan baseline in the same
# run; prints a markdown table.
#
# Usage: bench/correlate.sh [--objects 500000] [--objects-pg N]
#                           [--pg postgres://user@host:port/db]   (--objects-pg "N M …")
#                           [--lookups 20000] [--concurrency 16]
#                           [--tlps "green clear"] [--baseline-lookups 50]
#                           [--baseline-seconds 60] [--reuse] [--only sqlite|pg]
#
# For each store and each TLP in --tlps, one fresh store (SQLite under
# target/bench/correlate-sqlite-<N>-<tlp>/; PostgreSQL database
# renkei_corr_<N>_<tlp> created through the --pg URL): `renkei bench
# correlate` loads N indicators (1–4 values each, 2 on average, so about
# 2·N indexed values) through the sharing path and reports the ingest rate,
# runs ANALYZE, then times --lookups value look-ups (60 % present, 25 %
# absent, 15 % addresses inside an indexed network) from one task and from
# --concurrency tasks, then the baseline (a LIKE scan of the stored objects'
# text, at most --baseline-lookups or --baseline-seconds). TLP:GREEN data
# makes every look-up that finds something write a read-audit entry (the
# real path); TLP:CLEAR shows what that audit costs. With --reuse a store
# that already holds N objects is measured as it is (no ingest figure).
# --objects-pg takes one size or several ("500000 5000000"): one PostgreSQL
# store per size, measured one after the other in the same run (with
# --only pg, to compare sizes on PostgreSQL alone). The table's notes give
# the load average around each store's run and each database's size.
# Raw output goes to target/bench/results/<time>/.
set -euo pipefail

OBJECTS=500000
OBJECTS_PG=
PG=
LOOKUPS=20000
CONCURRENCY=16
TLPS="green clear"
BASE_N=50
BASE_S=60
REUSE=
ONLY=
while [ $# -gt 0 ]; do
  case "$1" in
    --objects) OBJECTS=$2; shift 2 ;;
    --objects-pg) OBJECTS_PG=$2; shift 2 ;;
    --pg) PG=$2; shift 2 ;;
    --lookups) LOOKUPS=$2; shift 2 ;;
    --concurrency) CONCURRENCY=$2; shift 2 ;;
    --tlps) TLPS=$2; shift 2 ;;
    --baseline-lookups) BASE_N=$2; shift 2 ;;
    --baseline-seconds) BASE_S=$2; shift 2 ;;
    --reuse) REUSE=1; shift ;;
    --only) ONLY=$2; shift 2 ;;
    -h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "correlate.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
OBJECTS_PG=${OBJECTS_PG:-$OBJECTS}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BENCH=$ROOT/target/bench
OUT=$BENCH/results/$(date -u +%Y%m%dT%H%M%SZ)-correlate
mkdir -p "$OUT"
log() { echo "[correlate.sh $(date +%H:%M:%S)] $*" >&2; }
if [ -n "$PG" ]; then command -v psql >/dev/null || { echo "correlate.sh: psql is needed for --pg" >&2; exit 1; }; fi

log "building renkei (release)"
cargo build --release -q -p renkei
RENKEI=$ROOT/target/release/renkei
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

ROWS=()
NOTES=()
# run NAME STORE_LABEL N TLP DBARG…
run() {
  local name=$1 label=$2 n=$3 tlp=$4; shift 4
  log "$name: renkei bench correlate --objects $n --tlp $tlp $* (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  local load0; load0=$(cut -d' ' -f1-3 /proc/loadavg)
  if ! "$RENKEI" bench correlate "$@" --objects "$n" --lookups "$LOOKUPS" --concurrency "$CONCURRENCY" \
      --tlp "$tlp" --baseline-lookups "$BASE_N" --baseline-seconds "$BASE_S" --label "$label" \
      2>&1 | tee "$OUT/$name.log" >&2; then
    ROWS+=("| $label | $n | – | $tlp | failed, see $name.log |")
    return 0
  fi
  local note="$name: load average $load0 at start, $(cut -d' ' -f1-3 /proc/loadavg) at end"
  if [ "$1" = --database ]; then
    note="$note; database $(psql "$2" -Atc 'SELECT pg_size_pretty(pg_database_size(current_database()))')"
  fi
  NOTES+=("$note")
  local r; r=$(grep '^RESULT ' "$OUT/$name.log" | tail -1)
  f() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$r"; }
  local ratio
  ratio=$(awk -v a="$(f seq_rate)" -v b="$(f base_rate)" 'BEGIN { if (b > 0) printf "%.0f×", a / b; else print "n/a" }')
  ROWS+=("| $label | $(f objects) | $(f values) | $(f tlp) | $(f ingest) | $(f seq_rate) | $(f seq_p50) | $(f seq_p99) | $(f seq_max) | $(f par_rate) | $(f par_p50) | $(f par_p99) | $(f base_n) | $(f base_rate) | $(f base_p50) | $ratio |")
}

pg_db() {  # the --pg URL with its database replaced by $1, made fresh
  local db=$1 base query= prefix
  base=${PG%%\?*}; [ "$base" != "$PG" ] && query="?${PG#*\?}"
  export PGOPTIONS='-c client_min_messages=warning'
  if [[ "$base" =~ ^[a-z]+://[^/]*$ ]]; then prefix=$base; else prefix=${base%/*}; fi
  if [ -z "$REUSE" ]; then
    psql "$PG" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >&2
  elif [ -z "$(psql "$PG" -Atc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
    psql "$PG" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" >&2
  fi
  echo "$prefix/$db$query"
}

for tlp in $TLPS; do
  if [ "$ONLY" != pg ]; then
    d=$BENCH/correlate-sqlite-$OBJECTS-$tlp
    [ -z "$REUSE" ] && rm -rf "$d"
    mkdir -p "$d"
    run "sqlite-$OBJECTS-$tlp" "SQLite" "$OBJECTS" "$tlp" --data "$d"
  fi
  if [ -n "$PG" ] && [ "$ONLY" != sqlite ]; then
    for n in $OBJECTS_PG; do
      run "pg-$n-$tlp" "PostgreSQL" "$n" "$tlp" --database "$(pg_db "renkei_corr_${n}_$tlp")"
    done
  fi
done

{
  echo "## Indicator ingest and value look-up (lookup_values, 1 value per call)"
  echo
  echo "| store | objects | values | TLP | ingest indicators/s | 1 task look-ups/s | p50 ms | p99 ms | max ms | $CONCURRENCY tasks look-ups/s | p50 ms | p99 ms | baseline n | baseline look-ups/s | baseline p50 ms | index ÷ baseline (1 task) |"
  echo "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${ROWS[@]}"
  echo
  printf -- '- %s\n' "${NOTES[@]}"
  echo
  echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo);" \
    "load average $LOAD0 at start, $(cut -d' ' -f1-3 /proc/loadavg) at end;" \
    "$(date -u +%Y-%m-%dT%H:%MZ); renkei $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates Cargo.toml Cargo.lock || echo '+dirty'); raw output: ${OUT#"$ROOT"/}"
} | tee "$OUT/table.md"
