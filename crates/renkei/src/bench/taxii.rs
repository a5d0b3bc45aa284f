//! `renkei bench taxii`: loads indicators through the TAXII path, then
//! serves TAXII for a load generator outside the process (`wrk`, see
//! `bench/taxii.sh`), so the server is measured as deployed.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use rand::Rng;
use renkei_core::{Actor, Tlp};
use renkei_server::{AppState, Settings};
use renkei_store::Store;
use renkei_store::intel::StixQuery;

use super::{BATCH, analyze_due, batches, count, ensure_stored, owner, setup};

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
    let actor = owner(store.as_ref()).await?;

    let present = count(store.as_ref(), &actor, &col).await?;
    if present < objects {
        let start = Instant::now();
        let mut n = present;
        // The same path as TAXII: JSON value → validation → storage.
        let mut batches = batches(present, objects, |i| {
            let o = renkei_stix::parse_object(&indicator(i), None)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(renkei_server::share::new_version(&o))
        });
        // Two adds in flight, as when a client posts envelopes one after
        // another: the server answers each once it is validated and stores
        // it in a task of its own (`taxii::add_objects`).
        let mut adding = tokio::task::JoinSet::new();
        while let Some(batch) = batches.recv().await {
            let batch = batch?;
            n += batch.len() as u64;
            let (to, actor, col) = (store.clone(), actor.clone(), col.clone());
            adding.spawn(async move { to.add_stix(&actor, &col, batch).await });
            // Keep the planner's statistics current while the table grows
            // (autovacuum does this in steady operation; a bulk load outruns it).
            let analyze = analyze_due(n);
            while adding.len() >= 2 || (analyze && !adding.is_empty()) {
                let out = adding.join_next().await.context("add task")???;
                ensure_stored(&out)?;
            }
            if analyze {
                store.analyze().await?;
            }
        }
        while let Some(done) = adding.join_next().await {
            ensure_stored(&done??)?;
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
        lines.push_str(&renkei_server::share::taxii::encode_next(
            d,
            (pk - back).max(0),
        ));
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
