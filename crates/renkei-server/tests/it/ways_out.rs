//! Every way out shows one viewer the same values: CSV, Suricata, Zeek,
//! RPZ, a blocklist per type, the STIX export and TAXII, for viewers inside
//! the sharing community, outside it with data shared with their
//! organisation, sector or person, and with nothing but CLEAR. Also: a
//! collection one may read nothing of stays not found on every way.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, header};
use renkei_core::model::{NewCollection, NewCommunity, NewOrg, NewUser, Org, User};
use renkei_core::{Actor, Email, IndicatorValue, OrgKind, Role, Sector, Tlp, ValueKind};
use serde_json::Value;

use crate::support::{PASSWORD, Reply, TestApp, every_backend};

type Values = BTreeSet<(ValueKind, String)>;

const TAXII: &str = "application/taxii+json;version=2.1";

fn v(kind: ValueKind, s: &str) -> (ValueKind, String) {
    let value = IndicatorValue::parse(kind, s).unwrap_or_else(|e| panic!("{s}: {e}"));
    (value.kind(), value.value().to_owned())
}

fn guess(s: &str) -> (ValueKind, String) {
    let value = IndicatorValue::guess(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    (value.kind(), value.value().to_owned())
}

/// Share `n`'s values: an address, a domain, an http URL, a SHA-256 and
/// an e-mail address of its own; the first two shares also hold one value
/// in common (one line in a blocklist, one row in Zeek).
fn share_values(n: u32) -> Vec<(ValueKind, String)> {
    let mut out = vec![
        v(ValueKind::Ipv4, &format!("45.77.10.{n}")),
        v(ValueKind::Domain, &format!("s{n}.evil-co.jp")),
        v(
            ValueKind::Url,
            &format!("http://s{n}.evil-co.jp/gate{n}.php"),
        ),
        v(ValueKind::Sha256, &format!("{n:064x}")),
        v(ValueKind::Email, &format!("phish{n}@evil-co.jp")),
    ];
    if n <= 2 {
        out.push(v(ValueKind::Domain, "both.evil-co.jp"));
    }
    out
}

struct World {
    app: TestApp,
    /// (who, e-mail, the shares they may read)
    viewers: Vec<(&'static str, String, Vec<u32>)>,
    /// A collection only its community's members may read anything in.
    members_only: String,
    members_only_root: String,
}

async fn org(app: &TestApp, name: &str, kind: OrgKind, sector: Option<&str>) -> Org {
    app.store
        .create_org(
            &Actor::system("test"),
            NewOrg {
                name_ja: name.into(),
                name_en: name.into(),
                kind,
                sector: sector.map(|s| Sector::parse(s).expect("sector")),
                prefecture: None,
            },
        )
        .await
        .expect("org")
}

async fn user(app: &TestApp, o: &Org, email: &str, role: Role) -> User {
    app.store
        .create_user(
            &Actor::system("test"),
            NewUser {
                org: o.id,
                email: Email::parse(email).expect("email"),
                display_name: email.into(),
                role,
                password_hash: renkei_server::http::auth::hash_password(PASSWORD).expect("hash"),
            },
        )
        .await
        .expect("user")
}

async fn import(app: &TestApp, token: &str, query: &str, body: &str) {
    let r = Request::post(format!("/api/v1/imports?{query}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(body.to_owned()))
        .expect("request");
    let r = app.send(r).await;
    assert_eq!(r.status, 201, "{query}: {}", r.body);
}

fn csv_of(values: &[(ValueKind, String)]) -> String {
    let mut s = "value,type\n".to_owned();
    for (k, v) in values {
        s.push_str(&format!("{v},{k}\n"));
    }
    s
}

/// The council (the operator and the coordinator) shares into its
/// collection with every kind of audience; the railway operator shares
/// into a council of its own.
async fn world(app: TestApp) -> World {
    let sys = Actor::system("test");
    let (council, col) = app.council().await;
    let power = app.token(&app.power, Role::Reporter).await;
    let rail = org(&app, "関西鉄道", OrgKind::Operator, Some("railway")).await;
    let outsider = org(&app, "ミライ制御", OrgKind::Supplier, None).await;
    let lone_org = org(&app, "北陸ガス", OrgKind::Operator, Some("gas")).await;
    let stranger = org(&app, "無関係", OrgKind::Supplier, None).await;
    let rail_admin = user(&app, &rail, "admin@rail.example.jp", Role::Admin).await;
    user(&app, &outsider, "viewer@outsider.example.jp", Role::Viewer).await;
    let lone = user(&app, &lone_org, "named@gas.example.jp", Role::Viewer).await;
    user(&app, &stranger, "viewer@stranger.example.jp", Role::Viewer).await;
    let shares: [(u32, &str, String); 6] = [
        (1, "CLEAR", String::new()),
        (2, "GREEN", String::new()),
        (3, "AMBER", String::new()),
        (4, "AMBER", format!("org:{}", outsider.id.0)),
        (5, "GREEN", "sector:railway".to_owned()),
        (6, "AMBER%2BSTRICT", format!("user:{}", lone.id.0)),
    ];
    for (n, tlp, audience) in &shares {
        let q = format!(
            "format=csv&tlp={tlp}&collection={}&audience={audience}",
            col.id
        );
        import(&app, &power, &q, &csv_of(&share_values(*n))).await;
    }
    // A second council collection holding only what its members may read.
    let members_only = app
        .store
        .create_collection(
            &sys,
            NewCollection {
                community: council.id,
                title: "members".into(),
                description: String::new(),
                default_tlp: Tlp::Amber,
            },
        )
        .await
        .expect("collection");
    let q = format!("format=csv&tlp=AMBER&collection={}", members_only.id);
    import(&app, &power, &q, &csv_of(&share_values(7))).await;
    // The railway operator's own council.
    let rail_council = app
        .store
        .create_community(
            &sys,
            NewCommunity {
                name_ja: "鉄道協議会".into(),
                name_en: "Rail".into(),
                description: String::new(),
                terms_version: "1".into(),
                terms_text: String::new(),
            },
        )
        .await
        .expect("community");
    let m = app
        .store
        .add_membership(&sys, rail_council.id, rail.id)
        .await
        .expect("member");
    app.store
        .accept_terms(&app.actor(&rail_admin).await, m.id)
        .await
        .expect("accept");
    let rail_col = app
        .store
        .create_collection(
            &sys,
            NewCollection {
                community: rail_council.id,
                title: "rail".into(),
                description: String::new(),
                default_tlp: Tlp::Green,
            },
        )
        .await
        .expect("collection");
    let rail_token = app.token(&rail, Role::Reporter).await;
    let q = format!("format=csv&tlp=GREEN&collection={}", rail_col.id);
    import(&app, &rail_token, &q, &csv_of(&share_values(8))).await;
    World {
        viewers: vec![
            (
                "the sharer",
                app.power_admin.email.to_string(),
                vec![1, 2, 3, 4, 5, 6, 7],
            ),
            (
                "a council member",
                app.nco_admin.email.to_string(),
                vec![1, 2, 3, 7],
            ),
            (
                "a named sector, own council",
                rail_admin.email.to_string(),
                vec![1, 5, 8],
            ),
            (
                "a named organisation",
                "viewer@outsider.example.jp".into(),
                vec![1, 4],
            ),
            ("a named person", lone.email.to_string(), vec![1, 6]),
            (
                "nobody in particular",
                "viewer@stranger.example.jp".into(),
                vec![1],
            ),
        ],
        members_only: members_only.id,
        members_only_root: format!("/taxii2/community-{}/", council.id.0),
        app,
    }
}

impl World {
    async fn get(&self, who: &str, path: &str) -> Reply {
        use base64::Engine;
        let creds = base64::engine::general_purpose::STANDARD.encode(format!("{who}:{PASSWORD}"));
        let r = Request::get(path)
            .header(
                header::ACCEPT,
                if path.starts_with("/taxii2/") {
                    TAXII
                } else {
                    "*/*"
                },
            )
            .header(header::AUTHORIZATION, format!("Basic {creds}"));
        self.app.send(r.body(Body::empty()).expect("request")).await
    }

    async fn export(&self, who: &str, path: &str) -> String {
        let r = self.get(who, path).await;
        assert_eq!(r.status, 200, "{path} for {who}: {}", r.body);
        r.body
    }
}

fn csv_values(text: &str) -> Values {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    r.records()
        .map(|rec| {
            let rec = rec.expect("csv row");
            let kind = ValueKind::parse(&rec[0]).expect("kind");
            v(kind, &rec[1])
        })
        .collect()
}

/// What Suricata rules match: addresses (the outbound rule), DNS names,
/// HTTP host and path.
fn suricata_values(text: &str) -> Values {
    let quoted = |l: &str, after: &str| -> Option<String> {
        let rest = l.split(after).nth(1)?;
        rest.split('"').nth(1).map(str::to_owned)
    };
    let mut out = Values::new();
    for l in text.lines().filter(|l| l.starts_with("alert ")) {
        if let Some(rest) = l.strip_prefix("alert ip $HOME_NET any -> [") {
            out.insert(guess(rest.split(']').next().unwrap_or_default()));
        } else if l.starts_with("alert dns ") {
            let c = quoted(l, "content:").expect("content");
            out.insert(v(ValueKind::Domain, c.trim_start_matches('.')));
        } else if l.starts_with("alert http ") {
            let host = quoted(l, "http.host; content:").expect("host");
            let path = quoted(l, "http.uri.raw; content:").unwrap_or_else(|| "/".into());
            out.insert(v(ValueKind::Url, &format!("http://{host}{path}")));
        }
    }
    out
}

fn zeek_values(text: &str) -> Values {
    let mut seen = BTreeSet::new();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 5, "{l}");
            assert!(
                seen.insert((f[0].to_owned(), f[1].to_owned())),
                "a repeated row: {l}"
            );
            match f[1] {
                // The test shares http URLs only.
                "Intel::URL" => v(ValueKind::Url, &format!("http://{}", f[0])),
                _ => guess(f[0]),
            }
        })
        .collect()
}

fn rpz_values(text: &str) -> Values {
    text.lines()
        .filter(|l| l.ends_with(" CNAME .") && !l.starts_with("*."))
        .map(|l| {
            let owner = l.split_whitespace().next().unwrap_or_default();
            match owner.strip_suffix(".rpz-ip") {
                // 32.d.c.b.a: one IPv4 address in this test.
                Some(ip) => {
                    let mut o: Vec<&str> = ip.split('.').skip(1).collect();
                    o.reverse();
                    v(ValueKind::Ipv4, &o.join("."))
                }
                None => v(ValueKind::Domain, owner),
            }
        })
        .collect()
}

/// The values of the indicators among STIX objects; every object must
/// carry its TLP marking.
fn stix_values(objects: &[Value]) -> Values {
    let mut out = Values::new();
    for o in objects {
        if o["type"] == "marking-definition" {
            continue;
        }
        let refs = o["object_marking_refs"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            refs.iter().any(|r| r
                .as_str()
                .and_then(renkei_stix::tlp_for_marking_id)
                .is_some()),
            "unmarked: {o}"
        );
        let obj = renkei_stix::parse_object(o, None).expect("a valid object");
        out.extend(
            renkei_stix::indicator_values(&obj)
                .into_iter()
                .map(|x| (x.kind(), x.value().to_owned())),
        );
    }
    out
}

/// Everything a viewer reads over TAXII: discovery, each API root's
/// collections, every page of each.
async fn taxii_values(w: &World, who: &str) -> Values {
    let d = w.get(who, "/taxii2/").await;
    assert_eq!(d.status, 200, "{}", d.body);
    let roots: Vec<String> = d.json()["api_roots"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut objects = Vec::new();
    for root in roots {
        let path = root
            .split_once("/taxii2/")
            .map(|(_, p)| format!("/taxii2/{p}"))
            .expect("root path");
        let cols = w.get(who, &format!("{path}collections/")).await;
        assert_eq!(cols.status, 200, "{}", cols.body);
        for c in cols.json()["collections"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let id = c["id"].as_str().expect("id");
            let mut next: Option<String> = None;
            loop {
                let mut page = format!("{path}collections/{id}/objects/?limit=4");
                if let Some(n) = &next {
                    page.push_str(&format!("&next={n}"));
                }
                let r = w.get(who, &page).await;
                assert_eq!(r.status, 200, "{page}: {}", r.body);
                let j = r.json();
                objects.extend(j["objects"].as_array().cloned().unwrap_or_default());
                match j["next"].as_str() {
                    Some(n) if j["more"] == true => next = Some(n.to_owned()),
                    _ => break,
                }
            }
        }
    }
    stix_values(&objects)
}

#[tokio::test]
async fn every_way_out_shows_a_viewer_the_same_values() {
    for (backend, app) in every_backend().await {
        let w = world(app).await;
        for (who, email, shares) in &w.viewers {
            let want: Values = shares.iter().flat_map(|n| share_values(*n)).collect();
            let csv = csv_values(&w.export(email, "/api/v1/exports/csv").await);
            assert_eq!(csv, want, "CSV for {who} on {backend}");
            let only = |kinds: &[ValueKind]| -> Values {
                want.iter()
                    .filter(|(k, _)| kinds.contains(k))
                    .cloned()
                    .collect()
            };
            let web = [ValueKind::Ipv4, ValueKind::Domain, ValueKind::Url];
            let dns = [ValueKind::Ipv4, ValueKind::Domain];
            let ways: Vec<(&str, Values, Values)> = vec![
                (
                    "suricata",
                    suricata_values(&w.export(email, "/api/v1/exports/suricata").await),
                    only(&web),
                ),
                (
                    "zeek",
                    zeek_values(&w.export(email, "/api/v1/exports/zeek").await),
                    want.clone(),
                ),
                (
                    "rpz",
                    rpz_values(&w.export(email, "/api/v1/exports/rpz").await),
                    only(&dns),
                ),
                (
                    "stix",
                    {
                        let b: Value =
                            serde_json::from_str(&w.export(email, "/api/v1/exports/stix").await)
                                .expect("bundle");
                        stix_values(b["objects"].as_array().map_or(&[][..], Vec::as_slice))
                    },
                    want.clone(),
                ),
                ("taxii", taxii_values(&w, email).await, want.clone()),
            ];
            let mut lists = Values::new();
            for kind in [
                ValueKind::Ipv4,
                ValueKind::Domain,
                ValueKind::Url,
                ValueKind::Sha256,
                ValueKind::Email,
            ] {
                let text = w
                    .export(email, &format!("/api/v1/exports/blocklist?type={kind}"))
                    .await;
                for l in text.lines().filter(|l| !l.starts_with('#')) {
                    let got = v(kind, l);
                    assert!(lists.insert(got), "{l} twice in a blocklist for {who}");
                }
            }
            for (way, got, want) in ways
                .into_iter()
                .chain([("blocklists", lists, want.clone())])
            {
                assert_eq!(got, want, "{way} for {who} on {backend}");
            }
        }
        // A collection one may read nothing of: not found on every way.
        for (who, email, shares) in &w.viewers {
            let member = shares.contains(&7);
            let want = if member { 200 } else { 404 };
            for path in [
                format!("/api/v1/exports/csv?collection={}", w.members_only),
                format!("/api/v1/exports/stix?collection={}", w.members_only),
                format!("{}collections/{}/", w.members_only_root, w.members_only),
                format!(
                    "{}collections/{}/objects/",
                    w.members_only_root, w.members_only
                ),
            ] {
                let r = w.get(email, &path).await;
                assert_eq!(r.status, want, "{path} for {who}: {}", r.body);
            }
        }
        // Roots list what one may read in them, and nothing else.
        let stranger = "viewer@stranger.example.jp";
        let cols = w
            .get(stranger, &format!("{}collections/", w.members_only_root))
            .await
            .json();
        let listed: Vec<&str> = cols["collections"]
            .as_array()
            .map(|a| a.iter().filter_map(|c| c["id"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(listed.len(), 1, "{cols}");
        assert!(!listed.contains(&w.members_only.as_str()));
    }
}

/// What a device would act on wrongly is left out, and said: Zeek keys a
/// URL without its scheme, so the `http://` and `https://` forms of one URL
/// (read as two runs) are one row naming both indicators; schemes Zeek and
/// Suricata never see, and URLs whose host is a private or documentation
/// address (as the bare address would be), are left out and counted on the
/// last line, while CSV keeps everything.
#[tokio::test]
async fn device_formats_merge_what_the_device_keys_alike_and_count_what_they_leave_out() {
    for (backend, app) in every_backend().await {
        let (_, col) = app.council().await;
        let power = app.token(&app.power, Role::Reporter).await;
        let q = format!("format=csv&tlp=GREEN&collection={}", col.id);
        let urls = [
            "http://gate.evil-co.jp/a.php",
            "https://gate.evil-co.jp/a.php",
            "https://gate.evil-co.jp/b.php",
            "ftp://gate.evil-co.jp/kit.zip",
            "http://192.168.10.5/payload.bin",
            "http://[2001:db8::7]/x",
        ];
        // One indicator per line of each import: two imports make two
        // indicators of the first URL.
        import(
            &app,
            &power,
            &q,
            &csv_of(&urls.map(|u| v(ValueKind::Url, u))),
        )
        .await;
        import(&app, &power, &q, &csv_of(&[v(ValueKind::Url, urls[0])])).await;
        let get = |path: &'static str| {
            let app = &app;
            let power = power.clone();
            async move {
                let r = Request::get(path)
                    .header(header::AUTHORIZATION, format!("Bearer {power}"))
                    .body(Body::empty())
                    .expect("request");
                let r = app.send(r).await;
                assert_eq!(r.status, 200, "{path}: {}", r.body);
                r.body
            }
        };
        let zeek = get("/api/v1/exports/zeek?type=url").await;
        let rows: Vec<&str> = zeek
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect();
        let keys: Vec<&str> = rows.iter().filter_map(|l| l.split('\t').next()).collect();
        assert_eq!(
            keys,
            ["gate.evil-co.jp/a.php", "gate.evil-co.jp/b.php"],
            "{backend}: {zeek}"
        );
        assert_eq!(
            rows[0].matches("indicator--").count(),
            3,
            "both forms, from all three indicators holding them: {}",
            rows[0]
        );
        assert_eq!(
            zeek.lines().last(),
            Some(
                "# left out: 1 on warning list documentation; 1 on warning list private-ranges; 1 URLs other than http and https"
            ),
            "{backend}: {zeek}"
        );
        let list = get("/api/v1/exports/blocklist?type=url").await;
        let lines: Vec<&str> = list.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            lines,
            [
                "ftp://gate.evil-co.jp/kit.zip",
                "http://gate.evil-co.jp/a.php",
                "https://gate.evil-co.jp/a.php",
                "https://gate.evil-co.jp/b.php",
            ],
            "{backend}: {list}"
        );
        assert!(
            list.ends_with(
                "# left out: 1 on warning list documentation; 1 on warning list private-ranges\n"
            ),
            "{list}"
        );
        let rules = get("/api/v1/exports/suricata?type=url").await;
        assert!(
            // The hosts as written, not a random id that happens to hold "db8".
            !rules.contains("192.168") && !rules.contains("kit.zip") && !rules.contains("2001:db8"),
            "{rules}"
        );
        let csv = csv_values(&get("/api/v1/exports/csv?type=url").await);
        assert_eq!(csv.len(), urls.len(), "CSV keeps every value once");
    }
}
