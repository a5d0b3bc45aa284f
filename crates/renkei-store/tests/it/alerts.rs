//! Alerts on both backends: issued to the organisations that may read
//! them, confirmed with history, relayed by a prefecture to its towns
//! never wider than the original, forwarded to a town's vendor and its
//! subcontractor, the issuer's table and reminders; every refusal looks
//! like not found.

use renkei_core::model::{NewCollection, NewCommunity, NewOrg, Org};
use renkei_core::{
    Actor, Audience, Marking, OrgId, OrgKind, Prefecture, Role, Sector, SupplyLink, Tlp,
};
use renkei_store::StoreError;
use renkei_store::alerts::{AlertIndicator, AlertKind, AlertStatus, LocalInstruction, NewAlert};

use crate::support::{self, Backend, actor, system, user};

async fn org_in(
    b: &Backend,
    name: &str,
    kind: OrgKind,
    sector: Option<&str>,
    pref: Option<i64>,
) -> Org {
    b.store()
        .create_org(
            &system(),
            NewOrg {
                name_ja: name.into(),
                name_en: name.into(),
                kind,
                sector: sector.map(|s| Sector::parse(s).expect("sector")),
                prefecture: pref.map(|p| Prefecture::from_code(p).expect("prefecture")),
            },
        )
        .await
        .expect("org")
}

struct World {
    national: Actor,
    pref: Actor,
    town_a: Actor,
    town_a_viewer: Actor,
    town_b: Actor,
    far_town: Actor,
    vendor: Actor,
    sub: Actor,
    outsider: Actor,
    orgs: Orgs,
    collection: String,
}

struct Orgs {
    pref: OrgId,
    town_a: OrgId,
    town_b: OrgId,
    far_town: OrgId,
    vendor: OrgId,
    sub: OrgId,
}

async fn world(b: &Backend) -> World {
    let s = b.store();
    let nisc = org_in(b, "国", OrgKind::Coordinator, None, None).await;
    let pref = org_in(
        b,
        "静岡県",
        OrgKind::LocalGovernment,
        Some("local_government"),
        Some(22),
    )
    .await;
    let a = org_in(
        b,
        "甲町",
        OrgKind::LocalGovernment,
        Some("local_government"),
        Some(22),
    )
    .await;
    let bb = org_in(
        b,
        "乙町",
        OrgKind::LocalGovernment,
        Some("local_government"),
        Some(22),
    )
    .await;
    let far = org_in(
        b,
        "丙村",
        OrgKind::LocalGovernment,
        Some("local_government"),
        Some(13),
    )
    .await;
    let vendor = org_in(b, "保守社", OrgKind::Vendor, None, None).await;
    let sub = org_in(b, "再委託社", OrgKind::Vendor, None, None).await;
    let outsider = org_in(b, "部外者", OrgKind::Operator, Some("electricity"), None).await;
    let council = s
        .create_community(
            &system(),
            NewCommunity {
                name_ja: "自治体".into(),
                name_en: "Municipal".into(),
                description: String::new(),
                terms_version: "1".into(),
                terms_text: String::new(),
            },
        )
        .await
        .expect("community");
    let mut admins = Vec::new();
    for o in [&nisc, &pref, &a, &bb, &far, &vendor, &sub, &outsider] {
        let admin = user(s, o, "admin", Role::Admin).await;
        if o.id != outsider.id && o.id != vendor.id && o.id != sub.id {
            let m = s
                .add_membership(&system(), council.id, o.id)
                .await
                .expect("membership");
            s.accept_terms(&actor(s, &admin).await, m.id)
                .await
                .expect("accept");
        }
        admins.push(admin);
    }
    let town_a_viewer = user(s, &a, "viewer", Role::Viewer).await;
    s.add_supply_link(
        &system(),
        SupplyLink::new(a.id, vendor.id, 1).expect("link"),
    )
    .await
    .expect("vendor link");
    s.add_supply_link(
        &system(),
        SupplyLink::new(vendor.id, sub.id, 1).expect("link"),
    )
    .await
    .expect("subcontractor link");
    s.set_prefectural_government(&system(), pref.id, true)
        .await
        .expect("prefectural government");
    let col = s
        .create_collection(
            &system(),
            NewCollection {
                community: council.id,
                title: "alerts".into(),
                description: String::new(),
                default_tlp: Tlp::Amber,
            },
        )
        .await
        .expect("collection");
    let mut actors = Vec::new();
    for u in &admins {
        actors.push(actor(s, u).await);
    }
    let mut it = actors.into_iter();
    let mut next = || it.next().expect("actor");
    World {
        national: next(),
        pref: next(),
        town_a: next(),
        town_b: next(),
        far_town: next(),
        vendor: next(),
        sub: next(),
        outsider: next(),
        town_a_viewer: actor(s, &town_a_viewer).await,
        orgs: Orgs {
            pref: pref.id,
            town_a: a.id,
            town_b: bb.id,
            far_town: far.id,
            vendor: vendor.id,
            sub: sub.id,
        },
        collection: col.id,
    }
}

fn new_alert(w: &World, tlp: Tlp, audience: Audience) -> NewAlert {
    NewAlert {
        title: "VPN 機器の脆弱性".into(),
        summary: "攻撃が観測されています。".into(),
        steps: vec!["ファームウェアを更新する".into(), "ログを確認する".into()],
        indicators: vec![AlertIndicator {
            value: "198.51.100.7".into(),
            pattern: "[ipv4-addr:value = '198.51.100.7']".into(),
        }],
        marking: Marking {
            tlp,
            pap: None,
            audience,
            owner_org: w.national.viewer.org.expect("org"),
            created_by: w.national.viewer.user,
        },
        source_reports: vec![7, 9],
        collection_id: w.collection.clone(),
        stix_report_id: Some("report--3a1f0f3e-0d4c-4c43-9a39-2f8d0b6a0a11".into()),
    }
}

fn not_found<T: std::fmt::Debug>(r: Result<T, StoreError>) {
    assert!(matches!(r, Err(StoreError::NotFound(_))), "{r:?}");
}

fn coded<T: std::fmt::Debug>(r: Result<T, StoreError>, code: &str) {
    match r {
        Err(StoreError::Invalid(p)) => assert_eq!(p.code, code, "{p:?}"),
        other => panic!("expected {code}, got {other:?}"),
    }
}

async fn story(b: &Backend) {
    let s = b.store();
    let w = world(b).await;
    let o = &w.orgs;

    // -- issued to the community: recipients are its members ------------
    let alert = s
        .create_alert(&w.national, new_alert(&w, Tlp::Amber, Audience::default()))
        .await
        .expect("issue");
    assert_eq!(alert.kind, AlertKind::Alert);
    assert_eq!(alert.root_id, alert.id);
    assert_eq!(alert.steps.len(), 2);
    assert_eq!(
        alert.source_reports,
        vec![7, 9],
        "the issuer sees its sources"
    );
    let table = s
        .alert_recipients(&w.national, alert.id)
        .await
        .expect("table");
    let mut got: Vec<OrgId> = table.iter().map(|r| r.org).collect();
    got.sort_by_key(|x| x.0);
    assert_eq!(got, vec![o.pref, o.town_a, o.town_b, o.far_town]);
    assert!(
        table
            .iter()
            .all(|r| r.status.status == AlertStatus::Unconfirmed)
    );

    // Readers see it without the sources; outsiders and vendors do not see it.
    let seen = s.get_alert(&w.town_a, alert.id).await.expect("town reads");
    assert!(
        seen.source_reports.is_empty(),
        "sources are the issuer's only"
    );
    assert_eq!(
        seen.mine.as_ref().map(|m| m.status),
        Some(AlertStatus::Unconfirmed)
    );
    for a in [&w.outsider, &w.vendor, &w.sub] {
        not_found(s.get_alert(a, alert.id).await);
        assert!(s.list_alerts(a, 50).await.expect("list").is_empty());
    }
    // Only the issuer sees the table and reminds.
    not_found(s.alert_recipients(&w.town_a, alert.id).await);
    not_found(s.remind_alert(&w.pref, alert.id).await);
    not_found(s.alert_recipients(&w.national, 999_999).await);

    // -- relay: the prefecture to its towns, never wider ----------------
    not_found(
        s.relay_alert(&w.town_a, alert.id, &[], LocalInstruction::default())
            .await,
    );
    coded(
        s.relay_alert(
            &w.pref,
            alert.id,
            &[],
            LocalInstruction {
                deadline: Some("2026-02-30".into()),
                ..LocalInstruction::default()
            },
        )
        .await,
        "invalid",
    );
    // Another prefecture's town is not the prefecture's to name.
    not_found(
        s.relay_alert(
            &w.pref,
            alert.id,
            &[o.far_town],
            LocalInstruction::default(),
        )
        .await,
    );
    let local = LocalInstruction {
        vendor: Some("保守社 054-000-0000".into()),
        note: Some("県の期限までに報告".into()),
        deadline: Some("2026-12-20".into()),
    };
    let relay = s
        .relay_alert(&w.pref, alert.id, &[], local.clone())
        .await
        .expect("relay");
    assert_eq!(relay.kind, AlertKind::Relay);
    assert_eq!(relay.parent_id, Some(alert.id));
    assert_eq!(relay.root_id, alert.id);
    assert_eq!(relay.marking.tlp, Tlp::Amber, "the original's TLP");
    assert_eq!(relay.marking.audience.orgs, vec![o.town_a, o.town_b]);
    assert_eq!(relay.local.as_ref(), Some(&local));
    assert_eq!(relay.steps.len(), 2);
    let seen = s
        .get_alert(&w.town_b, relay.id)
        .await
        .expect("town reads relay");
    assert_eq!(seen.local.as_ref(), Some(&local));
    not_found(s.get_alert(&w.far_town, relay.id).await);
    not_found(s.get_alert(&w.national, relay.id).await);

    // Wider than the original: a town the original did not reach.
    let narrow = s
        .create_alert(
            &w.national,
            new_alert(
                &w,
                Tlp::Amber,
                Audience {
                    orgs: vec![o.pref, o.town_a],
                    ..Audience::default()
                },
            ),
        )
        .await
        .expect("narrow alert");
    coded(
        s.relay_alert(&w.pref, narrow.id, &[o.town_b], LocalInstruction::default())
            .await,
        "alert-relay-wider",
    );
    let only_a = s
        .relay_alert(&w.pref, narrow.id, &[], LocalInstruction::default())
        .await
        .expect("relay to the towns it reached");
    assert_eq!(only_a.marking.audience.orgs, vec![o.town_a]);

    // -- confirmations: members of the recipient only, with history -----
    coded(
        s.set_alert_status(&w.town_a, relay.id, AlertStatus::NotApplicable, None)
            .await,
        "alert-reason-required",
    );
    not_found(
        s.set_alert_status(&w.outsider, alert.id, AlertStatus::Confirmed, None)
            .await,
    );
    not_found(
        s.set_alert_status(&w.national, alert.id, AlertStatus::Confirmed, None)
            .await,
    );
    s.set_alert_status(&w.town_a_viewer, relay.id, AlertStatus::Confirmed, None)
        .await
        .expect("a member confirms");
    s.set_alert_status(&w.town_a, relay.id, AlertStatus::InProgress, None)
        .await
        .expect("in progress");
    // The prefecture sees it on its relay, the national office on its alert.
    let by_pref = s
        .alert_recipients(&w.pref, relay.id)
        .await
        .expect("pref table");
    let a_row = by_pref.iter().find(|r| r.org == o.town_a).expect("town a");
    assert_eq!(a_row.status.status, AlertStatus::InProgress);
    let by_nat = s
        .alert_recipients(&w.national, alert.id)
        .await
        .expect("table");
    let a_row = by_nat.iter().find(|r| r.org == o.town_a).expect("town a");
    assert_eq!(a_row.status.status, AlertStatus::InProgress);
    assert_eq!(a_row.sector.as_deref(), Some("local_government"));
    assert_eq!(a_row.prefecture, Some(22));
    let history = s
        .alert_status_history(&w.national, alert.id, o.town_a)
        .await
        .expect("history");
    let steps: Vec<AlertStatus> = history.iter().map(|h| h.status).collect();
    assert_eq!(steps, vec![AlertStatus::Confirmed, AlertStatus::InProgress]);
    not_found(s.alert_status_history(&w.town_b, alert.id, o.town_a).await);

    // -- reminders: to those not confirmed ------------------------------
    let reminded = s.remind_alert(&w.national, alert.id).await.expect("remind");
    let mut reminded: Vec<i64> = reminded.iter().map(|x| x.0).collect();
    reminded.sort_unstable();
    assert_eq!(reminded, vec![o.pref.0, o.town_b.0, o.far_town.0]);
    let b_view = s.get_alert(&w.town_b, alert.id).await.expect("read");
    assert!(b_view.reminded_at.is_some());

    // -- forward: the town to its vendor and subcontractor --------------
    not_found(
        s.forward_alert(
            &w.town_b,
            relay.id,
            &[o.vendor],
            LocalInstruction::default(),
        )
        .await,
    );
    not_found(
        s.forward_alert(
            &w.town_a,
            relay.id,
            &[o.far_town],
            LocalInstruction::default(),
        )
        .await,
    );
    let fwd = s
        .forward_alert(
            &w.town_a,
            relay.id,
            &[],
            LocalInstruction {
                note: Some("至急確認を".into()),
                ..LocalInstruction::default()
            },
        )
        .await
        .expect("forward");
    assert_eq!(fwd.kind, AlertKind::Forward);
    assert_eq!(fwd.marking.audience.orgs, vec![o.vendor, o.sub]);
    let v = s.get_alert(&w.vendor, fwd.id).await.expect("vendor reads");
    assert_eq!(v.steps.len(), 2);
    s.get_alert(&w.sub, fwd.id)
        .await
        .expect("subcontractor reads");
    // The forward opens the forward only, never the original or the relay.
    not_found(s.get_alert(&w.vendor, alert.id).await);
    not_found(s.get_alert(&w.vendor, relay.id).await);
    not_found(s.get_alert(&w.outsider, fwd.id).await);
    s.set_alert_status(&w.vendor, fwd.id, AlertStatus::Done, None)
        .await
        .expect("vendor done");
    let by_town = s
        .alert_recipients(&w.town_a, fwd.id)
        .await
        .expect("town table");
    assert!(
        by_town
            .iter()
            .any(|r| r.org == o.vendor && r.status.status == AlertStatus::Done)
    );

    // AMBER+STRICT stays inside the organisation.
    let strict = s
        .create_alert(
            &w.national,
            new_alert(&w, Tlp::AmberStrict, Audience::default()),
        )
        .await
        .expect("strict");
    coded(
        s.forward_alert(&w.town_a, strict.id, &[], LocalInstruction::default())
            .await,
        "alert-forward-tlp",
    );

    // -- the prefectural government mark: platform administrators -------
    assert!(matches!(
        s.set_prefectural_government(&w.town_a, o.town_a, true)
            .await,
        Err(StoreError::AdminOnly(_))
    ));
    assert!(matches!(
        s.set_prefectural_government(&system(), o.vendor, true)
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(s.is_prefectural_government(o.pref).await.expect("pref"));
    assert_eq!(
        s.municipalities_of(o.pref).await.expect("towns"),
        vec![o.town_a, o.town_b]
    );
    assert!(
        s.municipalities_of(o.town_a)
            .await
            .expect("none")
            .is_empty()
    );

    // -- a town names its own vendor and subcontractor ------------------
    let (b_vendor, b_sub) = (o.sub, o.vendor);
    assert!(matches!(
        s.name_vendors(&w.town_a_viewer, b_vendor, None).await,
        Err(StoreError::AdminOnly(_))
    ));
    assert!(matches!(
        s.name_vendors(&w.vendor, o.sub, None).await,
        Err(StoreError::AdminOnly(_))
    ));
    not_found(s.name_vendors(&w.town_b, o.town_a, None).await);
    not_found(s.name_vendors(&w.town_b, b_vendor, Some(b_vendor)).await);
    assert!(s.vendors_of(o.town_b).await.expect("none yet").is_empty());
    s.name_vendors(&w.town_b, b_vendor, Some(b_sub))
        .await
        .expect("named");
    s.name_vendors(&w.town_b, b_vendor, Some(b_sub))
        .await
        .expect("named again: kept");
    let mut named = s.vendors_of(o.town_b).await.expect("vendors");
    named.sort_by_key(|x| x.0);
    assert_eq!(named, vec![o.vendor, o.sub]);

    // -- every read agrees with the one access rule ----------------------
    let everyone = [
        &w.national,
        &w.pref,
        &w.town_a,
        &w.town_a_viewer,
        &w.town_b,
        &w.far_town,
        &w.vendor,
        &w.sub,
        &w.outsider,
    ];
    let anonymous = Actor::anonymous("t");
    let issued = [&alert, &relay, &narrow, &only_a, &fwd, &strict];
    for a in everyone.into_iter().chain([&anonymous]) {
        let listed: Vec<i64> = s
            .list_alerts(a, 500)
            .await
            .expect("list")
            .iter()
            .map(|x| x.id)
            .collect();
        for x in issued {
            let may = renkei_core::can_read(&a.viewer, &x.marking);
            assert_eq!(
                s.get_alert(a, x.id).await.is_ok(),
                may,
                "get_alert {} ({:?}) for {} on {}",
                x.id,
                x.kind,
                a.label,
                b.name()
            );
            assert_eq!(listed.contains(&x.id), may, "list_alerts for {}", a.label);
        }
    }

    // Every change is in the audit chain.
    assert!(b.count("alert_status_history").await >= 3);
}

#[tokio::test]
async fn alerts_are_confirmed_and_relayed_close_to_home() {
    for b in support::backends().await {
        story(&b).await;
        eprintln!("alert story passed on {}", b.name());
    }
}
