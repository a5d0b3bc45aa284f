//! SQL of [`crate::IntelStore`], written once for both backends like
//! `sql.rs`. Filters with lists are built with numbered `$n` placeholders
//! (both backends accept them); values are always bound, never inlined.

/// A bound value of a dynamically built query.
#[derive(Clone)]
pub(crate) enum Arg {
    I(i64),
    T(String),
}

/// SQL text plus its arguments in `$n` order.
#[derive(Clone)]
pub(crate) struct Dyn {
    pub sql: String,
    pub args: Vec<Arg>,
}

impl Dyn {
    pub fn new(sql: &str, args: Vec<Arg>) -> Self {
        Self {
            sql: sql.to_owned(),
            args,
        }
    }

    /// Binds `a` and returns its placeholder.
    pub fn p(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }

    /// ` AND col IN ($a, $b, …)` when `values` is not empty.
    pub fn and_in(&mut self, col: &str, values: &[String]) {
        if values.is_empty() {
            return;
        }
        let ps: Vec<String> = values.iter().map(|v| self.p(Arg::T(v.clone()))).collect();
        self.sql
            .push_str(&format!(" AND {col} IN ({})", ps.join(", ")));
    }

    /// ` AND o.stix_type IN (…)` when `types` is not empty, and, when they
    /// leave indicators out, ` AND o.stix_type <> 'indicator'` too: the
    /// condition of the type indexes (migration 0006) as they write it, so
    /// that SQLite, which matches a partial index's condition term by term,
    /// can use them.
    pub fn and_types(&mut self, types: &[String]) {
        self.and_in("o.stix_type", types);
        if !types.is_empty() && types.iter().all(|t| t != "indicator") {
            self.sql.push_str(" AND o.stix_type <> 'indicator'");
        }
    }
}

/// Which rows past a keyset cursor `(date_added, pk)` a statement reads
/// (see `keyset_rows`).
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
    pub fn push(self, d: &mut Dyn, after: (i64, i64), cmp: &str) {
        let p1 = d.p(Arg::I(after.0));
        let clause = match self {
            Leg::Whole => {
                let p2 = d.p(Arg::I(after.1));
                format!(" AND (o.date_added, o.pk) {cmp} ({p1}, {p2})")
            }
            Leg::SameAdded => {
                let p2 = d.p(Arg::I(after.1));
                format!(" AND o.date_added = {p1} AND o.pk {cmp} {p2}")
            }
            Leg::LaterAdded => format!(" AND o.date_added {cmp} {p1}"),
        };
        d.sql.push_str(&clause);
    }
}

/// An object's key in `stix_heads` (migration 0005): the first 8 bytes of
/// SHA-256 over the collection id, a NUL and the STIX id.
pub(crate) fn head_key(collection: &str, stix_id: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let h = Sha256::new()
        .chain_update(collection.as_bytes())
        .chain_update([0])
        .chain_update(stix_id.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&h[..8]);
    i64::from_be_bytes(first)
}

/// A TAXII page's objects as read, before the read is audited.
#[derive(Debug, Default)]
pub(crate) struct EnvelopeRows {
    /// The objects' bodies, comma-separated.
    pub objects: String,
    pub count: i64,
    /// How many are not TLP:CLEAR.
    pub restricted: i64,
    /// `(date_added, pk)` of the first and the last object.
    pub first: Option<(i64, i64)>,
    pub last: Option<(i64, i64)>,
    /// A row past `limit` was read.
    pub more: bool,
}

impl EnvelopeRows {
    /// Adds a row of the page query (`SELECT o.pk, o.date_added, o.tlp,
    /// o.body`); `false` once the page holds `limit` objects, the row
    /// only telling that there is more.
    pub fn push(&mut self, limit: i64, pk: i64, date_added: i64, tlp: &str, body: &str) -> bool {
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
        }
        self.first.get_or_insert((date_added, pk));
        self.last = Some((date_added, pk));
        self.count += 1;
        true
    }
}

/// Rows per multi-row INSERT (13 values each stays under both backends'
/// bind limits).
pub(crate) const INSERT_CHUNK: usize = 400;

macro_rules! intel_store {
    ($store:ty, $db:ty) => {
        mod intel_impl {
            use async_trait::async_trait;
            use renkei_core::model::{Collection, NewCollection};
            use renkei_core::{Actor, AuditOutcome, CommunityId, Marking, Timestamp, Tlp};

            use super::*;
            use crate::access::{binds, member_of, readable_stix, readable_stix_member, readable_stix_n};
            use crate::index::IndexEntries;
            use crate::intel::{AddOutcome, EnvelopePage, IntelStore, NewStixVersion, StixPage, StixQuery, StixRow, TaxiiStatus, VersionMatch};
            use crate::intel_sql::{Arg, Dyn, EnvelopeRows, INSERT_CHUNK, Leg};
            use crate::sql::RowExt;
            use crate::{Result, StoreError};

            fn collection(r: &impl RowExt) -> Result<Collection> {
                Ok(Collection {
                    id: r.text("id")?,
                    community: CommunityId(r.i64("community_id")?),
                    title: r.text("title")?,
                    description: r.text("description")?,
                    default_tlp: Tlp::parse(&r.text("default_tlp")?).map_err(|e| StoreError::corrupt("taxii_collections", e))?,
                    created_at: Timestamp(r.i64("created_at")?),
                })
            }

            /// Binds `a` in a statement whose parameters each appear once, in
            /// order (the multi-row INSERTs): `?` on SQLite, `$n` elsewhere.
            /// SQLite finds a `$n` parameter by a linear search of the
            /// statement's parameter names, when preparing and again when
            /// binding, so thousands of them in one statement cost quadratic
            /// time — 70 % of bulk-ingest CPU (`perf`, BENCHMARKS.md).
            fn seq_p(d: &mut Dyn, a: Arg) -> String {
                let p = d.p(a);
                if <$db as sqlx::Database>::NAME == "SQLite" { "?".to_owned() } else { p }
            }

            /// A built query with its arguments bound (shared with `index_sql.rs`).
            pub(super) fn run(d: Dyn) -> sqlx::query::Query<'static, $db, <$db as sqlx::Database>::Arguments> {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(d.sql));
                for a in d.args {
                    q = match a {
                        Arg::I(v) => q.bind(v),
                        Arg::T(v) => q.bind(v),
                    };
                }
                q
            }

            /// Which read rule a statement over `stix_objects` applies.
            #[derive(Clone, Copy)]
            enum Rule {
                /// None: the caller reads everything (the store's own work).
                None,
                /// [`readable_stix!`] for the viewer bound as `$1..$3`.
                Full,
                /// [`readable_stix_member!`]: the viewer bound as `$1..$3` is
                /// a member of the collection's community, bound as `$5`.
                Member,
            }

            /// ` AND (…)` selecting the versions `m` asks for. Under a
            /// `rule`, "last" and "first" are judged among the versions the
            /// viewer may read, so a version one may not see never hides
            /// the ones one may.
            fn version_clause(d: &mut Dyn, m: &VersionMatch, rule: Rule) {
                if m.all {
                    return;
                }
                let also = match rule {
                    Rule::None => "",
                    Rule::Full => concat!(" AND ", readable_stix_n!()),
                    Rule::Member => concat!(" AND ", readable_stix_member!("n")),
                };
                let mut parts = Vec::new();
                // `has_newer = 0`: no newer version at all (migration 0004),
                // so the look for one is skipped.
                for (wanted, cmp, shortcut) in [(m.last, ">", "o.has_newer = 0 OR "), (m.first, "<", "")] {
                    if wanted {
                        parts.push(format!(
                            "({shortcut}NOT EXISTS (SELECT 1 FROM stix_objects n WHERE n.collection_id = o.collection_id \
                             AND n.stix_id = o.stix_id AND n.deleted_at IS NULL AND n.version_us {cmp} o.version_us{also}))"
                        ));
                    }
                }
                if !m.at.is_empty() {
                    let ps: Vec<String> = m.at.iter().map(|v| d.p(Arg::I(*v))).collect();
                    parts.push(format!("o.version_us IN ({})", ps.join(", ")));
                }
                if parts.is_empty() {
                    parts.push("1 = 0".to_owned());
                }
                d.sql.push_str(&format!(" AND ({})", parts.join(" OR ")));
            }

            /// Reads a keyset page: the rows of `query(leg)`, at most `want`.
            /// Without a cursor, or on PostgreSQL (whose B-tree seeks a
            /// row-value comparison), one statement. SQLite seeks only on the
            /// first column of `(o.date_added, o.pk) > (…)` (its planner stops
            /// the vector range at the INTEGER PRIMARY KEY column) and so
            /// walks every earlier row sharing the cursor's `date_added` — a
            /// whole ingest batch: 32 µs for a page at the start of a batch
            /// of 5,000, 864 µs near its end. There the page is two seeks:
            /// the rest of the cursor's `date_added`, then the later ones.
            pub(super) async fn keyset_rows(
                conn: &mut <$db as sqlx::Database>::Connection,
                cursor: bool,
                want: usize,
                query: impl Fn(Leg) -> Dyn,
            ) -> std::result::Result<Vec<<$db as sqlx::Database>::Row>, sqlx::Error> {
                if !cursor || <$db as sqlx::Database>::NAME != "SQLite" {
                    return run(query(Leg::Whole)).fetch_all(&mut *conn).await;
                }
                let mut rows = run(query(Leg::SameAdded)).fetch_all(&mut *conn).await?;
                if rows.len() < want {
                    rows.extend(run(query(Leg::LaterAdded)).fetch_all(&mut *conn).await?);
                    rows.truncate(want);
                }
                Ok(rows)
            }

            /// The columns of a TAXII page (`EnvelopeRows::push`).
            pub(super) const ENVELOPE_SELECT: &str = "SELECT o.pk, o.date_added, o.tlp, o.body";

            /// A TAXII page's rows through the store's hot sessions (sqlx).
            pub(super) async fn envelope_rows_sqlx(
                hot: &crate::hot::Hot<$db>,
                actor: &Actor,
                c: &Collection,
                q: &StixQuery,
            ) -> Result<EnvelopeRows> {
                let limit = page_limit(q);
                // The rows themselves: materialising the page in SQL to
                // aggregate it (one row out) cost more than reading its at
                // most `limit + 1` rows (`renkei bench taxii`).
                let rows = crate::hot::hot_read!(hot, |conn| keyset_rows(conn, q.after.is_some(), limit as usize + 1, |leg| page_query(actor, c, q, ENVELOPE_SELECT, leg)).await)?;
                let mut page = EnvelopeRows::default();
                for r in &rows {
                    if !page.push(limit, r.i64("pk")?, r.i64("date_added")?, &r.text("tlp")?, &r.text("body")?) {
                        break;
                    }
                }
                Ok(page)
            }

            /// The page's SELECT over readable, undeleted versions matching `q`,
            /// in `(date_added, pk)` order, limited to one more than asked (to
            /// tell whether there is more). `leg`: which rows past the cursor.
            pub(super) fn page_query(actor: &Actor, c: &Collection, q: &StixQuery, select: &str, leg: Leg) -> Dyn {
                let (u, o, s) = binds(&actor.viewer);
                let mut args = vec![Arg::I(u), Arg::I(o), Arg::T(s), Arg::T(c.id.clone())];
                let (rule, readable) = if member_of(&actor.viewer, c.community) {
                    args.push(Arg::I(c.community.0));
                    (Rule::Member, readable_stix_member!("o"))
                } else {
                    (Rule::Full, readable_stix!())
                };
                let mut d = Dyn::new(&format!("{select} FROM stix_objects o WHERE o.collection_id = $4 AND o.deleted_at IS NULL AND {readable}"), args);
                if let Some(after) = q.added_after {
                    let p = d.p(Arg::I(after));
                    d.sql.push_str(&format!(" AND o.date_added > {p}"));
                }
                if let Some(after) = q.after {
                    leg.push(&mut d, after, if q.newest_first { "<" } else { ">" });
                }
                d.and_in("o.stix_id", &q.ids);
                d.and_types(&q.types);
                d.and_in("o.spec_version", &q.spec_versions);
                version_clause(&mut d, &q.versions, rule);
                let dir = if q.newest_first { "DESC" } else { "ASC" };
                // The limit as a literal, not a bound value: SQLite reads a
                // bound LIMIT while planning and so re-prepares the statement
                // whenever it is bound again (unless built with QPSG,
                // .cargo/config.toml), and PostgreSQL costs a bound LIMIT in a
                // generic plan as a tenth of the table.
                d.sql.push_str(&format!(" ORDER BY o.date_added {dir}, o.pk {dir} LIMIT {}", page_limit(q) + 1));
                d
            }

            /// Rows a page shows at most (one more is read, to tell whether
            /// there is more).
            pub(super) fn page_limit(q: &StixQuery) -> i64 {
                q.limit.max(1)
            }

            impl $store {
                /// Members of the collection's community only; refusals are audited.
                async fn may_read(&self, actor: &Actor, c: &Collection) -> Result<()> {
                    if renkei_core::can_read_community(&actor.viewer, c.community) {
                        Ok(())
                    } else {
                        Err(self.deny(actor, "stix.read", &format!("collection:{}", c.id), "not a member of this collection's community").await)
                    }
                }

                /// Stores versions; with `whole`, refuses them all if any is refused.
                async fn add_versions(&self, actor: &Actor, c: &Collection, objects: Vec<NewStixVersion>, whole: bool) -> Result<AddOutcome> {
                    let object = format!("collection:{}", c.id);
                    if !renkei_core::can_write_community(&actor.viewer, c.community) {
                        return Err(self.deny(actor, "stix.add", &object, "not permitted to add to this collection").await);
                    }
                    let Some(owner) = actor.viewer.org else {
                        return Err(StoreError::Forbidden("objects are shared in the name of an organisation"));
                    };
                    let now = Timestamp::now().0;
                    let mut outcome = AddOutcome::default();
                    let mut accepted = Vec::with_capacity(objects.len());
                    for o in objects {
                        let tlp = o.tlp.unwrap_or(c.default_tlp);
                        let marking = Marking { tlp, pap: None, audience: o.audience.clone(), owner_org: owner, created_by: actor.viewer.user };
                        let version_text = o.version.as_ref().map_or_else(|| renkei_core::Timestamp(now).to_rfc3339(), |(t, _)| t.clone());
                        if let Err(e) = marking.check() {
                            outcome.failures.push((o.stix_id, Some(version_text), e.to_string()));
                        } else if !renkei_core::can_write(&actor.viewer, &marking) {
                            outcome.failures.push((o.stix_id, Some(version_text), format!("not permitted to share with TLP:{}", tlp.as_str())));
                        } else {
                            accepted.push((o, tlp, version_text));
                        }
                    }
                    let mut tx = self.begin().await?;
                    // Stamped once the write lock is held (SQLite) or the
                    // transaction has begun, so stamps follow commit order as
                    // closely as the database allows (notification cursors).
                    let added = Timestamp::now().0;
                    <$store>::take_heads(&mut tx, &c.id, accepted.iter().map(|(o, _, _)| o.stix_id.as_str())).await?;
                    // Only the organisation that first shared an object adds versions of it.
                    let (mut taken, mut known) = (std::collections::HashSet::new(), std::collections::HashSet::new());
                    for chunk in accepted.chunks(INSERT_CHUNK) {
                        let ids: Vec<String> = chunk.iter().map(|(o, _, _)| o.stix_id.clone()).collect();
                        let mut d = Dyn::new(
                            "SELECT o.stix_id, CAST(MAX(CASE WHEN o.owner_org <> $2 THEN 1 ELSE 0 END) AS BIGINT) AS taken FROM stix_objects o \
                             WHERE o.collection_id = $1",
                            vec![Arg::T(c.id.clone()), Arg::I(owner.0)],
                        );
                        d.and_in("o.stix_id", &ids);
                        d.sql.push_str(" GROUP BY o.stix_id");
                        for r in run(d).fetch_all(&mut *tx).await? {
                            let id = r.text("stix_id")?;
                            if r.i64("taken")? == 1 {
                                taken.insert(id.clone());
                            }
                            known.insert(id);
                        }
                    }
                    if !taken.is_empty() {
                        let (refused, kept): (Vec<_>, Vec<_>) = accepted.into_iter().partition(|(o, _, _)| taken.contains(&o.stix_id));
                        for (o, _, v) in refused {
                            outcome.failures.push((o.stix_id, Some(v), "another organisation shared this object first; only it may add versions".into()));
                        }
                        accepted = kept;
                    }
                    if whole && !outcome.failures.is_empty() {
                        return Err(StoreError::Refused(outcome.failures));
                    }
                    for chunk in accepted.chunks(INSERT_CHUNK) {
                        let mut d = Dyn::new(
                            "INSERT INTO stix_objects (collection_id, community_id, stix_id, stix_type, spec_version, version, version_us, \
                             date_added, tlp, owner_org, created_by, body) VALUES ",
                            Vec::new(),
                        );
                        let mut rows = Vec::with_capacity(chunk.len());
                        for (o, tlp, version_text) in chunk {
                            let vals = [
                                seq_p(&mut d, Arg::T(c.id.clone())),
                                seq_p(&mut d, Arg::I(c.community.0)),
                                seq_p(&mut d, Arg::T(o.stix_id.clone())),
                                seq_p(&mut d, Arg::T(o.stix_type.clone())),
                                seq_p(&mut d, Arg::T(o.spec_version.clone())),
                                seq_p(&mut d, Arg::T(version_text.clone())),
                                seq_p(&mut d, Arg::I(o.version.as_ref().map_or(now, |(_, us)| *us))),
                                seq_p(&mut d, Arg::I(added)),
                                seq_p(&mut d, Arg::T(tlp.as_str().to_owned())),
                                seq_p(&mut d, Arg::I(owner.0)),
                                seq_p(&mut d, Arg::I(actor.viewer.user.map_or(-1, |u| u.0))),
                                seq_p(&mut d, Arg::T(o.body.clone())),
                            ];
                            rows.push(format!("({})", vals.join(", ")));
                        }
                        d.sql.push_str(&rows.join(", "));
                        d.sql.push_str(" ON CONFLICT (collection_id, stix_id, version_us) DO NOTHING RETURNING pk, stix_id, version_us");
                        if chunk.iter().all(|(o, _, _)| o.audience.is_empty() && o.index == IndexEntries::default()) {
                            run(d).execute(&mut *tx).await?;
                            outcome.successes.extend(chunk.iter().map(|(o, _, v)| (o.stix_id.clone(), v.clone())));
                            continue;
                        }
                        let inserted = run(d).fetch_all(&mut *tx).await?;
                        let by_key: std::collections::HashMap<(&str, i64), &NewStixVersion> =
                            chunk.iter().map(|(o, _, _)| ((o.stix_id.as_str(), o.version.as_ref().map_or(now, |(_, u)| *u)), o)).collect();
                        let mut indexed = Vec::with_capacity(inserted.len());
                        for r in &inserted {
                            let (pk, sid, vus) = (r.i64("pk")?, r.text("stix_id")?, r.i64("version_us")?);
                            let Some(o) = by_key.get(&(sid.as_str(), vus)) else { continue };
                            indexed.push((pk, &o.index, vus));
                            let a = &o.audience;
                            let aud = a.communities.iter().map(|x| (Some(x.0), None, None, None))
                                .chain(a.sectors.iter().map(|x| (None, Some(x.as_str().to_owned()), None, None)))
                                .chain(a.orgs.iter().map(|x| (None, None, Some(x.0), None)))
                                .chain(a.users.iter().map(|x| (None, None, None, Some(x.0))));
                            for (cm, se, og, us) in aud {
                                sqlx::query("INSERT INTO stix_audience (object_pk, community_id, sector, org_id, user_id) VALUES ($1, $2, $3, $4, $5)")
                                    .bind(pk).bind(cm).bind(se).bind(og).bind(us)
                                    .execute(&mut *tx)
                                    .await?;
                            }
                        }
                        index_versions(&mut tx, &indexed).await?;
                        outcome.successes.extend(chunk.iter().map(|(o, _, v)| (o.stix_id.clone(), v.clone())));
                    }
                    // Objects with more than one version now (stored before, or
                    // twice in this batch): their older versions get has_newer.
                    let mut seen = std::collections::HashSet::new();
                    let mut versioned: Vec<String> = accepted
                        .iter()
                        .filter(|(o, _, _)| !seen.insert(o.stix_id.as_str()) || known.contains(&o.stix_id))
                        .map(|(o, _, _)| o.stix_id.clone())
                        .collect();
                    versioned.sort_unstable();
                    versioned.dedup();
                    for ids in versioned.chunks(INSERT_CHUNK) {
                        let mut d = Dyn::new(
                            "UPDATE stix_objects SET has_newer = 1 WHERE collection_id = $1 AND has_newer = 0 AND EXISTS (\
                             SELECT 1 FROM stix_objects n WHERE n.collection_id = stix_objects.collection_id \
                             AND n.stix_id = stix_objects.stix_id AND n.deleted_at IS NULL AND n.version_us > stix_objects.version_us)",
                            vec![Arg::T(c.id.clone())],
                        );
                        d.and_in("stix_id", ids);
                        run(d).execute(&mut *tx).await?;
                    }
                    let detail = format!("{} stored or already present, {} refused", outcome.successes.len(), outcome.failures.len());
                    append(&mut tx, actor, "stix.add", &object, AuditOutcome::Ok, &detail).await?;
                    self.commit(tx).await?;
                    Ok(outcome)
                }

                /// One audit entry per page that carried restricted objects.
                async fn audit_page(&self, actor: &Actor, c: &Collection, n: usize, ids: &str) -> Result<()> {
                    if n == 0 {
                        return Ok(());
                    }
                    let detail = format!("{n} restricted: {ids}");
                    self.audit_grouped(None, actor, "stix.read", &format!("collection:{}", c.id), AuditOutcome::Ok, &detail).await
                }
            }

            /// Index rows per multi-row INSERT (5 bound values each, well under
            /// both backends' bind limits).
            const INDEX_CHUNK: usize = 2_000;

            /// Adds stored versions' values and sightings to the index:
            /// `(pk, entries, version_us)` each. The values of all of them go
            /// in multi-row INSERTs of [`INDEX_CHUNK`] rows, not one statement
            /// per object (bulk ingest writes a handful of statements per
            /// 400 objects instead of 400).
            async fn index_versions(tx: &mut Tx, versions: &[(i64, &IndexEntries, i64)]) -> Result<()> {
                let rows: Vec<(i64, &renkei_core::IndicatorValue, i64, Option<i64>)> = versions
                    .iter()
                    .flat_map(|(pk, ix, vus)| ix.values.iter().map(move |v| (*pk, v, ix.valid_from.unwrap_or(*vus), ix.valid_until)))
                    .collect();
                for chunk in rows.chunks(INDEX_CHUNK) {
                    let mut d = Dyn::new("INSERT INTO indicator_values (object_pk, kind, value, valid_from, valid_until) VALUES ", Vec::new());
                    let mut values = Vec::with_capacity(chunk.len());
                    for (pk, v, from, until) in chunk {
                        let vals = [
                            seq_p(&mut d, Arg::I(*pk)),
                            seq_p(&mut d, Arg::T(v.kind().as_str().to_owned())),
                            seq_p(&mut d, Arg::T(v.value().to_owned())),
                            seq_p(&mut d, Arg::I(*from)),
                        ];
                        let until = match until {
                            Some(u) => seq_p(&mut d, Arg::I(*u)),
                            None => "NULL".to_owned(),
                        };
                        values.push(format!("({}, {until})", vals.join(", ")));
                    }
                    d.sql.push_str(&values.join(", "));
                    run(d).execute(&mut **tx).await?;
                }
                for (pk, ix, _) in versions {
                    if let Some(s) = &ix.sighting {
                        sqlx::query("INSERT INTO sightings (object_pk, sighting_of, count, first_seen, last_seen) VALUES ($1, $2, $3, $4, $5)")
                            .bind(pk)
                            .bind(&s.of)
                            .bind(s.count)
                            .bind(s.first_seen)
                            .bind(s.last_seen)
                            .execute(&mut **tx)
                            .await?;
                    }
                }
                Ok(())
            }

            fn status(r: &impl RowExt) -> Result<TaxiiStatus> {
                let details: serde_json::Value = serde_json::from_str(&r.text("details")?)
                    .map_err(|e| StoreError::corrupt("taxii_status", e))?;
                let pairs = |k: &str| -> Vec<(String, String)> {
                    details[k].as_array().map_or_else(Vec::new, |a| {
                        a.iter().map(|x| (x[0].as_str().unwrap_or_default().to_owned(), x[1].as_str().unwrap_or_default().to_owned())).collect()
                    })
                };
                let failures = details["failures"].as_array().map_or_else(Vec::new, |a| {
                    a.iter()
                        .map(|x| (x[0].as_str().unwrap_or_default().to_owned(), x[1].as_str().map(str::to_owned), x[2].as_str().unwrap_or_default().to_owned()))
                        .collect()
                });
                Ok(TaxiiStatus {
                    id: r.text("id")?,
                    collection: r.text("collection_id")?,
                    org: r.i64("org_id")?,
                    status: r.text("status")?,
                    requested_at: r.i64("requested_at")?,
                    total: r.i64("total_count")?,
                    pending: r.i64("pending_count")?,
                    outcome: AddOutcome { successes: pairs("successes"), failures },
                })
            }

            fn details_json(o: &AddOutcome) -> String {
                serde_json::json!({
                    "successes": o.successes.iter().map(|(i, v)| [i, v]).collect::<Vec<_>>(),
                    "failures": o.failures.iter().map(|(i, v, m)| serde_json::json!([i, v, m])).collect::<Vec<_>>(),
                })
                .to_string()
            }

            #[async_trait]
            impl IntelStore for $store {
                async fn create_collection(&self, actor: &Actor, c: NewCollection) -> Result<Collection> {
                    if !(actor.system || renkei_core::is_platform_admin(&actor.viewer)) {
                        return Err(self.deny(actor, "collection.create", &format!("community:{}", c.community), "only platform administrators create collections").await);
                    }
                    let n = c.title.trim().chars().count();
                    if n == 0 || n > 200 {
                        return Err(StoreError::Invalid(renkei_core::ParseError::new("title", "must be 1 to 200 characters")));
                    }
                    let id = uuid::Uuid::new_v4().to_string();
                    let mut tx = self.begin().await?;
                    if sqlx::query("SELECT 1 AS one FROM communities WHERE id = $1").bind(c.community.0).fetch_optional(&mut *tx).await?.is_none() {
                        return Err(StoreError::Conflict { field: "community", message: format!("no community {}", c.community) });
                    }
                    sqlx::query("INSERT INTO taxii_collections (id, community_id, title, description, default_tlp, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(&id)
                        .bind(c.community.0)
                        .bind(c.title.trim())
                        .bind(c.description.trim())
                        .bind(c.default_tlp.as_str())
                        .bind(Timestamp::now().0)
                        .execute(&mut *tx)
                        .await?;
                    append(&mut tx, actor, "collection.create", &format!("collection:{id}"), AuditOutcome::Ok, c.title.trim()).await?;
                    self.commit(tx).await?;
                    self.get_collection(&id).await
                }

                async fn list_collections(&self) -> Result<Vec<Collection>> {
                    sqlx::query("SELECT id, community_id, title, description, default_tlp, created_at FROM taxii_collections ORDER BY community_id, created_at, id")
                        .fetch_all(&self.pool)
                        .await?
                        .iter()
                        .map(collection)
                        .collect()
                }

                async fn get_collection(&self, id: &str) -> Result<Collection> {
                    let r = sqlx::query("SELECT id, community_id, title, description, default_tlp, created_at FROM taxii_collections WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                    r.as_ref().map(collection).transpose()?.ok_or(StoreError::NotFound("collection"))
                }

                async fn add_stix(&self, actor: &Actor, c: &Collection, objects: Vec<NewStixVersion>) -> Result<AddOutcome> {
                    self.add_versions(actor, c, objects, false).await
                }

                async fn add_stix_whole(&self, actor: &Actor, c: &Collection, objects: Vec<NewStixVersion>) -> Result<AddOutcome> {
                    self.add_versions(actor, c, objects, true).await
                }

                async fn stix_page(&self, actor: &Actor, c: &Collection, q: &StixQuery) -> Result<StixPage> {
                    self.may_read(actor, c).await?;
                    const SELECT: &str = "SELECT o.pk, o.stix_id, o.stix_type, o.version, o.date_added, o.tlp, o.body";
                    let limit = page_limit(q);
                    let mut conn = self.pool.acquire().await?;
                    let rows = keyset_rows(&mut conn, q.after.is_some(), limit as usize + 1, |leg| page_query(actor, c, q, SELECT, leg)).await?;
                    drop(conn);
                    let more = rows.len() as i64 > limit;
                    let rows = rows
                        .iter()
                        .take(limit as usize)
                        .map(|r| {
                            Ok(StixRow {
                                pk: r.i64("pk")?,
                                stix_id: r.text("stix_id")?,
                                stix_type: r.text("stix_type")?,
                                version: r.text("version")?,
                                date_added: r.i64("date_added")?,
                                tlp: Tlp::parse(&r.text("tlp")?).map_err(|e| StoreError::corrupt("stix_objects", e))?,
                                body: r.text("body")?,
                            })
                        })
                        .collect::<Result<Vec<_>>>()?;
                    let restricted: Vec<&str> = rows.iter().filter(|r| r.tlp != Tlp::Clear).map(|r| r.stix_id.as_str()).collect();
                    self.audit_page(actor, c, restricted.len(), &restricted.join(" ")).await?;
                    Ok(StixPage { rows, more })
                }

                async fn stix_envelope(&self, actor: &Actor, c: &Collection, q: &StixQuery) -> Result<EnvelopePage> {
                    self.may_read(actor, c).await?;
                    let reading = self.reads.start();
                    let page = self.envelope_rows(actor, c, q).await?;
                    if page.restricted > 0 {
                        // The page's exact cursor range names what was read: an
                        // object X was in it when X's (date_added, pk) lies in the
                        // range and the policy let this reader see X.
                        let ((fa, fp), (la, lp)) = (page.first.unwrap_or_default(), page.last.unwrap_or_default());
                        let detail = format!("{} restricted of {}; range {fa}:{fp}..{la}:{lp}", page.restricted, page.count);
                        self.audit_grouped(Some(reading), actor, "stix.read", &format!("collection:{}", c.id), AuditOutcome::Ok, &detail).await?;
                    }
                    Ok(EnvelopePage {
                        objects: page.objects,
                        count: page.count,
                        more: page.more,
                        first_added: page.first.map(|(d, _)| d),
                        last: page.last,
                    })
                }

                async fn delete_stix(&self, actor: &Actor, c: &Collection, id: &str, versions: &VersionMatch) -> Result<u64> {
                    let object = format!("collection:{} {id}", c.id);
                    if !renkei_core::can_write_community(&actor.viewer, c.community) {
                        return Err(self.deny(actor, "stix.delete", &object, "not permitted to delete from this collection").await);
                    }
                    let owner = actor.viewer.org.map_or(-1, |o| o.0);
                    let mut d = Dyn::new(
                        "UPDATE stix_objects SET deleted_at = $1 WHERE pk IN (SELECT o.pk FROM stix_objects o WHERE o.collection_id = $2 \
                         AND o.stix_id = $3 AND o.owner_org = $4 AND o.deleted_at IS NULL",
                        vec![Arg::I(Timestamp::now().0), Arg::T(c.id.clone()), Arg::T(id.to_owned()), Arg::I(owner)],
                    );
                    version_clause(&mut d, versions, Rule::None);
                    d.sql.push(')');
                    let mut tx = self.begin().await?;
                    let n = run(d).execute(&mut *tx).await?.rows_affected();
                    if n == 0 {
                        return Err(StoreError::NotFound("object"));
                    }
                    append(&mut tx, actor, "stix.delete", &object, AuditOutcome::Ok, &format!("{n} versions hidden")).await?;
                    self.commit(tx).await?;
                    Ok(n)
                }

                async fn create_status(&self, st: &TaxiiStatus) -> Result<()> {
                    sqlx::query("INSERT INTO taxii_status (id, collection_id, org_id, status, requested_at, total_count, success_count, \
                                 failure_count, pending_count, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                        .bind(&st.id)
                        .bind(&st.collection)
                        .bind(st.org)
                        .bind(&st.status)
                        .bind(st.requested_at)
                        .bind(st.total)
                        .bind(st.outcome.successes.len() as i64)
                        .bind(st.outcome.failures.len() as i64)
                        .bind(st.pending)
                        .bind(details_json(&st.outcome))
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn complete_status(&self, id: &str, o: &AddOutcome) -> Result<()> {
                    sqlx::query("UPDATE taxii_status SET status = 'complete', success_count = $1, failure_count = $2, pending_count = 0, \
                                 details = $3, completed_at = $4 WHERE id = $5")
                        .bind(o.successes.len() as i64)
                        .bind(o.failures.len() as i64)
                        .bind(details_json(o))
                        .bind(Timestamp::now().0)
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn get_status(&self, id: &str, org: i64) -> Result<Option<TaxiiStatus>> {
                    let r = sqlx::query("SELECT id, collection_id, org_id, status, requested_at, total_count, pending_count, details \
                                         FROM taxii_status WHERE id = $1 AND org_id = $2")
                        .bind(id)
                        .bind(org)
                        .fetch_optional(&self.pool)
                        .await?;
                    r.as_ref().map(status).transpose()
                }
            }
        }
    };
}
pub(crate) use intel_store;
