//! `renkei bench report-queue`: the coordinator's queue of incoming
//! reports and the submission of a version, timed through the store as the
//! server calls it (issue 18: 100,000 reports across the six shipped
//! regimes, first page with every clock computed p99 < 50 ms on both
//! stores, a submission p99 < 50 ms).
//!
//! - **Load**: `--sample` incidents through the store API
//!   (`open_incident`, then `submit_version` for each version, clocks from
//!   the server's functions), timed as the API's rate; the rest through
//!   [`renkei_store::reports::ReportStore::load_filed`] (one transaction and one audit entry per
//!   2,000 incidents: the bulk path, documented as such), with the same
//!   generator ([`super::report_data`]). A check then recomputes the clocks
//!   of loaded reports through `report_case` and compares their earliest
//!   open deadline with the stored one.
//! - **Queue** (the coordinator's analyst, limit 50): each filter × order
//!   timed three ways, interleaved: `store` (the page alone, the
//!   baseline), `clocks` (the page and every row's clocks with
//!   `renkei_server::report_clocks` and `next_due`), `answer` (the page as
//!   `GET /api/v1/report-queue` answers it, `renkei_server::report_page`
//!   serialised to JSON).
//! - **Submission** (a reporter): `store` is `submit_version` alone;
//!   `server` is what `POST /api/v1/reports/{id}/versions` does:
//!   `report_case` (an audited read), `check_values`, `canonical`,
//!   `next_due_after`, `submit_version` (the version, the report's row and
//!   the audit entry in one transaction).
//! - Both are timed first with the sample alone (the small-store
//!   baseline), then with all `--reports`.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use renkei_core::model::{NewOrg, NewUser};
use renkei_core::{Actor, Email, OrgId, OrgKind, Role, Sector, Timestamp};
use renkei_report::{Mode, ProfileSet};
use renkei_store::Store;
use renkei_store::reports::{NewIncident, NewVersion, QueueFilter, QueueOrder, QueueRow};

use super::correlate::{Latencies, mix};
use super::report_data::{self as data, Filer};
use super::user_actor;

const COORDINATOR: &str = "ベンチ調整機関";
const COORDINATOR_EMAIL: &str = "coordinator@report-bench.example.jp";
const LOAD_BATCH: u64 = 2_000;

#[derive(Debug, Clone)]
pub struct ReportQueueOptions {
    pub reports: u64,
    pub orgs: u64,
    pub sample: u64,
    pub rounds: u64,
    pub submissions: u64,
    pub label: String,
}

/// Every shipped profile's recipients bound to the coordinator, the
/// reporting organisations (a sector each) with a filer each.
async fn setup(
    store: &dyn Store,
    sys: &Actor,
    profiles: &ProfileSet,
    orgs: u64,
) -> anyhow::Result<(Actor, Vec<(Filer, Actor)>, bool)> {
    let existing = store.list_orgs().await?;
    let fresh = !existing.iter().any(|o| o.name_ja == COORDINATOR);
    if fresh {
        let coord = store
            .create_org(
                sys,
                NewOrg {
                    name_ja: COORDINATOR.into(),
                    name_en: "Bench coordinator".into(),
                    kind: OrgKind::Coordinator,
                    sector: None,
                    prefecture: None,
                },
            )
            .await?;
        store
            .create_user(
                sys,
                NewUser {
                    org: coord.id,
                    email: Email::parse(COORDINATOR_EMAIL)?,
                    display_name: "coordinator".into(),
                    role: Role::CoordinatorAnalyst,
                    password_hash: "!".into(),
                },
            )
            .await?;
        for p in profiles.iter() {
            for r in &p.recipients {
                store.bind_recipient(sys, &p.id, &r.id, coord.id).await?;
            }
        }
        for k in 0..orgs {
            let sector = Sector::KNOWN[(k as usize) % Sector::KNOWN.len()];
            let org = store
                .create_org(
                    sys,
                    NewOrg {
                        name_ja: format!("ベンチ報告事業者 {k}"),
                        name_en: format!("Bench reporter {k}"),
                        kind: OrgKind::Operator,
                        sector: Some(Sector::parse(sector)?),
                        prefecture: None,
                    },
                )
                .await?;
            store
                .create_user(
                    sys,
                    NewUser {
                        org: org.id,
                        email: Email::parse(&format!("filer{k}@report-bench.example.jp"))?,
                        display_name: format!("filer {k}"),
                        role: Role::Reporter,
                        password_hash: "!".into(),
                    },
                )
                .await?;
        }
    }
    let users = store.list_users(None).await?;
    let coord = users
        .iter()
        .find(|u| u.email.as_str() == COORDINATOR_EMAIL)
        .context("bench coordinator")?;
    let coord = user_actor(store, coord.id, "bench coordinator").await?;
    let mut filers = Vec::new();
    for u in users
        .iter()
        .filter(|u| u.email.as_str().ends_with("@report-bench.example.jp"))
        .filter(|u| u.email.as_str().starts_with("filer"))
    {
        let actor = user_actor(store, u.id, "bench filer").await?;
        filers.push((
            Filer {
                org: u.org,
                user: u.id,
            },
            actor,
        ));
    }
    filers.sort_by_key(|(f, _)| f.org.0);
    anyhow::ensure!(!filers.is_empty(), "no bench filers");
    Ok((coord, filers, fresh))
}

/// Files incidents `from..to` through the store API, as the server does.
async fn load_sample(
    store: &dyn Store,
    profiles: &ProfileSet,
    filers: &[(Filer, Actor)],
    from: u64,
    to: u64,
) -> anyhow::Result<u64> {
    let plain: Vec<Filer> = filers.iter().map(|(f, _)| *f).collect();
    let mut reports = 0;
    for i in from..to {
        let now = Timestamp::now();
        let inc = data::incident(profiles, &plain, i, now);
        let actor = &filers
            .iter()
            .find(|(f, _)| f.org == inc.org)
            .context("filer")?
            .1;
        let (incident, opened) = store
            .open_incident(
                actor,
                NewIncident {
                    org: inc.org,
                    title: inc.title.clone(),
                    aware_at: inc.aware_at,
                    facts: inc.facts.clone(),
                    common: inc.common.clone(),
                    reports: inc.reports.iter().map(|r| r.new.clone()).collect(),
                },
            )
            .await?;
        for (report, filed) in opened.iter().zip(&inc.reports) {
            let profile = profiles.get(&report.profile_id).context("profile")?;
            let mut submitted: Vec<(String, Timestamp)> = Vec::new();
            for (v, _) in &filed.versions {
                let now = jiff::Timestamp::now();
                let due = renkei_server::next_due_after(
                    profile,
                    report,
                    Some(&incident),
                    &submitted,
                    v.stage_id.as_deref(),
                    now,
                );
                let got = store
                    .submit_version(
                        actor,
                        report.id,
                        NewVersion {
                            next_due_at: due,
                            ..v.clone()
                        },
                    )
                    .await?;
                if let Some(s) = &v.stage_id
                    && !submitted.iter().any(|(x, _)| x == s)
                {
                    submitted.push((s.clone(), got.submitted_at));
                }
            }
            reports += 1;
        }
    }
    Ok(reports)
}

/// Files incidents `from..to` through the bulk path.
async fn load_bulk(
    store: &dyn Store,
    sys: &Actor,
    profiles: &ProfileSet,
    filers: &[Filer],
    from: u64,
    to: u64,
) -> anyhow::Result<u64> {
    let mut reports = 0;
    let mut n = from;
    let started = Instant::now();
    while n < to {
        let end = (n + LOAD_BATCH).min(to);
        let now = Timestamp::now();
        let batch: Vec<_> = (n..end)
            .map(|i| data::incident(profiles, filers, i, now))
            .collect();
        reports += store.load_filed(sys, &batch).await?;
        n = end;
        if (n - from).is_multiple_of(10 * LOAD_BATCH) {
            eprintln!(
                "bulk: {} incidents, {reports} reports, {:.1} s",
                n - from,
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(reports)
}

/// The queue's cases: (name, filter).
fn filters() -> Vec<(&'static str, QueueFilter)> {
    let f = |profile: Option<&str>, sector: Option<&str>, order| QueueFilter {
        profile: profile.map(str::to_owned),
        sector: sector.map(str::to_owned),
        order,
        limit: 50,
        ..QueueFilter::default()
    };
    vec![
        ("newest", f(None, None, QueueOrder::Newest)),
        ("due", f(None, None, QueueOrder::Due)),
        (
            "newest regime=eu-nis2",
            f(Some("eu-nis2"), None, QueueOrder::Newest),
        ),
        (
            "due regime=jp-cyber-response",
            f(Some("jp-cyber-response"), None, QueueOrder::Due),
        ),
        (
            "newest sector=electricity",
            f(None, Some("electricity"), QueueOrder::Newest),
        ),
        (
            "due sector=finance",
            f(None, Some("finance"), QueueOrder::Due),
        ),
        (
            "due regime=eu-dora sector=finance",
            f(Some("eu-dora"), Some("finance"), QueueOrder::Due),
        ),
    ]
}

/// One timed figure: what, how, its latencies.
struct Figure {
    case: String,
    how: &'static str,
    lat: Latencies,
    rows: usize,
}

fn print(stage: &str, label: &str, reports: u64, f: &Figure) {
    println!(
        "RESULT store={label} reports={reports} stage={stage} case=\"{}\" how={} rows={} n={} p50={:.3} p95={:.3} p99={:.3} max={:.3}",
        f.case,
        f.how,
        f.rows,
        f.lat.count(),
        f.lat.ms(0.5),
        f.lat.ms(0.95),
        f.lat.ms(0.99),
        f.lat.ms(1.0)
    );
}

/// Each filter's first page, `rounds` times three ways, interleaved.
async fn time_queue(
    store: &dyn Store,
    profiles: &ProfileSet,
    coord: &Actor,
    rounds: u64,
) -> anyhow::Result<Vec<Figure>> {
    let mut out = Vec::new();
    for (name, filter) in filters() {
        let mut t = [Vec::new(), Vec::new(), Vec::new()];
        let mut rows = 0;
        let mut bytes = 0;
        let started = Instant::now();
        for _ in 0..rounds {
            for (how, times) in t.iter_mut().enumerate() {
                let t0 = Instant::now();
                let page = store.queue(coord, &filter).await?;
                match how {
                    0 => rows = page.rows.len(),
                    1 => {
                        let now = jiff::Timestamp::now();
                        let mut open = 0;
                        for row in &page.rows {
                            open += clocks_of(profiles, row, now);
                        }
                        std::hint::black_box(open);
                    }
                    _ => {
                        let answer =
                            renkei_server::report_page(profiles, page, jiff::Timestamp::now());
                        bytes = serde_json::to_vec(&answer)?.len();
                    }
                }
                times.push(t0.elapsed().as_secs_f64() * 1e6);
            }
        }
        let secs = started.elapsed().as_secs_f64() / 3.0;
        for (how, times) in ["store", "clocks", "answer"].into_iter().zip(t) {
            out.push(Figure {
                case: if how == "answer" {
                    format!("{name} ({bytes} bytes)")
                } else {
                    name.to_owned()
                },
                how,
                lat: Latencies::new(times, secs),
                rows,
            });
        }
    }
    Ok(out)
}

/// A row's clocks as the server computes them; the number still open.
fn clocks_of(profiles: &ProfileSet, row: &QueueRow, now: jiff::Timestamp) -> usize {
    let Some(p) = profiles.get(&row.report.profile_id) else {
        return 0;
    };
    let clocks =
        renkei_server::report_clocks(p, &row.report, row.incident.as_ref(), &row.submitted, now);
    usize::from(renkei_server::next_due(&clocks).is_some()) + clocks.len()
}

/// Reports to submit to: rows of several of the coordinator's pages.
async fn targets(store: &dyn Store, coord: &Actor) -> anyhow::Result<Vec<(i64, OrgId)>> {
    let mut out = Vec::new();
    for (_, mut f) in filters() {
        f.limit = 200;
        for row in store.queue(coord, &f).await?.rows {
            out.push((row.report.id, row.report.org));
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// `n` submissions, alternately `store` and `server`, to reports drawn
/// from `targets`.
async fn time_submissions(
    store: &dyn Store,
    profiles: &ProfileSet,
    coord: &Actor,
    filers: &[(Filer, Actor)],
    n: u64,
    seed: u64,
) -> anyhow::Result<Vec<Figure>> {
    let targets = targets(store, coord).await?;
    anyhow::ensure!(!targets.is_empty(), "no report to submit to");
    let mut t = [Vec::new(), Vec::new()];
    let started = Instant::now();
    for k in 0..n {
        let (id, org) = targets[(mix(seed ^ k) % targets.len() as u64) as usize];
        let actor = &filers
            .iter()
            .find(|(f, _)| f.org == org)
            .context("filer of a report")?
            .1;
        let server = k % 2 == 1;
        // Untimed: what the reporter sends.
        let case = store.report_case(actor, id).await?;
        let profile = profiles.get(&case.report.profile_id).context("profile")?;
        let stage = (case.submitted.len()).min(profile.stages.len().saturating_sub(1));
        let v = data::version(profile, stage, Timestamp::now(), mix(k)).context("version")?;
        let form = profile.form(&v.form_id).context("form")?;
        let values: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&v.body)?;
        let t0 = Instant::now();
        if server {
            let case = store.report_case(actor, id).await?;
            renkei_server::check_values(form, &values, Mode::Submission)
                .map_err(|e| anyhow::anyhow!("generated values refused: {e:?}"))?;
            let body = renkei_server::canonical(form, &values);
            let due = renkei_server::next_due_after(
                profile,
                &case.report,
                case.incident.as_ref(),
                &case.submitted,
                v.stage_id.as_deref(),
                jiff::Timestamp::now(),
            );
            store
                .submit_version(
                    actor,
                    id,
                    NewVersion {
                        body,
                        next_due_at: due,
                        ..v
                    },
                )
                .await?;
        } else {
            store
                .submit_version(
                    actor,
                    id,
                    NewVersion {
                        next_due_at: case.report.next_due_at,
                        ..v
                    },
                )
                .await?;
        }
        t[usize::from(server)].push(t0.elapsed().as_secs_f64() * 1e6);
    }
    let secs = started.elapsed().as_secs_f64() / 2.0;
    Ok(["store", "server"]
        .into_iter()
        .zip(t)
        .map(|(how, times)| Figure {
            case: "submit_version".into(),
            how,
            lat: Latencies::new(times, secs),
            rows: 1,
        })
        .collect())
}

/// The bulk path's check: loaded reports' clocks recomputed through
/// `report_case` give the earliest open deadline the load stored.
async fn check_loaded(
    store: &dyn Store,
    profiles: &ProfileSet,
    coord: &Actor,
) -> anyhow::Result<usize> {
    let mut checked = 0;
    let all = targets(store, coord).await?;
    for &(id, _) in all.iter().step_by((all.len() / 300).max(1)) {
        let row = store.report_case(coord, id).await?;
        let p = profiles.get(&row.report.profile_id).context("profile")?;
        let clocks = renkei_server::report_clocks(
            p,
            &row.report,
            row.incident.as_ref(),
            &row.submitted,
            jiff::Timestamp::now(),
        );
        let due = renkei_server::next_due(&clocks);
        // Through the API a stage's submission time is the store's clock,
        // a few microseconds after the server computed the next deadline.
        let near = match (due, row.report.next_due_at) {
            (Some(a), Some(b)) => (a.0 - b.0).abs() < 1_000_000,
            (a, b) => a == b,
        };
        anyhow::ensure!(
            near,
            "report {id}: stored next_due_at {:?}, clocks say {:?}",
            row.report.next_due_at,
            due
        );
        checked += 1;
    }
    Ok(checked)
}

pub async fn report_queue(store: Arc<dyn Store>, opt: &ReportQueueOptions) -> anyhow::Result<()> {
    anyhow::ensure!(opt.reports > 0, "--reports must be at least 1");
    let store = store.as_ref();
    let sys = Actor::system("bench");
    let profiles = ProfileSet::shipped().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    anyhow::ensure!(profiles.iter().count() == 6, "six shipped profiles");
    let t0 = Instant::now();
    let (coord, filers, fresh) = setup(store, &sys, &profiles, opt.orgs.max(1)).await?;
    println!(
        "setup: {} reporting organisations, {:.1} s",
        filers.len(),
        t0.elapsed().as_secs_f64()
    );
    let plain: Vec<Filer> = filers.iter().map(|(f, _)| *f).collect();
    // Incidents hold 1.4 reports on average; load incidents until the
    // reports reach --reports.
    let incidents = |reports: u64| reports * 10 / 14;
    let sample = opt.sample.min(opt.reports);
    let mut total = opt.reports;
    if fresh {
        let t0 = Instant::now();
        let n = load_sample(store, &profiles, &filers, 0, incidents(sample).max(1)).await?;
        let secs = t0.elapsed().as_secs_f64();
        println!(
            "sample through the store API: {n} reports in {secs:.1} s = {:.0}/s",
            n as f64 / secs
        );
        store.analyze().await?;
        for f in time_queue(store, &profiles, &coord, opt.rounds).await? {
            print("sample", &opt.label, n, &f);
        }
        let subs = opt.submissions.min(200);
        for f in time_submissions(store, &profiles, &coord, &filers, subs, 1).await? {
            print("sample", &opt.label, n, &f);
        }
        let t0 = Instant::now();
        let from = incidents(sample).max(1);
        let to = incidents(opt.reports).max(from);
        let m = load_bulk(store, &sys, &profiles, &plain, from, to).await?;
        let secs = t0.elapsed().as_secs_f64();
        println!(
            "bulk load: {m} reports in {secs:.1} s = {:.0}/s",
            m as f64 / secs
        );
        total = n + m;
        let t0 = Instant::now();
        store.analyze().await?;
        println!("analyze: {:.1} s", t0.elapsed().as_secs_f64());
    } else {
        println!("store already loaded: measuring it as it is");
    }
    let checked = check_loaded(store, &profiles, &coord).await?;
    println!("check: {checked} reports' stored deadlines agree with their clocks");
    for f in time_queue(store, &profiles, &coord, opt.rounds).await? {
        print("full", &opt.label, total, &f);
    }
    for f in time_submissions(store, &profiles, &coord, &filers, opt.submissions, 2).await? {
        print("full", &opt.label, total, &f);
    }
    Ok(())
}
