//! The portal's intelligence pages: share form with an explicit TLP, search,
//! object page with correlations and sightings, import upload with a
//! per-line error report, exports and notifications.

use crate::support::{PASSWORD, TestApp, hidden};

async fn upload(
    app: &TestApp,
    cookie: &str,
    csrf: &str,
    collection: &str,
    format: &str,
    tlp: &str,
    file: &str,
) -> crate::support::Reply {
    let fields = [
        ("csrf", csrf),
        ("collection", collection),
        ("format", format),
        ("tlp", tlp),
    ];
    app.import_form(cookie, &fields, Some(file)).await
}

#[tokio::test]
async fn share_search_object_page_import_export_and_notifications() {
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

    let page = app.get("/intel/share", &power).await;
    assert_eq!(page.status, 200);
    let csrf = hidden(&page.body, "csrf");
    let values = "攻撃の通信先は hxxps://login[.]evil-co[.]jp/owa と 45.32.100[.]77";
    // No TLP chosen: refused, naming it, nothing stored.
    let r = app
        .post_form(
            "/intel/share",
            &power,
            &[("csrf", &csrf), ("values", values), ("collection", &col.id)],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("TLP"), "{}", r.body);
    let r = app
        .post_form(
            "/intel/share",
            &power,
            &[
                ("csrf", &csrf),
                ("values", values),
                ("collection", &col.id),
                ("tlp", "AMBER"),
                ("description", "フィッシング"),
                ("key", &hidden(&page.body, "key")),
                ("step", "confirm"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = app.get(r.location(), &power).await;
    assert!(r.body.contains("id=\"share-ok\""), "{}", r.body);

    // The national office (a council member) finds it by value; the page
    // shows the object's values seen elsewhere and takes a sighting.
    let found = app.get("/intel/search?q=45.32.100.77", &nco).await;
    assert_eq!(found.status, 200);
    let href = found
        .body
        .split("href=\"/intel/objects/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("a result links to its object: {}", found.body))
        .to_owned();
    let obj = app.get(&format!("/intel/objects/{href}"), &nco).await;
    assert_eq!(obj.status, 200);
    assert!(
        obj.body.contains("45.32.100.77") && obj.body.contains("TLP:AMBER"),
        "{}",
        obj.body
    );
    let csrf_n = hidden(&obj.body, "csrf");
    let r = app
        .post_form(
            &format!("/intel/objects/{href}"),
            &nco,
            &[("csrf", &csrf_n), ("count", "4"), ("tlp", "GREEN")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let obj = app.get(&format!("/intel/objects/{href}"), &power).await;
    assert!(obj.body.contains("合計 4 回"), "{}", obj.body);
    let r = app.get("/intel/search?q=&from=yesterday", &nco).await;
    assert_eq!(r.status, 422);
    // By the sharing organisation (the form sends an empty value for "any").
    let by_power = app
        .get(
            &format!(
                "/intel/search?q=&type=&tlp=&org={}&from=&until=",
                app.power.id
            ),
            &nco,
        )
        .await;
    assert!(
        by_power.status == 200 && by_power.body.contains(&href),
        "{}",
        by_power.body
    );
    let by_nco = app
        .get(&format!("/intel/search?q=&org={}", app.nco.id), &nco)
        .await;
    assert!(!by_nco.body.contains(&href), "{}", by_nco.body);
    assert_eq!(app.get("/intel/search?org=abc", &nco).await.status, 422);

    // Import upload: every bad line listed, nothing stored.
    let csrf = hidden(&app.get("/intel/import", &power).await.body, "csrf");
    let r = upload(
        &app,
        &power,
        &csrf,
        &col.id,
        "csv",
        "GREEN",
        "value,type\nok.evil-co.jp,domain\n300.1.1.1,ipv4\nnot-a-value\n",
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("id=\"line-errors\"")
            && r.body.contains("<td>3</td>")
            && r.body.contains("<td>4</td>"),
        "{}",
        r.body
    );
    assert!(
        !app.get("/intel/search?q=ok.evil-co.jp", &power)
            .await
            .body
            .contains("/intel/objects/"),
        "nothing stored"
    );
    let r = upload(
        &app,
        &power,
        &csrf,
        &col.id,
        "csv",
        "GREEN",
        "value\nok.evil-co.jp\n",
    )
    .await;
    // A preview first; stored once confirmed, then the result page.
    let r = crate::import_form::confirm(&app, &power, &r).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = app.get(r.location(), &power).await;
    assert!(r.body.contains("id=\"import-ok\""), "{}", r.body);

    let e = app.get("/intel/export/zeek", &nco).await;
    assert_eq!(e.status, 200);
    assert!(
        e.body.contains("login.evil-co.jp/owa\tIntel::URL"),
        "{}",
        e.body
    );
    // Blocklists, one type per file, linked from the page by type.
    let page = app.get("/intel", &nco).await;
    assert!(
        page.body
            .contains("href=\"/intel/export/blocklist?type=domain\""),
        "{}",
        page.body
    );
    let e = app.get("/intel/export/blocklist?type=domain", &nco).await;
    assert_eq!(e.status, 200, "{}", e.body);
    assert!(e.body.contains("\nok.evil-co.jp\n"), "{}", e.body);
    assert!(!e.body.contains("login.evil-co.jp/owa"), "{}", e.body);
    assert_eq!(
        e.headers[axum::http::header::CONTENT_DISPOSITION],
        "attachment; filename=\"renkei-export.blocklist-domain.txt\""
    );
    let e = app.get("/intel/export/blocklist", &nco).await;
    assert_eq!(e.status, 422, "{}", e.body);

    let n = app.get("/notifications", &nco).await;
    assert!(n.body.contains("id=\"notifications\""), "{}", n.body);
    // Looking is not reading: the notifications stay until marked read.
    let n = app.get("/notifications", &nco).await;
    assert!(n.body.contains("notice-unread"), "{}", n.body);
    // Anonymous visitors are sent to sign in.
    assert_eq!(app.get("/intel/share", "").await.status, 303);
}

#[tokio::test]
async fn warning_list_entries_are_edited_in_the_portal_and_stay_with_their_organisation() {
    let app = TestApp::new().await;
    let power = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let viewer = app
        .login("viewer@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let nco = app
        .login("admin@nco.example.jp", PASSWORD)
        .await
        .expect("login");

    let page = app.get("/intel/warninglists", &power).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("private-ranges") && page.body.contains("id=\"warning-add\""),
        "{}",
        page.body
    );
    let csrf = hidden(&page.body, "csrf");
    let add = |list: &'static str, value: &'static str, kind: &'static str| {
        let csrf = csrf.clone();
        let power = power.clone();
        let app = &app;
        async move {
            app.post_form(
                "/intel/warninglists",
                &power,
                &[
                    ("csrf", &csrf),
                    ("list", list),
                    ("value", value),
                    ("type", kind),
                    ("description", "自社CDN"),
                ],
            )
            .await
        }
    };
    // Bad input: each refusal names its field, keeps what was typed, stores nothing.
    let r = add("our-cdn", "not a value", "").await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("aria-invalid=\"true\"") && r.body.contains("value=\"not a value\""),
        "{}",
        r.body
    );
    let r = add("our-cdn", "203.0.113.5", "domain").await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = add("Our CDN", "cdn.power.co.jp", "").await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("a-z"), "{}", r.body);
    // Too wide to be a warning: a public suffix.
    let r = add("our-cdn", "co.jp", "domain").await;
    assert_eq!(r.status, 422, "{}", r.body);
    let page = app.get("/intel/warninglists", &power).await;
    assert!(
        !page.body.contains("id=\"warning-entries\""),
        "{}",
        page.body
    );

    // Added (defanged input is refanged), listed for its organisation only.
    let r = add("our-cdn", "cdn[.]power[.]co[.]jp", "").await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = app
        .get("/intel/warninglists?ok=warning-added", &power)
        .await;
    assert!(
        page.body.contains("id=\"warning-ok\"")
            && page.body.contains("id=\"warning-entries\"")
            && page.body.contains("cdn.power.co.jp"),
        "{}",
        page.body
    );
    let other = app.get("/intel/warninglists", &nco).await;
    assert!(!other.body.contains("cdn.power.co.jp"), "{}", other.body);

    // A viewer may read the lists but not edit them.
    let vpage = app.get("/intel/warninglists", &viewer).await;
    assert!(vpage.body.contains("cdn.power.co.jp"), "{}", vpage.body);
    let vcsrf = hidden(&vpage.body, "csrf");
    let r = app
        .post_form(
            "/intel/warninglists",
            &viewer,
            &[
                ("csrf", &vcsrf),
                ("list", "x"),
                ("value", "cdn2.power.co.jp"),
            ],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    // Without the form's token nothing changes.
    let r = app
        .post_form(
            "/intel/warninglists",
            &power,
            &[("list", "x"), ("value", "cdn3.power.co.jp")],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);

    // Removed through its row's button.
    let action = page
        .body
        .split("action=\"/intel/warninglists/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a remove form")
        .to_owned();
    let r = app
        .post_form(
            &format!("/intel/warninglists/{action}"),
            &nco,
            &[("csrf", &hidden(&other.body, "csrf"))],
        )
        .await;
    assert!(
        r.status == 403 || r.status == 404,
        "another organisation may not remove it: {}",
        r.status
    );
    let r = app
        .post_form(
            &format!("/intel/warninglists/{action}"),
            &power,
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = app.get("/intel/warninglists", &power).await;
    assert!(!page.body.contains("cdn.power.co.jp"), "{}", page.body);
}
