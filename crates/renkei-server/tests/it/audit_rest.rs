//! The audit log over REST with the portal page's filters (who,
//! organisation, action, object, days in Japan time, outcome), each bad
//! value refused with 400 naming the parameter. On SQLite and PostgreSQL.

use renkei_core::model::NewItem;
use renkei_core::{Audience, Marking, Timestamp, Tlp};
use serde_json::Value;

use crate::support::{PASSWORD, TestApp, every_backend};

/// The entries of a `GET /api/v1/audit` answer to an administrator
/// signed in (tokens do not administer).
async fn entries(app: &TestApp, cookie: &str, query: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/audit?{query}"), cookie).await;
    assert_eq!(r.status, 200, "{query}: {}", r.body);
    r.json().as_array().cloned().unwrap_or_default()
}

/// Each entry's `key`, as text.
fn all(es: &[Value], key: &str) -> Vec<String> {
    es.iter()
        .map(|e| match &e[key] {
            Value::String(s) => s.clone(),
            v => v.to_string(),
        })
        .collect()
}

/// A report the national office shares with the power company's viewer.
async fn share(app: &TestApp, title: &str, tlp: Tlp) -> i64 {
    let actor = app.actor(&app.nco_admin).await;
    let audience = Audience {
        users: vec![app.power_viewer.id],
        ..Audience::default()
    };
    let item = NewItem {
        title: title.into(),
        body: "本文".into(),
        marking: Marking {
            tlp,
            pap: None,
            audience,
            owner_org: app.nco.id,
            created_by: Some(app.nco_admin.id),
        },
    };
    app.store.share_item(&actor, item).await.expect("share").id
}

#[tokio::test]
async fn rest_audit_takes_the_pages_filters() {
    for (db, app) in every_backend().await {
        let red = share(&app, "赤", Tlp::Red).await;
        let other = share(&app, "別件", Tlp::Red).await;
        let viewer = app.actor(&app.power_viewer).await;
        for id in [red, red, other] {
            app.store.get_item(&viewer, id).await.expect("read");
        }
        let nco = app
            .login("admin@nco.example.jp", PASSWORD)
            .await
            .expect("login");
        let power = app
            .login("admin@power.example.jp", PASSWORD)
            .await
            .expect("login");
        // The power company's administrator asks for the whole log: refused
        // (and recorded as denied).
        let r = app.get("/api/v1/audit", &power).await;
        assert_eq!(r.status, 403, "{db}: {}", r.body);

        // One object's reads.
        let q = format!("object=item:{red}&action=item.read");
        let es = entries(&app, &nco, &q).await;
        assert_eq!(es.len(), 2, "{db}: {es:?}");
        assert!(
            all(&es, "object")
                .iter()
                .all(|o| *o == format!("item:{red}"))
        );
        // Who: the reader, as the log names them.
        let who = all(&es, "actor")[0].clone();
        let es = entries(&app, &nco, &format!("who={who}&action=item.read")).await;
        assert_eq!(es.len(), 3, "{db}: {es:?}");
        // Outcome and organisation.
        let es = entries(&app, &nco, "outcome=denied&action=audit.read").await;
        assert!(!es.is_empty(), "{db}: the refusal is in the log");
        assert!(all(&es, "outcome").iter().all(|o| o == "denied"), "{db}");
        let es = entries(&app, &nco, &format!("org={}", app.power.id)).await;
        assert!(!es.is_empty(), "{db}");
        let power_org = app.power.id.to_string();
        assert!(
            all(&es, "actor_org").iter().all(|o| *o == power_org),
            "{db}"
        );
        // The power company's administrator reads their own organisation's.
        assert_eq!(
            entries(
                &app,
                &power,
                &format!("org={}&action=item.read", app.power.id)
            )
            .await
            .len(),
            3,
            "{db}"
        );
        // Days in Japan time: today holds everything, yesterday nothing.
        let today = Timestamp::now().to_jst_display()[..10].to_owned();
        let yesterday =
            Timestamp(Timestamp::now().0 - 24 * 3600 * 1_000_000).to_jst_display()[..10].to_owned();
        let q = format!("from={today}&to={today}&action=item.read");
        assert_eq!(entries(&app, &nco, &q).await.len(), 3, "{db}");
        let q = format!("to={yesterday}&action=item.read");
        assert!(entries(&app, &nco, &q).await.is_empty(), "{db}");
        // Paging by `before`, the filters kept.
        let first = entries(&app, &nco, "action=item.read&limit=2").await;
        assert_eq!(first.len(), 2, "{db}");
        let last = first[1]["seq"].as_i64().expect("seq");
        let rest = entries(&app, &nco, &format!("action=item.read&before={last}")).await;
        assert_eq!(rest.len(), 1, "{db}");
        assert!(rest[0]["seq"].as_i64() < Some(last), "{db}");

        // Bad values: 400, the parameter named, a code.
        let long = "x".repeat(201);
        for (param, value) in [
            ("from", "2026-13-01"),
            ("to", "yesterday"),
            ("action", "item.steal"),
            ("outcome", "maybe"),
            ("org", "-3"),
            ("before", "x"),
            ("who", long.as_str()),
            ("object", long.as_str()),
        ] {
            let r = app
                .get(&format!("/api/v1/audit?{param}={value}"), &nco)
                .await;
            assert_eq!(r.status, 400, "{db} {param}: {}", r.body);
            assert_eq!(r.headers["content-type"], "application/problem+json");
            let p = r.json();
            assert_eq!(p["field"], param, "{db}: {p}");
            assert_eq!(p["code"], "audit-filter-invalid", "{db}: {p}");
            assert!(p["detail"].as_str().is_some_and(|d| !d.is_empty()), "{p}");
        }
        let r = app
            .get("/api/v1/audit?from=2026-04-02&to=2026-04-01", &nco)
            .await;
        assert_eq!(r.status, 400, "{db}: {}", r.body);
        let p = r.json();
        assert_eq!(p["field"], "to", "{p}");
        assert_eq!(p["code"], "audit-filter-range", "{p}");
    }
}
