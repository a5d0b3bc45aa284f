//! A new member's first steps (the home banner with the terms' text, the
//! help page) and notifications: an unread count in the navigation,
//! reports and indicators from others only, read state per user, history,
//! and nothing a user may not read counted or shown.

use renkei_core::model::{Collection, NewCommunity, NewItem};
use renkei_core::{Actor, Audience, Marking, Tlp};
use serde_json::json;

use crate::support::{PASSWORD, TestApp, every_backend, hidden};

fn indicator(n: u32, name: &str) -> renkei_store::intel::NewStixVersion {
    let v = json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "name": name,
        "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-02T00:00:00.000Z",
        "pattern": format!("[ipv4-addr:value = '198.51.100.{n}']"), "pattern_type": "stix",
        "valid_from": "2026-11-01T00:00:00Z"
    });
    renkei_server::share::new_version(&renkei_stix::parse_object(&v, None).expect("valid"))
}

async fn share_indicator(app: &TestApp, who: &Actor, col: &Collection, n: u32, name: &str) {
    let mut v = indicator(n, name);
    v.tlp = Some(Tlp::Green);
    let out = app
        .store
        .add_stix(who, col, vec![v])
        .await
        .expect("add_stix");
    assert!(out.failures.is_empty(), "{:?}", out.failures);
}

async fn share_item(app: &TestApp, who: &Actor, title: &str, tlp: Tlp, audience: Audience) {
    let org = who.viewer.org.expect("org");
    app.store
        .share_item(
            who,
            NewItem {
                title: title.into(),
                body: "本文".into(),
                marking: Marking {
                    tlp,
                    pap: None,
                    audience,
                    owner_org: org,
                    created_by: who.viewer.user,
                },
            },
        )
        .await
        .expect("share item");
}

/// The count the navigation shows, from a page's HTML (0 without one).
fn nav_count(html: &str) -> u32 {
    let Some(start) = html.find("id=\"unread-count\" aria-hidden=\"true\">(") else {
        return 0;
    };
    let rest = &html[start + "id=\"unread-count\" aria-hidden=\"true\">(".len()..];
    rest.split(')')
        .next()
        .unwrap_or_default()
        .parse()
        .expect("count")
}

#[tokio::test]
async fn notifications_count_others_shares_the_user_may_read_and_keep_read_state_per_user() {
    for (backend, app) in every_backend().await {
        let (council, col) = app.council().await;
        let nco = app.actor(&app.nco_admin).await;
        let power = app.actor(&app.power_admin).await;
        let to_council = Audience {
            communities: vec![council.id],
            ..Audience::default()
        };
        // Readable by the power company: a council report and an indicator.
        share_item(
            &app,
            &nco,
            "協議会向けの分析",
            Tlp::Green,
            to_council.clone(),
        )
        .await;
        share_indicator(&app, &nco, &col, 7, "統括室が見つけた通信先").await;
        // Not readable by it: AMBER+STRICT for the coordinator alone, and
        // TLP:RED to a coordinator's person.
        let only_nco = Audience {
            orgs: vec![app.nco.id],
            ..Audience::default()
        };
        share_item(&app, &nco, "統括室内だけの検討", Tlp::AmberStrict, only_nco).await;
        let red = Audience {
            users: vec![app.nco_admin.id],
            ..Audience::default()
        };
        share_item(&app, &nco, "名指しの連絡", Tlp::Red, red).await;
        // The power company's own share is no news to it.
        share_item(&app, &power, "東都電力からの報告", Tlp::Green, to_council).await;

        let admin = app
            .login("admin@power.example.jp", PASSWORD)
            .await
            .expect("login");
        let viewer = app
            .login("viewer@power.example.jp", PASSWORD)
            .await
            .expect("login");
        let home = app.get("/", &admin).await;
        assert_eq!(nav_count(&home.body), 2, "{backend}: {}", home.body);
        assert!(
            home.body.contains("未読 2 件"),
            "{backend}: accessible text"
        );
        let page = app.get("/notifications", &admin).await;
        assert_eq!(page.status, 200, "{backend}: {}", page.body);
        assert!(page.body.contains("協議会向けの分析"), "{backend}");
        assert!(page.body.contains("統括室が見つけた通信先"), "{backend}");
        for hidden_title in ["統括室内だけの検討", "名指しの連絡", "東都電力からの報告"]
        {
            assert!(
                !page.body.contains(hidden_title),
                "{backend}: {hidden_title}"
            );
        }
        // Looking does not mark anything read.
        assert_eq!(nav_count(&app.get("/", &admin).await.body), 2, "{backend}");
        // The coordinator sees the power company's report, not its own.
        let nco_cookie = app
            .login("admin@nco.example.jp", PASSWORD)
            .await
            .expect("login");
        let nco_page = app.get("/notifications", &nco_cookie).await;
        assert!(nco_page.body.contains("東都電力からの報告"), "{backend}");
        assert!(!nco_page.body.contains("協議会向けの分析"), "{backend}");

        // Marking one read is this user's alone.
        let csrf = hidden(&page.body, "csrf");
        let item_ref = {
            let at = page.body.find("協議会向けの分析").expect("row");
            let row_start = page.body[..at].rfind("<tr").expect("tr");
            let row_end = at + page.body[at..].find("</tr>").expect("/tr");
            hidden(&page.body[row_start..row_end], "ref_id")
        };
        let form = [
            ("csrf", csrf.as_str()),
            ("kind", "item"),
            ("ref_id", item_ref.as_str()),
            ("version", "1"),
        ];
        // Without the session's CSRF token: refused, nothing changed.
        let forged = [
            ("csrf", "x"),
            ("kind", "item"),
            ("ref_id", &item_ref),
            ("version", "1"),
        ];
        let r = app.post_form("/notifications/read", &admin, &forged).await;
        assert_eq!(r.status, 403, "{backend}: {}", r.body);
        assert_eq!(nav_count(&app.get("/", &admin).await.body), 2, "{backend}");
        let r = app.post_form("/notifications/read", &admin, &form).await;
        assert_eq!(r.status, 303, "{backend}: {}", r.body);
        assert_eq!(nav_count(&app.get("/", &admin).await.body), 1, "{backend}");
        assert_eq!(nav_count(&app.get("/", &viewer).await.body), 2, "{backend}");
        let again = app.get("/notifications", &admin).await;
        assert!(again.body.contains("既読"), "{backend}: history keeps it");
        assert!(again.body.contains("協議会向けの分析"), "{backend}");

        // Naming what one may not read answers the same and marks nothing.
        let secret_ref = app
            .store
            .list_items(&nco, 10)
            .await
            .expect("items")
            .into_iter()
            .find(|i| i.title == "統括室内だけの検討")
            .expect("item")
            .id
            .to_string();
        let probe = [
            ("csrf", csrf.as_str()),
            ("kind", "item"),
            ("ref_id", secret_ref.as_str()),
            ("version", "1"),
        ];
        let r = app.post_form("/notifications/read", &admin, &probe).await;
        assert_eq!(r.status, 303, "{backend}");
        let missing = [
            ("csrf", csrf.as_str()),
            ("kind", "item"),
            ("ref_id", "999999"),
            ("version", "1"),
        ];
        let r2 = app.post_form("/notifications/read", &admin, &missing).await;
        assert_eq!(
            (r.status, r.location()),
            (r2.status, r2.location()),
            "{backend}"
        );
        let counted = app.store.unread_notices(&power, 100).await.expect("count");
        assert_eq!(counted, 1, "{backend}");
        // A bad kind names the field and changes nothing.
        let bad = [
            ("csrf", csrf.as_str()),
            ("kind", "x"),
            ("ref_id", "1"),
            ("version", "1"),
        ];
        let r = app.post_form("/notifications/read", &admin, &bad).await;
        assert_eq!(r.status, 422, "{backend}: {}", r.body);

        // Everything read: no count, the history stays.
        let r = app
            .post_form("/notifications/read-all", &admin, &[("csrf", &csrf)])
            .await;
        assert_eq!(r.status, 303, "{backend}");
        let home = app.get("/", &admin).await;
        assert_eq!(nav_count(&home.body), 0, "{backend}");
        assert!(!home.body.contains("unread-count"), "{backend}");
        let history = app.get("/notifications", &admin).await;
        assert!(history.body.contains("統括室が見つけた通信先"), "{backend}");
        assert!(!history.body.contains("notice-unread"), "{backend}");
        // Something new after that counts again; the viewer still has 3.
        share_item(
            &app,
            &nco,
            "新しい注意喚起",
            Tlp::Clear,
            Audience::default(),
        )
        .await;
        assert_eq!(nav_count(&app.get("/", &admin).await.body), 1, "{backend}");
        assert_eq!(nav_count(&app.get("/", &viewer).await.body), 3, "{backend}");
    }
}

#[tokio::test]
async fn the_history_of_notifications_is_paged() {
    for (backend, app) in every_backend().await {
        let nco = app.actor(&app.nco_admin).await;
        for n in 0..53 {
            share_item(
                &app,
                &nco,
                &format!("注意喚起 {n:02}"),
                Tlp::Clear,
                Audience::default(),
            )
            .await;
        }
        let power = app
            .login("admin@power.example.jp", PASSWORD)
            .await
            .expect("login");
        let first = app.get("/notifications", &power).await;
        assert!(
            first.body.contains("注意喚起 52"),
            "{backend}: newest first"
        );
        assert!(!first.body.contains("注意喚起 02"), "{backend}: 50 a page");
        let needle = "id=\"notices-older\" href=\"";
        let at = first.body.find(needle).expect("older link") + needle.len();
        let href = first.body[at..]
            .split('"')
            .next()
            .expect("href")
            .replace("&amp;", "&");
        let second = app.get(&href, &power).await;
        assert_eq!(second.status, 200, "{backend}: {}", second.body);
        for n in 0..3 {
            assert!(
                second.body.contains(&format!("注意喚起 {n:02}")),
                "{backend}: {n}"
            );
        }
        assert!(!second.body.contains("注意喚起 03"), "{backend}");
        assert!(!second.body.contains("notices-older"), "{backend}");
        // The count in the navigation stops at its cap's "99+" only past
        // 99; here it is exact.
        assert_eq!(nav_count(&second.body), 53, "{backend}");
        let bad = app.get("/notifications?before=nonsense", &power).await;
        assert_eq!(bad.status, 422, "{backend}");
    }
}

#[tokio::test]
async fn a_member_reads_the_terms_on_the_home_page_and_accepts_them_there() {
    for (backend, app) in every_backend().await {
        let sys = Actor::system("test");
        let terms = "第1条 共有された情報は自組織の対策にのみ使います。";
        let c = app
            .store
            .create_community(
                &sys,
                NewCommunity {
                    name_ja: "地域の協議会".into(),
                    name_en: "Regional council".into(),
                    description: String::new(),
                    terms_version: "2026.10".into(),
                    terms_text: terms.into(),
                },
            )
            .await
            .expect("community");
        let m = app
            .store
            .add_membership(&sys, c.id, app.power.id)
            .await
            .expect("member");
        let nco = app.actor(&app.nco_admin).await;
        let to_c = Audience {
            communities: vec![c.id],
            ..Audience::default()
        };
        share_item(&app, &nco, "地域向けの注意喚起", Tlp::Green, to_c).await;

        let viewer = app
            .login("viewer@power.example.jp", PASSWORD)
            .await
            .expect("login");
        let home = app.get("/", &viewer).await;
        assert!(home.body.contains(terms), "{backend}: {}", home.body);
        assert!(home.body.contains("管理者に同意を依頼"), "{backend}");
        assert!(
            !home.body.contains("/accept"),
            "{backend}: no button for a viewer"
        );
        let intel = app.get("/intel", &viewer).await;
        assert!(
            intel.body.contains("href=\"/#terms\""),
            "{backend}: {}",
            intel.body
        );
        assert!(
            intel
                .body
                .contains("「地域の協議会」の守秘義務規程に同意するまで"),
            "{backend}"
        );

        let admin = app
            .login("admin@power.example.jp", PASSWORD)
            .await
            .expect("login");
        let home = app.get("/", &admin).await;
        assert!(home.body.contains(terms), "{backend}");
        assert!(
            !home.body.contains("地域向けの注意喚起"),
            "{backend}: not yet"
        );
        let action = format!("/admin/memberships/{}/accept", m.id);
        assert!(home.body.contains(&action), "{backend}");
        let csrf = hidden(&home.body, "csrf");
        let r = app
            .post_form(&action, &admin, &[("csrf", &csrf), ("back", "home")])
            .await;
        assert_eq!(
            (r.status, r.location()),
            (303, "/?ok=terms-accepted"),
            "{backend}"
        );
        let home = app.get(r.location(), &admin).await;
        assert!(!home.body.contains(terms), "{backend}: the banner is gone");
        assert!(
            home.body.contains("地域向けの注意喚起"),
            "{backend}: now readable"
        );
    }
}

#[tokio::test]
async fn the_help_page_explains_each_word_and_unfinished_sections_are_not_offered() {
    let app = TestApp::new().await;
    app.council().await;
    let help = app.get("/help", "").await;
    assert_eq!(help.status, 200);
    for anchor in [
        "id=\"tlp\"",
        "id=\"tlp-clear\"",
        "id=\"tlp-green\"",
        "id=\"tlp-amber\"",
        "id=\"tlp-amber-strict\"",
        "id=\"tlp-red\"",
        "id=\"pap\"",
        "id=\"sightings\"",
        "id=\"collections\"",
        "id=\"exports\"",
        "id=\"export-stix\"",
        "id=\"export-csv\"",
        "id=\"export-suricata\"",
        "id=\"export-zeek\"",
        "id=\"export-rpz\"",
        "id=\"export-blocklist\"",
    ] {
        assert!(help.body.contains(anchor), "{anchor}");
    }
    assert!(help.body.contains("サイティング"));
    let admin = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let home = app.get("/", &admin).await;
    assert!(home.body.contains("href=\"/help\""));
    // Reporting is offered; the sections still to come are not.
    assert!(home.body.contains("href=\"/reports\""));
    for unfinished in ["href=\"/advisories\"", "href=\"/detections\""] {
        assert!(!home.body.contains(unfinished), "{unfinished}");
    }
    let intel = app.get("/intel", &admin).await;
    assert!(intel.body.contains("/help#exports"));
    assert!(intel.body.contains("/help#tlp"));
}
