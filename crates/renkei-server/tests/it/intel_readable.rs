//! Intelligence in words: an object's page names the kind and value, the
//! sharer, what the TLP means, the audience and the sightings by name, in
//! JST; correlation runs both ways (a network lists the addresses inside it
//! that the reader may read); one search covers shared reports and
//! indicators, following a URL to its host and registered domain.

use renkei_core::model::{NewItem, NewOrg, NewUser};
use renkei_core::{Actor, Audience, Email, Marking, OrgKind, Role, Sector, Tlp};

use crate::support::{PASSWORD, TestApp, every_backend};

fn indicator(n: u32, name: &str, pattern: &str, tlp: Tlp) -> renkei_store::intel::NewStixVersion {
    let body = serde_json::json!({
        "type": "indicator", "spec_version": "2.1", "id": id(n),
        "created": "2026-11-18T09:00:00.000Z", "modified": "2026-11-18T09:00:00.000Z",
        "name": name, "pattern": pattern, "pattern_type": "stix",
        "valid_from": "2026-11-18T09:00:00Z",
        "object_marking_refs": [renkei_stix::tlp_marking_id(tlp)]
    });
    let o = renkei_stix::parse_object(&body, None).expect("indicator");
    renkei_server::share::new_version(&o)
}

fn id(n: u32) -> String {
    format!("indicator--5e1a{n:04x}-0000-4000-8000-{n:012x}")
}

/// A council of 統括室, 東都電力 and 関西鉄道, and what they shared.
async fn world(app: &TestApp) {
    let (council, col) = app.council().await;
    let s = app.store.as_ref();
    let sys = Actor::system("test");
    let rail = s
        .create_org(
            &sys,
            NewOrg {
                name_ja: "関西鉄道".into(),
                name_en: "Kansai Railway".into(),
                kind: OrgKind::Operator,
                sector: Some(Sector::parse("railway").expect("sector")),
                prefecture: None,
            },
        )
        .await
        .expect("org");
    let rail_soc = s
        .create_user(
            &sys,
            NewUser {
                org: rail.id,
                email: Email::parse("soc@rail.example.jp").expect("email"),
                display_name: "鉄道SOC".into(),
                role: Role::Admin,
                password_hash: renkei_server::http::auth::hash_password(PASSWORD).expect("hash"),
            },
        )
        .await
        .expect("user");
    let m = s
        .add_membership(&sys, council.id, rail.id)
        .await
        .expect("member");
    let rail = app.actor(&rail_soc).await;
    s.accept_terms(&rail, m.id).await.expect("accept");
    let rail = app.actor(&rail_soc).await;
    let power = app.actor(&app.power_admin).await;
    let mut only_power = indicator(
        3,
        "自社だけの観測",
        "[ipv4-addr:value = '203.0.113.46']",
        Tlp::Amber,
    );
    only_power.audience = Audience {
        orgs: vec![app.power.id],
        ..Audience::default()
    };
    s.add_stix(
        &power,
        &col,
        vec![
            indicator(
                1,
                "探索元ネットワーク",
                "[ipv4-addr:value = '203.0.113.0/24']",
                Tlp::Green,
            ),
            indicator(
                2,
                "VPN機器を狙う攻撃元",
                "[ipv4-addr:value = '203.0.113.45']",
                Tlp::Green,
            ),
            only_power,
            indicator(
                4,
                "偽ログインの登録ドメイン",
                "[domain-name:value = 'evil-rail.co.jp']",
                Tlp::Green,
            ),
            indicator(
                5,
                "偽ログインURL",
                "[url:value = 'https://login.evil-rail.co.jp/owa']",
                Tlp::Green,
            ),
        ],
    )
    .await
    .expect("add");
    let sighting = serde_json::json!({
        "type": "sighting", "spec_version": "2.1", "id": "sighting--5e1a0007-0000-4000-8000-000000000007",
        "created": "2026-11-19T02:00:00.000Z", "modified": "2026-11-19T02:00:00.000Z",
        "sighting_of_ref": id(2), "count": 12,
        "first_seen": "2026-11-18T22:00:00Z", "last_seen": "2026-11-19T01:30:00Z",
        "object_marking_refs": [renkei_stix::tlp_marking_id(Tlp::Green)]
    });
    let sighting = renkei_stix::parse_object(&sighting, None).expect("sighting");
    s.add_stix(
        &rail,
        &col,
        vec![renkei_server::share::new_version(&sighting)],
    )
    .await
    .expect("sighting");
    s.share_item(
        &power,
        NewItem {
            title: "偽ログインページへの誘導について".into(),
            body: "login.evil-rail.co.jp を騙るページに注意してください。".into(),
            marking: Marking {
                tlp: Tlp::Green,
                pap: None,
                audience: Audience {
                    communities: vec![council.id],
                    ..Audience::default()
                },
                owner_org: app.power.id,
                created_by: Some(app.power_admin.id),
            },
        },
    )
    .await
    .expect("item");
}

/// What shows without opening a toggle: each `<details>` but its summary
/// left out.
fn shown(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find("</summary>") {
        out.push_str(&rest[..i]);
        rest = rest[i..].split_once("</details>").map_or("", |(_, r)| r);
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn an_indicator_reads_in_words_with_its_sharer_audience_sightings_and_jst() {
    for (db, app) in every_backend().await {
        world(&app).await;
        let nco = app
            .login("admin@nco.example.jp", PASSWORD)
            .await
            .expect("login");
        let page = app.get(&format!("/intel/objects/{}", id(2)), &nco).await;
        assert_eq!(page.status, 200, "{db}: {}", page.body);
        let b = &page.body;
        let shown = shown(b);
        for want in [
            "IPアドレス",
            "203.0.113.45",
            "東都電力",
            "協議会",
            "同じコミュニティ",
            "関西鉄道が12回観測",
            "最初の観測 2026-11-19 07:00:00 JST",
            "2026-11-18 18:00:00 JST",
        ] {
            assert!(shown.contains(want), "{db}: {want} in {shown}");
        }
        assert!(
            !shown.contains("[ipv4-addr:value"),
            "{db}: the pattern is behind the toggle"
        );
        assert!(
            b.contains("[ipv4-addr:value = &#x27;203.0.113.45&#x27;]")
                || b.contains("[ipv4-addr:value = '203.0.113.45']"),
            "{db}: {b}"
        );
        // Versions in JST, as every other time.
        assert!(b.contains("2026-11-18 18:00:00 JST の版"), "{db}: {b}");
        // The network holding it, linked by its name, with freshness said.
        assert!(
            b.contains("探索元ネットワーク</a> — この値を含むネットワーク"),
            "{db}: {b}"
        );
        assert!(b.contains("id=\"decay-explained\""), "{db}");

        // The network lists the address inside it the reader may read, and
        // not the one shared with 東都電力 alone.
        let net = app.get(&format!("/intel/objects/{}", id(1)), &nco).await;
        assert!(net.body.contains("ネットワーク"), "{db}");
        assert!(
            net.body
                .contains("VPN機器を狙う攻撃元</a> — このネットワーク内のアドレス"),
            "{db}: {}",
            net.body
        );
        assert!(!net.body.contains("203.0.113.46"), "{db}: {}", net.body);
        assert!(!net.body.contains("自社だけの観測"), "{db}");
        let power = app
            .login("admin@power.example.jp", PASSWORD)
            .await
            .expect("login");
        let own = app.get(&format!("/intel/objects/{}", id(1)), &power).await;
        assert!(
            own.body.contains("203.0.113.46"),
            "{db}: its sharer sees it"
        );

        // The list reads in words too.
        let list = app.get("/intel", &nco).await;
        assert!(
            list.body
                .contains("ドメイン</span> <code class=\"value\">evil-rail.co.jp</code>"),
            "{db}: {}",
            list.body
        );
        assert!(
            !list.body.contains("2026-11-18T09:00:00.000Z"),
            "{db}: versions in JST"
        );

        // In English, the same words from the English bundle.
        let en = app
            .get(
                &format!("/intel/objects/{}", id(2)),
                &format!("{nco}; renkei_lang=en"),
            )
            .await;
        for want in [
            "IP address",
            "Shared by",
            "Kansai Railway saw it 12 times",
            "within the community",
        ] {
            assert!(en.body.contains(want), "{db}: {want} in {}", en.body);
        }
    }
}

/// An object without a name is headed in words, in both languages: a
/// sighting by whose sighting it is, never by its STIX id.
#[tokio::test]
async fn an_object_without_a_name_is_headed_in_words_not_by_its_id() {
    for (db, app) in every_backend().await {
        world(&app).await;
        let nco = app
            .login("admin@nco.example.jp", PASSWORD)
            .await
            .expect("login");
        let sighting = "sighting--5e1a0007-0000-4000-8000-000000000007";
        let page = app.get(&format!("/intel/objects/{sighting}"), &nco).await;
        assert_eq!(page.status, 200, "{db}: {}", page.body);
        let h1 = page
            .body
            .split_once("<h1>")
            .and_then(|(_, r)| r.split_once("</h1>"))
            .map(|(h, _)| h.to_owned())
            .expect("a heading");
        assert!(
            h1.contains("関西鉄道") && h1.contains("による観測（12回）"),
            "{db}: {h1}"
        );
        let title = page
            .body
            .split_once("<title>")
            .and_then(|(_, r)| r.split_once("</title>"))
            .map(|(t, _)| t.to_owned())
            .expect("a title");
        assert!(!title.contains("sighting--"), "{db}: {title}");
        assert!(title.contains("による観測"), "{db}: {title}");
        // The id stays behind the raw toggle, not in the heading.
        assert!(!h1.contains("sighting--"), "{db}: {h1}");
        let en = format!("{nco}; renkei_lang=en");
        let page = app.get(&format!("/intel/objects/{sighting}"), &en).await;
        assert!(
            page.body.contains("Sighting by ") && page.body.contains("(12 times)</h1>"),
            "{db}: {}",
            page.body
        );
    }
}

#[tokio::test]
async fn one_search_finds_reports_and_indicators_from_a_url_or_its_domain() {
    for (db, app) in every_backend().await {
        world(&app).await;
        let nco = app
            .login("admin@nco.example.jp", PASSWORD)
            .await
            .expect("login");
        // A URL nobody shared: its registered domain's indicator, and the
        // report that names its host.
        let r = app
            .get(
                "/intel/search?q=hxxps%3A%2F%2Flogin.evil-rail%5B.%5Dco.jp%2Fother",
                &nco,
            )
            .await;
        assert_eq!(r.status, 200, "{db}: {}", r.body);
        assert!(
            r.body.contains("偽ログインページへの誘導について"),
            "{db}: {}",
            r.body
        );
        assert!(
            r.body.contains("偽ログインの登録ドメイン"),
            "{db}: {}",
            r.body
        );
        assert!(
            !r.body.contains("偽ログインURL"),
            "{db}: another URL is not this one"
        );
        // A host: the URLs on it, its registered domain, the report.
        let r = app.get("/intel/search?q=login.evil-rail.co.jp", &nco).await;
        for want in [
            "偽ログインURL",
            "偽ログインの登録ドメイン",
            "偽ログインページへの誘導について",
            "東都電力",
        ] {
            assert!(r.body.contains(want), "{db}: {want} in {}", r.body);
        }
        // A network: the readable addresses inside it.
        let r = app.get("/intel/search?q=203.0.113.0%2F24", &nco).await;
        assert!(r.body.contains("VPN機器を狙う攻撃元"), "{db}: {}", r.body);
        assert!(!r.body.contains("自社だけの観測"), "{db}: {}", r.body);
        // A report the reader may not read is not found.
        let outsider = app
            .login("viewer@power.example.jp", PASSWORD)
            .await
            .expect("login");
        let r = app.get("/intel/search?q=evil-rail.co.jp", &outsider).await;
        assert!(
            r.body.contains("偽ログインページへの誘導について"),
            "{db}: a member's viewer reads GREEN"
        );
        // Searching is audited as a read.
        let n: i64 = {
            let entries = app
                .store
                .list_audit(
                    &Actor::system("test"),
                    renkei_store::AuditQuery {
                        org: Some(app.nco.id),
                        before_seq: None,
                        limit: 1000,
                    },
                )
                .await
                .expect("audit");
            entries.iter().filter(|e| e.action == "item.read").count() as i64
        };
        assert!(n >= 1, "{db}: item reads audited");
    }
}
