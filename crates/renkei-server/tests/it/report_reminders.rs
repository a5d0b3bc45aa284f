//! Deadline reminders: a ransomware flash report 23½ hours after awareness
//! gets its "one hour before" reminder by e-mail (through a real SMTP
//! server) and on the organisation's webhook, once; the sweep after sends
//! nothing more; a report already filed gets none.

use renkei_core::{Actor, Timestamp};
use renkei_store::reports::{Consent, NewIncident, NewReport};
use serde_json::json;

use crate::mail::{received, smtpd, with_smtp};
use crate::support::TestApp;

const HOUR: i64 = 3_600_000_000;

#[tokio::test]
async fn a_reminder_is_mailed_and_announced_once_before_the_flash_deadline() {
    let Some(server) = smtpd() else { return };
    let port = server.port;
    let app = TestApp::with_settings(|s| with_smtp(s, port)).await;
    let sys = Actor::system("test");
    app.store
        .bind_recipient(&sys, "jp-cyber-response", "national-office", app.nco.id)
        .await
        .expect("bind");
    let admin = app.actor(&app.power_admin).await;
    app.store
        .create_webhook(&admin, "http://127.0.0.1:9/hook", "secret-secret-secret")
        .await
        .expect("webhook");
    let now = Timestamp::now().0;
    let aware = Timestamp(now - 23 * HOUR - HOUR / 2);
    let deadline = Timestamp(aware.0 + 24 * HOUR);
    app.store
        .open_incident(
            &admin,
            NewIncident {
                org: app.power.id,
                title: "ランサムウェア感染".into(),
                aware_at: Some(aware),
                facts: json!({"events": {}, "conditions": []}).to_string(),
                common: "{}".into(),
                reports: vec![NewReport {
                    profile_id: "jp-cyber-response".into(),
                    notice_id: None,
                    title: "ランサムウェア感染".into(),
                    consent: Consent::default(),
                    next_due_at: Some(deadline),
                }],
            },
        )
        .await
        .expect("incident");
    let at = jiff::Timestamp::from_microsecond(now).expect("now");
    let sent = renkei_server::sweep_report_reminders(&app.state, at)
        .await
        .expect("sweep");
    assert_eq!(
        sent, 1,
        "only the latest reminder due (one hour before), not 50% too"
    );
    let (meta, raw) = received(&server, 1).await;
    let to = meta.to_string();
    assert!(to.contains("admin@power.example.jp"), "{meta}");
    assert!(
        !to.contains("viewer@power.example.jp"),
        "viewers file nothing: {meta}"
    );
    assert!(raw.contains("Subject:"), "{raw}");
    let deliveries = app.store.list_deliveries(1, 10).await.expect("deliveries");
    assert_eq!(deliveries.len(), 1);
    assert!(
        deliveries[0].payload.contains("\"kind\":\"before-1h\""),
        "{}",
        deliveries[0].payload
    );
    let again = renkei_server::sweep_report_reminders(&app.state, at)
        .await
        .expect("sweep");
    assert_eq!(again, 0, "each reminder goes once");
}
