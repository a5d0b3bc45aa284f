//! Exports without HTTP, used by REST, the portal and the command line
//! alike: what a viewer may read, in an indicator format or as a STIX
//! bundle, read from the store a page at a time and handed to an
//! [`ExportSink`] in chunks as it is written. Nothing holds the whole
//! export: memory stays at about a page of rows and a chunk, whatever the
//! export's size (BENCHMARKS.md, "Exports stream").

use std::collections::VecDeque;
use std::io;

use async_trait::async_trait;
use renkei_core::model::Collection;
use renkei_core::{Actor, Timestamp, ValueKind};
use renkei_stix::{
    BundleWriter, ExportFormat, ExportOptions, ExportRow, ExportStats, ExportWriter, StixTime,
};
use renkei_store::index::{IndexQuery, IndexRow, ValueRange};
use renkei_store::intel::StixQuery;
use renkei_store::{Store, StoreError};

use super::service::warning_lists;

/// Index rows per page while exporting.
const EXPORT_PAGE: i64 = 5_000;

/// STIX objects per page while exporting a bundle.
const BUNDLE_PAGE: i64 = 1_000;

/// Bytes gathered before they go to the sink: large enough that a chunk
/// costs little to hand over, small enough to hold a few of.
const CHUNK: usize = 64 * 1024;

/// Where an export's bytes go, a chunk at a time, in order.
#[async_trait]
pub trait ExportSink: Send {
    /// Takes the next chunk; an error (the reader went away, the disk is
    /// full) ends the export.
    async fn put(&mut self, chunk: Vec<u8>) -> io::Result<()>;
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the export: {0}")]
    Write(#[from] io::Error),
}

/// An indicator export: its format and which values.
#[derive(Debug, Clone)]
pub struct IndicatorExport {
    pub format: ExportFormat,
    /// The kinds asked for (all the format carries when empty; exactly one
    /// for a blocklist: [`ExportFormat::kinds`]).
    pub kinds: Vec<ValueKind>,
    /// Only this collection (one the viewer may see: [`visible_collection`]).
    pub collection: Option<String>,
    /// Only indicators valid at this time (microseconds).
    pub valid_at: Option<i64>,
}

/// Collection `id`, if `actor` may see it: a member of its community, or
/// someone who may read at least one object in it. Any other is not found,
/// exactly as one that does not exist, so no answer tells them apart.
pub async fn visible_collection(
    store: &dyn Store,
    actor: &Actor,
    id: &str,
) -> Result<Collection, StoreError> {
    let c = store.get_collection(id).await?;
    if store.collection_visible(actor, &c).await? {
        Ok(c)
    } else {
        Err(StoreError::NotFound("collection"))
    }
}

/// Every collection `actor` may see ([`visible_collection`]).
pub async fn visible_collections(
    store: &dyn Store,
    actor: &Actor,
) -> Result<Vec<Collection>, StoreError> {
    let mut out = Vec::new();
    for c in store.list_collections().await? {
        if store.collection_visible(actor, &c).await? {
            out.push(c);
        }
    }
    Ok(out)
}

/// Gathers written bytes and hands them to the sink a chunk at a time.
struct Chunks<'s> {
    buf: Vec<u8>,
    sink: &'s mut dyn ExportSink,
}

impl<'s> Chunks<'s> {
    fn new(sink: &'s mut dyn ExportSink) -> Self {
        Self {
            buf: Vec::with_capacity(CHUNK + CHUNK / 4),
            sink,
        }
    }

    async fn maybe_send(&mut self) -> io::Result<()> {
        if self.buf.len() >= CHUNK {
            self.send().await?;
        }
        Ok(())
    }

    async fn send(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK + CHUNK / 4));
            self.sink.put(chunk).await?;
        }
        Ok(())
    }
}

/// Reads one run of export pages: rows in the store's export order,
/// a page held at a time.
struct Pager {
    q: IndexQuery,
    rows: VecDeque<IndexRow>,
    done: bool,
}

impl Pager {
    fn new(mut q: IndexQuery) -> Self {
        q.limit = EXPORT_PAGE;
        Self {
            q,
            rows: VecDeque::new(),
            done: false,
        }
    }

    /// The next row, reading a page when none is held.
    async fn peek(
        &mut self,
        store: &dyn Store,
        actor: &Actor,
    ) -> Result<Option<&IndexRow>, StoreError> {
        if self.rows.is_empty() && !self.done {
            let page = store.index_page(actor, &self.q).await?;
            self.done = (page.len() as i64) < EXPORT_PAGE;
            if let Some(last) = page.last() {
                self.q.after = Some(last.cursor());
            }
            self.rows.extend(page);
        }
        Ok(self.rows.front())
    }
}

/// Writes what `actor` may read of the index in the export's format to
/// `sink`. Values on a warning list are marked so the blocking formats
/// leave them out. Zeek keys URLs without their scheme, so its `http://`
/// and `https://` URLs are read as two runs merged in that key's order.
pub async fn export(
    store: &dyn Store,
    actor: &Actor,
    req: &IndicatorExport,
    sink: &mut dyn ExportSink,
) -> Result<ExportStats, ExportError> {
    let kinds = req.format.kinds(&req.kinds).map_err(StoreError::Invalid)?;
    let warnings = warning_lists(store, actor.viewer.org).await?;
    let mut out = Chunks::new(sink);
    let mut w = ExportWriter::new(req.format, ExportOptions::default());
    w.start(&mut out.buf)?;
    let base = IndexQuery {
        collection: req.collection.clone(),
        valid_at: req.valid_at,
        ..IndexQuery::default()
    };
    let query = |kinds: Vec<ValueKind>, range: Option<ValueRange>| IndexQuery {
        kinds,
        range,
        ..base.clone()
    };
    let zeek_urls = req.format == ExportFormat::Zeek && kinds.contains(&ValueKind::Url);
    // Runs read one after another, each straight into the writer.
    let mut runs: Vec<IndexQuery> = Vec::new();
    if zeek_urls {
        let others: Vec<ValueKind> = kinds
            .iter()
            .copied()
            .filter(|k| *k != ValueKind::Url)
            .collect();
        if !others.is_empty() {
            runs.push(query(others, None));
        }
        // URLs of other schemes, which Zeek leaves out (and counts).
        for range in [
            ValueRange::below("http://"),
            ValueRange::between_prefixes("http://", "https://"),
            ValueRange::above_prefix("https://"),
        ] {
            runs.push(query(vec![ValueKind::Url], Some(range)));
        }
    } else {
        runs.push(query(kinds.clone(), None));
    }
    for q in runs {
        let mut p = Pager::new(q);
        while p.peek(store, actor).await?.is_some() {
            if let Some(r) = p.rows.pop_front() {
                write_row(&mut w, &mut out, &warnings, &r).await?;
            }
        }
    }
    if zeek_urls {
        let mut http = Pager::new(query(
            vec![ValueKind::Url],
            Some(ValueRange::prefix("http://")),
        ));
        let mut https = Pager::new(query(
            vec![ValueKind::Url],
            Some(ValueRange::prefix("https://")),
        ));
        loop {
            let a = http.peek(store, actor).await?.map(scheme_less);
            let b = https.peek(store, actor).await?.map(scheme_less);
            let from = match (a, b) {
                (None, None) => break,
                (Some(_), None) => &mut http,
                (None, Some(_)) => &mut https,
                (Some(a), Some(b)) if a <= b => &mut http,
                (Some(_), Some(_)) => &mut https,
            };
            if let Some(r) = from.rows.pop_front() {
                write_row(&mut w, &mut out, &warnings, &r).await?;
            }
        }
    }
    let stats = w.finish(&mut out.buf)?;
    out.send().await?;
    Ok(stats)
}

/// A URL without its scheme: what Zeek keys it by.
fn scheme_less(r: &IndexRow) -> String {
    let v = r.value.value();
    v.split_once("://").map_or(v, |(_, rest)| rest).to_owned()
}

async fn write_row(
    w: &mut ExportWriter,
    out: &mut Chunks<'_>,
    warnings: &renkei_core::warning::WarningLists,
    r: &IndexRow,
) -> io::Result<()> {
    let until = r.valid_until.map(|u| StixTime::format(Timestamp(u)));
    let lists = warnings.matches(&r.value);
    w.row(
        &mut out.buf,
        &ExportRow {
            value: &r.value,
            stix_id: &r.stix_id,
            name: r.name.as_deref(),
            description: r.description.as_deref(),
            tlp: r.tlp,
            valid_until: until.as_deref(),
            warning: lists.first().copied(),
        },
    )?;
    out.maybe_send().await
}

/// Writes a STIX bundle of the latest readable version of every object in
/// `collection` (or in every collection `actor` may see) to `sink`; returns
/// how many objects it holds.
pub async fn export_bundle(
    store: &dyn Store,
    actor: &Actor,
    collection: Option<&str>,
    sink: &mut dyn ExportSink,
) -> Result<usize, ExportError> {
    let collections = match collection {
        Some(id) => vec![visible_collection(store, actor, id).await?],
        None => visible_collections(store, actor).await?,
    };
    let mut out = Chunks::new(sink);
    let mut w = BundleWriter::new();
    w.start(&mut out.buf, &format!("bundle--{}", uuid::Uuid::new_v4()))?;
    for c in &collections {
        let mut q = StixQuery::new(BUNDLE_PAGE);
        loop {
            let page = store.stix_page(actor, c, &q).await?;
            for r in &page.rows {
                w.object(&mut out.buf, &r.body, r.tlp)?;
                out.maybe_send().await?;
            }
            match page.rows.last() {
                Some(last) if page.more => q.after = Some((last.date_added, last.pk)),
                _ => break,
            }
        }
    }
    let n = w.finish(&mut out.buf)?;
    out.send().await?;
    Ok(n)
}

/// A sink that gathers everything (tests, small callers).
#[async_trait]
impl ExportSink for Vec<u8> {
    async fn put(&mut self, chunk: Vec<u8>) -> io::Result<()> {
        self.extend_from_slice(&chunk);
        Ok(())
    }
}

/// What one indicator file would write and leave out.
#[derive(Debug, Clone)]
pub struct FileSummary {
    pub format: ExportFormat,
    /// A blocklist's one kind.
    pub kind: Option<ValueKind>,
    pub stats: ExportStats,
}

/// What each indicator export (CSV, Suricata, Zeek, RPZ, a blocklist per
/// kind) would write for `actor` and leave out, and why, counted in one
/// pass over at most `cap` readable index rows (the second value says
/// whether the cap was reached). The writers are the exports' own, writing
/// to nowhere, so the counts are the files' last lines.
pub async fn export_summaries(
    store: &dyn Store,
    actor: &Actor,
    cap: usize,
) -> Result<(Vec<FileSummary>, bool), ExportError> {
    let warnings = warning_lists(store, actor.viewer.org).await?;
    let mut files: Vec<(FileSummary, Vec<ValueKind>, ExportWriter)> = Vec::new();
    let plain = [
        ExportFormat::Csv,
        ExportFormat::Suricata,
        ExportFormat::Zeek,
        ExportFormat::Rpz,
    ];
    let wanted = plain.iter().map(|f| (*f, None)).chain(
        ValueKind::ALL
            .iter()
            .map(|k| (ExportFormat::Blocklist, Some(*k))),
    );
    let mut nowhere = io::sink();
    for (format, kind) in wanted {
        let kinds = format
            .kinds(&kind.into_iter().collect::<Vec<_>>())
            .map_err(StoreError::Invalid)?;
        let mut w = ExportWriter::new(format, ExportOptions::default());
        w.start(&mut nowhere)?;
        let summary = FileSummary {
            format,
            kind,
            stats: ExportStats::default(),
        };
        files.push((summary, kinds, w));
    }
    let mut p = Pager::new(IndexQuery::default());
    let (mut n, mut capped) = (0, false);
    while p.peek(store, actor).await?.is_some() {
        let Some(r) = p.rows.pop_front() else { break };
        if n == cap {
            capped = true;
            break;
        }
        n += 1;
        let until = r.valid_until.map(|u| StixTime::format(Timestamp(u)));
        let lists = warnings.matches(&r.value);
        let row = ExportRow {
            value: &r.value,
            stix_id: &r.stix_id,
            name: r.name.as_deref(),
            description: r.description.as_deref(),
            tlp: r.tlp,
            valid_until: until.as_deref(),
            warning: lists.first().copied(),
        };
        for (_, kinds, w) in &mut files {
            if kinds.contains(&r.value.kind()) {
                w.row(&mut nowhere, &row)?;
            }
        }
    }
    let mut out = Vec::with_capacity(files.len());
    for (mut summary, _, w) in files {
        summary.stats = w.finish(&mut nowhere)?;
        out.push(summary);
    }
    Ok((out, capped))
}
