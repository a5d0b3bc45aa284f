//! `renkei bench`: measured runs on a real store, printed as figures. The
//! load itself comes from outside (`wrk`, see `bench/taxii.sh`), so the
//! server is measured as deployed, not through an in-process shortcut.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use rand::Rng;
use renkei_core::model::{NewCollection, NewCommunity, NewOrg, NewUser};
use renkei_core::{Actor, Email, OrgKind, Role, Tlp};
use renkei_server::{AppState, Settings};
use renkei_store::Store;
use renkei_store::intel::StixQuery;

const BENCH_ORG: &str = "ベンチマーク事業者";
const BATCH: usize = 5_000;

/// One generated indicator, as a client would send it.
fn indicator(n: u64) -> serde_json::Value {
    serde_json::json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--{:08x}-{:04x}-4{:03x}-8000-{:012x}", n >> 32, (n >> 16) & 0xffff, n & 0xfff, n),
        "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
        "name": format!("bench {n}"),
        "pattern": format!("[ipv4-addr:value = '{}.{}.{}.{}']", 10 + (n >> 24) % 200, (n >> 16) & 255, (n >> 8) & 255, n & 255),
        "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
        "object_marking_refs": [renkei_stix::tlp_marking_id(Tlp::Green)]
    })
}

/// Loads `objects` indicators (if the store does not have them yet),
/// reports the ingest rate, writes `next` tokens at random positions to
/// `tokens`, and serves on `listen` until interrupted.
pub async fn taxii(
    store: Arc<dyn Store>,
    objects: u64,
    listen: std::net::SocketAddr,
    tokens: &Path,
) -> anyhow::Result<()> {
    let sys = Actor::system("bench");
    let (col, secret) = setup(store.as_ref(), &sys).await?;
    let reporter = store
        .list_users(None)
        .await?
        .into_iter()
        .find(|u| u.email.as_str() == "bench@bench.example.jp")
        .context("bench user")?;
    let actor = Actor {
        viewer: store.viewer_for_user(reporter.id).await?,
        label: "bench".into(),
        source: "bench".into(),
        system: false,
    };

    let present = count(store.as_ref(), &actor, &col).await?;
    if present < objects {
        let start = Instant::now();
        let mut n = present;
        while n < objects {
            let end = (n + BATCH as u64).min(objects);
            let mut batch = Vec::with_capacity(BATCH);
            for i in n..end {
                // The same path as TAXII: JSON value → validation → storage.
                let o = renkei_stix::parse_object(&indicator(i), None)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                batch.push(renkei_server::taxii::new_version(&o));
            }
            store.add_stix(&actor, &col, batch).await?;
            n = end;
            // Keep the planner's statistics current while the table grows
            // (autovacuum does this in steady operation; a bulk load outruns it).
            if (n / BATCH as u64).is_power_of_two() || n % 200_000 == 0 {
                store.analyze().await?;
            }
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "ingest: {} indicators in {secs:.1} s = {:.0} indicators/s (validate + store, batches of {BATCH})",
            objects - present,
            (objects - present) as f64 / secs
        );
    } else {
        println!("ingest: store already holds {present} indicators");
    }
    store.analyze().await?;

    // `next` tokens at random positions, so pages come from all over the store.
    let mut cursors = Vec::new();
    let mut q = StixQuery::new(10_000);
    loop {
        let page = store.stix_page(&actor, &col, &q).await?;
        if let Some(last) = page.rows.last() {
            cursors.push((last.date_added, last.pk));
            q.after = Some((last.date_added, last.pk));
        }
        if !page.more {
            break;
        }
    }
    let mut rng = rand::rng();
    let mut lines = String::new();
    for _ in 0..1000 {
        let (d, pk) = cursors[rng.random_range(0..cursors.len())];
        let back = rng.random_range(0..9_900);
        lines.push_str(&renkei_server::taxii::encode_next(d, (pk - back).max(0)));
        lines.push('\n');
    }
    std::fs::write(tokens, lines).with_context(|| format!("writing {}", tokens.display()))?;

    let mut settings = Settings::defaults();
    settings.listen = listen;
    let (listener, addr) = renkei_server::build(&settings).await?;
    let path = format!(
        "/taxii2/community-{}/collections/{}/objects/",
        col.community, col.id
    );
    println!("serving http://{addr}{path}");
    println!("token: {secret}");
    renkei_server::run(
        listener,
        AppState::new(store, settings),
        renkei_server::shutdown_signal(),
    )
    .await?;
    Ok(())
}

async fn count(
    store: &dyn Store,
    actor: &Actor,
    col: &renkei_core::model::Collection,
) -> anyhow::Result<u64> {
    let mut n = 0;
    let mut q = StixQuery::new(10_000);
    loop {
        let page = store.stix_page(actor, col, &q).await?;
        n += page.rows.len() as u64;
        match page.rows.last() {
            Some(l) if page.more => q.after = Some((l.date_added, l.pk)),
            _ => return Ok(n),
        }
    }
}

/// The bench organisation, community, collection, user and token (created once).
async fn setup(
    store: &dyn Store,
    sys: &Actor,
) -> anyhow::Result<(renkei_core::model::Collection, String)> {
    let secret =
        "rk_bench_0000000000000000000000000000000000000000000000000000000000000000".to_owned();
    if store
        .list_orgs()
        .await?
        .iter()
        .any(|o| o.name_ja == BENCH_ORG)
    {
        let col = store
            .list_collections()
            .await?
            .into_iter()
            .next()
            .context("bench collection")?;
        return Ok((col, secret));
    }
    let org = store
        .create_org(
            sys,
            NewOrg {
                name_ja: BENCH_ORG.into(),
                name_en: "Bench operator".into(),
                kind: OrgKind::Operator,
                sector: None,
                prefecture: None,
            },
        )
        .await?;
    let user = store
        .create_user(
            sys,
            NewUser {
                org: org.id,
                email: Email::parse("bench@bench.example.jp")?,
                display_name: "bench".into(),
                role: Role::Admin,
                password_hash: "!".into(),
            },
        )
        .await?;
    let c = store
        .create_community(
            sys,
            NewCommunity {
                name_ja: "ベンチ".into(),
                name_en: "Bench".into(),
                description: String::new(),
                terms_version: "1".into(),
            },
        )
        .await?;
    let m = store.add_membership(sys, c.id, org.id).await?;
    let admin = Actor {
        viewer: store.viewer_for_user(user.id).await?,
        label: "bench".into(),
        source: "bench".into(),
        system: false,
    };
    store.accept_terms(&admin, m.id).await?;
    let col = store
        .create_collection(
            sys,
            NewCollection {
                community: c.id,
                title: "bench".into(),
                description: String::new(),
                default_tlp: Tlp::Green,
            },
        )
        .await?;
    store
        .create_api_token(
            sys,
            org.id,
            "bench",
            Role::Reporter,
            &renkei_server::auth::secret_hash(&secret),
        )
        .await?;
    Ok((col, secret))
}
