//! The audit log page as the national office's coordinator uses it:
//! filters, 50 a page with keyset paging, translated action names, the
//! CSV export (BOM, rows, itself audited), verifying the chain; and the
//! national office's overview. On SQLite and PostgreSQL.

use renkei_core::model::{Item, NewItem};
use renkei_core::{Actor, Audience, Marking, Tlp};
use renkei_store::AuditFilter;

use crate::support::{PASSWORD, TestApp, every_backend, hidden};

/// Shares a report from the national office to the power company's
/// viewer at `tlp`.
async fn share(app: &TestApp, title: &str, tlp: Tlp) -> Item {
    let actor = app.actor(&app.nco_admin).await;
    let audience = Audience {
        users: vec![app.power_viewer.id],
        orgs: vec![app.power.id],
        ..Audience::default()
    };
    let audience = if tlp == Tlp::Red {
        Audience {
            orgs: vec![],
            ..audience
        }
    } else {
        audience
    };
    app.store
        .share_item(
            &actor,
            NewItem {
                title: title.into(),
                body: "本文".into(),
                marking: Marking {
                    tlp,
                    pap: None,
                    audience,
                    owner_org: app.nco.id,
                    created_by: Some(app.nco_admin.id),
                },
            },
        )
        .await
        .expect("share")
}

/// `n` reads of item `id` by the power company's viewer.
async fn reads(app: &TestApp, id: i64, n: usize) {
    let viewer = app.actor(&app.power_viewer).await;
    for _ in 0..n {
        app.store.get_item(&viewer, id).await.expect("read");
    }
}

/// The ids of the rows on an audit page (`id="entry-N"`).
fn seqs(html: &str) -> Vec<i64> {
    html.split("id=\"entry-")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect()
}

#[tokio::test]
async fn the_coordinator_filters_to_one_objects_reads_and_pages_by_fifty() {
    for (backend, app) in every_backend().await {
        let amber = share(&app, "琥珀の連絡", Tlp::Amber).await;
        let other = share(&app, "別の連絡", Tlp::Amber).await;
        reads(&app, amber.id, 60).await;
        reads(&app, other.id, 3).await;
        let cookie = app
            .login("admin@nco.example.jp", PASSWORD)
            .await
            .expect("login");
        let q = format!("/admin/audit?action=item.read&object=item%3A{}", amber.id);
        let page = app.get(&q, &cookie).await;
        assert_eq!(page.status, 200, "{backend}: {}", page.body);
        let first = seqs(&page.body);
        assert_eq!(first.len(), 50, "{backend}: 50 a page");
        assert!(
            first.windows(2).all(|w| w[0] > w[1]),
            "{backend}: newest first"
        );
        assert!(
            page.body.contains("共有レポートの閲覧"),
            "{backend}: action in words"
        );
        assert!(!page.body.contains(&format!("item:{}<", other.id)));
        // The next page starts below the last row shown and keeps the filter.
        let older = page
            .body
            .split("id=\"audit-older\" href=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a link to older entries")
            .replace("&amp;", "&");
        assert!(
            older.contains("action=item.read") && older.contains(&format!("before={}", first[49]))
        );
        let second = app.get(&older, &cookie).await;
        let rest = seqs(&second.body);
        assert_eq!(rest.len(), 10, "{backend}: 60 reads in all");
        assert!(rest[0] < first[49]);
        assert!(
            !second.body.contains("id=\"audit-older\""),
            "{backend}: nothing older"
        );
    }
}

#[tokio::test]
async fn filters_by_actor_outcome_organisation_and_japan_dates() {
    for (backend, app) in every_backend().await {
        let amber = share(&app, "琥珀", Tlp::Amber).await;
        reads(&app, amber.id, 2).await;
        // A refused read, by someone outside the audience.
        let outsider = app.actor(&app.power_admin).await;
        let red = share(&app, "赤", Tlp::Red).await;
        assert!(app.store.get_item(&outsider, red.id).await.is_err());
        let cookie = app
            .login("admin@nco.example.jp", PASSWORD)
            .await
            .expect("login");
        let who = app
            .get("/admin/audit?who=viewer%40power.example.jp", &cookie)
            .await;
        let n = seqs(&who.body).len();
        assert!(n >= 2, "{backend}: {}", who.body);
        assert!(!who.body.contains("<td>admin@nco.example.jp"), "{backend}");
        let denied = app.get("/admin/audit?outcome=denied", &cookie).await;
        assert!(denied.body.contains("admin@power.example.jp"), "{backend}");
        assert!(
            !denied.body.contains("viewer@power.example.jp"),
            "{backend}"
        );
        let org = app
            .get(&format!("/admin/audit?org={}", app.nco.id), &cookie)
            .await;
        assert!(
            !org.body.contains("<td>viewer@power.example.jp"),
            "{backend}"
        );
        // Dates are whole days in Japan time: today has entries, a past
        // year none.
        let today = renkei_core::Timestamp::now().to_jst_display()[..10].to_owned();
        let t = app
            .get(&format!("/admin/audit?from={today}&to={today}"), &cookie)
            .await;
        assert!(!seqs(&t.body).is_empty(), "{backend}");
        let past = app
            .get("/admin/audit?from=2001-01-01&to=2001-12-31", &cookie)
            .await;
        assert!(seqs(&past.body).is_empty(), "{backend}");
        assert!(past.body.contains("条件に合う記録はありません"));
    }
}

#[tokio::test]
async fn bad_filters_name_the_field_and_read_nothing() {
    for (backend, app) in every_backend().await {
        let cookie = app
            .login("admin@nco.example.jp", PASSWORD)
            .await
            .expect("login");
        for (q, words) in [
            ("from=2026-02-30", "「開始日」"),
            ("to=tomorrow", "「終了日」"),
            ("from=2026-04-02&to=2026-04-01", "「終了日」は「開始日」"),
            ("action=item.steal", "「操作」"),
            ("outcome=perhaps", "「結果」"),
            ("org=abc", "「組織」"),
        ] {
            let r = app.get(&format!("/admin/audit?{q}"), &cookie).await;
            assert_eq!(r.status, 400, "{backend} {q}");
            assert!(r.body.contains(words), "{backend} {q}: {}", r.body);
            assert!(r.body.contains("aria-invalid=\"true\""), "{backend} {q}");
            assert!(seqs(&r.body).is_empty());
        }
    }
}

#[tokio::test]
async fn an_organisation_admin_reads_only_their_own_and_viewers_nothing() {
    for (backend, app) in every_backend().await {
        let cookie = app
            .login("admin@power.example.jp", PASSWORD)
            .await
            .expect("login");
        // Asking for another organisation changes nothing: their own only.
        let r = app
            .get(&format!("/admin/audit?org={}", app.nco.id), &cookie)
            .await;
        assert_eq!(r.status, 200, "{backend}");
        assert!(!r.body.contains("admin@nco.example.jp"), "{backend}");
        let csv = app
            .get(&format!("/admin/audit.csv?org={}", app.nco.id), &cookie)
            .await;
        assert!(!csv.body.contains("admin@nco.example.jp"), "{backend}");
        assert!(!r.body.contains("id=\"audit-verify\""), "{backend}");
        let csrf = hidden(&app.get("/admin/audit", &cookie).await.body, "csrf");
        let v = app
            .post_form("/admin/audit/verify", &cookie, &[("csrf", &csrf)])
            .await;
        assert_eq!(v.status, 403, "{backend}");
        let viewer = app
            .login("viewer@power.example.jp", PASSWORD)
            .await
            .expect("login");
        assert_eq!(app.get("/admin/audit.csv", &viewer).await.status, 403);
    }
}

#[tokio::test]
async fn the_csv_export_has_a_bom_the_filtered_rows_and_is_audited() {
    for (backend, app) in every_backend().await {
        let amber = share(&app, "琥珀", Tlp::Amber).await;
        let other = share(&app, "別", Tlp::Amber).await;
        reads(&app, amber.id, 3).await;
        reads(&app, other.id, 2).await;
        let cookie = app
            .login("admin@nco.example.jp", PASSWORD)
            .await
            .expect("login");
        let q = format!("action=item.read&object=item%3A{}", amber.id);
        let r = app.get(&format!("/admin/audit.csv?{q}"), &cookie).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.body);
        assert!(
            r.headers["content-type"]
                .to_str()
                .is_ok_and(|v| v.starts_with("text/csv"))
        );
        assert!(
            r.headers["content-disposition"]
                .to_str()
                .is_ok_and(|v| v.starts_with("attachment"))
        );
        assert!(
            r.body.starts_with('\u{feff}'),
            "{backend}: UTF-8 BOM for Excel"
        );
        let lines: Vec<&str> = r.body.trim_start_matches('\u{feff}').lines().collect();
        assert!(
            lines[0].starts_with("番号,日時,"),
            "{backend}: {}",
            lines[0]
        );
        assert_eq!(
            lines.len(),
            4,
            "{backend}: a header and three reads: {lines:?}"
        );
        for l in &lines[1..] {
            assert!(l.contains("共有レポートの閲覧,item.read,"), "{l}");
            assert!(l.contains(&format!("item:{}", amber.id)), "{l}");
            assert!(l.contains("viewer@power.example.jp"), "{l}");
        }
        // The export is itself in the log, with what it was asked for.
        let actor = app.actor(&app.nco_admin).await;
        let f = AuditFilter {
            action: Some("audit.export".into()),
            ..AuditFilter::default()
        };
        let page = app.store.search_audit(&actor, &f, 10).await.expect("read");
        assert_eq!(page.entries.len(), 1, "{backend}");
        assert!(
            page.entries[0].detail.starts_with("3 entries")
                && page.entries[0]
                    .detail
                    .contains(&format!("object=item:{}", amber.id)),
            "{}",
            page.entries[0].detail
        );
    }
}

#[tokio::test]
async fn verifying_the_chain_says_it_is_intact_or_where_it_broke() {
    for (backend, app) in every_backend().await {
        let amber = share(&app, "琥珀", Tlp::Amber).await;
        reads(&app, amber.id, 2).await;
        let cookie = app
            .login("admin@nco.example.jp", PASSWORD)
            .await
            .expect("login");
        let csrf = hidden(&app.get("/admin/audit", &cookie).await.body, "csrf");
        let ok = app
            .post_form("/admin/audit/verify", &cookie, &[("csrf", &csrf)])
            .await;
        assert_eq!(ok.status, 200, "{backend}: {}", ok.body);
        assert!(
            ok.body.contains("監査ログは改ざんされていません"),
            "{backend}: {}",
            ok.body
        );
        // Without the form's token nothing runs.
        let forged = app
            .post_form("/admin/audit/verify", &cookie, &[("csrf", "x")])
            .await;
        assert_eq!(forged.status, 403, "{backend}");
        // An entry edited behind the store's back is found.
        app.exec_sql("UPDATE audit_log SET detail = 'edited' WHERE seq = 3")
            .await;
        let broken = app
            .post_form("/admin/audit/verify", &cookie, &[("csrf", &csrf)])
            .await;
        assert!(
            broken.body.contains("3 番目の記録で不整合が見つかりました"),
            "{backend}: {}",
            broken.body
        );
        let f = AuditFilter {
            action: Some("audit.verify".into()),
            ..AuditFilter::default()
        };
        let actor: Actor = app.actor(&app.nco_admin).await;
        let runs = app.store.search_audit(&actor, &f, 10).await.expect("read");
        assert_eq!(runs.entries.len(), 2, "{backend}: both runs recorded");
    }
}

#[tokio::test]
async fn the_overview_shows_pending_terms_sharing_figures_and_restricted_reads() {
    use renkei_core::model::NewCommunity;
    for (backend, app) in every_backend().await {
        let sys = Actor::system("test");
        // A community whose member has not accepted its terms.
        let c = app
            .store
            .create_community(
                &sys,
                NewCommunity {
                    name_ja: "水道ISAC".into(),
                    name_en: "Water ISAC".into(),
                    description: String::new(),
                    terms_version: "2.0".into(),
                    terms_text: String::new(),
                },
            )
            .await
            .expect("community");
        app.store
            .add_membership(&sys, c.id, app.power.id)
            .await
            .expect("member");
        // Three reports shared by the national office (sector government),
        // read: one RED, one AMBER+STRICT, one AMBER (not listed).
        let red = share(&app, "赤", Tlp::Red).await;
        let strict = share(&app, "厳秘", Tlp::AmberStrict).await;
        let amber = share(&app, "琥珀", Tlp::Amber).await;
        for i in [&red, &strict, &amber] {
            reads(&app, i.id, 1).await;
        }
        let cookie = app
            .login("admin@nco.example.jp", PASSWORD)
            .await
            .expect("login");
        let page = app.get("/admin/overview", &cookie).await;
        assert_eq!(page.status, 200, "{backend}: {}", page.body);
        let b = &page.body;
        let pending = b
            .split("id=\"pending-terms\"")
            .nth(1)
            .expect("pending table");
        assert!(
            pending.contains("東都電力") && pending.contains("水道ISAC") && pending.contains("2.0")
        );
        // The figures: three reports this week by the government sector.
        let table = b
            .split("id=\"activity-sector\"")
            .nth(1)
            .and_then(|t| t.split("</table>").next())
            .expect("sector table");
        let row = table
            .split("<tr>")
            .find(|r| r.contains("政府・行政サービス"))
            .expect("government row");
        assert!(
            row.ends_with("<td>3</td></tr>") || row.contains("<td>3</td></tr>"),
            "{row}"
        );
        assert!(
            b.contains("<svg class=\"chart\"") && b.contains("<title id=\"chart-sector-title\">")
        );
        let reads = b
            .split("id=\"restricted-reads\"")
            .nth(1)
            .expect("reads table");
        assert!(reads.contains(&format!("item:{}", red.id)), "{backend}");
        assert!(reads.contains(&format!("item:{}", strict.id)), "{backend}");
        assert!(!reads.contains(&format!("item:{}<", amber.id)), "{backend}");
        // Only the national office's administrators.
        let other = app
            .login("admin@power.example.jp", PASSWORD)
            .await
            .expect("login");
        assert_eq!(
            app.get("/admin/overview", &other).await.status,
            403,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn administrators_edit_organisations_users_and_communities_audited() {
    for (backend, app) in every_backend().await {
        let cookie = app
            .login("admin@nco.example.jp", PASSWORD)
            .await
            .expect("login");
        let path = format!("/admin/orgs/{}/edit", app.power.id);
        let form = app.get(&path, &cookie).await;
        assert_eq!(form.status, 200, "{backend}: {}", form.body);
        let csrf = hidden(&form.body, "csrf");
        // An empty name is refused, naming the field, and changes nothing.
        let bad = app
            .post_form(
                &path,
                &cookie,
                &[
                    ("csrf", &csrf),
                    ("name_ja", " "),
                    ("name_en", "Toto"),
                    ("kind", "operator"),
                    ("sector", "gas"),
                ],
            )
            .await;
        assert_eq!(bad.status, 422, "{backend}");
        assert!(bad.body.contains("「名称（日本語）」"), "{}", bad.body);
        let ok = app
            .post_form(
                &path,
                &cookie,
                &[
                    ("csrf", &csrf),
                    ("name_ja", "東都ガス"),
                    ("name_en", "Toto Gas"),
                    ("kind", "operator"),
                    ("sector", "gas"),
                ],
            )
            .await;
        assert_eq!(ok.status, 303, "{backend}: {}", ok.body);
        let org = app.store.get_org(app.power.id).await.expect("org");
        assert_eq!(
            (org.name_ja.as_str(), org.sector.map(|s| s.to_string())),
            ("東都ガス", Some("gas".into()))
        );
        let forged = app
            .post_form(
                &path,
                &cookie,
                &[
                    ("csrf", "x"),
                    ("name_ja", "偽"),
                    ("name_en", "x"),
                    ("kind", "operator"),
                ],
            )
            .await;
        assert_eq!(forged.status, 403, "{backend}");

        // The power company's administrator edits their viewer, not their own role.
        let power = app
            .login("admin@power.example.jp", PASSWORD)
            .await
            .expect("login");
        assert_eq!(
            app.get(&path, &power).await.status,
            404,
            "{backend}: not theirs to edit"
        );
        let upath = format!("/admin/users/{}/edit", app.power_viewer.id);
        let csrf = hidden(&app.get(&upath, &power).await.body, "csrf");
        let r = app
            .post_form(
                &upath,
                &power,
                &[
                    ("csrf", &csrf),
                    ("display_name", "閲覧 花子"),
                    ("role", "reporter"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{backend}: {}", r.body);
        let u = app.store.get_user(app.power_viewer.id).await.expect("user");
        assert_eq!(
            (u.display_name.as_str(), u.role.as_str()),
            ("閲覧 花子", "reporter")
        );
        let own = format!("/admin/users/{}/edit", app.power_admin.id);
        let r = app
            .post_form(
                &own,
                &power,
                &[
                    ("csrf", &csrf),
                    ("display_name", "管理"),
                    ("role", "viewer"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{backend}");
        assert!(r.body.contains("ご自身の役割は変更できず"), "{}", r.body);
        // Another organisation's user reads as missing.
        let other = format!("/admin/users/{}/edit", app.nco_admin.id);
        let r = app
            .post_form(
                &other,
                &power,
                &[("csrf", &csrf), ("display_name", "x"), ("role", "viewer")],
            )
            .await;
        assert_eq!(r.status, 404, "{backend}");
        // A refused field changes nothing there either: still 404, and the
        // page names nobody of the other organisation.
        let r = app
            .post_form(
                &other,
                &power,
                &[
                    ("csrf", &csrf),
                    ("display_name", "x"),
                    ("role", "no-such-role"),
                ],
            )
            .await;
        assert_eq!(r.status, 404, "{backend}");
        assert!(!r.body.contains("nco.example.jp"), "{backend}: {}", r.body);

        let (c, _) = app.council().await;
        let cpath = format!("/admin/communities/{}/edit", c.id.0);
        let r = app
            .post_form(
                &cpath,
                &cookie,
                &[
                    ("csrf", &hidden(&form.body, "csrf")),
                    ("name_ja", "重要インフラ協議会"),
                    ("name_en", "CI Council"),
                    ("description", "説明"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{backend}: {}", r.body);

        let actor = app.actor(&app.nco_admin).await;
        for (action, n) in [
            ("org.update", 1),
            ("user.update", 1),
            ("community.update", 1),
        ] {
            let f = AuditFilter {
                action: Some(action.into()),
                outcome: Some(renkei_core::AuditOutcome::Ok),
                ..AuditFilter::default()
            };
            let got = app.store.search_audit(&actor, &f, 10).await.expect("read");
            assert_eq!(got.entries.len(), n, "{backend}: {action}");
        }
    }
}

#[tokio::test]
async fn the_overview_lists_reads_of_restricted_stix_objects() {
    for (db, app) in every_backend().await {
        let (_, col) = app.council().await;
        let power = app.token(&app.power, renkei_core::Role::Reporter).await;
        let id = |n: u8| format!("indicator--7a1e2d2b-17d4-4cbf-938f-98ee46b3cd{n:02}");
        let bundle = |n: u8| {
            serde_json::json!({"type": "bundle", "id": format!("bundle--7a1e2d2b-17d4-4cbf-938f-98ee46b3ce{n:02}"), "objects": [{
                "type": "indicator", "spec_version": "2.1", "id": id(n),
                "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
                "pattern": format!("[domain-name:value = 'r{n}.evil-co.jp']"), "pattern_type": "stix",
                "valid_from": "2026-11-01T00:00:00Z"
            }]})
        };
        // One AMBER+STRICT indicator and one GREEN, each read on its page.
        for (n, tlp) in [(1, "AMBER%2BSTRICT"), (2, "GREEN")] {
            let path = format!(
                "/api/v1/imports?format=stix&tlp={tlp}&collection={}",
                col.id
            );
            let r = app.api("POST", &path, Some(&power), Some(bundle(n))).await;
            assert_eq!(r.status, 201, "{db}: {}", r.body);
            let r = app
                .api(
                    "GET",
                    &format!("/api/v1/objects/{}", id(n)),
                    Some(&power),
                    None,
                )
                .await;
            assert_eq!(r.status, 200, "{db}: {}", r.body);
        }
        let cookie = app
            .login("admin@nco.example.jp", PASSWORD)
            .await
            .expect("login");
        let page = app.get("/admin/overview", &cookie).await;
        assert_eq!(page.status, 200, "{db}: {}", page.body);
        let reads = page
            .body
            .split("id=\"restricted-reads\"")
            .nth(1)
            .and_then(|t| t.split("</table>").next())
            .expect("reads table");
        let strict = reads
            .split("<tr>")
            .find(|r| r.contains(&id(1)))
            .unwrap_or_else(|| panic!("{db}: the AMBER+STRICT read is not listed: {reads}"));
        assert!(strict.contains("TLP:AMBER+STRICT"), "{db}: {strict}");
        assert!(
            strict.contains(&format!("href=\"/intel/objects/{}\"", id(1))),
            "{db}: {strict}"
        );
        assert!(
            !reads.contains(&id(2)),
            "{db}: a GREEN read listed: {reads}"
        );
    }
}
