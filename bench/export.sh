#!/usr/bin/env bash
# Export throughput and peak memory (`renkei export`) of N indicator values
# on SQLite and PostgreSQL, each beside the database's own dump of the same
# rows in the same run (sqlite3 -csv, psql \copy: the floor an export
# cannot beat); prints a markdown table.
#
# Usage: bench/export.sh [--values 1000000] [--pg postgres://user@host:port/db]
#                        [--formats "csv zeek blocklist stix"] [--tlp GREEN|CLEAR]
#                        [--only sqlite|pg]
#
# Each store is fresh: one organisation shares N indicators (TLP:GREEN
# unless --tlp) of
# one IPv4 address each (valid STIX bodies), filled with bulk SQL
# (SQLite under target/bench/export-sqlite-<N>/; PostgreSQL database
# renkei_export_<N> created through the --pg URL). Every export is of
# everything the organisation may read (`--all`), to a file; GREEN makes
# each page of the export write its read-audit entry (the real path; CLEAR
# shows what that costs). Wall time, CPU time (user + system: what the
# export costs when the machine is shared) and peak resident size come
# from GNU time (`%e`, `%U`, `%S`, `%M`; on PostgreSQL the database
# server's CPU is in the wall time only). Raw output goes to
# target/bench/results/<time>-export/.
set -euo pipefail

VALUES=1000000
PG=
FORMATS="csv zeek blocklist stix"
TLP=GREEN
ONLY=
while [ $# -gt 0 ]; do
  case "$1" in
    --values) VALUES=$2; shift 2 ;;
    --pg) PG=$2; shift 2 ;;
    --formats) FORMATS=$2; shift 2 ;;
    --tlp) TLP=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    -h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "export.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BENCH=$ROOT/target/bench
OUT=$BENCH/results/$(date -u +%Y%m%dT%H%M%SZ)-export
mkdir -p "$OUT"
log() { echo "[export.sh $(date +%H:%M:%S)] $*" >&2; }

log "building the release binary"
cargo build --release -p renkei >"$OUT/build.log" 2>&1
BIN=$ROOT/target/release/renkei

BODY="'{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--00000000-0000-4000-8000-' || LPAD_ID || '\",\"created\":\"2026-11-01T00:00:00.000Z\",\"modified\":\"2026-11-01T00:00:00.000Z\",\"name\":\"ipv4: ' || IP || '\",\"pattern\":\"[ipv4-addr:value = ''' || IP || ''']\",\"pattern_type\":\"stix\",\"valid_from\":\"2026-11-01T00:00:00Z\"}'"

# The directory: one organisation, one community, one collection.
directory() {
  "$BIN" admin "$@" org-create --name-ja 東都電力 --name-en Toto --kind operator >/dev/null
  "$BIN" admin "$@" community-create --name-ja 協議会 --name-en Council --terms-version 1 >/dev/null
  "$BIN" admin "$@" collection-create --community 1 --title feed >/dev/null
}

# Runs one command; prints "wall_seconds cpu_seconds peak_kB".
measure() {
  /usr/bin/time -f "%e %U %S %M" -o "$OUT/time.txt" "$@" >/dev/null 2>>"$OUT/stderr.log"
  tail -1 "$OUT/time.txt" | awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }'
}

row() { # store, wall seconds, what, cpu seconds, peak kB
  local vps cps
  vps=$(awk -v n="$VALUES" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
  cps=$(awk -v n="$VALUES" -v s="$4" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$3" "$2" "$vps" "$4" "$cps" "$(( $5 / 1024 ))" \
    | tee -a "$OUT/table.md"
}

exports() { # store label, then the store arguments
  local label=$1; shift
  for f in $FORMATS; do
    local args=(export "$f" --org 1 --all "$@" -o "$OUT/$label.$f")
    if [ "$f" = blocklist ]; then args+=(--type ipv4); fi
    read -r s cpu kb < <(measure "$BIN" "${args[@]}")
    row "$label" "$s" "renkei export $f" "$cpu" "$kb"
  done
}

echo "| store | what | wall s | values/s | CPU s | values/CPU s | peak MiB |" | tee "$OUT/table.md"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |" | tee -a "$OUT/table.md"

if [ "$ONLY" != pg ]; then
  DIR=$BENCH/export-sqlite-$VALUES
  rm -rf "$DIR" && mkdir -p "$DIR"
  log "SQLite: filling $VALUES values"
  directory --data "$DIR"
  # (SQLite's || binds tighter than arithmetic.)
  ip="(11 + i / 16777216) || '.' || ((i / 65536) % 256) || '.' || ((i / 256) % 256) || '.' || (i % 256)"
  id="substr('000000000000' || i, -12, 12)"
  body=${BODY//LPAD_ID/$id}
  body=${body//IP/($ip)}
  sqlite3 "$DIR/renkei.db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $VALUES - 1)
INSERT INTO stix_objects (collection_id, community_id, stix_id, stix_type, spec_version, version,
    version_us, date_added, tlp, owner_org, created_by, body, community_audience)
SELECT (SELECT id FROM taxii_collections), 1, 'indicator--00000000-0000-4000-8000-' || substr('000000000000' || i, -12, 12),
    'indicator', '2.1', '2026-11-01T00:00:00.000Z', 1793491200000000, 1793491200000000 + i, '$TLP', 1, NULL,
    $body, 1
FROM n;
INSERT INTO indicator_values (object_pk, kind, value, valid_from, valid_until)
SELECT pk, 'ipv4', substr(json_extract(body, '\$.name'), 7), 0, NULL FROM stix_objects;
ANALYZE;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
  exports sqlite --data "$DIR"
  read -r s cpu kb < <(measure sqlite3 -csv "$DIR/renkei.db" \
    "SELECT kind, value FROM indicator_values ORDER BY value, kind, id")
  row sqlite "$s" "baseline: sqlite3 -csv of (kind, value) in value order" "$cpu" "$kb"
fi

if [ "$ONLY" != sqlite ] && [ -n "$PG" ]; then
  DB=renkei_export_$VALUES
  URL="${PG%/*}/$DB"
  psql "$PG" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  log "PostgreSQL: filling $VALUES values"
  directory --database "$URL"
  ip="(11 + i / 16777216) || '.' || ((i / 65536) % 256) || '.' || ((i / 256) % 256) || '.' || (i % 256)"
  id="lpad(i::text, 12, '0')"
  body=${BODY//LPAD_ID/$id}
  body=${body//IP/($ip)}
  psql "$URL" -q <<SQL
INSERT INTO stix_objects (collection_id, community_id, stix_id, stix_type, spec_version, version,
    version_us, date_added, tlp, owner_org, created_by, body, community_audience)
SELECT (SELECT id FROM taxii_collections), 1, 'indicator--00000000-0000-4000-8000-' || lpad(i::text, 12, '0'),
    'indicator', '2.1', '2026-11-01T00:00:00.000Z', 1793491200000000, 1793491200000000 + i, '$TLP', 1, NULL,
    $body, 1
FROM generate_series(0, $VALUES - 1) i;
INSERT INTO indicator_values (object_pk, kind, value, valid_from, valid_until)
SELECT pk, 'ipv4', substr(body::json ->> 'name', 7), 0, NULL FROM stix_objects;
ANALYZE;
SQL
  exports postgres --database "$URL"
  read -r s cpu kb < <(measure psql "$URL" -qc \
    "\\copy (SELECT kind, value FROM indicator_values ORDER BY value, kind, id) TO '$OUT/pg.baseline' CSV")
  row postgres "$s" "baseline: psql \\copy of (kind, value) in value order (client CPU only)" "$cpu" "$kb"
fi
log "results in $OUT"
