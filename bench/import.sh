#!/usr/bin/env bash
# `renkei import` of a generated feed file into SQLite and PostgreSQL, timed
# as a user runs it (a process of its own under /usr/bin/time -v: elapsed
# seconds and peak resident memory), beside two baselines in the same run;
# prints a markdown table.
#
# Usage: bench/import.sh [--lines 100000] [--pg postgres://user@host:port/db]
#                        [--runs 2] [--format text] [--only sqlite|pg]
#                        [--import-args "--skip-invalid"]
#
# `renkei bench import-feed` writes the feed (a `#` comment header as
# published feeds open with, then one value per line: 38 % IPv4 addresses,
# 2 % IPv4 /24 networks, 30 % domains, 15 % URLs, 15 % SHA-256) and makes
# the bench organisation and collection in a fresh store (SQLite under
# target/bench/import-sqlite-<run>/, PostgreSQL database
# renkei_import_<run> through the --pg URL); then
# `renkei import <format> FEED --org ID --tlp green <import-args>` runs
# under /usr/bin/time -v, --runs times, each into a fresh store.
# Baselines, same file, same machine, same run:
#   - parse-only: `renkei bench parse-only FEED` reads and parses the file
#     with the parser `renkei import` uses and stops, so the difference is
#     what building, validating and storing the objects costs;
#   - COPY (with --pg): psql `\copy` of the file's lines into a one-column
#     table of a fresh database: the floor for putting these bytes into
#     PostgreSQL at all (one row per line, no parsing, no index).
# Raw output goes to target/bench/results/<time>-import/.
set -euo pipefail

LINES=100000
PG=
RUNS=2
FORMAT=text
ONLY=
IMPORT_ARGS="--skip-invalid"
while [ $# -gt 0 ]; do
  case "$1" in
    --lines) LINES=$2; shift 2 ;;
    --pg) PG=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --format) FORMAT=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --import-args) IMPORT_ARGS=$2; shift 2 ;;
    -h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "import.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BENCH=$ROOT/target/bench
OUT=$BENCH/results/$(date -u +%Y%m%dT%H%M%SZ)-import
mkdir -p "$OUT"
log() { echo "[import.sh $(date +%H:%M:%S)] $*" >&2; }
[ -x /usr/bin/time ] || { echo "import.sh: /usr/bin/time (GNU time) is needed" >&2; exit 1; }
if [ -n "$PG" ]; then command -v psql >/dev/null || { echo "import.sh: psql is needed for --pg" >&2; exit 1; }; fi

log "building renkei (release)"
cargo build --release -q -p renkei
RENKEI=$ROOT/target/release/renkei
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
FEED=$OUT/feed.txt

pg_db() {  # the --pg URL with its database replaced by $1, made fresh
  local db=$1 base query= prefix
  base=${PG%%\?*}; [ "$base" != "$PG" ] && query="?${PG#*\?}"
  export PGOPTIONS='-c client_min_messages=warning'
  if [[ "$base" =~ ^[a-z]+://[^/]*$ ]]; then prefix=$base; else prefix=${base%/*}; fi
  psql "$PG" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >&2
  echo "$prefix/$db$query"
}

ROWS=()
NOTES=()
# timed NAME STORE WHAT COMMAND…: runs COMMAND under /usr/bin/time -v, adds a row.
timed() {
  local name=$1 store=$2 what=$3; shift 3
  local load0 secs rss status=ok
  load0=$(cut -d' ' -f1-3 /proc/loadavg)
  log "$name: $* (load average $load0)"
  /usr/bin/time -v -o "$OUT/$name.time" "$@" >"$OUT/$name.log" 2>&1 || status="failed (exit $?), see $name.log"
  secs=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$OUT/$name.time" |
    awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }')
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/$name.time" | awk '{ printf "%.0f", $1 / 1024 }')
  local result; result=$(grep -E '^(stored|parsed|refused|COPY)' "$OUT/$name.log" | head -1 || true)
  local skipped; skipped=$(grep -c '^skipped' "$OUT/$name.log" || true)
  ROWS+=("| $store | $what | $secs | $rss | ${result:-$status} | $skipped | $load0 → $(cut -d' ' -f1-3 /proc/loadavg) |")
  log "$name: $secs s, $rss MiB peak; ${result:-$status}"
}

# The feed (and a store to import into) comes from the bench itself.
setup_store() {  # setup_store DBARG… : prints the org id
  "$RENKEI" bench import-feed "$@" --lines "$LINES" --out "$FEED" >"$OUT/setup.log" 2>&1 ||
    { cat "$OUT/setup.log" >&2; exit 1; }
  sed -n 's/^org: //p' "$OUT/setup.log"
}

for r in $(seq "$RUNS"); do
  if [ "$ONLY" != pg ]; then
    d=$BENCH/import-sqlite-$r; rm -rf "$d"; mkdir -p "$d"
    org=$(setup_store --data "$d")
    timed "sqlite-$r" "SQLite" "renkei import $FORMAT, run $r" \
      "$RENKEI" import "$FORMAT" "$FEED" --org "$org" --tlp green $IMPORT_ARGS --data "$d"
    NOTES+=("sqlite-$r: store $(du -sh "$d" | cut -f1)")
  fi
  if [ -n "$PG" ] && [ "$ONLY" != sqlite ]; then
    url=$(pg_db "renkei_import_$r")
    org=$(setup_store --database "$url")
    timed "pg-$r" "PostgreSQL" "renkei import $FORMAT, run $r" \
      "$RENKEI" import "$FORMAT" "$FEED" --org "$org" --tlp green $IMPORT_ARGS --database "$url"
    NOTES+=("pg-$r: database $(psql "$url" -Atc 'SELECT pg_size_pretty(pg_database_size(current_database()))')")
  fi
done
for r in $(seq "$RUNS"); do
  timed "parse-$r" "–" "baseline: parse only, run $r" "$RENKEI" bench parse-only "$FEED" --format "$FORMAT"
  if [ -n "$PG" ] && [ "$ONLY" != sqlite ]; then
    url=$(pg_db renkei_import_copy)
    psql "$url" -q -v ON_ERROR_STOP=1 -c 'CREATE TABLE feed_lines (line text)'
    timed "copy-$r" "PostgreSQL" "baseline: COPY of the lines, run $r" \
      psql "$url" -v ON_ERROR_STOP=1 -c "\\copy feed_lines (line) FROM '$FEED'"
  fi
done
[ -n "$PG" ] && psql "$PG" -q -c "DROP DATABASE IF EXISTS renkei_import_copy WITH (FORCE)"

{
  echo "## renkei import of a $LINES-line feed ($(wc -c <"$FEED") bytes; $(grep -c '^#' "$FEED") comment lines)"
  echo
  echo "| store | what | elapsed s | peak RSS MiB | result | skipped lines | load average before → after |"
  echo "| --- | --- | ---: | ---: | --- | ---: | --- |"
  printf '%s\n' "${ROWS[@]}"
  echo
  printf -- '- %s\n' "${NOTES[@]}"
  echo
  echo "Elapsed and peak RSS from /usr/bin/time -v of the whole process (start-up, opening the store and migrations check included)."
  echo "COPY's peak RSS is psql's; its elapsed time includes PostgreSQL's side."
  echo
  echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo);" \
    "load average $LOAD0 at start, $(cut -d' ' -f1-3 /proc/loadavg) at end;" \
    "$(date -u +%Y-%m-%dT%H:%MZ); renkei $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates Cargo.toml Cargo.lock || echo '+dirty'); raw output: ${OUT#"$ROOT"/}"
} | tee "$OUT/table.md"
