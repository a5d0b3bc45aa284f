//! `renkei bench correlate`: indicator ingest through the sharing path and
//! value look-ups through the store trait, exactly as the REST look-up and
//! the portal call it (access rule and read audit included), with a
//! text-scan baseline timed in the same run (see `bench/correlate.sh`).

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use rand::Rng;
use renkei_core::model::{NewOrg, NewUser};
use renkei_core::{Actor, Email, OrgKind, Role, Tlp};
use renkei_store::Store;

use super::{analyze_due, batches, count, ensure_stored, owner, setup, user_actor};

/// The organisation whose analyst looks values up: a member of the bench
/// community, not the owner of the data, so every look-up goes through the
/// community-membership branch of the access rule.
const READER_ORG: &str = "ベンチ閲覧事業者";
const READER_EMAIL: &str = "reader@bench.example.jp";

/// Values held by several indicators come from a pool this much smaller
/// than the number of value slots drawn from it (about 3.5 holders each).
const SHARED_SPREAD: f64 = 3.5;
/// Share of value slots drawn from the shared pool.
const SHARED_SHARE: u64 = 10; // percent
/// Id spaces, so unique, shared and absent values never coincide.
const SHARED_BASE: u64 = 1 << 48;
const ABSENT_BASE: u64 = 1 << 56;

/// How a correlation bench runs.
#[derive(Debug, Clone)]
pub struct CorrelateOptions {
    pub objects: u64,
    pub lookups: u64,
    pub concurrency: usize,
    pub tlp: Tlp,
    pub baseline_lookups: u64,
    pub baseline_seconds: u64,
    /// Name of the store in the `RESULT` line.
    pub label: String,
    /// Skip `ANALYZE` (during and after the load).
    pub no_analyze: bool,
}

/// SplitMix64: a fixed, seedless mixer, so that the data set (and which
/// values are present) can be regenerated without storing it.
pub(super) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// One generated value: its kind, the text as written in the pattern, the
/// STIX path it is tested under, and whether it is a network.
#[derive(Debug, Clone)]
pub(super) struct GenValue {
    kind: renkei_core::ValueKind,
    pub(super) text: String,
    network: bool,
}

const WORDS: [&str; 12] = [
    "login", "secure", "update", "cdn", "mail", "portal", "account", "verify", "static", "api",
    "files", "auth",
];
const TLDS: [&str; 9] = [
    "com", "net", "org", "jp", "co.jp", "xyz", "top", "info", "ru",
];

/// The value with id `id`: 38 % IPv4 addresses, 2 % IPv4 /24 networks, 30 %
/// domains, 15 % URLs, 15 % SHA-256 hashes.
pub(super) fn value_of(id: u64) -> GenValue {
    use renkei_core::ValueKind;
    let h = mix(id ^ 0x5eed_0000_0000_0001);
    let pick = h % 100;
    let r = mix(h);
    let domain = |r: u64| {
        format!(
            "{}-{:x}.{}",
            WORDS[(r % WORDS.len() as u64) as usize],
            (r >> 8) & 0xff_ffff,
            TLDS[((r >> 40) % TLDS.len() as u64) as usize]
        )
    };
    let octets = |r: u64| {
        (
            1 + r % 223,
            (r >> 8) & 255,
            (r >> 16) & 255,
            1 + (r >> 24) % 254,
        )
    };
    match pick {
        0..38 => {
            let (a, b, c, d) = octets(r);
            GenValue {
                kind: ValueKind::Ipv4,
                text: format!("{a}.{b}.{c}.{d}"),
                network: false,
            }
        }
        38..40 => {
            let (a, b, c, _) = octets(r);
            GenValue {
                kind: ValueKind::Ipv4,
                text: format!("{a}.{b}.{c}.0/24"),
                network: true,
            }
        }
        40..70 => GenValue {
            kind: ValueKind::Domain,
            text: domain(r),
            network: false,
        },
        70..85 => GenValue {
            kind: ValueKind::Url,
            text: format!(
                "http://{}/{}/{:x}.php",
                domain(r),
                WORDS[((r >> 50) % WORDS.len() as u64) as usize],
                mix(r) & 0xffff_ffff
            ),
            network: false,
        },
        _ => GenValue {
            kind: ValueKind::Sha256,
            text: format!(
                "{:016x}{:016x}{:016x}{:016x}",
                mix(r),
                mix(r ^ 1),
                mix(r ^ 2),
                mix(r ^ 3)
            ),
            network: false,
        },
    }
}

/// The deterministic data set: object `i` holds 1–4 values (2 on average);
/// one value slot in ten comes from a shared pool, so about 10 % of the
/// values are held by several indicators (3.5 on average).
struct DataSet {
    shared: u64,
}

impl DataSet {
    fn new(objects: u64) -> Self {
        let slots = objects * 2;
        let shared = ((slots * SHARED_SHARE / 100) as f64 / SHARED_SPREAD).max(1.0) as u64;
        Self { shared }
    }

    /// The value ids of object `i`.
    fn ids(&self, i: u64) -> Vec<u64> {
        let n = [1, 1, 1, 2, 2, 3, 4][(mix(i ^ 0xc0ff_ee00) % 7) as usize];
        (0..n)
            .map(|s| {
                let h = mix((i << 3) | s);
                if h % 100 < SHARED_SHARE {
                    SHARED_BASE + mix(h) % self.shared
                } else {
                    (i << 3) | s
                }
            })
            .collect()
    }

    /// Object `i` as a client would send it.
    fn object(&self, i: u64, tlp: Tlp) -> (serde_json::Value, usize) {
        let mut tests = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for id in self.ids(i) {
            let v = value_of(id);
            let path = match v.kind {
                renkei_core::ValueKind::Ipv4 => "ipv4-addr:value",
                renkei_core::ValueKind::Domain => "domain-name:value",
                renkei_core::ValueKind::Url => "url:value",
                _ => "file:hashes.'SHA-256'",
            };
            if seen.insert(v.text.clone()) {
                tests.push(format!("[{path} = '{}']", v.text));
            }
        }
        let value = serde_json::json!({
            "type": "indicator", "spec_version": "2.1",
            "id": format!("indicator--{:08x}-{:04x}-4{:03x}-9000-{:012x}", i >> 32, (i >> 16) & 0xffff, i & 0xfff, i),
            "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
            "name": format!("correlate bench {i}"),
            "indicator_types": ["malicious-activity"],
            "pattern": tests.join(" OR "),
            "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
            "object_marking_refs": [renkei_stix::tlp_marking_id(tlp)]
        });
        (value, tests.len())
    }
}

/// What a look-up asks for, so the hit rate can be checked per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    Present,
    Absent,
    InNetwork,
}

/// `count` look-up values: 60 % present, 25 % absent, 15 % addresses inside
/// an indexed /24 network. Also the pattern text each present value is
/// written as (for the baseline's text scan).
fn probes(
    data: &DataSet,
    objects: u64,
    count: u64,
    rng: &mut impl Rng,
) -> anyhow::Result<Vec<(Probe, renkei_core::IndicatorValue, String)>> {
    let mut out = Vec::with_capacity(count as usize);
    while (out.len() as u64) < count {
        let roll = rng.random_range(0..100);
        let i = rng.random_range(0..objects);
        let ids = data.ids(i);
        let (probe, v) = if roll < 60 {
            let v = value_of(ids[rng.random_range(0..ids.len())]);
            (Probe::Present, v)
        } else if roll < 85 {
            (
                Probe::Absent,
                value_of(ABSENT_BASE + rng.random::<u32>() as u64),
            )
        } else {
            // An object holding a network (2 % of values are networks).
            let mut net = None;
            for _ in 0..100_000 {
                let ids = data.ids(rng.random_range(0..objects));
                net = ids.iter().map(|&id| value_of(id)).find(|v| v.network);
                if net.is_some() {
                    break;
                }
            }
            let net = net.context("no indexed network found")?;
            let host = format!(
                "{}.{}",
                net.text.trim_end_matches(".0/24"),
                rng.random_range(1..255)
            );
            (
                Probe::InNetwork,
                GenValue {
                    kind: renkei_core::ValueKind::Ipv4,
                    text: host,
                    network: false,
                },
            )
        };
        let parsed = renkei_core::IndicatorValue::parse(v.kind, &v.text)
            .map_err(|e| anyhow::anyhow!("generated value {}: {e}", v.text))?;
        out.push((probe, parsed, v.text));
    }
    Ok(out)
}

/// Latency figures over one set of timed calls.
pub(super) struct Latencies {
    n: usize,
    secs: f64,
    sorted_us: Vec<f64>,
}

impl Latencies {
    pub(super) fn new(mut us: Vec<f64>, secs: f64) -> Self {
        us.sort_by(f64::total_cmp);
        Self {
            n: us.len(),
            secs,
            sorted_us: us,
        }
    }

    /// The q-quantile in milliseconds (nearest rank).
    pub(super) fn ms(&self, q: f64) -> f64 {
        if self.sorted_us.is_empty() {
            return f64::NAN;
        }
        let rank = ((q * self.n as f64).ceil() as usize).clamp(1, self.n);
        self.sorted_us[rank - 1] / 1000.0
    }

    pub(super) fn count(&self) -> usize {
        self.n
    }

    fn rate(&self) -> f64 {
        self.n as f64 / self.secs
    }

    pub(super) fn line(&self) -> String {
        format!(
            "{} in {:.2} s = {:.0}/s; p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            self.n,
            self.secs,
            self.rate(),
            self.ms(0.5),
            self.ms(0.9),
            self.ms(0.99),
            self.ms(1.0)
        )
    }
}

/// Per probe kind: look-ups made and look-ups that found at least one object.
#[derive(Default)]
struct Found {
    asked: [u64; 3],
    found: [u64; 3],
    hits: u64,
}

impl Found {
    fn add(&mut self, p: Probe, hits: usize) {
        let k = p as usize;
        self.asked[k] += 1;
        self.found[k] += u64::from(hits > 0);
        self.hits += hits as u64;
    }

    fn merge(&mut self, o: &Found) {
        for k in 0..3 {
            self.asked[k] += o.asked[k];
            self.found[k] += o.found[k];
        }
        self.hits += o.hits;
    }

    fn line(&self) -> String {
        format!(
            "found: present {}/{}, in a network {}/{}, absent {}/{}; {} objects returned",
            self.found[0],
            self.asked[0],
            self.found[2],
            self.asked[2],
            self.found[1],
            self.asked[1],
            self.hits
        )
    }
}

/// Runs `probes` through `lookup_values` from `tasks` tasks (each takes
/// every `tasks`-th probe), timing every call.
async fn run_lookups(
    store: &Arc<dyn Store>,
    actor: &Actor,
    probes: &Arc<Vec<(Probe, renkei_core::IndicatorValue, String)>>,
    tasks: usize,
) -> anyhow::Result<(Latencies, Found)> {
    let start = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for t in 0..tasks {
        let (store, actor, probes) = (store.clone(), actor.clone(), probes.clone());
        set.spawn(async move {
            let mut us = Vec::with_capacity(probes.len() / tasks + 1);
            let mut found = Found::default();
            for (p, v, _) in probes.iter().skip(t).step_by(tasks) {
                let t0 = Instant::now();
                let hits = store
                    .lookup_values(&actor, std::slice::from_ref(v), 20, None)
                    .await?;
                us.push(t0.elapsed().as_secs_f64() * 1e6);
                found.add(*p, hits.iter().map(|h| h.hits.len()).sum());
            }
            anyhow::Ok((us, found))
        });
    }
    let mut all = Vec::with_capacity(probes.len());
    let mut found = Found::default();
    while let Some(r) = set.join_next().await {
        let (us, f) = r??;
        all.extend(us);
        found.merge(&f);
    }
    Ok((Latencies::new(all, start.elapsed().as_secs_f64()), found))
}

/// The reader organisation, its analyst, and its accepted membership of the
/// bench community (created once); returns the analyst as an actor.
async fn reader(
    store: &dyn Store,
    sys: &Actor,
    community: renkei_core::CommunityId,
) -> anyhow::Result<Actor> {
    let org = match store
        .list_orgs()
        .await?
        .into_iter()
        .find(|o| o.name_ja == READER_ORG)
    {
        Some(o) => o,
        None => {
            store
                .create_org(
                    sys,
                    NewOrg {
                        name_ja: READER_ORG.into(),
                        name_en: "Bench reader".into(),
                        kind: OrgKind::Operator,
                        sector: None,
                        prefecture: None,
                    },
                )
                .await?
        }
    };
    let user = match store
        .list_users(Some(org.id))
        .await?
        .into_iter()
        .find(|u| u.email.as_str() == READER_EMAIL)
    {
        Some(u) => u,
        None => {
            let u = store
                .create_user(
                    sys,
                    NewUser {
                        org: org.id,
                        email: Email::parse(READER_EMAIL)?,
                        display_name: "bench reader".into(),
                        role: Role::Viewer,
                        password_hash: "!".into(),
                    },
                )
                .await?;
            // Only an administrator of the member accepts the terms.
            let admin = store
                .create_user(
                    sys,
                    NewUser {
                        org: org.id,
                        email: Email::parse("reader-admin@bench.example.jp")?,
                        display_name: "bench reader admin".into(),
                        role: Role::Admin,
                        password_hash: "!".into(),
                    },
                )
                .await?;
            let m = store.add_membership(sys, community, org.id).await?;
            let admin = user_actor(store, admin.id, "bench reader admin").await?;
            store.accept_terms(&admin, m.id).await?;
            u
        }
    };
    user_actor(store, user.id, "bench reader").await
}

/// Loads `objects` indicators through the sharing path (if the store does
/// not hold them yet), then times value look-ups through the index — one
/// task, then `concurrency` tasks — and, as the baseline, the same kind of
/// look-up as a text scan of the stored objects.
pub async fn correlate(store: Arc<dyn Store>, opt: &CorrelateOptions) -> anyhow::Result<()> {
    anyhow::ensure!(opt.objects > 0, "--objects must be at least 1");
    let sys = Actor::system("bench");
    let (col, _) = setup(store.as_ref(), &sys).await?;
    let writer = owner(store.as_ref()).await?;
    let actor = reader(store.as_ref(), &sys, col.community).await?;
    let data = DataSet::new(opt.objects);

    let present = count(store.as_ref(), &writer, &col).await?;
    let mut ingest_rate = f64::NAN;
    let mut values_total = 0u64;
    if present < opt.objects {
        let start = Instant::now();
        let (mut in_store, mut n) = (0.0, present);
        let (set, tlp) = (
            DataSet {
                shared: data.shared,
            },
            opt.tlp,
        );
        // The sharing path: JSON → validation → version with index entries.
        let mut batches = batches(present, opt.objects, move |i| {
            let (json, want) = set.object(i, tlp);
            let o = renkei_stix::parse_object(&json, None).map_err(|e| anyhow::anyhow!("{e}"))?;
            let v = renkei_server::share::new_version(&o);
            anyhow::ensure!(
                v.index.values.len() == want,
                "object {i}: {} values indexed, {want} in its pattern",
                v.index.values.len()
            );
            Ok(v)
        });
        while let Some(batch) = batches.recv().await {
            let batch = batch?;
            n += batch.len() as u64;
            values_total += batch
                .iter()
                .map(|v| v.index.values.len() as u64)
                .sum::<u64>();
            let t0 = Instant::now();
            let out = store.add_stix(&writer, &col, batch).await?;
            in_store += t0.elapsed().as_secs_f64();
            ensure_stored(&out)?;
            if !opt.no_analyze && analyze_due(n) {
                store.analyze().await?;
            }
        }
        let secs = start.elapsed().as_secs_f64();
        let added = opt.objects - present;
        ingest_rate = added as f64 / secs;
        println!(
            "ingest: {added} indicators ({values_total} values) in {secs:.1} s = {ingest_rate:.0} indicators/s \
             ({:.0} values/s; add_stix {in_store:.1} s = {:.0} indicators/s, JSON built and validated on another thread meanwhile)",
            values_total as f64 / secs,
            added as f64 / in_store
        );
    } else {
        for i in 0..opt.objects {
            values_total += data.object(i, opt.tlp).1 as u64;
        }
        println!(
            "ingest: store already holds {present} indicators ({values_total} values generated for them)"
        );
    }
    if !opt.no_analyze {
        let t0 = Instant::now();
        store.analyze().await?;
        println!("analyze: {:.1} s", t0.elapsed().as_secs_f64());
    }

    let mut rng = rand::rng();
    let probes = Arc::new(probes(&data, opt.objects, opt.lookups, &mut rng)?);
    // Warm up caches (the first look-ups read the index from disk).
    let warm: Vec<_> = probes.iter().take(500).cloned().collect();
    run_lookups(&store, &actor, &Arc::new(warm), 1).await?;

    let (seq, seq_found) = run_lookups(&store, &actor, &probes, 1).await?;
    println!("lookup 1 task: {}", seq.line());
    println!("  {}", seq_found.line());
    let (par, par_found) = run_lookups(&store, &actor, &probes, opt.concurrency).await?;
    println!("lookup {} tasks: {}", opt.concurrency, par.line());
    println!("  {}", par_found.line());

    // Baseline: what a platform without a value index does — scan the
    // stored objects' text for the value (`LOWER(body) LIKE '%= ''v''%'`
    // through the portal's text search, access rule and audit included).
    // Only present and absent values: a text scan cannot find an address
    // inside a network at all.
    let deadline = Instant::now() + std::time::Duration::from_secs(opt.baseline_seconds);
    let start = Instant::now();
    let mut us = Vec::new();
    let mut base_found = Found::default();
    for (p, _, text) in probes.iter().filter(|(p, _, _)| *p != Probe::InNetwork) {
        if us.len() as u64 >= opt.baseline_lookups || Instant::now() >= deadline {
            break;
        }
        let q = renkei_store::index::SearchQuery {
            text: Some(format!("= '{text}'")),
            limit: 20,
            ..Default::default()
        };
        let t0 = Instant::now();
        let hits = store.search(&actor, &q).await?;
        us.push(t0.elapsed().as_secs_f64() * 1e6);
        base_found.add(*p, hits.len());
    }
    let base = Latencies::new(us, start.elapsed().as_secs_f64());
    println!("baseline text scan, 1 task: {}", base.line());
    println!("  {}", base_found.line());
    println!(
        "ratio: index look-up is {:.0}× the baseline's rate (1 task), p50 {:.0}× lower",
        seq.rate() / base.rate(),
        base.ms(0.5) / seq.ms(0.5)
    );
    println!(
        "RESULT store={} objects={} values={} tlp={} ingest={:.0} seq_rate={:.0} seq_p50={:.3} seq_p90={:.3} seq_p99={:.3} seq_max={:.3} \
         par_tasks={} par_rate={:.0} par_p50={:.3} par_p99={:.3} par_max={:.3} base_n={} base_rate={:.3} base_p50={:.1} base_max={:.1}",
        opt.label,
        opt.objects,
        values_total,
        opt.tlp.as_str(),
        ingest_rate,
        seq.rate(),
        seq.ms(0.5),
        seq.ms(0.9),
        seq.ms(0.99),
        seq.ms(1.0),
        opt.concurrency,
        par.rate(),
        par.ms(0.5),
        par.ms(0.99),
        par.ms(1.0),
        base.n,
        base.rate(),
        base.ms(0.5),
        base.ms(1.0)
    );
    Ok(())
}
