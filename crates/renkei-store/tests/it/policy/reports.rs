//! The report rule's property test: for generated worlds (organisations of
//! every kind, each with an admin, a reporter, a viewer and, in coordinator
//! organisations, an analyst; profiles' recipients bound to organisations,
//! some as the national office; reports filed by any organisation, with and
//! without consent, submitted or still drafts, consent given and later
//! withdrawn), every read path of the store returns a report exactly when
//! `renkei_core::can_read_report` allows, over the recipients computed from
//! the world, not from the store. A second oracle, the rule's table read
//! from the world's facts in words, must agree.

use proptest::prelude::*;
use renkei_core::{Actor, OrgId, OrgKind, ReportAccess, Role, can_read_report};
use renkei_store::Store;
use renkei_store::reports::{Consent, NewIncident, NewReport, NewVersion, QueueFilter};

use crate::support::{Backend, actor, org, system, user};

const PROFILES: [&str; 2] = ["jp-cyber-response", "jp-appi-leak"];
const RECIPIENTS: [&str; 2] = ["competent-minister", "national-office"];
const KINDS: [OrgKind; 4] = [
    OrgKind::Coordinator,
    OrgKind::Operator,
    OrgKind::Supplier,
    OrgKind::Vendor,
];

#[derive(Debug, Clone)]
pub(crate) struct ReportSpec {
    owner: usize,
    profile: usize,
    national: bool,
    submitted: bool,
    /// Consent given at first, then withdrawn.
    withdrawn: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct ReportWorld {
    kinds: Vec<usize>,
    /// (profile, recipient, organisation)
    bindings: Vec<(usize, usize, usize)>,
    reports: Vec<ReportSpec>,
}

pub(crate) fn report_world() -> impl Strategy<Value = ReportWorld> {
    (2usize..6).prop_flat_map(|n| {
        let bindings = proptest::collection::vec((0usize..2, 0usize..2, 0..n), 0..5);
        let report = (0..n, 0usize..2, any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
            |(owner, profile, national, submitted, withdrawn)| ReportSpec {
                owner,
                profile,
                national,
                submitted,
                withdrawn,
            },
        );
        (
            proptest::collection::vec(0usize..4, n),
            bindings,
            proptest::collection::vec(report, 1..6),
        )
            .prop_map(|(kinds, bindings, reports)| ReportWorld {
                kinds,
                bindings,
                reports,
            })
    })
}

/// The organisations a report is addressed to, from the world.
fn recipients(w: &ReportWorld, r: &ReportSpec) -> Vec<usize> {
    let mut out: Vec<usize> = w
        .bindings
        .iter()
        .filter(|(p, _, _)| *p == r.profile)
        .map(|(_, _, o)| *o)
        .collect();
    if r.national && !r.withdrawn {
        out.extend(
            w.bindings
                .iter()
                .filter(|(_, rec, _)| RECIPIENTS[*rec] == "national-office")
                .map(|(_, _, o)| *o),
        );
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The rule's table, in words, over the world's facts.
fn oracle(w: &ReportWorld, r: &ReportSpec, org: usize, role: Role) -> bool {
    let own = org == r.owner;
    let recipient_role = matches!(role, Role::Admin | Role::CoordinatorAnalyst);
    own || (r.submitted && recipient_role && recipients(w, r).contains(&org))
}

pub(crate) async fn check_report_world(b: &Backend, w: &ReportWorld) -> Result<(), TestCaseError> {
    let s: &dyn Store = b.store();
    let mut orgs = Vec::new();
    let mut people: Vec<(usize, Role, Actor)> = Vec::new();
    for (i, k) in w.kinds.iter().enumerate() {
        let kind = KINDS[*k];
        let o = org(s, &format!("org{i}"), kind, Some("electricity")).await;
        let mut roles = vec![Role::Admin, Role::Reporter, Role::Viewer];
        if kind == OrgKind::Coordinator {
            roles.push(Role::CoordinatorAnalyst);
        }
        for role in roles {
            let u = user(s, &o, &format!("{}{i}", role.as_str()), role).await;
            people.push((i, role, actor(s, &u).await));
        }
        orgs.push(o);
    }
    for (p, r, o) in &w.bindings {
        s.bind_recipient(&system(), PROFILES[*p], RECIPIENTS[*r], orgs[*o].id)
            .await
            .expect("bind");
    }
    let mut ids = Vec::new();
    for r in &w.reports {
        let filer = &people
            .iter()
            .find(|(o, role, _)| *o == r.owner && *role == Role::Reporter)
            .expect("reporter")
            .2;
        let (_, reports) = s
            .open_incident(
                filer,
                NewIncident {
                    org: orgs[r.owner].id,
                    title: "incident".into(),
                    aware_at: None,
                    facts: "{}".into(),
                    common: "{}".into(),
                    reports: vec![NewReport {
                        profile_id: PROFILES[r.profile].into(),
                        notice_id: None,
                        title: "report".into(),
                        consent: Consent {
                            national: r.national,
                            sanitised: false,
                        },
                        next_due_at: None,
                    }],
                },
            )
            .await
            .expect("open");
        let id = reports[0].id;
        if r.submitted {
            let v = NewVersion {
                stage_id: Some("flash".into()),
                form_id: "other-attack".into(),
                body: "{}".into(),
                note: String::new(),
                next_due_at: None,
                indicators: Vec::new(),
            };
            s.submit_version(filer, id, v).await.expect("submit");
        }
        if r.withdrawn {
            s.set_consent(filer, id, Consent::default())
                .await
                .expect("withdraw");
        }
        ids.push(id);
    }
    let all = QueueFilter {
        limit: 200,
        ..Default::default()
    };
    for (o, role, a) in &people {
        let queue = s.queue(a, &all).await.expect("queue");
        let own = s.own_reports(a, &all).await.expect("own");
        for (r, id) in w.reports.iter().zip(&ids) {
            let access = ReportAccess {
                org: orgs[r.owner].id,
                recipients: recipients(w, r)
                    .iter()
                    .map(|i| orgs[*i].id)
                    .collect::<Vec<OrgId>>(),
                submitted: r.submitted,
            };
            let allowed = can_read_report(&a.viewer, &access);
            prop_assert_eq!(allowed, oracle(w, r, *o, *role), "oracles disagree");
            let who = format!("org{o} {role:?} report {id}");
            let got = s.report(a, *id).await.is_ok();
            prop_assert_eq!(got, allowed, "report: {}", who);
            let versions = s.report_versions(a, *id).await.is_ok();
            prop_assert_eq!(versions, allowed, "versions: {}", who);
            let thread = s.messages(a, *id).await.is_ok();
            prop_assert_eq!(thread, allowed, "messages: {}", who);
            let timeline = s.timeline(a, *id).await.is_ok();
            prop_assert_eq!(timeline, allowed, "timeline: {}", who);
            let v1 = s.report_version(a, *id, 1).await.is_ok();
            prop_assert_eq!(v1, allowed && r.submitted, "version 1: {}", who);
            let listed = queue.rows.iter().any(|x| x.report.id == *id)
                || own.rows.iter().any(|x| x.report.id == *id);
            prop_assert_eq!(listed, allowed, "lists: {}", who);
            if got {
                let report = s.report(a, *id).await.expect("report");
                // The draft column is the reporter's only.
                prop_assert!(report.draft.is_none() || *o == r.owner);
            }
        }
    }
    Ok(())
}
