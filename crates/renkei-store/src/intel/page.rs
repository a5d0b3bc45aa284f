//! Reading a collection a page at a time: the page statement (filters, the
//! read rule, "latest" and "first" among readable versions), keyset paging
//! by `(date_added, pk)`, and the rows of a TAXII page before its audit.

use renkei_core::Actor;
use renkei_core::model::Collection;

use super::model::{StixQuery, VersionMatch};
use crate::Result;
use crate::access::{binds, member_of, readable_stix, readable_stix_member, readable_stix_n};
use crate::backend::hot::hot_read;
use crate::backend::{Backend, Conn, On, Row, RowExt, Sql};

/// Which read rule a statement over `stix_objects` applies.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rule<'a> {
    /// None: the caller reads everything (the store's own work).
    None,
    /// [`readable_stix!`] for the viewer bound as `$1..$3`.
    Full,
    /// [`readable_stix_member`]: the viewer bound as `$1..$3` is a member
    /// of the collection's community, bound as `$5`; its communities are
    /// bound to the placeholders listed.
    Member(&'a str),
}

/// Which rows past a keyset cursor `(date_added, pk)` a statement reads
/// (see [`keyset_rows`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Leg {
    /// All of them, as one row-value comparison.
    Whole,
    /// Those sharing the cursor's `date_added`.
    SameAdded,
    /// Those with a later (or, newest first, earlier) `date_added`.
    LaterAdded,
}

impl Leg {
    /// ` AND …` for rows of alias `o` past `after` in direction `cmp`
    /// (`>` or `<`).
    pub fn push(self, q: &mut Sql<'_>, after: (i64, i64), cmp: &str) {
        let p1 = q.p(after.0);
        let clause = match self {
            Leg::Whole => {
                let p2 = q.p(after.1);
                format!(" AND (o.date_added, o.pk) {cmp} ({p1}, {p2})")
            }
            Leg::SameAdded => {
                let p2 = q.p(after.1);
                format!(" AND o.date_added = {p1} AND o.pk {cmp} {p2}")
            }
            Leg::LaterAdded => format!(" AND o.date_added {cmp} {p1}"),
        };
        q.push(&clause);
    }
}

/// ` AND (…)` selecting the versions `m` asks for. "Last" and "first" are
/// judged within a version's line (its sharer's versions of the id: another
/// sharer's never makes one older or newer), and under a `rule` among the
/// versions the viewer may read, so a version one may not see never hides
/// the ones one may.
pub(crate) fn version_clause(q: &mut Sql<'_>, m: &VersionMatch, rule: Rule<'_>) {
    if m.all {
        return;
    }
    let also = match rule {
        Rule::None => String::new(),
        Rule::Full => concat!(" AND ", readable_stix_n!()).to_owned(),
        Rule::Member(communities) => format!(" AND {}", readable_stix_member("n", communities)),
    };
    let mut parts = Vec::new();
    // `has_newer = 0`: no newer version at all (migration 0004), so the
    // look for one is skipped (BENCHMARKS.md, "Skipping the newer-version
    // probe").
    for (wanted, cmp, shortcut) in [(m.last, ">", "o.has_newer = 0 OR "), (m.first, "<", "")] {
        if wanted {
            parts.push(format!(
                "({shortcut}NOT EXISTS (
                    SELECT 1 FROM stix_objects n
                    WHERE n.collection_id = o.collection_id AND n.stix_id = o.stix_id
                      AND n.owner_org = o.owner_org AND n.deleted_at IS NULL
                      AND n.version_us {cmp} o.version_us{also}))"
            ));
        }
    }
    if !m.at.is_empty() {
        let ps: Vec<String> = m.at.iter().map(|v| q.p(*v)).collect();
        parts.push(format!("o.version_us IN ({})", ps.join(", ")));
    }
    if parts.is_empty() {
        parts.push("1 = 0".to_owned());
    }
    q.push(&format!(" AND ({})", parts.join(" OR ")));
}

/// Reads a keyset page: the rows of `query(leg)`, at most `want`. Without a
/// cursor, or where the index seeks a row-value comparison, one statement;
/// on SQLite, two seeks: the rest of the cursor's `date_added`, then the
/// later ones (BENCHMARKS.md, "SQLite keyset pages in two seeks").
pub(crate) async fn keyset_rows<'q, B: Backend>(
    conn: &mut Conn<B>,
    cursor: bool,
    want: usize,
    query: impl Fn(Leg) -> Sql<'q>,
) -> sqlx::Result<Vec<Row<B>>> {
    if !cursor || B::SEEKS_ROW_VALUES {
        return query(Leg::Whole).fetch_all(On::<B>::Conn(conn)).await;
    }
    let mut rows = query(Leg::SameAdded).fetch_all(On::<B>::Conn(conn)).await?;
    if rows.len() < want {
        rows.extend(
            query(Leg::LaterAdded)
                .fetch_all(On::<B>::Conn(conn))
                .await?,
        );
        rows.truncate(want);
    }
    Ok(rows)
}

/// The columns of a TAXII page ([`EnvelopeRows::push`]).
pub(crate) const ENVELOPE_SELECT: &str = "SELECT o.pk, o.date_added, o.tlp, o.body";

/// The page's SELECT over readable, undeleted versions matching `q`, in
/// `(date_added, pk)` order, limited to one more than asked (to tell
/// whether there is more). `leg`: which rows past the cursor.
pub(crate) fn page_query<'q>(
    actor: &Actor,
    c: &'q Collection,
    q: &'q StixQuery,
    select: &str,
    leg: Leg,
) -> Sql<'q> {
    let (u, o, s) = binds(&actor.viewer);
    let member = member_of(&actor.viewer, c.community);
    // The viewer's communities follow the collection's as `$6…`.
    let communities: Vec<String> = (0..actor.viewer.communities.len())
        .map(|i| format!("${}", 6 + i))
        .collect();
    let communities = communities.join(", ");
    let (rule, readable) = if member {
        (
            Rule::Member(&communities),
            readable_stix_member("o", &communities),
        )
    } else {
        (Rule::Full, readable_stix!().to_owned())
    };
    let mut d = Sql::built(format!(
        "{select} FROM stix_objects o
         WHERE o.collection_id = $4 AND o.deleted_at IS NULL AND {readable}"
    ))
    .bind(u)
    .bind(o)
    .bind(s)
    .bind(&c.id);
    if member {
        d = d.bind(c.community.0);
        for cm in &actor.viewer.communities {
            d = d.bind(cm.0);
        }
    }
    if let Some(after) = q.added_after {
        let p = d.p(after);
        d.push(&format!(" AND o.date_added > {p}"));
    }
    if let Some(after) = q.after {
        leg.push(&mut d, after, if q.newest_first { "<" } else { ">" });
    }
    d.and_in("o.stix_id", &q.ids);
    d.and_types(&q.types);
    d.and_in("o.spec_version", &q.spec_versions);
    version_clause(&mut d, &q.versions, rule);
    let dir = if q.newest_first { "DESC" } else { "ASC" };
    // The limit as a literal, not a bound value (BENCHMARKS.md, "Page limits
    // as literals").
    d.push(&format!(
        " ORDER BY o.date_added {dir}, o.pk {dir} LIMIT {}",
        page_limit(q) + 1
    ));
    d
}

/// Rows a page shows at most (one more is read, to tell whether there is
/// more).
pub(crate) fn page_limit(q: &StixQuery) -> i64 {
    q.limit.max(1)
}

/// A TAXII page's rows through the store's hot sessions (sqlx). The rows
/// themselves, joined in Rust (BENCHMARKS.md, "Pages read as rows").
pub(crate) async fn envelope_rows_sqlx<B: Backend>(
    hot: &crate::backend::hot::Hot<B::Db>,
    actor: &Actor,
    c: &Collection,
    q: &StixQuery,
) -> Result<EnvelopeRows> {
    let limit = page_limit(q);
    let want = limit as usize + 1;
    let query = |leg| page_query(actor, c, q, ENVELOPE_SELECT, leg);
    let rows = hot_read!(hot, |conn| keyset_rows::<B>(
        conn,
        q.after.is_some(),
        want,
        &query
    )
    .await)?;
    let mut page = EnvelopeRows::default();
    for r in &rows {
        let (pk, added) = (r.i64("pk")?, r.i64("date_added")?);
        if !page.push(limit, (pk, added), &r.text("tlp")?, &r.text("body")?) {
            break;
        }
    }
    Ok(page)
}

/// A TAXII page's objects as read, before the read is audited.
#[derive(Debug, Default)]
pub(crate) struct EnvelopeRows {
    /// The objects' bodies, comma-separated.
    pub objects: String,
    pub count: i64,
    /// How many are not TLP:CLEAR.
    pub restricted: i64,
    /// Their keys (`stix_objects.pk`), what the read's audit entry names.
    pub restricted_pks: Vec<i64>,
    /// `(date_added, pk)` of the first and the last object.
    pub first: Option<(i64, i64)>,
    pub last: Option<(i64, i64)>,
    /// A row past `limit` was read.
    pub more: bool,
}

impl EnvelopeRows {
    /// Adds a row of the page query (`SELECT o.pk, o.date_added, o.tlp,
    /// o.body`); `false` once the page holds `limit` objects, the row only
    /// telling that there is more.
    pub fn push(
        &mut self,
        limit: i64,
        (pk, date_added): (i64, i64),
        tlp: &str,
        body: &str,
    ) -> bool {
        if self.count >= limit {
            self.more = true;
            return false;
        }
        if self.objects.is_empty() {
            self.objects.reserve(limit.clamp(1, 200) as usize * 512);
        } else {
            self.objects.push(',');
        }
        self.objects.push_str(body);
        if tlp != "CLEAR" {
            self.restricted += 1;
            self.restricted_pks.push(pk);
        }
        self.first.get_or_insert((date_added, pk));
        self.last = Some((date_added, pk));
        self.count += 1;
        true
    }
}
