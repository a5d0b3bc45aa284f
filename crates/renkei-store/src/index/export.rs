//! Export pages of the value index: readable rows (latest readable
//! versions) in `(value, kind, id)` order, each page resuming after the
//! last row of the one before, so an export of any size streams a page at
//! a time and rows holding one value arrive together.

use renkei_core::{Actor, IndicatorValue, Tlp, ValueKind};

use super::read::readable_latest;
use super::{IndexCursor, IndexQuery, IndexRow};
use crate::backend::{RowExt, Sql};
use crate::intel::backend::IntelBackend;
use crate::store::SqlStore;
use crate::{Result, StoreError};

/// Which rows past a cursor `(value, kind, id)` one statement reads. Where
/// the index seeks a row-value comparison, all of them at once; on SQLite
/// (whose planner seeks on the first column only) three seeks, in order:
/// the rest of the cursor's `(value, kind)`, the rest of its value, the
/// later values. The index `(value, kind)` ends with the rowid on SQLite
/// and `(value, kind, id)` on PostgreSQL (migration 0015), so each is a
/// walk of the index.
#[derive(Debug, Clone, Copy)]
enum Leg {
    Whole,
    SameKind,
    LaterKind,
    LaterValue,
}

/// One export row as read, before its value and TLP are parsed (the
/// columns of [`EXPORT_COLUMNS`], in order).
#[derive(Debug)]
pub(crate) struct RawRow {
    pub id: i64,
    pub kind: String,
    pub value: String,
    pub valid_from: i64,
    pub valid_until: Option<i64>,
    pub stix_id: String,
    pub collection_id: String,
    pub tlp: String,
    pub date_added: i64,
    pub name: Option<String>,
    pub description: Option<String>,
}

/// The columns an export page selects, in [`RawRow`]'s order (the
/// backend's name and description follow).
const EXPORT_COLUMNS: &str = "SELECT iv.id, iv.kind, iv.value, iv.valid_from, iv.valid_until, \
     o.stix_id, o.collection_id, o.tlp, o.date_added";

/// Reads the statements of a page in order until `limit` rows, through
/// sqlx (PostgreSQL, and SQLite in memory).
pub(crate) async fn raw_rows_sqlx<B: IntelBackend>(
    store: &SqlStore<B>,
    statements: Vec<Sql<'static>>,
    limit: usize,
) -> Result<Vec<RawRow>> {
    let mut out = Vec::with_capacity(limit);
    for d in statements {
        if out.len() >= limit {
            break;
        }
        for r in d.fetch_all(store).await? {
            out.push(RawRow {
                id: r.i64("id")?,
                kind: r.text("kind")?,
                value: r.text("value")?,
                valid_from: r.i64("valid_from")?,
                valid_until: r.opt_i64("valid_until")?,
                stix_id: r.text("stix_id")?,
                collection_id: r.text("collection_id")?,
                tlp: r.text("tlp")?,
                date_added: r.i64("date_added")?,
                name: r.opt_text("name")?,
                description: r.opt_text("description")?,
            });
        }
    }
    out.truncate(limit);
    Ok(out)
}

#[allow(private_bounds)]
impl<B: IntelBackend> SqlStore<B> {
    pub(crate) async fn export_page(&self, actor: &Actor, q: &IndexQuery) -> Result<Vec<IndexRow>> {
        let limit = q.limit.max(1);
        let legs: &[Leg] = match (&q.after, B::SEEKS_ROW_VALUES) {
            (None, _) | (Some(_), true) => &[Leg::Whole],
            (Some(_), false) => &[Leg::SameKind, Leg::LaterKind, Leg::LaterValue],
        };
        // Each leg asks for the whole page; the backend stops reading once
        // it has `limit` rows.
        let statements = legs
            .iter()
            .map(|leg| page_query::<B>(actor, q, *leg, limit))
            .collect();
        let raw = B::export_rows(self, statements, limit as usize).await?;
        let mut out = Vec::with_capacity(raw.len());
        for r in raw {
            let kind = ValueKind::parse(&r.kind)
                .map_err(|e| StoreError::corrupt("indicator_values", e))?;
            out.push(IndexRow {
                id: r.id,
                value: IndicatorValue::parse(kind, &r.value)
                    .map_err(|e| StoreError::corrupt("indicator_values", e))?,
                stix_id: r.stix_id,
                collection_id: r.collection_id,
                tlp: Tlp::parse(&r.tlp).map_err(|e| StoreError::corrupt("stix_objects", e))?,
                valid_from: r.valid_from,
                valid_until: r.valid_until,
                date_added: r.date_added,
                name: r.name,
                description: r.description,
            });
        }
        let restricted = out
            .iter()
            .filter(|r| r.tlp != Tlp::Clear)
            .map(|r| r.stix_id.as_str())
            .collect();
        self.audit
            .read_of(None, actor, "index.export", "index", restricted)
            .await?;
        Ok(out)
    }
}

/// The statement of one leg: at most `limit` rows.
fn page_query<B: IntelBackend>(
    actor: &Actor,
    q: &IndexQuery,
    leg: Leg,
    limit: i64,
) -> Sql<'static> {
    let select = format!("{EXPORT_COLUMNS}, {}", B::NAME_AND_DESCRIPTION);
    let mut d = readable_latest(
        actor,
        &select,
        "indicator_values iv JOIN stix_objects o ON o.pk = iv.object_pk",
    );
    if let Some(IndexCursor { value, kind, id }) = &q.after {
        let (v, k, i) = (d.p(value.clone()), d.p(kind.as_str().to_owned()), d.p(*id));
        d.push(&match leg {
            Leg::Whole => format!(" AND (iv.value, iv.kind, iv.id) > ({v}, {k}, {i})"),
            Leg::SameKind => format!(" AND iv.value = {v} AND iv.kind = {k} AND iv.id > {i}"),
            Leg::LaterKind => format!(" AND iv.value = {v} AND iv.kind > {k}"),
            Leg::LaterValue => format!(" AND iv.value > {v}"),
        });
    }
    let kinds: Vec<String> = q.kinds.iter().map(|k| k.as_str().to_owned()).collect();
    if !kinds.is_empty() {
        let ps: Vec<String> = kinds.into_iter().map(|k| d.p(k)).collect();
        d.push(&format!(" AND iv.kind IN ({})", ps.join(", ")));
    }
    if let Some(range) = &q.range {
        // A range over the index rather than LIKE (whose case folding and
        // escapes differ between the databases).
        if let Some(from) = &range.from {
            let p = d.p(from.clone());
            d.push(&format!(" AND iv.value >= {p}"));
        }
        if let Some(before) = &range.before {
            let p = d.p(before.clone());
            d.push(&format!(" AND iv.value < {p}"));
        }
    }
    if let Some(c) = &q.collection {
        let p = d.p(c.clone());
        d.push(&format!(" AND o.collection_id = {p}"));
    }
    if let Some(t) = q.valid_at {
        let (p1, p2) = (d.p(t), d.p(t));
        d.push(&format!(
            " AND iv.valid_from <= {p1} AND (iv.valid_until IS NULL OR iv.valid_until > {p2})"
        ));
    }
    // A literal, not a bound value (BENCHMARKS.md, "Page limits as literals").
    d.push(&format!(
        " ORDER BY iv.value, iv.kind, iv.id LIMIT {}",
        limit.max(1)
    ));
    d
}

/// The first text after every text starting with `prefix`, in byte order:
/// the prefix with its last character raised by one (`http://` gives
/// `http:/0`); `None` if nothing is after them all.
pub(super) fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        // The next scalar value (skipping the surrogate gap).
        let next = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32);
        if let Some(n) = next {
            chars.push(n);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn prefix_ends() {
        assert_eq!(prefix_end("http://").as_deref(), Some("http:/0"));
        assert_eq!(prefix_end("https://").as_deref(), Some("https:/0"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end("\u{10FFFF}"), None);
        for p in ["http://", "x", "例"] {
            let end = prefix_end(p).expect("end");
            assert!(format!("{p}\u{10FFFF}\u{10FFFF}").as_str() < end.as_str());
            assert!(p < end.as_str());
        }
    }
}
