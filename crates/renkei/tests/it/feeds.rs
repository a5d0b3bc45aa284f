//! `renkei import` with a published feed, and with TLP:RED to named
//! recipients, shared by the person `--user` names.

use crate::{renkei, start_demo};

#[tokio::test]
async fn cli_imports_feeds_as_published_and_red_to_named_recipients() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (child, _addr, _) = start_demo(dir.path());
    drop(child);
    let d = dir.path().to_str().expect("utf-8");
    let write = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).expect("write");
        p.to_str().expect("p").to_owned()
    };
    let feodo = write(
        "feodo.csv",
        include_str!("../../../renkei-stix/src/lists/testdata/feodo.csv"),
    );
    let (ok, out) = renkei(&[
        "import", "csv", &feodo, "--org", "2", "--tlp", "GREEN", "--data", d,
    ]);
    assert!(
        ok && out.contains("read as feodo") && out.contains("stored 3"),
        "{out}"
    );
    assert!(out.contains("12 line(s): 3 read"), "{out}");

    let red = write("red.txt", "C2 198.51.100.201:8443\n");
    let base = [
        "import",
        "text",
        red.as_str(),
        "--org",
        "2",
        "--tlp",
        "RED",
        "--data",
        d,
    ];
    let with = |extra: &[&str]| {
        let mut v: Vec<&str> = base.to_vec();
        v.extend_from_slice(extra);
        renkei(&v)
    };
    let (ok, out) = with(&["--recipients", "analyst@ncso.example.jp"]);
    assert!(
        !ok && out.contains("--user"),
        "RED is shared by a person: {out}"
    );
    let (ok, out) = with(&[
        "--user",
        "soc@toto-power.example.jp",
        "--recipients",
        "analyst@ncso.example.jp,nobody@nowhere.example.jp",
    ]);
    assert!(
        !ok && out.contains("nobody@nowhere.example.jp") && !out.contains("stored"),
        "{out}"
    );
    let (ok, out) = with(&["--user", "admin@ncso.example.jp"]);
    assert!(!ok && out.contains("not a user of organisation 2"), "{out}");
    let (ok, out) = with(&[
        "--user",
        "soc@toto-power.example.jp",
        "--recipients",
        "analyst@ncso.example.jp",
    ]);
    assert!(ok && out.contains("stored 1"), "{out}");

    // Stored for the recipient alone, shared by the person named.
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite:{}",
        dir.path().join("renkei.db").display()
    ))
    .await
    .expect("db");
    let id = |email: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE email = $1")
                .bind(email)
                .fetch_one(&pool)
                .await
                .expect("user")
        }
    };
    let (soc, analyst) = (
        id("soc@toto-power.example.jp").await,
        id("analyst@ncso.example.jp").await,
    );
    /// created_by, and the audience row's user, community and sector.
    type Row = (Option<i64>, Option<i64>, Option<i64>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT o.created_by, a.user_id, a.community_id, a.sector
         FROM stix_objects o JOIN stix_audience a ON a.object_pk = o.pk
         WHERE o.tlp = 'RED' AND o.body LIKE '%198.51.100.201%'",
    )
    .fetch_all(&pool)
    .await
    .expect("audience");
    pool.close().await;
    assert_eq!(rows, vec![(Some(soc), Some(analyst), None, None)]);
    let (ok, out) = renkei(&[
        "export",
        "blocklist",
        "--type",
        "ipv4",
        "--org",
        "2",
        "--data",
        d,
    ]);
    assert!(
        ok && !out.contains("198.51.100.201"),
        "not the org's: {out}"
    );
    let (ok, out) = renkei(&["audit", "verify", "--data", d]);
    assert!(ok, "{out}");
}
