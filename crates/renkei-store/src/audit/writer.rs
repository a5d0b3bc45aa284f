//! Group commit for audit entries that are not part of a write (reads,
//! sign-ins): whatever is queued when a batch starts goes into it, so
//! concurrent readers share one commit. Callers get their answer only after
//! the commit, so no data leaves unaudited.

use std::future::Future;
use std::sync::Arc;

use renkei_core::{Actor, AuditOutcome};
use tokio::sync::{mpsc, oneshot};

use super::chain::Draft;
use super::tree::{Head, Listing};
use super::under_way::{HOLD, ReadUnderWay, ReadsUnderWay};
use crate::{Result, StoreError};

/// Entries a batch takes at most.
const MAX_BATCH: usize = 2_000;

/// An audit entry waiting for the group writer.
struct AuditJob {
    actor: Actor,
    action: String,
    object: String,
    outcome: AuditOutcome,
    detail: String,
    /// What the read returned (`audit_objects`, `audit_reads`).
    listing: Listing,
    done: oneshot::Sender<std::result::Result<(), String>>,
    /// The read this entry audits, under way until the writer takes it.
    reading: Option<ReadUnderWay>,
}

/// The longest run of consecutive versions one `audit_reads` row holds,
/// so "who read version v" looks no further back than this.
pub(crate) const RUN_MAX: i64 = 10_000;

/// Sorted distinct `pks` as runs of consecutive keys, none longer than
/// [`RUN_MAX`].
pub(crate) fn runs(mut pks: Vec<i64>) -> Vec<(i64, i64)> {
    pks.sort_unstable();
    pks.dedup();
    let mut out: Vec<(i64, i64)> = Vec::new();
    for pk in pks {
        match out.last_mut() {
            Some((lo, hi)) if *hi + 1 == pk && pk - *lo < RUN_MAX => *hi = pk,
            _ => out.push((pk, pk)),
        }
    }
    out
}

/// Where a backend's group writer appends a batch.
pub(crate) trait AuditSink: Send + Sync + 'static {
    /// Appends `drafts` in order, `objects[i]` naming what `drafts[i]`'s
    /// read returned (none past its end). `known` is the chain's head as this writer last left
    /// it, if it knows it.
    fn append_batch<'a>(
        &'a self,
        drafts: &'a [Draft<'a>],
        objects: &'a Arc<Vec<Listing>>,
        known: &'a mut Option<Head>,
    ) -> impl Future<Output = Result<()>> + Send + 'a;
}

/// The queue to a store's group writer.
#[derive(Debug, Clone)]
pub(crate) struct GroupWriter {
    jobs: mpsc::Sender<AuditJob>,
}

impl GroupWriter {
    /// Starts the group writer on `sink`.
    pub fn start(sink: impl AuditSink, reads: Arc<ReadsUnderWay>) -> Self {
        let (jobs, rx) = mpsc::channel(8_192);
        tokio::spawn(run(sink, reads, rx));
        Self { jobs }
    }
}

/// The writer: while audited reads are under way a batch waits for their
/// entries, up to [`HOLD`] (fewer, larger commits: `under_way`).
async fn run(sink: impl AuditSink, reads: Arc<ReadsUnderWay>, mut rx: mpsc::Receiver<AuditJob>) {
    // The chain's head as this writer last left it (`AuditSink::append_batch`).
    let mut known = None;
    while let Some(mut first) = rx.recv().await {
        first.reading = None;
        let mut jobs = vec![first];
        let deadline = tokio::time::Instant::now() + HOLD;
        loop {
            while jobs.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(mut j) => {
                        // Taken: its read is no longer under way.
                        j.reading = None;
                        jobs.push(j);
                    }
                    Err(_) => break,
                }
            }
            if jobs.len() >= MAX_BATCH || !reads.any() || tokio::time::Instant::now() >= deadline {
                break;
            }
            reads.wait_none(deadline).await;
        }
        // Shared, not copied, with a blocking thread (SQLite's sink).
        let objects: Arc<Vec<Listing>> = Arc::new(
            jobs.iter_mut()
                .map(|j| std::mem::take(&mut j.listing))
                .collect(),
        );
        let drafts: Vec<Draft<'_>> = jobs
            .iter()
            .map(|j| Draft {
                actor: &j.actor,
                action: &j.action,
                object: &j.object,
                outcome: j.outcome,
                detail: &j.detail,
            })
            .collect();
        // Once more (on a fresh session or connection) if the first attempt
        // failed (a session the server dropped fails its next statement).
        // Should a commit have landed with its answer lost, the entries are
        // in the chain twice: more audit, never less.
        let mut res = Err(StoreError::AuditWriter("not attempted".into()));
        for _ in 0..2 {
            res = sink.append_batch(&drafts, &objects, &mut known).await;
            if res.is_ok() {
                break;
            }
        }
        // The drafts borrow the jobs, which are answered below.
        drop(drafts);
        let res = res.map_err(|e| e.to_string());
        for j in jobs {
            let _ = j.done.send(res.clone());
        }
    }
}

impl GroupWriter {
    /// Appends through the group writer and waits for the commit.
    /// `reading`, the read being audited, ends when the writer takes the
    /// entry.
    pub async fn read(
        &self,
        reading: Option<ReadUnderWay>,
        actor: &Actor,
        action: &str,
        object: &str,
        detail: &str,
    ) -> Result<()> {
        self.append(reading, actor, action, object, AuditOutcome::Ok, detail)
            .await
    }

    /// As `read`, with any outcome.
    pub async fn append(
        &self,
        reading: Option<ReadUnderWay>,
        actor: &Actor,
        action: &str,
        object: &str,
        outcome: AuditOutcome,
        detail: &str,
    ) -> Result<()> {
        let none = Listing::default();
        self.submit(
            reading,
            actor,
            action,
            object,
            outcome,
            detail.to_owned(),
            none,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn submit(
        &self,
        reading: Option<ReadUnderWay>,
        actor: &Actor,
        action: &str,
        object: &str,
        outcome: AuditOutcome,
        detail: String,
        listing: Listing,
    ) -> Result<()> {
        let stopped = || StoreError::AuditWriter("the audit writer stopped".into());
        let (done, wait) = oneshot::channel();
        let job = AuditJob {
            actor: actor.clone(),
            action: action.to_owned(),
            object: object.to_owned(),
            outcome,
            detail,
            listing,
            done,
            reading,
        };
        self.jobs.send(job).await.map_err(|_| stopped())?;
        wait.await
            .map_err(|_| stopped())?
            .map_err(StoreError::AuditWriter)
    }

    /// One grouped audit entry naming the restricted objects a read
    /// returned (sorted, once each), ending `reading` when the writer
    /// takes it.
    pub async fn read_of(
        &self,
        reading: Option<ReadUnderWay>,
        actor: &Actor,
        action: &str,
        object: &str,
        restricted: Vec<&str>,
    ) -> Result<()> {
        if restricted.is_empty() {
            return Ok(());
        }
        let mut ids = restricted;
        ids.sort_unstable();
        ids.dedup();
        let summary = format!("{} restricted", ids.len());
        let ids = ids.into_iter().map(str::to_owned).collect();
        self.read_listing(reading, actor, action, object, &summary, ids)
            .await
    }

    /// One grouped audit entry naming the objects a read returned: its
    /// detail is `"{summary}: id id …"`, and each id goes to
    /// `audit_objects`, so "who read X" is a query.
    pub async fn read_listing(
        &self,
        reading: Option<ReadUnderWay>,
        actor: &Actor,
        action: &str,
        object: &str,
        summary: &str,
        ids: Vec<String>,
    ) -> Result<()> {
        let detail = format!("{summary}: {}", ids.join(" "));
        let ok = AuditOutcome::Ok;
        let listing = Listing {
            ids,
            versions: Vec::new(),
        };
        self.submit(reading, actor, action, object, ok, detail, listing)
            .await
    }

    /// One grouped audit entry naming the object versions (`stix_objects`
    /// keys) a page returned, as runs: detail `"{summary}: versions 12-40
    /// 57 …"`, and each run in `audit_reads`. Keys rather than ids: a page
    /// of a hundred objects is then a few bytes, not a few kilobytes, in
    /// every read's commit (BENCHMARKS.md, "TAXII page audits name
    /// versions as key runs").
    pub async fn read_versions(
        &self,
        reading: Option<ReadUnderWay>,
        actor: &Actor,
        action: &str,
        object: &str,
        summary: &str,
        pks: Vec<i64>,
    ) -> Result<()> {
        let versions = runs(pks);
        let text: Vec<String> = versions
            .iter()
            .map(|&(lo, hi)| {
                if lo == hi {
                    lo.to_string()
                } else {
                    format!("{lo}-{hi}")
                }
            })
            .collect();
        let detail = format!("{summary}: versions {}", text.join(" "));
        let ok = AuditOutcome::Ok;
        let listing = Listing {
            ids: Vec::new(),
            versions,
        };
        self.submit(reading, actor, action, object, ok, detail, listing)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_sorted_runs_no_longer_than_run_max() {
        assert_eq!(runs(vec![]), []);
        assert_eq!(runs(vec![7, 3, 4, 5, 9, 9, 10]), [(3, 5), (7, 7), (9, 10)]);
        let long: Vec<i64> = (1..=RUN_MAX + 5).collect();
        assert_eq!(runs(long), [(1, RUN_MAX), (RUN_MAX + 1, RUN_MAX + 5)]);
    }
}
