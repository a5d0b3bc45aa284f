//! `renkei bench import-feed` and `renkei bench parse-only`: the pieces of
//! `bench/import.sh`, which times `renkei import` of a generated feed file
//! as a user runs it (its own process, under `/usr/bin/time -v` for the peak
//! memory) against a parse-only pass over the same file.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use renkei_core::Actor;
use renkei_store::Store;

use super::correlate::value_of;
use super::{BENCH_ORG, setup};

/// The header a published feed starts with (abuse.ch's and Spamhaus's lists
/// open with a `#` block naming the feed, its date, terms and contact).
const HEADER: &str = "\
################################################################
# renkei bench feed: indicators of compromise (generated)      #
# Last updated: 2026-12-01 00:00:00 UTC                        #
#                                                              #
# Terms of use: https://feeds.bench.example/terms/             #
# For questions please contact feeds@bench.example             #
#                                                              #
# value (IPv4 address, IPv4 network, domain, URL or SHA-256)   #
################################################################
";

/// Writes a feed of `lines` lines to `out`: the comment header, then one
/// value per line drawn like the correlation bench's (38 % IPv4 addresses,
/// 2 % /24 networks, 30 % domains, 15 % URLs, 15 % SHA-256). Returns the
/// number of value lines.
fn write_feed(out: &Path, lines: u64) -> anyhow::Result<u64> {
    let header_lines = HEADER.lines().count() as u64;
    let values = lines.saturating_sub(header_lines);
    let mut text = String::with_capacity(values as usize * 40 + HEADER.len());
    text.push_str(HEADER);
    for id in 0..values {
        // ids far from the correlation bench's, so the feed is new data
        let _ = writeln!(text, "{}", value_of((1 << 60) + id).text);
    }
    std::fs::write(out, text).with_context(|| format!("writing {}", out.display()))?;
    Ok(values)
}

/// Writes the feed and makes the bench organisation, community and
/// collection in `store`, printing what `bench/import.sh` needs to run
/// `renkei import` against them.
pub async fn import_feed(store: &dyn Store, out: &Path, lines: u64) -> anyhow::Result<()> {
    let values = write_feed(out, lines)?;
    let sys = Actor::system("bench");
    let (col, _) = setup(store, &sys).await?;
    let org = store
        .list_orgs()
        .await?
        .into_iter()
        .find(|o| o.name_ja == BENCH_ORG)
        .context("bench organisation")?;
    println!("feed: {} ({lines} lines, {values} values)", out.display());
    println!("org: {}", org.id.0);
    println!("collection: {}", col.id);
    Ok(())
}

/// Reads and parses a list file as `renkei import text|csv` does, and stops
/// there: what an import costs before any object is built or stored.
pub fn parse_only(file: &Path, format: &str) -> anyhow::Result<()> {
    let start = Instant::now();
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let list = match format {
        "csv" => renkei_stix::parse_csv(&bytes)?,
        "text" => {
            renkei_stix::parse_text(std::str::from_utf8(&bytes).context("free text must be UTF-8")?)
        }
        other => anyhow::bail!("--format {other}: text or csv"),
    };
    println!(
        "parsed: {} values, {} line errors in {:.3} s",
        list.entries.len(),
        list.errors.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
