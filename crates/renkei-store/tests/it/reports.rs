//! Incident reports on both stores: one incident filed under three regimes,
//! versions kept byte for byte (the database itself refuses to change or
//! delete one), the report rule on every read path (another operator, a
//! supplier, a vendor, a recipient's viewer, a recipient before the first
//! submission), consent opening and closing the national office's access,
//! and the recipients' state, thread, tasks and timeline.

use renkei_core::{Actor, OrgKind, Role, Timestamp};
use renkei_store::reports::{
    Consent, FiledIncident, FiledReport, NewIncident, NewReport, NewVersion, QueueFilter,
    QueueOrder, ReportState,
};
use renkei_store::{Store, StoreError};

use crate::support::{self, Backend, actor, org, system, user};

fn regime(profile: &str, due: Option<i64>) -> NewReport {
    NewReport {
        profile_id: profile.into(),
        notice_id: None,
        title: format!("ランサムウェア感染 ({profile})"),
        consent: Consent::default(),
        next_due_at: due.map(Timestamp),
    }
}

fn version(stage: &str, body: &str) -> NewVersion {
    NewVersion {
        stage_id: Some(stage.into()),
        form_id: "ransomware".into(),
        body: body.into(),
        note: String::new(),
        next_due_at: None,
        indicators: Vec::new(),
    }
}

struct World {
    reporter: Actor,
    reporter_viewer: Actor,
    ministry: Actor,
    ministry_viewer: Actor,
    office: Actor,
    others: Vec<(&'static str, Actor)>,
}

async fn world(s: &dyn Store) -> World {
    let op = org(s, "電力A", OrgKind::Operator, Some("electricity")).await;
    let ministry = org(s, "経済産業省", OrgKind::Coordinator, Some("government")).await;
    let office = org(s, "国家サイバー統括室", OrgKind::Coordinator, None).await;
    let other = org(s, "電力B", OrgKind::Operator, Some("electricity")).await;
    let supplier = org(s, "保守会社", OrgKind::Supplier, None).await;
    let vendor = org(s, "セキュリティベンダー", OrgKind::Vendor, None).await;
    for (recipient, o) in [("competent-minister", &ministry), ("ppc", &ministry)] {
        for p in ["jp-cyber-response", "jp-appi-leak"] {
            if (p == "jp-appi-leak") == (recipient == "ppc") {
                s.bind_recipient(&system(), p, recipient, o.id)
                    .await
                    .expect("bind");
            }
        }
    }
    for (p, r) in [
        ("eu-nis2", "csirt"),
        ("jp-cyber-response", "national-office"),
    ] {
        s.bind_recipient(&system(), p, r, office.id)
            .await
            .expect("bind");
    }
    let mut others = Vec::new();
    for (name, o) in [
        ("other operator", &other),
        ("supplier", &supplier),
        ("vendor", &vendor),
    ] {
        let admin = user(s, o, &format!("admin{}", o.id), Role::Admin).await;
        others.push((name, actor(s, &admin).await));
    }
    let office_admin = user(s, &office, "analyst", Role::CoordinatorAnalyst).await;
    World {
        reporter: actor(s, &user(s, &op, "reporter", Role::Reporter).await).await,
        reporter_viewer: actor(s, &user(s, &op, "viewer", Role::Viewer).await).await,
        ministry: actor(
            s,
            &user(s, &ministry, "analyst", Role::CoordinatorAnalyst).await,
        )
        .await,
        ministry_viewer: actor(s, &user(s, &ministry, "viewer", Role::Viewer).await).await,
        office: actor(s, &office_admin).await,
        others,
    }
}

async fn open(s: &dyn Store, w: &World) -> Vec<i64> {
    let (incident, reports) = s
        .open_incident(
            &w.reporter,
            NewIncident {
                org: w.reporter.viewer.org.expect("org"),
                title: "ランサムウェア感染".into(),
                aware_at: Some(Timestamp(1_790_000_000_000_000)),
                facts: r#"{"events":{},"conditions":[]}"#.into(),
                common: r#"{"incident-summary":"ファイルサーバが暗号化された"}"#.into(),
                reports: vec![
                    regime("jp-cyber-response", Some(1_790_086_400_000_000)),
                    regime("jp-appi-leak", Some(1_790_259_200_000_000)),
                    regime("eu-nis2", Some(1_790_086_400_000_000)),
                ],
            },
        )
        .await
        .expect("open incident");
    assert_eq!(reports.len(), 3);
    assert!(reports.iter().all(|r| r.incident_id == Some(incident.id)));
    reports.iter().map(|r| r.id).collect()
}

/// Every read path for one actor; `Ok` when any of them returns the report.
async fn reads(s: &dyn Store, a: &Actor, id: i64) -> Vec<(&'static str, bool)> {
    let f = QueueFilter {
        limit: 50,
        ..Default::default()
    };
    let queue = s.queue(a, &f).await.expect("queue");
    let own = s.own_reports(a, &f).await.expect("own");
    let listed = |p: &renkei_store::reports::QueuePage| p.rows.iter().any(|r| r.report.id == id);
    let incident = s
        .report(&system(), id)
        .await
        .ok()
        .and_then(|r| r.incident_id);
    let by_incident = match incident {
        Some(i) => s
            .incident_reports(a, i)
            .await
            .map(|v| v.iter().any(|r| r.id == id))
            .unwrap_or(false),
        None => false,
    };
    vec![
        ("report", s.report(a, id).await.is_ok()),
        ("versions", s.report_versions(a, id).await.is_ok()),
        ("version 1", s.report_version(a, id, 1).await.is_ok()),
        ("messages", s.messages(a, id).await.is_ok()),
        ("timeline", s.timeline(a, id).await.is_ok()),
        ("attachments", s.attachments(a, id).await.is_ok()),
        ("queue", listed(&queue)),
        ("own list", listed(&own)),
        ("incident reports", by_incident),
    ]
}

fn none_read(paths: &[(&'static str, bool)]) -> bool {
    paths.iter().all(|(_, ok)| !ok)
}

#[tokio::test]
async fn reports_reach_the_reporter_and_the_recipients_only() {
    for b in support::backends().await {
        let s = b.store();
        let w = world(s).await;
        let ids = open(s, &w).await;
        let jp = ids[0];
        // Before the first submission the report is the reporter's draft.
        assert!(none_read(&reads(s, &w.ministry, jp).await), "{}", b.name());
        s.save_draft(&w.reporter, jp, r#"{"summary":"作業中"}"#)
            .await
            .expect("draft");
        s.submit_version(&w.reporter, jp, version("flash", r#"{"summary":"速報"}"#))
            .await
            .expect("submit");
        for (who, a) in &w.others {
            let paths = reads(s, a, jp).await;
            assert!(none_read(&paths), "{} {who}: {paths:?}", b.name());
        }
        let paths = reads(s, &w.ministry_viewer, jp).await;
        assert!(
            none_read(&paths),
            "{} recipient's viewer: {paths:?}",
            b.name()
        );
        // The national office receives the Act's reports, not APPI's
        // unless the reporter consents.
        assert!(s.report(&w.office, jp).await.is_ok(), "{}", b.name());
        let appi = ids[1];
        s.submit_version(&w.reporter, appi, version("flash", "{}"))
            .await
            .expect("submit");
        assert!(none_read(&reads(s, &w.office, appi).await), "{}", b.name());
        let got = s.report(&w.ministry, jp).await.expect("recipient reads");
        assert_eq!(got.draft, None, "recipients never see the draft");
        let queue = s
            .queue(
                &w.ministry,
                &QueueFilter {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .expect("queue");
        assert_eq!(
            queue.rows.iter().map(|r| r.report.id).collect::<Vec<_>>(),
            vec![appi, jp],
            "{}: newest first; the NIS2 one is addressed elsewhere",
            b.name()
        );
        let row = &queue.rows[0];
        assert_eq!(row.submitted.len(), 1);
        assert_eq!(row.incident.as_ref().map(|i| i.common.as_str()), Some("{}"));
        // The reporter's viewer reads its organisation's report.
        assert!(s.report(&w.reporter_viewer, jp).await.is_ok());
        assert!(matches!(
            s.submit_version(&w.reporter_viewer, jp, version("detailed", "{}"))
                .await,
            Err(StoreError::Forbidden(_))
        ));
        // Consent opens the national office's access, and withdrawing it closes it.
        let consent = Consent {
            national: true,
            sanitised: true,
        };
        s.set_consent(&w.reporter, appi, consent)
            .await
            .expect("consent");
        assert!(s.report(&w.office, appi).await.is_ok(), "{}", b.name());
        s.set_consent(&w.reporter, appi, Consent::default())
            .await
            .expect("withdraw");
        assert!(matches!(
            s.report(&w.office, appi).await,
            Err(StoreError::NotFound(_))
        ));
    }
}

#[tokio::test]
async fn a_submitted_version_never_changes() {
    for b in support::backends().await {
        let s = b.store();
        let w = world(s).await;
        let jp = open(s, &w).await[0];
        let first = r#"{"summary":"速報","ransom-note":"README.txt"}"#;
        let v1 = s
            .submit_version(&w.reporter, jp, version("flash", first))
            .await
            .expect("v1");
        assert_eq!(v1.sha256, sha256_hex(first.as_bytes()));
        let mut amended = version("detailed", r#"{"summary":"詳報"}"#);
        amended.note = "暗号化の範囲が判明".into();
        let v2 = s
            .submit_version(&w.reporter, jp, amended)
            .await
            .expect("v2");
        assert_eq!((v1.version, v2.version), (1, 2));
        let again = s.report_version(&w.ministry, jp, 1).await.expect("read v1");
        assert_eq!(again.body, first);
        assert_eq!(again.sha256, sha256_hex(first.as_bytes()));
        // Behind the store's back too.
        for sql in [
            format!("UPDATE report_versions SET body = '{{}}' WHERE report_id = {jp}"),
            format!("DELETE FROM report_versions WHERE report_id = {jp}"),
        ] {
            assert!(raw(&b, &sql).await.is_err(), "{}: {sql}", b.name());
        }
        let after = s.report_version(&w.ministry, jp, 1).await.expect("read v1");
        assert_eq!(after.body, first);
        let versions = s.report_versions(&w.reporter, jp).await.expect("versions");
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[1].note, "暗号化の範囲が判明");
    }
}

fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(b))
}

async fn raw(b: &Backend, sql: &str) -> Result<(), String> {
    use sqlx::Executor;
    let q = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()));
    match b {
        Backend::Sqlite(s, _) => s.pool().execute(q).await.map(|_| ()),
        Backend::Pg(s, _) => s.pool().execute(q).await.map(|_| ()),
    }
    .map_err(|e| e.to_string())
}

#[tokio::test]
async fn recipients_handle_a_report_and_both_sides_talk() {
    for b in support::backends().await {
        let s = b.store();
        let w = world(s).await;
        let jp = open(s, &w).await[0];
        s.submit_version(&w.reporter, jp, version("flash", r#"{"a":1}"#))
            .await
            .expect("submit");
        s.set_state(&w.ministry, jp, ReportState::Waiting)
            .await
            .expect("state");
        assert!(matches!(
            s.set_state(&w.reporter, jp, ReportState::Closed).await,
            Err(StoreError::Forbidden(_))
        ));
        s.post_message(&w.ministry, jp, "暗号化されたサーバの台数を教えてください")
            .await
            .expect("question");
        s.post_message(&w.reporter, jp, "3台です")
            .await
            .expect("answer");
        assert!(matches!(
            s.post_message(&w.ministry_viewer, jp, "x").await,
            Err(StoreError::NotFound(_))
        ));
        let owner = w.ministry.viewer.user;
        let task = s
            .add_task(&w.ministry, jp, "IoC を抽出する", owner)
            .await
            .expect("task");
        s.set_task_done(&w.ministry, jp, task.id, true)
            .await
            .expect("done");
        // A task owner outside the organisation is refused by field.
        let outsider = w.reporter.viewer.user;
        match s.add_task(&w.ministry, jp, "x", outsider).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.field, "owner"),
            other => panic!("{}: {other:?}", b.name()),
        }
        assert!(s.tasks(&w.reporter, jp).await.expect("tasks").is_empty());
        let thread = s.messages(&w.reporter, jp).await.expect("thread");
        assert_eq!(thread.len(), 2);
        let timeline = s.timeline(&w.ministry, jp).await.expect("timeline");
        let kinds: Vec<&str> = timeline.iter().map(|e| e.kind).collect();
        for k in [
            "created",
            "version",
            "state",
            "message",
            "task",
            "task-done",
            "consent",
        ] {
            assert!(
                kinds.contains(&k),
                "{}: {k} missing from {kinds:?}",
                b.name()
            );
        }
        let mine = s.timeline(&w.reporter, jp).await.expect("timeline");
        assert!(
            mine.iter().all(|e| e.kind != "task"),
            "tasks stay the recipient's"
        );
        assert_eq!(
            s.report(&w.ministry, jp).await.expect("report").state,
            ReportState::Waiting
        );
    }
}

#[tokio::test]
async fn the_queue_pages_filters_and_orders_by_deadline() {
    for b in support::backends().await {
        let s = b.store();
        let w = world(s).await;
        let mut ids = Vec::new();
        for _ in 0..3 {
            let got = open(s, &w).await;
            s.submit_version(&w.reporter, got[0], version("flash", "{}"))
                .await
                .expect("submit");
            s.submit_version(&w.reporter, got[1], version("flash", "{}"))
                .await
                .expect("submit");
            ids.extend([got[0], got[1]]);
        }
        let mut seen = Vec::new();
        let mut f = QueueFilter {
            limit: 4,
            ..Default::default()
        };
        loop {
            let page = s.queue(&w.ministry, &f).await.expect("page");
            seen.extend(page.rows.iter().map(|r| r.report.id));
            match page.next {
                Some(n) => f.after = Some(n),
                None => break,
            }
        }
        let mut want = ids.clone();
        want.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(seen, want, "{}", b.name());
        let appi = QueueFilter {
            profile: Some("jp-appi-leak".into()),
            limit: 50,
            ..Default::default()
        };
        let page = s.queue(&w.ministry, &appi).await.expect("filter");
        assert_eq!(page.rows.len(), 3);
        let due = QueueFilter {
            order: QueueOrder::Due,
            limit: 2,
            ..Default::default()
        };
        let page = s.queue(&w.ministry, &due).await.expect("due");
        // Submitting cleared the deadlines (next_due_at None in `version`).
        assert!(page.rows.is_empty(), "{}", b.name());
        let none = s
            .queue(
                &w.others[0].1,
                &QueueFilter {
                    limit: 50,
                    ..Default::default()
                },
            )
            .await
            .expect("queue");
        assert!(none.rows.is_empty());
    }
}

#[tokio::test]
async fn bad_input_names_its_field_and_stores_nothing() {
    for b in support::backends().await {
        let s = b.store();
        let w = world(s).await;
        let jp = open(s, &w).await[0];
        let before = b.count("report_versions").await;
        for (body, field) in [("[1]", "values"), ("not json", "values")] {
            match s
                .submit_version(&w.reporter, jp, version("flash", body))
                .await
            {
                Err(StoreError::Invalid(e)) => assert_eq!(e.field, field),
                other => panic!("{}: {other:?}", b.name()),
            }
        }
        match s
            .submit_version(&w.reporter, jp, version("Flash!", "{}"))
            .await
        {
            Err(StoreError::Invalid(e)) => assert_eq!(e.field, "stage"),
            other => panic!("{other:?}"),
        }
        let big = format!(r#"{{"x":"{}"}}"#, "a".repeat(300 * 1024));
        assert!(
            s.submit_version(&w.reporter, jp, version("flash", &big))
                .await
                .is_err()
        );
        assert_eq!(b.count("report_versions").await, before);
        let mut bad = regime("jp-cyber-response", None);
        bad.title = " ".into();
        let incident = s
            .report(&w.reporter, jp)
            .await
            .expect("r")
            .incident_id
            .expect("i");
        match s.add_report(&w.reporter, incident, bad).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.field, "title"),
            other => panic!("{other:?}"),
        }
        // Another organisation's incident is as missing as one that is not there.
        let (_, other) = &w.others[0];
        assert!(matches!(
            s.add_report(other, incident, regime("eu-cra", None)).await,
            Err(StoreError::NotFound(_))
        ));
    }
}

#[tokio::test]
async fn indicators_correlate_across_the_reports_a_reader_may_read() {
    for b in support::backends().await {
        let s = b.store();
        let w = world(s).await;
        let ip = renkei_core::IndicatorValue::guess("185.220.101.47").expect("ip");
        let mut ids = Vec::new();
        for _ in 0..3 {
            let jp = open(s, &w).await[0];
            let mut v = version("flash", "{}");
            v.indicators = vec![ip.clone()];
            s.submit_version(&w.reporter, jp, v).await.expect("submit");
            ids.push(jp);
        }
        let seen = s
            .report_indicators(&w.ministry, ids[0])
            .await
            .expect("indicators");
        assert_eq!(seen.len(), 1, "{}", b.name());
        assert_eq!(
            (seen[0].value.as_str(), seen[0].other_reports),
            ("185.220.101.47", 2)
        );
        // Another operator files the same address: it sees no one else's report.
        let (_, other) = &w.others[0];
        let other_org = other.viewer.org.expect("org");
        let (_, reports) = s
            .open_incident(
                other,
                NewIncident {
                    org: other_org,
                    title: "同じ C2".into(),
                    aware_at: None,
                    facts: "{}".into(),
                    common: "{}".into(),
                    reports: vec![regime("jp-cyber-response", None)],
                },
            )
            .await
            .expect("open");
        let mut v = version("flash", "{}");
        v.indicators = vec![ip.clone()];
        s.submit_version(other, reports[0].id, v)
            .await
            .expect("submit");
        let theirs = s
            .report_indicators(other, reports[0].id)
            .await
            .expect("indicators");
        assert_eq!(theirs[0].other_reports, 0, "{}", b.name());
        // The recipient of all four sees three others.
        let seen = s
            .report_indicators(&w.ministry, ids[0])
            .await
            .expect("indicators");
        assert_eq!(seen[0].other_reports, 3, "{}", b.name());
    }
}

fn filed(profile: &str, versions: usize, state: ReportState, national: bool) -> FiledReport {
    let at = |h: i64| Timestamp(1_790_000_000_000_000 + h * 3_600_000_000);
    FiledReport {
        new: NewReport {
            consent: Consent {
                national,
                sanitised: false,
            },
            ..regime(profile, Some(at(48).0))
        },
        state,
        created_at: at(1),
        versions: (0..versions)
            .map(|k| (version("flash", r#"{"summary":"速報"}"#), at(2 + k as i64)))
            .collect(),
    }
}

#[tokio::test]
async fn a_bulk_load_is_addressed_as_filing_is_and_the_system_only_does_it() {
    for b in support::backends().await {
        let s = b.store();
        let w = world(s).await;
        let org = w.reporter.viewer.org.expect("org");
        let incident = FiledIncident {
            org,
            by: w.reporter.viewer.user,
            title: "読み込んだインシデント".into(),
            aware_at: Some(Timestamp(1_790_000_000_000_000)),
            facts: r#"{"events":{},"conditions":[]}"#.into(),
            common: "{}".into(),
            created_at: Timestamp(1_790_003_600_000_000),
            reports: vec![
                filed("jp-cyber-response", 2, ReportState::Analysing, false),
                filed("jp-appi-leak", 1, ReportState::Received, true),
                filed("jp-appi-leak", 0, ReportState::Received, false),
            ],
        };
        // Only the system loads, and bad input is named and loads nothing.
        let refused = s
            .load_filed(&w.reporter, std::slice::from_ref(&incident))
            .await;
        assert!(
            matches!(refused, Err(StoreError::Forbidden(_))),
            "{}",
            b.name()
        );
        let mut bad = incident.clone();
        bad.facts = "not json".into();
        match s.load_filed(&system(), &[bad]).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.field, "facts"),
            other => panic!("{}: {other:?}", b.name()),
        }
        let f = QueueFilter {
            limit: 50,
            ..Default::default()
        };
        assert!(
            s.queue(&w.ministry, &f)
                .await
                .expect("queue")
                .rows
                .is_empty()
        );
        let n = s.load_filed(&system(), &[incident]).await.expect("load");
        assert_eq!(n, 3, "{}", b.name());
        // The ministry receives both regimes' submitted reports (not the
        // draft), with their own times, states and first submissions.
        let q = s.queue(&w.ministry, &f).await.expect("queue").rows;
        assert_eq!(q.len(), 2, "{}", b.name());
        let jp = q
            .iter()
            .find(|r| r.report.profile_id == "jp-cyber-response")
            .expect("jp");
        assert_eq!(jp.report.state, ReportState::Analysing);
        assert_eq!(jp.report.latest_version, 2);
        assert_eq!(jp.report.sector.as_deref(), Some("electricity"));
        assert_eq!(
            jp.submitted,
            vec![("flash".into(), Timestamp(1_790_007_200_000_000))]
        );
        assert_eq!(
            jp.incident.as_ref().and_then(|i| i.aware_at),
            Some(Timestamp(1_790_000_000_000_000))
        );
        let v = s
            .report_version(&w.ministry, jp.report.id, 1)
            .await
            .expect("version");
        assert_eq!(v.body, r#"{"summary":"速報"}"#);
        assert_eq!(v.sha256, sha256_hex(v.body.as_bytes()));
        // The national office: the Act's report by its binding, APPI's by
        // consent; nobody else reads any.
        let office = s.queue(&w.office, &f).await.expect("queue").rows;
        assert_eq!(office.len(), 2, "{}", b.name());
        for (who, a) in &w.others {
            for r in &q {
                let paths = reads(s, a, r.report.id).await;
                assert!(none_read(&paths), "{} {who}: {paths:?}", b.name());
            }
        }
    }
}
