//! SQL of [`crate::index::IndexStore`], written once for both backends like
//! `intel_sql.rs`. Every read joins `stix_objects o`, applies
//! `readable_stix!` with the viewer bound as `$1..$3`, and keeps only the
//! latest version the reader may read.

use renkei_core::{IndicatorValue, ValueKind};

/// `o` is the newest undeleted version of its object that the viewer may
/// read (a newer one the viewer may not read does not hide it). Versions
/// with `has_newer = 0` have no newer one at all (migration 0004), so only
/// the others are looked at.
macro_rules! latest_readable {
    () => {
        concat!(
            "(o.has_newer = 0 OR NOT EXISTS (SELECT 1 FROM stix_objects n WHERE n.collection_id = o.collection_id ",
            "AND n.stix_id = o.stix_id AND n.deleted_at IS NULL AND n.version_us > o.version_us AND ",
            $crate::access::readable_stix_n!(),
            "))"
        )
    };
}
pub(crate) use latest_readable;

/// The indexed strings that a look-up of `v` must find: the value itself
/// and, for an address, every network that contains it (so `198.51.100.7`
/// finds an indicator for `198.51.100.0/24`) — exact index probes, no scan.
pub(crate) fn candidates(v: &IndicatorValue) -> Vec<String> {
    let mut out = vec![v.value().to_owned()];
    if let Some(net) = v.net() {
        let min = if v.kind() == ValueKind::Ipv4 { 8 } else { 16 };
        for len in min..net.prefix_len() {
            if let Ok(wider) = ipnet::IpNet::new(net.addr(), len) {
                out.push(wider.trunc().to_string());
            }
        }
    }
    out
}

/// Whether an indexed `(kind, value)` answers a look-up of `v`.
pub(crate) fn answers(v: &IndicatorValue, kind: ValueKind, value: &str) -> bool {
    if kind != v.kind() {
        return false;
    }
    if value == v.value() {
        return true;
    }
    match (v.net(), value.parse::<ipnet::IpNet>()) {
        (Some(n), Ok(wider)) => wider.contains(&n),
        _ => false,
    }
}

/// Escapes `%`, `_` and `\` for `LIKE … ESCAPE '\'`.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('%');
    // ASCII only, as SQLite's LOWER() folds only ASCII.
    for c in text.to_ascii_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

macro_rules! index_store {
    ($store:ty, $db:ty) => {
        mod index_impl {
            use async_trait::async_trait;
            use renkei_core::{Actor, AuditOutcome, IndicatorValue, Timestamp, Tlp, UserId, ValueKind};

            use super::*;
            use crate::access::{binds, readable_stix};
            use crate::index::{
                Delivery, FoundObject, IndexQuery, IndexRow, IndexStore, SearchQuery, SightingSummary, ValueHit, ValueHits, WarningEntryRow,
                Webhook, COUNT_CAP,
            };
            use crate::index_sql::{answers, candidates, latest_readable, like_pattern};
            use crate::intel::StixRow;
            use super::intel_impl::{keyset_rows, run};
            use crate::intel_sql::{Arg, Dyn, Leg};
            use crate::sql::RowExt;
            use crate::{Result, StoreError};


            /// `{select} FROM {from} WHERE <o undeleted, readable, latest readable>`
            /// with the viewer bound; `from` names `stix_objects o`.
            fn readable_latest(actor: &Actor, select: &str, from: &str) -> Dyn {
                let (u, o, s) = binds(&actor.viewer);
                Dyn::new(
                    &format!(
                        "{select} FROM {from} WHERE o.deleted_at IS NULL AND {} AND {}",
                        readable_stix!(),
                        latest_readable!()
                    ),
                    vec![Arg::I(u), Arg::I(o), Arg::T(s)],
                )
            }

            fn tlp(r: &impl RowExt) -> Result<Tlp> {
                Tlp::parse(&r.text("tlp")?).map_err(|e| StoreError::corrupt("stix_objects", e))
            }

            fn kind(r: &impl RowExt) -> Result<ValueKind> {
                ValueKind::parse(&r.text("kind")?).map_err(|e| StoreError::corrupt("indicator_values", e))
            }

            fn found(r: &impl RowExt) -> Result<FoundObject> {
                Ok(FoundObject {
                    row: StixRow {
                        pk: r.i64("pk")?,
                        stix_id: r.text("stix_id")?,
                        stix_type: r.text("stix_type")?,
                        version: r.text("version")?,
                        date_added: r.i64("date_added")?,
                        tlp: tlp(r)?,
                        body: r.text("body")?,
                    },
                    collection_id: r.text("collection_id")?,
                    owner_org: r.i64("owner_org")?,
                })
            }

            /// Values of one object looked up for its correlations.
            const MAX_CORRELATED_VALUES: usize = 200;

            const IV_JOIN: &str = "indicator_values iv JOIN stix_objects o ON o.pk = iv.object_pk";

            const FOUND_COLS: &str = "SELECT o.pk, o.stix_id, o.stix_type, o.version, o.date_added, o.tlp, o.body, o.collection_id, o.owner_org";

            fn webhook(r: &impl RowExt) -> Result<Webhook> {
                Ok(Webhook {
                    id: r.i64("id")?,
                    org: r.i64("org_id")?,
                    url: r.text("url")?,
                    secret: r.text("secret")?,
                    created_at: r.i64("created_at")?,
                    disabled: r.opt_i64("disabled_at")?.is_some(),
                    cursor: (r.i64("cursor_added")?, r.i64("cursor_pk")?),
                })
            }

            fn delivery(r: &impl RowExt) -> Result<Delivery> {
                Ok(Delivery {
                    id: r.i64("id")?,
                    webhook: r.i64("webhook_id")?,
                    payload: r.text("payload")?,
                    object_count: r.i64("object_count")?,
                    attempts: r.i64("attempts")?,
                    status: r.text("status")?,
                    next_attempt_at: r.opt_i64("next_attempt_at")?,
                    last_error: r.opt_text("last_error")?,
                })
            }

            fn warning_entry(r: &impl RowExt) -> Result<WarningEntryRow> {
                let value = IndicatorValue::parse(kind(r)?, &r.text("value")?).map_err(|e| StoreError::corrupt("warning_entries", e))?;
                Ok(WarningEntryRow {
                    id: r.i64("id")?,
                    list_key: r.text("list_key")?,
                    description: r.text("description")?,
                    value,
                    org: r.i64("org_id")?,
                    created_at: r.i64("created_at")?,
                })
            }

            /// Analysts who may share may also mark false positives (as MISP's
            /// warninglists are kept by analysts); viewers may not.
            fn may_edit_warnings(actor: &Actor) -> bool {
                actor.system || matches!(actor.viewer.role, Some(renkei_core::Role::Admin | renkei_core::Role::Reporter))
            }

            /// A row of the actor's organisation to stamp as ended (never deleted).
            struct StampOwn {
                table: &'static str,
                column: &'static str,
                what: &'static str,
                action: &'static str,
                prefix: &'static str,
            }

            impl $store {
                /// Stamps row `id` of `t.table` ended, if it belongs to the actor's
                /// organisation and is not ended yet; audited in the same transaction.
                async fn stamp_own(&self, actor: &Actor, t: StampOwn, id: i64) -> Result<()> {
                    let org = actor.viewer.org.map_or(-1, |o| o.0);
                    let sql = format!("UPDATE {} SET {c} = $1 WHERE id = $2 AND org_id = $3 AND {c} IS NULL", t.table, c = t.column);
                    let mut tx = self.begin().await?;
                    let n = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(Timestamp::now().0)
                        .bind(id)
                        .bind(org)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if n == 0 {
                        return Err(StoreError::NotFound(t.what));
                    }
                    append(&mut tx, actor, t.action, &format!("{}:{id}", t.prefix), AuditOutcome::Ok, "").await?;
                    self.commit(tx).await?;
                    Ok(())
                }

                /// One grouped audit entry naming the restricted objects a read returned.
                async fn audit_read(&self, actor: &Actor, action: &str, object: &str, restricted: Vec<&str>) -> Result<()> {
                    self.audit_read_of(None, actor, action, object, restricted).await
                }

                /// As `audit_read`, ending `reading` when the writer takes the entry.
                async fn audit_read_of(&self, reading: Option<crate::under_way::ReadUnderWay>, actor: &Actor, action: &str, object: &str, restricted: Vec<&str>) -> Result<()> {
                    if restricted.is_empty() {
                        return Ok(());
                    }
                    let mut ids = restricted;
                    ids.sort_unstable();
                    ids.dedup();
                    let detail = format!("{} restricted: {}", ids.len(), ids.join(" "));
                    self.audit_grouped(reading, actor, action, object, AuditOutcome::Ok, &detail).await
                }

                async fn hits_for(&self, actor: &Actor, v: &IndicatorValue, limit: i64, except: Option<&str>) -> Result<ValueHits> {
                    let mut d = readable_latest(
                        actor,
                        "SELECT iv.kind, iv.value, iv.valid_from, iv.valid_until, o.pk, o.stix_id, o.stix_type, o.collection_id, o.tlp, o.owner_org, o.date_added",
                        IV_JOIN,
                    );
                    let k = d.p(Arg::T(v.kind().as_str().to_owned()));
                    d.sql.push_str(&format!(" AND iv.kind = {k}"));
                    d.and_in("iv.value", &candidates(v));
                    if let Some(x) = except {
                        let p = d.p(Arg::T(x.to_owned()));
                        d.sql.push_str(&format!(" AND o.stix_id <> {p}"));
                    }
                    // Literals, not bound values (see `page_query` in intel_sql.rs).
                    let (cap, lim) = (COUNT_CAP, limit.max(0));
                    let sql = format!(
                        "WITH m AS MATERIALIZED ({} ORDER BY o.date_added DESC, o.pk DESC LIMIT {cap}) SELECT m.*, (SELECT COUNT(DISTINCT stix_id) FROM m) AS total \
                         FROM m ORDER BY m.date_added DESC, m.pk DESC LIMIT {lim}",
                        d.sql
                    );
                    let q = Dyn { sql, args: d.args };
                    let rows = crate::hot::hot_read!(self.hot, |c| run(q.clone()).fetch_all(c).await)?;
                    let mut total = 0;
                    let mut hits: Vec<ValueHit> = Vec::with_capacity(rows.len());
                    for r in &rows {
                        total = r.i64("total")?;
                        let (k, value) = (kind(r)?, r.text("value")?);
                        let stix_id = r.text("stix_id")?;
                        if !answers(v, k, &value) || hits.iter().any(|h| h.stix_id == stix_id) {
                            continue;
                        }
                        hits.push(ValueHit {
                            pk: r.i64("pk")?,
                            stix_id,
                            stix_type: r.text("stix_type")?,
                            collection_id: r.text("collection_id")?,
                            tlp: tlp(r)?,
                            owner_org: r.i64("owner_org")?,
                            kind: k,
                            value,
                            valid_from: r.i64("valid_from")?,
                            valid_until: r.opt_i64("valid_until")?,
                            date_added: r.i64("date_added")?,
                        });
                    }
                    Ok(ValueHits { value: v.clone(), total, hits })
                }
            }

            #[async_trait]
            impl IndexStore for $store {
                async fn lookup_values(&self, actor: &Actor, values: &[IndicatorValue], limit: i64, except: Option<&str>) -> Result<Vec<ValueHits>> {
                    let reading = self.reads.start();
                    let mut out = Vec::with_capacity(values.len());
                    for v in values {
                        out.push(self.hits_for(actor, v, limit, except).await?);
                    }
                    let restricted: Vec<&str> = out.iter().flat_map(|h| h.hits.iter()).filter(|h| h.tlp != Tlp::Clear).map(|h| h.stix_id.as_str()).collect();
                    self.audit_read_of(Some(reading), actor, "index.lookup", "index", restricted).await?;
                    Ok(out)
                }

                async fn correlate(&self, actor: &Actor, stix_id: &str, limit: i64) -> Result<Vec<ValueHits>> {
                    let mut d = readable_latest(actor, "SELECT DISTINCT iv.kind, iv.value", IV_JOIN);
                    let p = d.p(Arg::T(stix_id.to_owned()));
                    d.sql.push_str(&format!(" AND o.stix_id = {p} ORDER BY iv.kind, iv.value"));
                    let mut values = Vec::new();
                    for r in run(d).fetch_all(&self.pool).await? {
                        values.push(IndicatorValue::parse(kind(&r)?, &r.text("value")?).map_err(|e| StoreError::corrupt("indicator_values", e))?);
                    }
                    // An object listing very many values is looked up by its first ones.
                    values.truncate(MAX_CORRELATED_VALUES);
                    self.lookup_values(actor, &values, limit, Some(stix_id)).await
                }

                async fn index_page(&self, actor: &Actor, q: &IndexQuery) -> Result<Vec<IndexRow>> {
                    let mut d = readable_latest(
                        actor,
                        "SELECT iv.id, iv.kind, iv.value, iv.valid_from, iv.valid_until, o.stix_id, o.collection_id, o.tlp, o.date_added",
                        IV_JOIN,
                    );
                    let after = d.p(Arg::I(q.after.unwrap_or(0)));
                    d.sql.push_str(&format!(" AND iv.id > {after}"));
                    let kinds: Vec<String> = q.kinds.iter().map(|k| k.as_str().to_owned()).collect();
                    d.and_in("iv.kind", &kinds);
                    if let Some(c) = &q.collection {
                        let p = d.p(Arg::T(c.clone()));
                        d.sql.push_str(&format!(" AND o.collection_id = {p}"));
                    }
                    if let Some(t) = q.valid_at {
                        let p1 = d.p(Arg::I(t));
                        let p2 = d.p(Arg::I(t));
                        d.sql.push_str(&format!(" AND iv.valid_from <= {p1} AND (iv.valid_until IS NULL OR iv.valid_until > {p2})"));
                    }
                    let lim = d.p(Arg::I(q.limit.max(1)));
                    d.sql.push_str(&format!(" ORDER BY iv.id LIMIT {lim}"));
                    let mut out = Vec::new();
                    for r in run(d).fetch_all(&self.pool).await? {
                        out.push(IndexRow {
                            id: r.i64("id")?,
                            value: IndicatorValue::parse(kind(&r)?, &r.text("value")?).map_err(|e| StoreError::corrupt("indicator_values", e))?,
                            stix_id: r.text("stix_id")?,
                            collection_id: r.text("collection_id")?,
                            tlp: tlp(&r)?,
                            valid_from: r.i64("valid_from")?,
                            valid_until: r.opt_i64("valid_until")?,
                            date_added: r.i64("date_added")?,
                        });
                    }
                    let restricted: Vec<&str> = out.iter().filter(|r| r.tlp != Tlp::Clear).map(|r| r.stix_id.as_str()).collect();
                    self.audit_read(actor, "index.export", "index", restricted).await?;
                    Ok(out)
                }

                async fn sightings_of(&self, actor: &Actor, stix_id: &str) -> Result<SightingSummary> {
                    let mut d = readable_latest(actor, "SELECT s.count, s.first_seen, s.last_seen, o.owner_org, o.tlp, o.stix_id", "sightings s JOIN stix_objects o ON o.pk = s.object_pk");
                    let p = d.p(Arg::T(stix_id.to_owned()));
                    d.sql.push_str(&format!(" AND s.sighting_of = {p}"));
                    let rows = run(d).fetch_all(&self.pool).await?;
                    let mut sum = SightingSummary::default();
                    let mut restricted = Vec::new();
                    for r in &rows {
                        let n = r.i64("count")?;
                        sum.count += n;
                        sum.reports += 1;
                        for (slot, col, min) in [(&mut sum.first_seen, "first_seen", true), (&mut sum.last_seen, "last_seen", false)] {
                            if let Some(t) = r.opt_i64(col)? {
                                *slot = Some(slot.map_or(t, |s| if min { s.min(t) } else { s.max(t) }));
                            }
                        }
                        let org = r.i64("owner_org")?;
                        match sum.by_org.iter_mut().find(|(o, _)| *o == org) {
                            Some(e) => e.1 += n,
                            None => sum.by_org.push((org, n)),
                        }
                        if tlp(r)? != Tlp::Clear {
                            restricted.push(r.text("stix_id")?);
                        }
                    }
                    sum.by_org.sort();
                    self.audit_read(actor, "sighting.read", stix_id, restricted.iter().map(String::as_str).collect()).await?;
                    Ok(sum)
                }

                async fn search(&self, actor: &Actor, q: &SearchQuery) -> Result<Vec<FoundObject>> {
                    let limit = q.limit.clamp(1, 1000);
                    let query = |leg: Leg| {
                        let mut d = readable_latest(actor, FOUND_COLS, "stix_objects o");
                        if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                            match IndicatorValue::guess(&renkei_core::refang(text)) {
                                Ok(v) => {
                                    let k = d.p(Arg::T(v.kind().as_str().to_owned()));
                                    let ps: Vec<String> = candidates(&v).into_iter().map(|c| d.p(Arg::T(c))).collect();
                                    d.sql.push_str(&format!(
                                        " AND o.pk IN (SELECT iv.object_pk FROM indicator_values iv WHERE iv.kind = {k} AND iv.value IN ({}))",
                                        ps.join(", ")
                                    ));
                                }
                                Err(_) => {
                                    let p = d.p(Arg::T(like_pattern(text)));
                                    d.sql.push_str(&format!(" AND LOWER(o.body) LIKE {p} ESCAPE '\\'"));
                                }
                            }
                        }
                        d.and_types(&q.types);
                        if let Some(t) = q.tlp {
                            let p = d.p(Arg::T(t.as_str().to_owned()));
                            d.sql.push_str(&format!(" AND o.tlp = {p}"));
                        }
                        for (val, cmp) in [(q.owner_org, "o.owner_org ="), (q.added_from, "o.date_added >="), (q.added_before, "o.date_added <")] {
                            if let Some(x) = val {
                                let p = d.p(Arg::I(x));
                                d.sql.push_str(&format!(" AND {cmp} {p}"));
                            }
                        }
                        if let Some(before) = q.before {
                            leg.push(&mut d, before, "<");
                        }
                        let lim = d.p(Arg::I(limit));
                        d.sql.push_str(&format!(" ORDER BY o.date_added DESC, o.pk DESC LIMIT {lim}"));
                        d
                    };
                    let mut conn = self.pool.acquire().await?;
                    let rows = keyset_rows(&mut conn, q.before.is_some(), limit as usize, query).await?;
                    drop(conn);
                    let out = rows.iter().map(found).collect::<Result<Vec<_>>>()?;
                    let restricted = out.iter().filter(|f| f.row.tlp != Tlp::Clear).map(|f| f.row.stix_id.as_str()).collect();
                    self.audit_read(actor, "stix.search", "search", restricted).await?;
                    Ok(out)
                }

                async fn object_versions(&self, actor: &Actor, stix_id: &str) -> Result<Vec<FoundObject>> {
                    let (u, o, s) = binds(&actor.viewer);
                    let d = Dyn::new(
                        &format!("{FOUND_COLS} FROM stix_objects o WHERE o.deleted_at IS NULL AND {} AND o.stix_id = $4 ORDER BY o.version_us DESC, o.pk DESC LIMIT 1000", readable_stix!()),
                        vec![Arg::I(u), Arg::I(o), Arg::T(s), Arg::T(stix_id.to_owned())],
                    );
                    let out = run(d).fetch_all(&self.pool).await?.iter().map(found).collect::<Result<Vec<_>>>()?;
                    if out.is_empty() {
                        return Err(StoreError::NotFound("object"));
                    }
                    let restricted = out.iter().filter(|f| f.row.tlp != Tlp::Clear).map(|f| f.row.stix_id.as_str()).collect();
                    self.audit_read(actor, "stix.read", stix_id, restricted).await?;
                    Ok(out)
                }

                async fn added_since(&self, actor: &Actor, after: (i64, i64), limit: i64) -> Result<Vec<FoundObject>> {
                    let (u, o, s) = binds(&actor.viewer);
                    let limit = limit.clamp(1, 1000);
                    let query = |leg: Leg| {
                        let mut d = Dyn::new(
                            &format!("{FOUND_COLS} FROM stix_objects o WHERE o.deleted_at IS NULL AND {}", readable_stix!()),
                            vec![Arg::I(u), Arg::I(o), Arg::T(s.clone())],
                        );
                        leg.push(&mut d, after, ">");
                        let lim = d.p(Arg::I(limit));
                        d.sql.push_str(&format!(" ORDER BY o.date_added, o.pk LIMIT {lim}"));
                        d
                    };
                    let mut conn = self.pool.acquire().await?;
                    let rows = keyset_rows(&mut conn, true, limit as usize, query).await?;
                    drop(conn);
                    let out = rows.iter().map(found).collect::<Result<Vec<_>>>()?;
                    let restricted = out.iter().filter(|f| f.row.tlp != Tlp::Clear).map(|f| f.row.stix_id.as_str()).collect();
                    self.audit_read(actor, "stix.notify", "notifications", restricted).await?;
                    Ok(out)
                }

                async fn notifications_seen(&self, user: UserId) -> Result<(i64, i64)> {
                    let r = sqlx::query("SELECT seen_until, seen_pk FROM notification_marks WHERE user_id = $1").bind(user.0).fetch_optional(&self.pool).await?;
                    Ok(match r {
                        Some(r) => (r.i64("seen_until")?, r.i64("seen_pk")?),
                        None => (0, 0),
                    })
                }

                async fn mark_notifications_seen(&self, user: UserId, until: (i64, i64)) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO notification_marks (user_id, seen_until, seen_pk) VALUES ($1, $2, $3) \
                         ON CONFLICT (user_id) DO UPDATE SET seen_until = excluded.seen_until, seen_pk = excluded.seen_pk \
                         WHERE (notification_marks.seen_until, notification_marks.seen_pk) < (excluded.seen_until, excluded.seen_pk)",
                    )
                    .bind(user.0)
                    .bind(until.0)
                    .bind(until.1)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn add_warning_entry(&self, actor: &Actor, list_key: &str, description: &str, value: &IndicatorValue) -> Result<WarningEntryRow> {
                    let Some(org) = actor.viewer.org else {
                        return Err(StoreError::Forbidden("warning-list entries are added in the name of an organisation"));
                    };
                    if !may_edit_warnings(actor) {
                        return Err(self.deny(actor, "warning.add", "warning-lists", "only reporters and administrators edit warning lists").await);
                    }
                    let key = list_key.trim();
                    if key.is_empty() || key.len() > 64 || !key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
                        return Err(StoreError::Invalid(renkei_core::ParseError::new("list", "1 to 64 characters of a-z, 0-9 and '-'")));
                    }
                    if description.chars().count() > 500 {
                        return Err(StoreError::Invalid(renkei_core::ParseError::new("description", "at most 500 characters")));
                    }
                    let mut tx = self.begin().await?;
                    let r = sqlx::query(
                        "INSERT INTO warning_entries (list_key, description, kind, value, org_id, created_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, list_key, description, kind, value, org_id, created_at",
                    )
                    .bind(key)
                    .bind(description.trim())
                    .bind(value.kind().as_str())
                    .bind(value.value())
                    .bind(org.0)
                    .bind(actor.viewer.user.map(|u| u.0))
                    .bind(Timestamp::now().0)
                    .fetch_one(&mut *tx)
                    .await?;
                    let row = warning_entry(&r)?;
                    append(&mut tx, actor, "warning.add", &format!("warning:{}", row.id), AuditOutcome::Ok, &format!("{key} {value}")).await?;
                    self.commit(tx).await?;
                    Ok(row)
                }

                async fn remove_warning_entry(&self, actor: &Actor, id: i64) -> Result<()> {
                    if !may_edit_warnings(actor) {
                        return Err(self.deny(actor, "warning.remove", &format!("warning:{id}"), "only reporters and administrators edit warning lists").await);
                    }
                    self.stamp_own(actor, StampOwn { table: "warning_entries", column: "removed_at", what: "warning-list entry", action: "warning.remove", prefix: "warning" }, id).await
                }

                async fn list_warning_entries(&self, org: i64) -> Result<Vec<WarningEntryRow>> {
                    sqlx::query("SELECT id, list_key, description, kind, value, org_id, created_at FROM warning_entries WHERE removed_at IS NULL AND org_id = $1 ORDER BY list_key, id")
                        .bind(org)
                        .fetch_all(&self.pool)
                        .await?
                        .iter()
                        .map(warning_entry)
                        .collect()
                }

                async fn create_webhook(&self, actor: &Actor, url: &str, secret: &str) -> Result<Webhook> {
                    let Some(org) = actor.viewer.org else {
                        return Err(StoreError::Forbidden("webhooks belong to an organisation"));
                    };
                    if !renkei_core::can_administer(actor, org) {
                        return Err(self.deny(actor, "webhook.create", &format!("org:{org}"), "only organisation administrators manage webhooks").await);
                    }
                    let now = Timestamp::now().0;
                    let mut tx = self.begin().await?;
                    let r = sqlx::query(
                        "INSERT INTO webhooks (org_id, url, secret, created_by, created_at, cursor_added, cursor_pk) \
                         VALUES ($1, $2, $3, $4, $5, $6, 0) RETURNING id, org_id, url, secret, created_at, disabled_at, cursor_added, cursor_pk",
                    )
                    .bind(org.0)
                    .bind(url)
                    .bind(secret)
                    .bind(actor.viewer.user.map(|u| u.0))
                    .bind(now)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    let w = webhook(&r)?;
                    append(&mut tx, actor, "webhook.create", &format!("webhook:{}", w.id), AuditOutcome::Ok, url).await?;
                    self.commit(tx).await?;
                    Ok(w)
                }

                async fn list_webhooks(&self, org: Option<i64>) -> Result<Vec<Webhook>> {
                    let cols = "SELECT id, org_id, url, secret, created_at, disabled_at, cursor_added, cursor_pk FROM webhooks";
                    let d = match org {
                        Some(o) => Dyn::new(&format!("{cols} WHERE org_id = $1 ORDER BY id"), vec![Arg::I(o)]),
                        None => Dyn::new(&format!("{cols} ORDER BY id"), Vec::new()),
                    };
                    run(d)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(webhook)
                    .collect()
                }

                async fn disable_webhook(&self, actor: &Actor, id: i64) -> Result<()> {
                    if !actor.viewer.org.is_some_and(|o| renkei_core::can_administer(actor, o)) {
                        return Err(self.deny(actor, "webhook.disable", &format!("webhook:{id}"), "only organisation administrators manage webhooks").await);
                    }
                    self.stamp_own(actor, StampOwn { table: "webhooks", column: "disabled_at", what: "webhook", action: "webhook.disable", prefix: "webhook" }, id).await
                }

                async fn enqueue_delivery(&self, webhook: i64, payload: &str, object_count: i64, from: (i64, i64), to: (i64, i64)) -> Result<Option<i64>> {
                    let now = Timestamp::now().0;
                    let mut tx = self.begin().await?;
                    // Compare and swap: a second worker that read the same cursor
                    // moves nothing and records nothing.
                    let moved = sqlx::query("UPDATE webhooks SET cursor_added = $1, cursor_pk = $2 WHERE id = $3 AND cursor_added = $4 AND cursor_pk = $5")
                        .bind(to.0)
                        .bind(to.1)
                        .bind(webhook)
                        .bind(from.0)
                        .bind(from.1)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if moved == 0 {
                        return Ok(None);
                    }
                    let r = sqlx::query(
                        "INSERT INTO webhook_deliveries (webhook_id, created_at, payload, object_count, attempts, status, next_attempt_at) \
                         VALUES ($1, $2, $3, $4, 0, 'pending', $5) RETURNING id",
                    )
                    .bind(webhook)
                    .bind(now)
                    .bind(payload)
                    .bind(object_count)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    self.commit(tx).await?;
                    Ok(Some(r.i64("id")?))
                }

                async fn due_deliveries(&self, now: i64, lease_until: i64, limit: i64) -> Result<Vec<Delivery>> {
                    let candidates = sqlx::query(
                        "SELECT id, webhook_id, payload, object_count, attempts, status, next_attempt_at, last_error FROM webhook_deliveries \
                         WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2",
                    )
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(delivery)
                    .collect::<Result<Vec<_>>>()?;
                    let mut claimed = Vec::with_capacity(candidates.len());
                    for d in candidates {
                        // Claim by moving the due time past the lease; only one
                        // worker's UPDATE matches the old due time.
                        let n = sqlx::query("UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE id = $2 AND status = 'pending' AND next_attempt_at = $3")
                            .bind(lease_until)
                            .bind(d.id)
                            .bind(d.next_attempt_at)
                            .execute(&self.pool)
                            .await?
                            .rows_affected();
                        if n == 1 {
                            claimed.push(d);
                        }
                    }
                    Ok(claimed)
                }

                async fn record_attempt(&self, id: i64, result: std::result::Result<(), String>, retry_at: Option<i64>) -> Result<()> {
                    let now = Timestamp::now().0;
                    let (status, err, next, delivered) = match (&result, retry_at) {
                        (Ok(()), _) => ("delivered", None, None, Some(now)),
                        (Err(e), Some(t)) => ("pending", Some(e.clone()), Some(t), None),
                        (Err(e), None) => ("failed", Some(e.clone()), None, None),
                    };
                    sqlx::query(
                        "UPDATE webhook_deliveries SET attempts = attempts + 1, status = $1, last_error = $2, next_attempt_at = $3, \
                         delivered_at = $4 WHERE id = $5",
                    )
                    .bind(status)
                    .bind(err)
                    .bind(next)
                    .bind(delivered)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn list_deliveries(&self, webhook: i64, limit: i64) -> Result<Vec<Delivery>> {
                    sqlx::query(
                        "SELECT id, webhook_id, payload, object_count, attempts, status, next_attempt_at, last_error FROM webhook_deliveries \
                         WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2",
                    )
                    .bind(webhook)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(delivery)
                    .collect()
                }
            }
        }
    };
}
pub(crate) use index_store;
