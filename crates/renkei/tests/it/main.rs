//! The `renkei` binary end to end: demo start-up, admin commands, and
//! `audit verify` on intact and tampered stores (SQLite and PostgreSQL).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod checkpoint;
mod export_memory;
mod feeds;

const BIN: &str = env!("CARGO_BIN_EXE_renkei");

fn renkei(args: &[&str]) -> (bool, String) {
    let out = Command::new(BIN)
        .args(args)
        .env_remove("RENKEI__DATABASE_URL")
        .output()
        .expect("run renkei");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn http_get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut buf = String::new();
    s.read_to_string(&mut buf).expect("read");
    buf
}

/// Kills the child when the test ends, pass or fail.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_demo(data: &Path) -> (Running, String, Vec<String>) {
    let child = Command::new(BIN)
        .args(["demo", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .env("RENKEI_DEMO_PASSWORD", "cli-test-password")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn demo");
    let mut child = Running(child);
    let stdout = child.0.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let addr = first
        .strip_prefix("renkei demo: http://")
        .and_then(|r| r.strip_suffix('/'))
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    let rest: Vec<String> = lines.by_ref().take(4).map_while(Result::ok).collect();
    // Keep draining stdout so the server never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, addr, rest)
}

#[test]
fn demo_answers_health_within_ten_seconds_serves_japanese_and_keeps_its_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let start = Instant::now();
    let (child, addr, printed) = start_demo(dir.path());
    let mut healthy = false;
    while start.elapsed() < Duration::from_secs(10) {
        if TcpStream::connect(&addr).is_ok()
            && http_get(&addr, "/healthz").starts_with("HTTP/1.1 200")
        {
            healthy = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(healthy, "no 200 from /healthz within 10 s");
    eprintln!("demo healthy after {:?}", start.elapsed());
    assert!(
        printed.iter().any(|l| l.contains("cli-test-password")),
        "password printed: {printed:?}"
    );
    assert!(
        printed.iter().any(|l| l.contains("admin@ncso.example.jp")),
        "accounts printed: {printed:?}"
    );
    let page = http_get(&addr, "/login");
    assert!(
        page.contains("<html lang=\"ja\">") && page.contains("ログイン"),
        "{page}"
    );
    drop(child);

    // The same directory again: the data is kept, not loaded twice.
    let (_child, _addr, printed) = start_demo(dir.path());
    assert!(
        printed.iter().any(|l| l.contains("cli-test-password")),
        "{printed:?}"
    );
    let url = format!("sqlite:{}", dir.path().join("renkei.db").display());
    let (ok, out) = renkei(&["admin", "--database", &url, "list"]);
    assert!(ok, "{out}");
    assert_eq!(
        out.matches("国家サイバー統括室").count(),
        1,
        "demo loaded once: {out}"
    );
    assert_eq!(
        out.lines().filter(|l| l.starts_with("org ")).count(),
        16,
        "{out}"
    );
}

#[test]
fn admin_commands_build_a_directory_and_refuse_bad_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("utf-8");
    let (ok, out) = renkei(&[
        "admin",
        "--data",
        d,
        "org-create",
        "--name-ja",
        "青空市",
        "--name-en",
        "Aozora City",
        "--kind",
        "local_government",
        "--sector",
        "government",
        "--prefecture",
        "東京都",
    ]);
    assert!(ok && out.contains("organisation 1 created"), "{out}");
    let (ok, out) = renkei(&[
        "admin",
        "--data",
        d,
        "org-create",
        "--name-ja",
        "x",
        "--name-en",
        "x",
        "--kind",
        "bakery",
    ]);
    assert!(!ok && out.contains("kind"), "{out}");
    let out = Command::new(BIN)
        .args([
            "admin",
            "--data",
            d,
            "user-create",
            "--org",
            "1",
            "--email",
            "it@aozora.example.jp",
            "--name",
            "情報 太郎",
            "--role",
            "admin",
        ])
        .env("RENKEI_PASSWORD", "a long enough password")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (ok, out) = renkei(&[
        "admin",
        "--data",
        d,
        "token-create",
        "--org",
        "1",
        "--name",
        "feed",
    ]);
    assert!(ok && out.contains("rk_"), "{out}");
    let (ok, out) = renkei(&[
        "admin",
        "--data",
        d,
        "link-add",
        "--customer",
        "1",
        "--contractor",
        "1",
    ]);
    assert!(!ok && out.contains("contractor"), "{out}");
    let (ok, out) = renkei(&["admin", "--database", "mysql://x/y", "list"]);
    assert!(
        !ok && out.contains("unsupported database URL scheme"),
        "{out}"
    );
    let (ok, out) = renkei(&["audit", "verify", "--data", d]);
    assert!(ok && out.contains("intact: 3 entries"), "{out}");
}

#[test]
fn admin_commands_revoke_deactivate_end_and_reset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("utf-8");
    let admin = |args: &[&str]| {
        let mut all = vec!["admin", "--data", d];
        all.extend_from_slice(args);
        renkei(&all)
    };
    let with_password = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(["admin", "--data", d])
            .args(args)
            .env("RENKEI_PASSWORD", "a long enough password")
            .env_remove("RENKEI__DATABASE_URL")
            .output()
            .expect("run");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    let (ok, out) = admin(&[
        "org-create",
        "--name-ja",
        "青空市",
        "--name-en",
        "Aozora City",
        "--kind",
        "local_government",
    ]);
    assert!(ok, "{out}");
    for (email, role) in [
        ("it@aozora.example.jp", "admin"),
        ("staff@aozora.example.jp", "reporter"),
    ] {
        let (ok, out) = with_password(&[
            "user-create",
            "--org",
            "1",
            "--email",
            email,
            "--name",
            "x",
            "--role",
            role,
        ]);
        assert!(ok, "{out}");
    }
    let (ok, out) = admin(&["token-create", "--org", "1", "--name", "feed"]);
    assert!(ok, "{out}");
    let (ok, out) = admin(&["token-revoke", "--id", "1"]);
    assert!(
        ok && out.contains("token 1 (feed) of organisation 1 revoked"),
        "{out}"
    );
    let (ok, out) = admin(&["token-revoke", "--id", "1"]);
    assert!(!ok && out.contains("not found"), "{out}");

    let (ok, out) = admin(&["user-deactivate", "--user", "2"]);
    assert!(ok && out.contains("deactivated"), "{out}");
    let (ok, out) = admin(&["list"]);
    assert!(
        ok && out.contains("staff@aozora.example.jp  (deactivated)"),
        "{out}"
    );
    let (ok, out) = admin(&["password-reset", "--user", "2"]);
    assert!(
        !ok && out.contains("deactivated"),
        "no link for a deactivated user: {out}"
    );
    let (ok, out) = admin(&["user-reactivate", "--user", "2"]);
    assert!(ok && out.contains("reactivated"), "{out}");
    let (ok, out) = admin(&["sessions-end", "--user", "2"]);
    assert!(ok && out.contains("0 sessions of user 2 ended"), "{out}");
    let (ok, out) = admin(&["sessions-end", "--user", "2", "--session", "nope"]);
    assert!(!ok && out.contains("session not found"), "{out}");
    let (ok, out) = admin(&[
        "password-reset",
        "--user",
        "2",
        "--base-url",
        "https://renkei.example.jp/",
    ]);
    assert!(
        ok && out.contains("https://renkei.example.jp/reset/"),
        "{out}"
    );
    let (ok, out) = with_password(&["user-password", "--user", "2"]);
    assert!(ok && out.contains("password of user 2"), "{out}");

    let (ok, out) = admin(&[
        "community-create",
        "--name-ja",
        "協議会",
        "--name-en",
        "Council",
        "--terms-version",
        "1",
    ]);
    assert!(ok, "{out}");
    let (ok, out) = admin(&["membership-add", "--community", "1", "--org", "1"]);
    assert!(ok, "{out}");
    let (ok, out) = admin(&["membership-end", "--id", "1"]);
    assert!(
        ok && out.contains("membership 1 of organisation 1 in community 1 ended"),
        "{out}"
    );
    let (ok, out) = renkei(&["audit", "verify", "--data", d]);
    assert!(ok && out.contains("intact"), "{out}");
}

async fn tamper_and_verify(url: &str, label: &str, sql: &str) {
    let (ok, out) = renkei(&[
        "admin",
        "--database",
        url,
        "org-create",
        "--name-ja",
        "甲",
        "--name-en",
        "A",
        "--kind",
        "operator",
    ]);
    assert!(ok, "{out}");
    let (ok, out) = renkei(&[
        "admin",
        "--database",
        url,
        "org-create",
        "--name-ja",
        "乙",
        "--name-en",
        "B",
        "--kind",
        "operator",
    ]);
    assert!(ok, "{out}");
    let (ok, out) = renkei(&["audit", "verify", "--database", url]);
    assert!(ok && out.contains("intact: 2 entries"), "{label}: {out}");
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{rest}"))
            .await
            .expect("connect");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&pool)
            .await
            .expect("tamper");
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.expect("connect");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&pool)
            .await
            .expect("tamper");
        pool.close().await;
    }
    let (ok, out) = renkei(&["audit", "verify", "--database", url]);
    assert!(
        !ok,
        "{label}: verify must exit non-zero on a tampered store: {out}"
    );
    assert!(
        out.contains("AUDIT CHAIN BROKEN at entry 1"),
        "{label}: {out}"
    );
}

#[tokio::test]
async fn audit_verify_exits_non_zero_on_a_tampered_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("renkei.db").display());
    tamper_and_verify(
        &url,
        "sqlite",
        "UPDATE audit_log SET actor = 'nobody' WHERE seq = 1",
    )
    .await;

    let pg = match std::env::var("RENKEI_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            assert!(std::env::var("CI").is_err(), "CI needs RENKEI_TEST_PG_URL");
            return;
        }
    };
    let name = format!("renkei_cli_{}", std::process::id());
    let admin = sqlx::PgPool::connect(&pg).await.expect("connect");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name}"
    )))
    .execute(&admin)
    .await
    .expect("drop");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .expect("create");
    admin.close().await;
    let base = pg.rsplit_once('/').map_or(pg.as_str(), |(b, _)| b);
    tamper_and_verify(
        &format!("{base}/{name}"),
        "postgres",
        "DELETE FROM audit_log WHERE seq = 1",
    )
    .await;
}

#[tokio::test]
async fn import_stix_stores_whole_bundles_and_refuses_broken_ones_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (child, _addr, _) = start_demo(dir.path());
    drop(child);
    let d = dir.path().to_str().expect("utf-8");
    let (ok, out) = renkei(&["admin", "--data", d, "list"]);
    assert!(ok, "{out}");
    let council = out
        .lines()
        .find(|l| l.starts_with("collection ") && l.contains("community 1"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or_else(|| panic!("no council collection in {out}"))
        .to_owned();
    let indicator = |n: u32, pattern: &str| {
        serde_json::json!({
            "type": "indicator", "spec_version": "2.1", "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
            "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
            "pattern": pattern, "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z"
        })
    };
    let bundle = |objects: Vec<serde_json::Value>| {
        serde_json::json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": objects}).to_string()
    };
    let count = || async {
        let pool = sqlx::SqlitePool::connect(&format!(
            "sqlite:{}",
            dir.path().join("renkei.db").display()
        ))
        .await
        .expect("db");
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stix_objects")
            .fetch_one(&pool)
            .await
            .expect("count");
        pool.close().await;
        n
    };
    let before = count().await;

    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        bundle(vec![
            indicator(1, "[ipv4-addr:value = '198.51.100.1']"),
            indicator(2, "[ipv4-addr:value = ]"),
        ]),
    )
    .expect("write");
    let (ok, out) = renkei(&[
        "import",
        "stix",
        bad.to_str().expect("p"),
        "--collection",
        &council,
        "--org",
        "2",
        "--data",
        d,
    ]);
    assert!(
        !ok && out.contains("refused") && out.contains("objects[1]") && out.contains("pattern"),
        "{out}"
    );
    assert_eq!(count().await, before, "nothing stored");

    let good = dir.path().join("good.json");
    std::fs::write(
        &good,
        bundle(vec![
            indicator(1, "[ipv4-addr:value = '198.51.100.1']"),
            indicator(3, "[domain-name:value = 'c2.example.net']"),
        ]),
    )
    .expect("write");
    let (ok, out) = renkei(&[
        "import",
        "stix",
        good.to_str().expect("p"),
        "--collection",
        &council,
        "--org",
        "2",
        "--tlp",
        "AMBER",
        "--data",
        d,
    ]);
    assert!(ok && out.contains("stored 2"), "{out}");
    assert_eq!(count().await, before + 2);

    // A supplier outside the council may not share into its collection.
    let (ok, out) = renkei(&[
        "import",
        "stix",
        good.to_str().expect("p"),
        "--collection",
        &council,
        "--org",
        "7",
        "--data",
        d,
    ]);
    assert!(!ok && out.contains("not permitted"), "{out}");
    let (ok, out) = renkei(&["audit", "verify", "--data", d]);
    assert!(ok, "{out}");
}

#[tokio::test]
async fn lists_and_misp_import_with_line_errors_and_export_only_what_the_org_may_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (child, _addr, _) = start_demo(dir.path());
    drop(child);
    let d = dir.path().to_str().expect("utf-8");
    let write = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).expect("write");
        p.to_str().expect("p").to_owned()
    };
    let rows = || async {
        let pool = sqlx::SqlitePool::connect(&format!(
            "sqlite:{}",
            dir.path().join("renkei.db").display()
        ))
        .await
        .expect("db");
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM indicator_values")
            .fetch_one(&pool)
            .await
            .expect("count");
        pool.close().await;
        n
    };
    let before = rows().await;

    // One bad line refuses the list, naming the line and the field.
    let csv = write(
        "bad.csv",
        "value,type,comment\nc2.bad-actor.co.jp,domain,C2\n300.1.1.1,ipv4,broken\n",
    );
    let (ok, out) = renkei(&[
        "import", "csv", &csv, "--org", "2", "--tlp", "AMBER", "--data", d,
    ]);
    assert!(
        !ok && out.contains("line 3") && out.contains("value"),
        "{out}"
    );
    assert_eq!(rows().await, before, "nothing stored");
    // Lists need an explicit TLP.
    let (ok, out) = renkei(&["import", "csv", &csv, "--org", "2", "--data", d]);
    assert!(!ok && out.contains("--tlp"), "{out}");
    let (ok, out) = renkei(&[
        "import",
        "csv",
        &csv,
        "--org",
        "2",
        "--tlp",
        "AMBER",
        "--skip-invalid",
        "--data",
        d,
    ]);
    assert!(
        ok && out.contains("stored 1") && out.contains("skipped line 3"),
        "{out}"
    );

    let text = write(
        "report.txt",
        "攻撃者は hxxp://login-portal[.]bad-actor[.]co[.]jp/owa を使い、45.32.100[.]77 と通信した。\nSHA-256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
    );
    let (ok, out) = renkei(&[
        "import", "text", &text, "--org", "2", "--tlp", "GREEN", "--data", d,
    ]);
    assert!(ok && out.contains("stored 3"), "{out}");

    let misp = write(
        "event.json",
        &serde_json::json!({"Event": {
            "info": "Phishing wave against utilities", "date": "2026-11-20", "timestamp": "1795132800",
            "uuid": "5e6b6f8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
            "Tag": [{"name": "tlp:amber"}],
            "Attribute": [
                {"type": "ip-dst", "value": "45.77.10.20", "to_ids": true, "uuid": "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "timestamp": "1795132800"},
                {"type": "comment", "value": "seen by several members", "uuid": "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "timestamp": "1795132800"}
            ]
        }})
        .to_string(),
    );
    let (ok, out) = renkei(&["import", "misp", &misp, "--org", "2", "--data", d]);
    assert!(
        ok && out.contains("stored")
            && out.contains("skipped Event.Attribute[1]: MISP type \"comment\""),
        "{out}"
    );
    // A scheme-less URL refuses the event, naming it; --skip-invalid keeps
    // the rest and says what it left out.
    let onion = write(
        "onion.json",
        &serde_json::json!({"response": [{"Event": {
            "info": "Onion C2", "date": "2026-11-20", "timestamp": "1795132800",
            "uuid": "5e6b6f8a-1c2d-4e5f-8a9b-0c1d2e3f4a6b", "Tag": [{"name": "tlp:amber"}],
            "Attribute": [
                {"type": "url", "value": "expyuzz4wqqyqhjn.onion", "to_ids": true, "uuid": "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c5d"},
                {"type": "ip-dst", "value": "45.77.10.21", "to_ids": true, "uuid": "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c6d"}
            ]
        }}]})
        .to_string(),
    );
    let (ok, out) = renkei(&["import", "misp", &onion, "--org", "2", "--data", d]);
    assert!(
        !ok && out.contains("response[0].Event.Attribute[0].value")
            && out.contains("nothing was stored"),
        "{out}"
    );
    let (ok, out) = renkei(&[
        "import",
        "misp",
        &onion,
        "--org",
        "2",
        "--skip-invalid",
        "--data",
        d,
    ]);
    assert!(
        ok && out.contains("skipped response[0].Event.Attribute[0]: invalid:")
            && out.contains("stored 2"),
        "{out}"
    );
    assert!(rows().await >= before + 5, "values indexed");

    // The operator that shared them exports them; a supplier outside the
    // council gets none of the AMBER or GREEN ones.
    for (fmt, needle) in [
        ("suricata", "bad-actor.co.jp"),
        ("zeek", "Intel::ADDR"),
        ("rpz", "77.100.32.45.rpz-ip"),
        ("csv", "45.77.10.20"),
        ("blocklist", "45.32.100.77"),
        ("stix", "\"type\":\"bundle\""),
    ] {
        // A blocklist holds one type.
        let kind: &[&str] = if fmt == "blocklist" {
            &["--type", "ipv4"]
        } else {
            &[]
        };
        let args = |org| [&["export", fmt, "--org", org, "--data", d][..], kind].concat();
        let (ok, out) = renkei(&args("2"));
        assert!(ok && out.contains(needle), "{fmt}: {out}");
        let (ok, out) = renkei(&args("7"));
        assert!(ok, "{out}");
        for secret in ["bad-actor", "45.77.10.20", "45.32.100.77"] {
            assert!(
                !out.contains(secret),
                "{fmt} for org 7 leaked {secret}: {out}"
            );
        }
    }
    let (ok, out) = renkei(&["export", "pdf", "--org", "2", "--data", d]);
    assert!(!ok && out.contains("format"), "{out}");
    let (ok, out) = renkei(&["export", "blocklist", "--org", "2", "--data", d]);
    assert!(!ok && out.contains("one type"), "{out}");
    let (ok, out) = renkei(&["audit", "verify", "--data", d]);
    assert!(ok, "{out}");
}
