//! The share form as its users expect it: nothing chosen for them, a
//! preview naming exactly the organisations the store will let read the
//! values, one share per form however often it is sent, and a clear "why
//! not" for those who may not share.

use renkei_core::model::{Collection, NewCommunity, NewOrg, NewUser, Org, User};
use renkei_core::{Actor, CommunityId, Email, IndicatorValue, OrgKind, Role, Sector};

use crate::support::{PASSWORD, TestApp, every_backend, hidden};

/// Organisations shaped like the demo's: the national office and an
/// electricity operator (council members), a railway (council), a town
/// that has not accepted the council's terms, a second electricity
/// operator in the electricity ISAC only, and a supplier in no community.
struct World {
    col: Collection,
    isac: i64,
    council: i64,
    /// Each organisation and one administrator of it (who accepts its terms).
    orgs: Vec<(Org, User)>,
}

async fn world(app: &TestApp) -> World {
    let (council, col) = app.council().await;
    let sys = Actor::system("test");
    let hash = renkei_server::http::auth::hash_password(PASSWORD).expect("hash");
    let mut orgs = vec![
        (app.nco.clone(), app.nco_admin.clone()),
        (app.power.clone(), app.power_admin.clone()),
    ];
    for (i, (name, kind, sector)) in [
        ("関西鉄道", OrgKind::Operator, "railway"),
        ("山川町", OrgKind::LocalGovernment, "government"),
        ("西日本電力", OrgKind::Operator, "electricity"),
        ("部品製作所", OrgKind::Supplier, "chemical"),
    ]
    .into_iter()
    .enumerate()
    {
        let o = app
            .store
            .create_org(
                &sys,
                NewOrg {
                    name_ja: name.into(),
                    name_en: name.into(),
                    kind,
                    sector: Some(Sector::parse(sector).expect("sector")),
                    prefecture: None,
                },
            )
            .await
            .expect("org");
        let u = app
            .store
            .create_user(
                &sys,
                NewUser {
                    org: o.id,
                    email: Email::parse(&format!("soc{i}@org{i}.example.jp")).expect("email"),
                    display_name: format!("soc{i}"),
                    role: Role::Admin,
                    password_hash: hash.clone(),
                },
            )
            .await
            .expect("user");
        orgs.push((o, u));
    }
    let isac = app
        .store
        .create_community(
            &sys,
            NewCommunity {
                name_ja: "電力ISAC".into(),
                name_en: "Electricity ISAC".into(),
                description: String::new(),
                terms_version: "1".into(),
                terms_text: String::new(),
            },
        )
        .await
        .expect("community");
    // Railway joins the council and accepts; the town joins, not accepting;
    // both electricity operators accept the ISAC's terms.
    join(app, council.id, &orgs[2], true).await;
    join(app, council.id, &orgs[3], false).await;
    join(app, isac.id, &orgs[1], true).await;
    join(app, isac.id, &orgs[4], true).await;
    World {
        col,
        isac: isac.id.0,
        council: council.id.0,
        orgs,
    }
}

async fn join(app: &TestApp, c: CommunityId, (o, u): &(Org, User), accept: bool) {
    let m = app
        .store
        .add_membership(&Actor::system("test"), c, o.id)
        .await
        .expect("member");
    if accept {
        app.store
            .accept_terms(&app.actor(u).await, m.id)
            .await
            .expect("accept");
    }
}

/// The organisations a preview page lists as readers.
fn listed(html: &str) -> Vec<String> {
    let Some(start) = html.find("class=\"reader-orgs\"") else {
        return Vec::new();
    };
    let end = html[start..]
        .find("</ul>")
        .map_or(html.len(), |e| start + e);
    html[start..end]
        .split("<li>")
        .skip(1)
        .filter_map(|s| s.split("</li>").next())
        .map(str::to_owned)
        .collect()
}

/// A small deterministic generator, so a failure names its case.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn pick(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }
}

#[tokio::test]
async fn preview_names_exactly_the_organisations_the_store_lets_read() {
    for (backend, app) in every_backend().await {
        let w = world(&app).await;
        let power = app
            .login("admin@power.example.jp", PASSWORD)
            .await
            .expect("login");
        let mut rng = Lcg(17);
        for case in 0..24u32 {
            let tlp = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT"][(rng.next() % 4) as usize];
            let mut fields: Vec<(String, String)> = Vec::new();
            if rng.pick(3) {
                fields.push(("communities".into(), w.council.to_string()));
            }
            if rng.pick(3) {
                fields.push(("communities".into(), w.isac.to_string()));
            }
            if rng.pick(4) {
                fields.push(("sectors".into(), "railway".into()));
            }
            if rng.pick(4) {
                fields.push(("sectors".into(), "chemical".into()));
            }
            for (o, _) in &w.orgs[2..] {
                if rng.pick(5) {
                    fields.push(("orgs".into(), o.id.0.to_string()));
                }
            }
            let value = format!("198.18.{}.{}", case / 200, case % 200 + 1);
            let page = app.get("/intel/share", &power).await;
            let mut form: Vec<(String, String)> = vec![
                ("csrf".into(), hidden(&page.body, "csrf")),
                ("key".into(), hidden(&page.body, "key")),
                ("values".into(), value.clone()),
                ("collection".into(), w.col.id.clone()),
                ("tlp".into(), tlp.into()),
            ];
            form.extend(fields.iter().cloned());
            let as_refs = |extra: Option<(&'static str, &'static str)>| {
                let mut v: Vec<(String, String)> = form.clone();
                if let Some((k, x)) = extra {
                    v.push((k.into(), x.into()));
                }
                v
            };
            let post = |v: Vec<(String, String)>| {
                let app = &app;
                let power = power.clone();
                async move {
                    let refs: Vec<(&str, &str)> =
                        v.iter().map(|(k, x)| (k.as_str(), x.as_str())).collect();
                    app.post_form("/intel/share", &power, &refs).await
                }
            };
            let preview = post(as_refs(None)).await;
            assert_eq!(
                preview.status, 200,
                "{backend} case {case}: {}",
                preview.body
            );
            let mut shown = listed(&preview.body);
            shown.sort();
            let done = post(as_refs(Some(("step", "confirm")))).await;
            assert_eq!(done.status, 303, "{backend} case {case}: {}", done.body);
            // Who the store lets read it: each organisation's reporter looks
            // the value up.
            let v = IndicatorValue::guess(&value).expect("value");
            let mut reads = Vec::new();
            for (o, u) in &w.orgs {
                let hits = app
                    .store
                    .lookup_values(&app.actor(u).await, std::slice::from_ref(&v), 5, None)
                    .await
                    .expect("lookup");
                if hits.iter().any(|h| h.total > 0) {
                    reads.push(o.name_ja.clone());
                }
            }
            reads.sort();
            assert_eq!(
                shown, reads,
                "{backend} case {case}: TLP:{tlp} {fields:?}: preview vs the store's read rule"
            );
        }
    }
}

#[tokio::test]
async fn red_preview_names_the_people_only() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let power = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let page = app.get("/intel/share", &power).await;
    let r = app
        .post_form(
            "/intel/share",
            &power,
            &[
                ("csrf", &hidden(&page.body, "csrf")),
                ("key", &hidden(&page.body, "key")),
                ("values", "198.18.9.9"),
                ("collection", &w.col.id),
                ("tlp", "RED"),
                ("recipients", "soc0@org0.example.jp"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(listed(&r.body).is_empty(), "no organisation as a whole");
    assert!(r.body.contains("soc0（関西鉄道）"), "{}", r.body);
    assert!(
        r.body.contains("admin（東都電力）"),
        "the sharer: {}",
        r.body
    );
    assert!(r.body.contains("2 人"), "{}", r.body);
}

/// How many objects in the index hold `value`, as the sharer reads them.
async fn held(app: &TestApp, value: &str) -> i64 {
    let v = IndicatorValue::guess(value).expect("value");
    app.store
        .lookup_values(&app.actor(&app.power_admin).await, &[v], 50, None)
        .await
        .expect("lookup")
        .iter()
        .map(|h| h.total)
        .sum()
}

#[tokio::test]
async fn one_key_stores_once_and_shows_the_first_result() {
    for (backend, app) in every_backend().await {
        let (_, col) = app.council().await;
        let power = app
            .login("admin@power.example.jp", PASSWORD)
            .await
            .expect("login");
        let page = app.get("/intel/share", &power).await;
        let key = hidden(&page.body, "key");
        let form = [
            ("csrf", hidden(&page.body, "csrf")),
            ("key", key.clone()),
            ("values", "198.18.7.7\nc2.renkei-demo.example.jp".to_owned()),
            ("collection", col.id.clone()),
            ("tlp", "GREEN".to_owned()),
            ("step", "confirm".to_owned()),
        ];
        let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        // A double click: both requests at once.
        let (a, b) = tokio::join!(
            app.post_form("/intel/share", &power, &refs),
            app.post_form("/intel/share", &power, &refs)
        );
        assert_eq!(
            (a.status, b.status),
            (303, 303),
            "{backend}: {} {}",
            a.body,
            b.body
        );
        assert_eq!(a.location(), b.location(), "{backend}");
        // And sent again later (a reload of the result, the back button).
        let c = app.post_form("/intel/share", &power, &refs).await;
        assert_eq!(c.status, 303, "{backend}");
        assert_eq!(held(&app, "198.18.7.7").await, 1, "{backend}: stored once");
        assert_eq!(
            held(&app, "c2.renkei-demo.example.jp").await,
            1,
            "{backend}"
        );
        // The result page says what the first request stored, and the form
        // below it is empty with a new key.
        let done = app.get(a.location(), &power).await;
        assert_eq!(done.status, 200, "{backend}");
        assert!(
            done.body.contains("id=\"share-ok\""),
            "{backend}: {}",
            done.body
        );
        assert!(done.body.contains("2 件"), "{backend}: {}", done.body);
        assert!(!done.body.contains("198.18.7.7"), "{backend}: form cleared");
        assert_ne!(hidden(&done.body, "key"), key, "{backend}: a new key");
        // A new key with the same values is a new share.
        let mut again = form.clone();
        again[1].1 = hidden(&done.body, "key");
        let refs: Vec<(&str, &str)> = again.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            app.post_form("/intel/share", &power, &refs).await.status,
            303
        );
        assert_eq!(held(&app, "198.18.7.7").await, 2, "{backend}");
    }
}

#[tokio::test]
async fn nothing_is_chosen_for_the_user_and_refusals_name_the_field() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let power = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let page = app.get("/intel/share", &power).await;
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains("checked"),
        "no TLP or audience preselected"
    );
    assert!(
        page.body
            .contains("<option value=\"\" selected>選択してください</option>"),
        "no collection preselected: {}",
        page.body
    );
    let base = |extra: &[(&'static str, &str)]| {
        let mut v: Vec<(&'static str, String)> = vec![
            ("csrf", hidden(&page.body, "csrf")),
            ("key", hidden(&page.body, "key")),
            ("values", "198.18.1.1".into()),
        ];
        v.extend(extra.iter().map(|(k, x)| (*k, (*x).to_owned())));
        v
    };
    for (extra, field, words) in [
        (
            vec![("tlp", "GREEN")],
            "collection",
            "「登録先コレクション」を選んでください",
        ),
        (
            vec![("collection", col.id.as_str())],
            "tlp",
            "「TLP」を選んでください",
        ),
        (
            vec![("collection", "no-such"), ("tlp", "GREEN")],
            "collection",
            "「登録先コレクション」に選んだコレクションには登録できません",
        ),
        (
            vec![
                ("collection", col.id.as_str()),
                ("tlp", "GREEN"),
                ("orgs", "999"),
            ],
            "orgs",
            "「共有範囲」の「999」",
        ),
        (
            vec![
                ("collection", col.id.as_str()),
                ("tlp", "GREEN"),
                ("sectors", "moon"),
            ],
            "sectors",
            "「共有範囲」の「moon」",
        ),
        (
            vec![
                ("collection", col.id.as_str()),
                ("tlp", "GREEN"),
                ("values", "ただの文章です"),
            ],
            "values",
            "「指標の値」に指標の値が見つかりません",
        ),
    ] {
        let mut form = base(&extra);
        if let Some(i) = extra.iter().position(|(k, _)| *k == "values") {
            form.retain(|(k, _)| *k != "values");
            form.push(("values", extra[i].1.to_owned()));
        }
        for step in ["preview", "confirm"] {
            let mut f = form.clone();
            f.push(("step", step.into()));
            let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = app.post_form("/intel/share", &power, &refs).await;
            assert_eq!(r.status, 422, "{field} {step}: {}", r.body);
            assert!(r.body.contains(words), "{field} {step}: {}", r.body);
            assert!(
                r.body.contains("aria-invalid=\"true\""),
                "{field} {step}: the field is marked"
            );
            // What was typed is kept.
            assert!(
                r.body
                    .contains(&form.iter().find(|(k, _)| *k == "values").expect("values").1)
            );
        }
    }
    assert_eq!(held(&app, "198.18.1.1").await, 0, "nothing stored");
}

#[tokio::test]
async fn those_who_may_not_share_are_told_why_and_what_to_do() {
    let app = TestApp::new().await;
    // No community yet: the operator's admin has accepted no terms.
    let admin = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let r = app.get("/intel/share", &admin).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("id=\"share-refused\""), "{}", r.body);
    assert!(r.body.contains("守秘規約"), "{}", r.body);
    assert!(r.body.contains("href=\"/admin/communities\""), "{}", r.body);
    assert!(!r.body.contains("name=\"values\""), "no form to fill in");
    // A viewer reads only, whatever the organisation accepted.
    app.council().await;
    let viewer = app
        .login("viewer@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let r = app.get("/intel/share", &viewer).await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("閲覧者"), "{}", r.body);
    assert!(r.body.contains("管理者に役割の変更"), "{}", r.body);
    let r = app.get("/intel/import", &viewer).await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("閲覧者"), "{}", r.body);
    // A member of a community with no collection.
    let sys = Actor::system("test");
    let app2 = TestApp::new().await;
    let c = app2
        .store
        .create_community(
            &sys,
            NewCommunity {
                name_ja: "空".into(),
                name_en: "Empty".into(),
                description: String::new(),
                terms_version: "1".into(),
                terms_text: String::new(),
            },
        )
        .await
        .expect("community");
    let m = app2
        .store
        .add_membership(&sys, c.id, app2.power.id)
        .await
        .expect("member");
    app2.store
        .accept_terms(&app2.actor(&app2.power_admin).await, m.id)
        .await
        .expect("accept");
    let admin = app2
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let r = app2.get("/intel/share", &admin).await;
    assert_eq!(r.status, 403);
    assert!(
        r.body.contains("登録できるコレクションがありません"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn exports_page_says_what_each_file_leaves_out_and_why() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let power = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let page = app.get("/intel/share", &power).await;
    let r = app
        .post_form(
            "/intel/share",
            &power,
            &[
                ("csrf", &hidden(&page.body, "csrf")),
                ("key", &hidden(&page.body, "key")),
                ("values", "203.0.113.5\n198.51.100.6\n192.0.2.7\n198.18.3.3"),
                ("collection", &col.id),
                ("tlp", "GREEN"),
                ("step", "confirm"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = app.get("/intel/exports", &power).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let row = |id: &str| {
        let start = r
            .body
            .find(&format!("id=\"export-row-{id}\""))
            .unwrap_or_else(|| panic!("row {id}: {}", r.body));
        let end = r.body[start..].find("</tr>").expect("row end") + start;
        r.body[start..end].to_owned()
    };
    let suricata = row("suricata");
    assert!(
        suricata.contains("3件を除外: 警告リスト「ドキュメント用アドレス」に該当"),
        "{suricata}"
    );
    assert!(
        suricata.contains("href=\"/intel/warninglists\""),
        "{suricata}"
    );
    assert!(
        row("blocklist-ipv4").contains("3件を除外"),
        "{}",
        row("blocklist-ipv4")
    );
    assert!(
        row("csv").contains("なし"),
        "CSV leaves nothing out: {}",
        row("csv")
    );
}

#[tokio::test]
async fn submission_keys_are_pruned_by_the_retention_rounds_after_a_day() {
    for (backend, app) in every_backend().await {
        let (_, col) = app.council().await;
        let power = app
            .login("admin@power.example.jp", PASSWORD)
            .await
            .expect("login");
        let page = app.get("/intel/share", &power).await;
        let key = hidden(&page.body, "key");
        let r = app
            .post_form(
                "/intel/share",
                &power,
                &[
                    ("csrf", &hidden(&page.body, "csrf")),
                    ("key", &key),
                    ("values", "198.18.8.8"),
                    ("collection", &col.id),
                    ("tlp", "GREEN"),
                    ("step", "confirm"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{backend}");
        let user = app.power_admin.id;
        let kept = app.store.submission_result(user, &key).await.expect("read");
        assert_eq!(kept.as_deref(), Some("1"), "{backend}");
        let settings = &app.state.settings;
        let now = renkei_core::Timestamp::now();
        let r = renkei_server::retention::round(app.store.as_ref(), settings, now)
            .await
            .expect("round");
        assert_eq!(r.submissions, 0, "{backend}: kept within the day");
        let later =
            renkei_core::Timestamp(now.0 + renkei_server::retention::SUBMISSION_KEEP_US + 1);
        let r = renkei_server::retention::round(app.store.as_ref(), settings, later)
            .await
            .expect("round");
        assert_eq!(r.submissions, 1, "{backend}");
        assert_eq!(
            app.store.submission_result(user, &key).await.expect("read"),
            None
        );
        // Keys that are not keys are refused, naming the field.
        let e = app
            .store
            .claim_submission(user, "x'; DROP", 0)
            .await
            .expect_err("refused");
        assert!(e.to_string().contains("key"), "{backend}: {e}");
    }
}
