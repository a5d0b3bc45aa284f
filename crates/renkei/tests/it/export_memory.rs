//! `renkei export` streams: a million values go out while the process's
//! memory stays where an export of a tenth of them leaves it.
//!
//! The store is filled with bulk SQL (one statement per table). Each export
//! writes into a named pipe, so the process blocks opening it once it has
//! started up, and the test reads what it writes while watching its peak
//! resident size (`VmHWM` in `/proc/<pid>/status`).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{BIN, Running, renkei};

/// Values in the small collection and in the whole store.
const SMALL: i64 = 100_000;
const ALL: i64 = 1_000_000;

/// How much more the export of all values may peak at than the export of
/// the small collection. Both pay the same fixed costs (code paged in on
/// first use, allocator arenas, SQLite's page cache, a page of 5,000 rows
/// and a few 64 KiB chunks: together about 40 MB in a debug build); what
/// differs is only what grows with the values. Held whole, the 900,000
/// more values would need their CSV body (over 100 bytes a row: 90 MB) or
/// their rows as read (over 200 bytes each: 180 MB); streamed, nothing.
const EXTRA_BOUND_KB: u64 = 16 * 1024;

fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// One organisation; collection `small` holds `SMALL` GREEN indicators of
/// one IPv4 address each, collection `large` the rest of `ALL`, all shared
/// by that organisation. Returns the small collection's id.
async fn fill(dir: &Path) -> String {
    let d = dir.to_str().expect("utf-8");
    for args in [
        &[
            "org-create",
            "--name-ja",
            "東都電力",
            "--name-en",
            "Toto",
            "--kind",
            "operator",
        ][..],
        &[
            "community-create",
            "--name-ja",
            "協議会",
            "--name-en",
            "Council",
            "--terms-version",
            "1",
        ][..],
        &["collection-create", "--community", "1", "--title", "small"][..],
        &["collection-create", "--community", "1", "--title", "large"][..],
    ] {
        let mut all = vec!["admin", "--data", d];
        all.extend_from_slice(args);
        let (ok, out) = renkei(&all);
        assert!(ok, "{out}");
    }
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", dir.join("renkei.db").display()))
        .await
        .expect("db");
    let objects = format!(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {ALL} - 1)
         INSERT INTO stix_objects (collection_id, community_id, stix_id, stix_type, spec_version,
             version, version_us, date_added, tlp, owner_org, created_by, body, community_audience)
         SELECT (SELECT id FROM taxii_collections
                 WHERE title = CASE WHEN i < {SMALL} THEN 'small' ELSE 'large' END), 1,
             printf('indicator--00000000-0000-4000-8000-%012d', i), 'indicator', '2.1',
             '2026-11-01T00:00:00.000Z', 1793491200000000, 1793491200000000 + i, 'GREEN', 1,
             NULL, printf('{{\"name\":\"indicator %d\"}}', i), 1
         FROM n"
    );
    // 11.0.0.0 onwards: on no warning list. Only the indicators: every
    // collection also holds the TLP marking definitions (owner_org 0).
    let values = "INSERT INTO indicator_values (object_pk, kind, value, valid_from, valid_until)
         SELECT pk, 'ipv4', printf('%d.%d.%d.%d', 11 + (pk - 1) / 16777216,
             ((pk - 1) / 65536) % 256, ((pk - 1) / 256) % 256, (pk - 1) % 256), 0, NULL
         FROM stix_objects WHERE owner_org = 1";
    for q in [objects.as_str(), values, "PRAGMA wal_checkpoint(TRUNCATE)"] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(q.to_owned()))
            .execute(&pool)
            .await
            .expect("fill");
    }
    let small: String =
        sqlx::query_scalar("SELECT id FROM taxii_collections WHERE title = 'small'")
            .fetch_one(&pool)
            .await
            .expect("small");
    pool.close().await;
    small
}

/// What one export did: rows written, and its peak resident size.
struct Run {
    lines: u64,
    bytes: u64,
    peak_kb: u64,
    baseline_kb: u64,
    took: Duration,
}

/// Runs `renkei export csv` (of `collection`, else of everything) into a
/// named pipe and reads it to its end.
fn export(dir: &Path, collection: Option<&str>) -> Run {
    let fifo = dir.join("export.fifo");
    let _ = std::fs::remove_file(&fifo);
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let mut cmd = Command::new(BIN);
    cmd.args(["export", "csv", "--org", "1", "--all", "--data"])
        .arg(dir)
        .arg("-o")
        .arg(&fifo);
    if let Some(c) = collection {
        cmd.args(["--collection", c]);
    }
    let child = cmd
        .env_remove("RENKEI__DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn export");
    let mut child = Running(child);
    let pid = child.0.id();
    // Started up, and waiting for a reader of its output.
    let waited = Instant::now();
    loop {
        let wchan = std::fs::read_to_string(format!("/proc/{pid}/wchan")).unwrap_or_default();
        if wchan.contains("partner") || wchan.contains("fifo") {
            break;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "the export never opened its output ({wchan:?})"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let baseline_kb = status_kb(pid, "VmHWM:").expect("VmHWM");
    let started = Instant::now();
    let mut out = std::fs::File::open(&fifo).expect("open the pipe");
    let (mut lines, mut bytes, mut peak_kb) = (0u64, 0u64, baseline_kb);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = out.read(&mut buf).expect("read");
        if n == 0 {
            break;
        }
        bytes += n as u64;
        lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        if let Some(h) = status_kb(pid, "VmHWM:") {
            peak_kb = peak_kb.max(h);
        }
    }
    let took = started.elapsed();
    let status = child.0.wait().expect("wait");
    let mut err = String::new();
    if let Some(mut e) = child.0.stderr.take() {
        e.read_to_string(&mut err).expect("stderr");
    }
    assert!(status.success(), "{err}");
    Run {
        lines,
        bytes,
        peak_kb,
        baseline_kb,
        took,
    }
}

#[tokio::test]
async fn an_export_of_a_million_values_streams_in_bounded_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let small = fill(dir.path()).await;
    eprintln!("filled {ALL} values in {:?}", started.elapsed());
    let tenth = export(dir.path(), Some(&small));
    let all = export(dir.path(), None);
    for (run, n) in [(&tenth, SMALL), (&all, ALL)] {
        assert_eq!(run.lines, n as u64 + 1, "a header and a row per value");
        eprintln!(
            "exported {n} values ({} bytes) in {:?}, {:.0} values/s; VmHWM {} kB before, {} kB at most",
            run.bytes,
            run.took,
            n as f64 / run.took.as_secs_f64(),
            run.baseline_kb,
            run.peak_kb
        );
    }
    assert!(
        all.peak_kb.saturating_sub(tenth.peak_kb) < EXTRA_BOUND_KB,
        "exporting {ALL} values peaked {} kB above exporting {SMALL} ({} kB against {} kB)",
        all.peak_kb.saturating_sub(tenth.peak_kb),
        all.peak_kb,
        tenth.peak_kb
    );
}
