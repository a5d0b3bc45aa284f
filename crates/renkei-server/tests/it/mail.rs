//! Outgoing mail against a real SMTP server: Python's aiosmtpd, started
//! here from the test venv (scripts/test installs it) with the handler in
//! `mail_sink.py`, which writes each message it receives to a directory.
//! Without aiosmtpd the SMTP tests are skipped with a reason, except under
//! CI=true, where they fail. The bounds (queue full, a server that never
//! answers, bad settings) need no SMTP server.

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use renkei_report::{DueReminder, ReminderKind};
use renkei_server::Settings;
use renkei_server::mail::{Letter, MailError, Reminder, check};
use serde_json::Value;

use crate::support::TestApp;

/// aiosmtpd on a free loopback port, writing messages to `dir`; killed
/// when dropped.
pub(crate) struct Smtpd {
    child: Child,
    pub(crate) port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn venv_python() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-venv/bin/python")
}

/// The server, or `None` (with the reason printed) when the venv lacks
/// aiosmtpd outside CI.
pub(crate) fn smtpd() -> Option<Smtpd> {
    let python = venv_python();
    let has = Command::new(&python)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has {
        let why = format!(
            "{} cannot import aiosmtpd (run scripts/test, which installs it)",
            python.display()
        );
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("skipped: {why}");
        return None;
    }
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let dir = tempfile::tempdir().expect("dir");
    let child = Command::new(&python)
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "mail_sink.Sink"])
        .arg(dir.path())
        .env(
            "PYTHONPATH",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it"),
        )
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("aiosmtpd starts");
    let mut server = Smtpd { child, port, dir };
    let until = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("aiosmtpd exited: {status}");
        }
        assert!(Instant::now() < until, "aiosmtpd did not listen on {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(server)
}

/// The `n`th message received (1-based), waiting for it up to 20 s.
pub(crate) async fn received(server: &Smtpd, n: usize) -> (Value, String) {
    let json = server.dir.path().join(format!("{n}.json"));
    let until = Instant::now() + Duration::from_secs(20);
    while !json.exists() {
        assert!(Instant::now() < until, "message {n} never arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let data = std::fs::read_to_string(&json).expect("json");
    let raw = std::fs::read_to_string(server.dir.path().join(format!("{n}.eml"))).expect("eml");
    (serde_json::from_str(&data).expect("json"), raw)
}

pub(crate) fn with_smtp(s: &mut Settings, port: u16) {
    s.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into());
    s.mail_from = Some("renkei <noreply@renkei.example>".into());
}

fn flash_reminder(kind: ReminderKind) -> DueReminder {
    DueReminder {
        stage: "flash".into(),
        kind,
        at: "2026-12-06T12:00:00Z".parse().expect("instant"),
        deadline: "2026-12-07T00:00:00Z".parse().expect("instant"),
    }
}

/// A counter line of /metrics, e.g. `renkei_mail_messages_total{outcome="sent"}`.
fn counted(app: &TestApp, outcome: &str) -> u64 {
    let text = app.state.metrics.render();
    let key = format!("renkei_mail_messages_total{{outcome=\"{outcome}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&key))
        .map_or(0, |n| n.trim().parse().expect("a count"))
}

async fn wait_for_count(app: &TestApp, outcome: &str, n: u64) {
    let until = Instant::now() + Duration::from_secs(20);
    while counted(app, outcome) < n {
        assert!(Instant::now() < until, "{outcome} never reached {n}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_reminder_arrives_in_japanese_with_english_below() {
    let Some(server) = smtpd() else { return };
    let app = TestApp::with_settings(|s| with_smtp(s, server.port)).await;
    let profile = app.state.reports.get("jp-cyber-response").expect("profile");
    let due = flash_reminder(ReminderKind::Elapsed { percent: 50 });
    let letter = app.state.mail.reminder_letter(
        &Reminder {
            organisation: "東都電力株式会社",
            profile,
            due: &due,
            url: "https://renkei.example/reports/r-1",
        },
        None,
    );
    let to = vec!["山田 花子 <hanako@toto-denryoku.example>".to_string()];
    app.state.mail.send(&to, letter).expect("accepted");

    let (m, raw) = received(&server, 1).await;
    assert_eq!(
        m["subject"],
        "【renkei】速報の提出期限が近づいています（サイバー対処能力強化法 届出・報告） / \
         [renkei] Flash report is due soon (Japanese Cyber Response Act notices and reports)"
    );
    assert_eq!(m["mail_from"], "noreply@renkei.example");
    assert_eq!(
        m["rcpt_tos"],
        serde_json::json!(["hanako@toto-denryoku.example"])
    );
    let h = &m["headers"];
    assert_eq!(h["From"], "renkei <noreply@renkei.example>");
    assert_eq!(h["To"], "山田 花子 <hanako@toto-denryoku.example>");
    assert_eq!(h["Auto-Submitted"], "auto-generated");
    let id = h["Message-ID"].as_str().expect("Message-ID");
    assert!(
        id.starts_with('<') && id.ends_with("@renkei.example>"),
        "{id}"
    );
    assert!(h["Date"].is_string());
    assert_eq!(
        (m["content_type"].as_str(), m["charset"].as_str()),
        (Some("text/plain"), Some("utf-8"))
    );
    // The subject travels encoded (RFC 2047), never as raw 8-bit text.
    assert!(raw.is_ascii(), "{raw}");

    let body = m["body"].as_str().expect("body");
    let ja = body
        .find("東都電力株式会社 ご担当者様")
        .expect("Japanese greeting");
    let en = body.find("To 東都電力株式会社,").expect("English greeting");
    assert!(ja < en, "Japanese first: {body}");
    for line in [
        "サイバー対処能力強化法 届出・報告の「速報」の提出期限についてお知らせします。",
        "提出期限: 2026-12-07 09:00 JST (2026-12-07 00:00 UTC)",
        "期限までの時間の 50% が過ぎました。",
        "報告: https://renkei.example/reports/r-1",
        "このメールは renkei から自動で送信しています。",
        "―――――――― English ――――――――",
        "Deadline: 2026-12-07 09:00 JST (2026-12-07 00:00 UTC)",
        "50% of the time until the deadline has passed.",
    ] {
        assert!(body.contains(line), "{line:?} not in {body}");
    }
    wait_for_count(&app, "sent", 1).await;
    assert_eq!(app.state.mail.in_flight(), 0);
}

#[tokio::test]
async fn a_refused_recipient_is_counted_failed_and_not_retried() {
    let Some(server) = smtpd() else { return };
    let app = TestApp::with_settings(|s| with_smtp(s, server.port)).await;
    let letter = Letter {
        subject: "件名".into(),
        body: "本文".into(),
    };
    app.state
        .mail
        .send(&["reject@toto-denryoku.example".into()], letter.clone())
        .expect("accepted");
    wait_for_count(&app, "failed", 1).await;
    assert_eq!(counted(&app, "retry"), 0, "a 550 is permanent");
    // The server is still fine for the next one.
    app.state
        .mail
        .send(&["ok@toto-denryoku.example".into()], letter)
        .expect("accepted");
    let (m, _) = received(&server, 1).await;
    assert_eq!(m["subject"], "件名");
    assert_eq!(
        m["rcpt_tos"],
        serde_json::json!(["ok@toto-denryoku.example"])
    );
}

#[tokio::test]
async fn one_language_when_the_recipients_is_known() {
    let app = TestApp::new().await;
    let profile = app.state.reports.get("jp-cyber-response").expect("profile");
    let due = flash_reminder(ReminderKind::Overdue);
    let r = Reminder {
        organisation: "Toto Electric",
        profile,
        due: &due,
        url: "https://renkei.example/reports/r-1",
    };
    let en = app.state.mail.reminder_letter(&r, Some("en"));
    assert_eq!(
        en.subject,
        "[renkei] Flash report is overdue (Japanese Cyber Response Act notices and reports)"
    );
    assert!(!en.body.contains("ご担当者様"), "{}", en.body);
    assert!(en.body.contains("The deadline has passed"), "{}", en.body);
    let ja = app.state.mail.reminder_letter(&r, Some("ja"));
    assert!(
        ja.subject
            .starts_with("【renkei】速報の提出期限を過ぎています"),
        "{}",
        ja.subject
    );
    assert!(!ja.body.contains("English"), "{}", ja.body);
    // No SMTP server configured: nothing is sent, and the caller is told.
    assert_eq!(
        app.state.mail.send(&["a@example.jp".into()], en),
        Err(MailError::Disabled)
    );
}

#[tokio::test]
async fn a_full_queue_refuses_at_once_and_a_silent_server_times_out() {
    // A server that accepts connections and never says a word.
    let silent = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind");
    let port = silent.local_addr().expect("addr").port();
    let hold = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((c, _)) = silent.accept().await {
            open.push(c);
        }
    });
    let app = TestApp::with_settings(|s| {
        with_smtp(s, port);
        s.mail_timeout_secs = 1;
        s.mail_concurrency = 1;
        s.mail_queue = 0;
    })
    .await;
    let letter = Letter {
        subject: "s".into(),
        body: "b".into(),
    };
    let to = vec!["a@example.jp".to_string()];
    let started = Instant::now();
    app.state.mail.send(&to, letter.clone()).expect("accepted");
    assert_eq!(
        app.state.mail.send(&to, letter.clone()),
        Err(MailError::QueueFull)
    );
    assert!(started.elapsed() < Duration::from_secs(1), "send waited");
    assert_eq!(counted(&app, "dropped"), 1);
    // The attempt times out and is tried again later, not hung on.
    wait_for_count(&app, "retry", 1).await;
    // Bad input is refused before anything is queued.
    let bad = |to: &[&str]| {
        app.state
            .mail
            .send(
                &to.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                letter.clone(),
            )
            .map_err(|e| e.code())
    };
    assert_eq!(bad(&[]), Err("mail-bad-recipient"));
    assert_eq!(bad(&["not an address"]), Err("mail-bad-recipient"));
    assert_eq!(
        bad(&["a@example.jp\r\nBcc: x@example.jp"]),
        Err("mail-bad-recipient")
    );
    let huge = Letter {
        subject: "s".into(),
        body: "x".repeat(renkei_server::mail::MAX_BODY_BYTES + 1),
    };
    assert_eq!(app.state.mail.send(&to, huge), Err(MailError::TooLarge));
    // Stopping waits its grace for the one still being tried, then gives
    // it up; nothing more is accepted.
    assert_eq!(app.state.mail.stop(Duration::from_millis(200)).await, 1);
    assert_eq!(app.state.mail.send(&to, letter), Err(MailError::QueueFull));
    hold.abort();
}

#[test]
fn mail_settings_are_checked() {
    let with = |url: &str, from: Option<&str>| {
        let mut s = Settings::defaults();
        s.smtp_url = Some(url.to_owned().into());
        s.mail_from = from.map(str::to_owned);
        check(&s)
    };
    let from = Some("renkei <noreply@cti.example.jp>");
    assert_eq!(check(&Settings::defaults()), Ok(()));
    for ok in [
        "smtp://127.0.0.1:2525",
        "smtp://localhost:25",
        "smtp://[::1]:25",
        "smtps://user:pass@mail.example.jp:465",
        "smtp://mail.example.jp:587?tls=required",
    ] {
        assert_eq!(with(ok, from), Ok(()), "{ok}");
    }
    for (bad, key) in [
        ("smtp://mail.example.jp:25", "smtp_url"),
        ("smtp://mail.example.jp:25?tls=opportunistic", "smtp_url"),
        ("ftp://127.0.0.1", "smtp_url"),
        ("not a url", "smtp_url"),
    ] {
        let err = with(bad, from).expect_err(bad);
        assert!(err.starts_with(key), "{bad}: {err}");
    }
    let err = with("smtp://127.0.0.1:25", None).expect_err("no sender");
    assert!(err.starts_with("mail_from"), "{err}");
    let err = with("smtp://127.0.0.1:25", Some("nobody")).expect_err("bad sender");
    assert!(err.starts_with("mail_from"), "{err}");
    // The password in the URL never shows.
    let mut s = Settings::defaults();
    s.smtp_url = Some("smtps://user:hunter2@mail.example.jp".to_owned().into());
    assert!(!format!("{s:?}").contains("hunter2"));
}
