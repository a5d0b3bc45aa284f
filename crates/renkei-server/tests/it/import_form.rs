//! The import form as its users expect it (as the share form): nothing
//! stored before a preview that counts the values by kind, names every
//! line left out with its reason and lists who will read them; one
//! import per form however often it is confirmed. And the words the
//! intelligence pages use, each linked to its explanation on `/help`.

use renkei_core::IndicatorValue;

use crate::support::{PASSWORD, Reply, TestApp, every_backend, hidden};

/// The import form sent as the browser sends it (`TestApp::import_form`).
pub(crate) async fn upload(
    app: &TestApp,
    cookie: &str,
    fields: &[(&str, &str)],
    file: Option<&str>,
) -> Reply {
    app.import_form(cookie, fields, file).await
}

/// Confirms the preview `preview` shows (its key), as its button does.
pub(crate) async fn confirm(app: &TestApp, cookie: &str, preview: &Reply) -> Reply {
    assert_eq!(preview.status, 200, "a preview: {}", preview.body);
    let fields = [
        ("csrf", hidden(&preview.body, "csrf")),
        ("key", hidden(&preview.body, "key")),
        ("step", "confirm".to_owned()),
    ];
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    upload(app, cookie, &refs, None).await
}

/// How many objects hold `value`, as the power company's admin reads them.
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

/// The organisations a preview's reader list names.
fn listed(html: &str) -> Vec<String> {
    let Some(start) = html.find("class=\"reader-orgs\"") else {
        return Vec::new();
    };
    let end = html[start..]
        .find("</ul>")
        .map_or(html.len(), |e| start + e);
    let mut out: Vec<String> = html[start..end]
        .split("<li>")
        .skip(1)
        .filter_map(|s| s.split("</li>").next())
        .map(str::to_owned)
        .collect();
    out.sort();
    out
}

const CSV: &str =
    "value,type\n198.18.5.1,ipv4\n198.18.5.2,ipv4\nimport-test.example.jp,domain\n300.1.1.1,ipv4\n";

#[tokio::test]
async fn a_preview_counts_by_kind_names_refused_lines_and_readers_and_stores_nothing() {
    for (backend, app) in every_backend().await {
        let (_, col) = app.council().await;
        let power = app
            .login("admin@power.example.jp", PASSWORD)
            .await
            .expect("login");
        let page = app.get("/intel/import", &power).await;
        assert_eq!(page.status, 200, "{backend}");
        assert!(
            !page.body.contains("checked") && !page.body.contains("\" selected>CSV"),
            "{backend}: no TLP, audience or format chosen for the user"
        );
        let csrf = hidden(&page.body, "csrf");
        let key = hidden(&page.body, "key");
        let base = [
            ("csrf", csrf.as_str()),
            ("key", key.as_str()),
            ("collection", col.id.as_str()),
            ("format", "csv"),
            ("tlp", "AMBER"),
        ];
        // A line that cannot be read: without "leave such lines out",
        // refused, naming the line and why, and nothing kept or stored.
        let r = upload(&app, &power, &base, Some(CSV)).await;
        assert_eq!(r.status, 422, "{backend}: {}", r.body);
        assert!(
            r.body.contains("<td>5</td>") && r.body.contains("IPアドレスでもネットワーク"),
            "{backend}: line 5 and its reason: {}",
            r.body
        );
        assert_eq!(
            app.store
                .import_draft(app.power_admin.id, &key)
                .await
                .expect("draft"),
            None,
            "{backend}: nothing kept"
        );

        // With it: the preview.
        let mut fields = base.to_vec();
        fields.push(("skip_invalid", "1"));
        let preview = upload(&app, &power, &fields, Some(CSV)).await;
        assert_eq!(preview.status, 200, "{backend}: {}", preview.body);
        let counts = preview
            .body
            .split("id=\"import-counts\"")
            .nth(1)
            .and_then(|s| s.split("</table>").next())
            .unwrap_or_else(|| panic!("{backend}: counts by kind: {}", preview.body));
        assert!(
            counts.contains("<th scope=\"row\">IPアドレス</th><td>2 件</td>")
                && counts.contains("<th scope=\"row\">ドメイン</th><td>1 件</td>"),
            "{backend}: {counts}"
        );
        assert!(
            preview.body.contains("id=\"import-left-out\"")
                && preview.body.contains("<td>5</td>")
                && preview.body.contains("300.1.1.1")
                && preview.body.contains("IPアドレスでもネットワーク"),
            "{backend}: the refused line, its number and its reason: {}",
            preview.body
        );
        // TLP:AMBER to the council's community: both members read it.
        assert_eq!(
            listed(&preview.body),
            ["東都電力", "統括室"],
            "{backend}: {}",
            preview.body
        );
        assert!(preview.body.contains("閲覧できるのは: 2組織"), "{backend}");
        for v in ["198.18.5.1", "import-test.example.jp"] {
            assert_eq!(
                held(&app, v).await,
                0,
                "{backend}: a preview stores nothing"
            );
        }
        // The confirmation stores what the preview showed, and each
        // organisation listed reads it (the store's rule).
        let done = confirm(&app, &power, &preview).await;
        assert_eq!(done.status, 303, "{backend}: {}", done.body);
        assert_eq!(held(&app, "198.18.5.1").await, 1, "{backend}");
        let nco = app.actor(&app.nco_admin).await;
        let v = IndicatorValue::guess("import-test.example.jp").expect("value");
        let hits = app
            .store
            .lookup_values(&nco, std::slice::from_ref(&v), 5, None)
            .await
            .expect("lookup");
        assert_eq!(hits.iter().map(|h| h.total).sum::<i64>(), 1, "{backend}");
    }
}

#[tokio::test]
async fn a_confirmation_sent_twice_stores_once_and_shows_the_first_result() {
    for (backend, app) in every_backend().await {
        let (_, col) = app.council().await;
        let power = app
            .login("admin@power.example.jp", PASSWORD)
            .await
            .expect("login");
        let page = app.get("/intel/import", &power).await;
        let csrf = hidden(&page.body, "csrf");
        let key = hidden(&page.body, "key");
        let fields = [
            ("csrf", csrf.as_str()),
            ("key", key.as_str()),
            ("collection", col.id.as_str()),
            ("format", "text"),
            ("tlp", "GREEN"),
        ];
        let file = "C2: 198.18.6.6 と twice.example.jp\n";
        let preview = upload(&app, &power, &fields, Some(file)).await;
        assert_eq!(
            hidden(&preview.body, "key"),
            key,
            "{backend}: the form's key"
        );
        // A double click: both at once, then once more later.
        let (a, b) = tokio::join!(
            confirm(&app, &power, &preview),
            confirm(&app, &power, &preview)
        );
        assert_eq!((a.status, b.status), (303, 303), "{backend}: {}", a.body);
        assert_eq!(a.location(), b.location(), "{backend}");
        assert_eq!(a.location(), format!("/intel/import?done={key}"));
        let c = confirm(&app, &power, &preview).await;
        assert_eq!(c.status, 303, "{backend}");
        // A second preview with the same key (the back button) stores
        // nothing either, and its confirmation only redirects.
        let again = upload(&app, &power, &fields, Some(file)).await;
        assert_eq!(confirm(&app, &power, &again).await.status, 303);
        assert_eq!(held(&app, "198.18.6.6").await, 1, "{backend}: stored once");
        assert_eq!(held(&app, "twice.example.jp").await, 1, "{backend}");
        // The result page: what the first request stored, an empty form
        // with a new key.
        let result = app.get(a.location(), &power).await;
        assert_eq!(result.status, 200, "{backend}");
        assert!(
            result.body.contains("id=\"import-ok\"") && result.body.contains("2 件を登録しました"),
            "{backend}: {}",
            result.body
        );
        assert_ne!(hidden(&result.body, "key"), key, "{backend}: a new key");
        // A confirmation whose upload is not kept (never previewed, or
        // pruned) stores nothing and says so.
        let lost = [
            ("csrf", csrf.as_str()),
            ("key", "0000-never-previewed"),
            ("step", "confirm"),
        ];
        let r = upload(&app, &power, &lost, None).await;
        assert_eq!(r.status, 422, "{backend}: {}", r.body);
        assert!(
            r.body.contains("確認画面の内容が見つかりません"),
            "{backend}: {}",
            r.body
        );
        assert_eq!(
            app.store
                .submission_result(app.power_admin.id, "0000-never-previewed")
                .await
                .expect("read"),
            None,
            "{backend}: the key can be used again"
        );
    }
}

#[tokio::test]
async fn uploads_wait_for_their_confirmation_a_day_at_most_and_go_once_stored() {
    for (backend, app) in every_backend().await {
        let (_, col) = app.council().await;
        let power = app
            .login("admin@power.example.jp", PASSWORD)
            .await
            .expect("login");
        let page = app.get("/intel/import", &power).await;
        let fields = [
            ("csrf", hidden(&page.body, "csrf")),
            ("key", hidden(&page.body, "key")),
            ("collection", col.id.clone()),
            ("format", "csv".to_owned()),
            ("tlp", "GREEN".to_owned()),
            ("comment_prefix", ";".to_owned()),
        ];
        let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let preview = upload(&app, &power, &refs, Some("value\n198.18.7.1\n")).await;
        assert_eq!(preview.status, 200, "{backend}: {}", preview.body);
        let key = hidden(&preview.body, "key");
        let user = app.power_admin.id;
        let draft = app.store.import_draft(user, &key).await.expect("draft");
        let draft = draft.unwrap_or_else(|| panic!("{backend}: kept"));
        assert_eq!(draft.file, b"value\n198.18.7.1\n", "{backend}");
        assert!(
            !draft.fields.contains("csrf"),
            "{backend}: {}",
            draft.fields
        );
        // Back to the form: the fields as chosen, the same key.
        let edit = [
            ("csrf", hidden(&preview.body, "csrf")),
            ("key", key.clone()),
            ("step", "edit".to_owned()),
        ];
        let refs: Vec<(&str, &str)> = edit.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = upload(&app, &power, &refs, None).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.body);
        assert!(
            r.body.contains("value=\"csv\" selected")
                && r.body.contains(&format!("value=\"{}\" selected", col.id))
                && r.body.contains("id=\"tlp-green\" checked")
                && r.body.contains("value=\";\""),
            "{backend}: {}",
            r.body
        );
        assert_eq!(hidden(&r.body, "key"), key, "{backend}");
        // Once stored, the upload is not kept.
        let page = app.get("/intel/import", &power).await;
        let mut other = fields.clone();
        other[1].1 = hidden(&page.body, "key");
        let preview = upload(&app, &power, &refs_of(&other), Some("198.18.7.2\n")).await;
        let stored_key = hidden(&preview.body, "key");
        assert_eq!(confirm(&app, &power, &preview).await.status, 303);
        assert_eq!(
            app.store
                .import_draft(user, &stored_key)
                .await
                .expect("draft"),
            None,
            "{backend}"
        );
        // The one never confirmed is pruned by the retention rounds after
        // a day (which ends the session too: last).
        let kept = app.store.import_draft(user, &key).await.expect("draft");
        assert!(kept.is_some(), "{backend}: kept until then");
        let settings = &app.state.settings;
        let now = renkei_core::Timestamp::now();
        let later =
            renkei_core::Timestamp(now.0 + renkei_server::retention::SUBMISSION_KEEP_US + 1);
        renkei_server::retention::round(app.store.as_ref(), settings, later)
            .await
            .expect("round");
        assert_eq!(
            app.store.import_draft(user, &key).await.expect("draft"),
            None,
            "{backend}"
        );
    }
}

fn refs_of<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, x)| (*k, x.as_str())).collect()
}

#[tokio::test]
async fn every_word_the_intelligence_pages_use_links_to_its_help_section() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let power = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let nco = app
        .login("admin@nco.example.jp", PASSWORD)
        .await
        .expect("login");
    // The same value shared twice (a correlation with a freshness score).
    for (cookie, file) in [(&power, "198.18.9.9\n"), (&nco, "198.18.9.9\n")] {
        let page = app.get("/intel/import", cookie).await;
        let fields = [
            ("csrf", hidden(&page.body, "csrf")),
            ("key", hidden(&page.body, "key")),
            ("collection", col.id.clone()),
            ("format", "text".to_owned()),
            ("tlp", "GREEN".to_owned()),
        ];
        let preview = upload(&app, cookie, &refs_of(&fields), Some(file)).await;
        assert_eq!(confirm(&app, cookie, &preview).await.status, 303);
    }
    let found = app.get("/intel/search?q=198.18.9.9", &nco).await;
    let id = found
        .body
        .split("href=\"/intel/objects/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("a result: {}", found.body))
        .to_owned();
    let object = format!("/intel/objects/{id}");
    // A sighting of it, which the list then shows.
    let obj = app.get(&object, &nco).await;
    let r = app
        .post_form(
            &object,
            &nco,
            &[
                ("csrf", &hidden(&obj.body, "csrf")),
                ("count", "2"),
                ("tlp", "GREEN"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);

    let help = app.get("/help", "").await;
    assert_eq!(help.status, 200);
    let page = app.get("/intel/import", &power).await;
    let preview = upload(
        &app,
        &power,
        &refs_of(&[
            ("csrf", hidden(&page.body, "csrf")),
            ("key", hidden(&page.body, "key")),
            ("collection", col.id.clone()),
            ("format", "text".to_owned()),
            ("tlp", "GREEN".to_owned()),
        ]),
        Some("198.18.9.10\n"),
    )
    .await;
    let pages = [
        (
            "/intel",
            app.get("/intel", &nco).await.body,
            vec![
                "tlp",
                "collections",
                "exports",
                "export-blocklist",
                "sightings",
            ],
        ),
        (
            "object",
            app.get(&object, &nco).await.body,
            vec![
                "tlp-green",
                "audience",
                "collections",
                "sightings",
                "tlp",
                "decay",
            ],
        ),
        (
            "/intel/share",
            app.get("/intel/share", &power).await.body,
            vec!["tlp", "collections", "audience"],
        ),
        (
            "/intel/import",
            page.body,
            vec!["tlp", "collections", "audience", "imports"],
        ),
        (
            "import preview",
            preview.body,
            vec!["tlp-green", "collections", "audience"],
        ),
        (
            "/intel/exports",
            app.get("/intel/exports", &power).await.body,
            vec![
                "exports",
                "export-stix",
                "export-csv",
                "export-suricata",
                "export-zeek",
                "export-rpz",
                "export-blocklist",
            ],
        ),
    ];
    for (name, body, wanted) in &pages {
        let links: Vec<&str> = body
            .split("href=\"/help#")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .collect();
        for w in wanted {
            assert!(links.contains(w), "{name} links /help#{w}: {links:?}");
        }
        // And every section a page links to is on the help page.
        for anchor in &links {
            assert!(
                help.body.contains(&format!("id=\"{anchor}\"")),
                "{name}: /help has no #{anchor}"
            );
        }
    }
}

#[tokio::test]
async fn the_intelligence_list_names_who_shared_each_object() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    for (email, value) in [
        ("admin@power.example.jp", "198.18.10.1"),
        ("admin@nco.example.jp", "198.18.10.2"),
    ] {
        let cookie = app.login(email, PASSWORD).await.expect("login");
        let page = app.get("/intel/import", &cookie).await;
        let fields = [
            ("csrf", hidden(&page.body, "csrf")),
            ("key", hidden(&page.body, "key")),
            ("collection", col.id.clone()),
            ("format", "text".to_owned()),
            ("tlp", "GREEN".to_owned()),
        ];
        let preview = upload(&app, &cookie, &refs_of(&fields), Some(value)).await;
        assert_eq!(confirm(&app, &cookie, &preview).await.status, 303);
    }
    let viewer = app
        .login("viewer@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let list = app.get("/intel", &viewer).await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("共有した組織"), "{}", list.body);
    let row = |value: &str| {
        let at = list
            .body
            .find(&format!("<code class=\"value\">{value}</code>"))
            .unwrap_or_else(|| panic!("{value} listed: {}", list.body));
        let start = list.body[..at].rfind("<tr>").expect("row start");
        let end = at + list.body[at..].find("</tr>").expect("row end");
        list.body[start..end].to_owned()
    };
    assert!(
        row("198.18.10.1").contains("<td class=\"owner\">東都電力</td>"),
        "{}",
        row("198.18.10.1")
    );
    assert!(
        row("198.18.10.2").contains("<td class=\"owner\">統括室</td>"),
        "{}",
        row("198.18.10.2")
    );
}

/// Uploads waiting for confirmation are bounded per person: a new one
/// pushes out that person's oldest beyond the limit, nobody else's.
#[tokio::test]
async fn a_person_keeps_a_bounded_number_of_uploads_waiting() {
    use renkei_store::share_forms::{ImportDraft, MAX_IMPORT_DRAFTS};
    for (backend, app) in every_backend().await {
        let draft = |n: i64| ImportDraft {
            fields: format!("format=csv&n={n}"),
            file: format!("value\n198.18.9.{n}\n").into_bytes(),
        };
        let (me, other) = (app.power_admin.id, app.nco_admin.id);
        app.store
            .keep_import_draft(other, "other-0", &draft(0), 1)
            .await
            .expect("keep");
        let total = MAX_IMPORT_DRAFTS + 2;
        for n in 0..total {
            app.store
                .keep_import_draft(me, &format!("k-{n}"), &draft(n), 10 + n)
                .await
                .expect("keep");
        }
        for n in 0..total {
            let kept = app
                .store
                .import_draft(me, &format!("k-{n}"))
                .await
                .expect("read");
            assert_eq!(
                kept.is_some(),
                n >= total - MAX_IMPORT_DRAFTS,
                "{backend}: k-{n}"
            );
        }
        let theirs = app
            .store
            .import_draft(other, "other-0")
            .await
            .expect("read");
        assert!(theirs.is_some(), "{backend}: another person's upload stays");
    }
}
