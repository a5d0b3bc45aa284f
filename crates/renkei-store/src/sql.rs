//! The store's SQL, written once for both backends. `sql_store!` expands to
//! the `Store` implementation for a backend type that provides `pool` and
//! `begin()`; [`RowExt`] reads columns from either backend's rows.

use renkei_core::model::{Acceptance, ApiToken, Community, Item, Membership, Org, User};
use renkei_core::{
    Audience, AuditEntry, AuditOutcome, CommunityId, Email, Marking, OrgId, OrgKind, Pap,
    Prefecture, Role, Sector, Timestamp, Tlp, UserId,
};

use crate::{Result, StoreError};

/// Pool settings for both backends. sqlx tests every connection as it is
/// released (a round trip to PostgreSQL, a hop to the connection's thread on
/// SQLite) and by default tests it again as it is acquired: two extra round
/// trips per statement (`strace -c` on a PostgreSQL TAXII page: 10.4
/// `sendto` calls per page, 7.7 without the acquire test). A connection idle
/// for less than `RETEST_AFTER_IDLE` was tested at its release moments ago,
/// so only longer-idle ones are tested on acquire (the pattern sqlx
/// documents for `before_acquire`).
pub(crate) fn pool_options<DB: sqlx::Database>() -> sqlx::pool::PoolOptions<DB> {
    const RETEST_AFTER_IDLE: std::time::Duration = std::time::Duration::from_secs(10);
    sqlx::pool::PoolOptions::new()
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= RETEST_AFTER_IDLE {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}

/// Typed column access shared by SQLite and PostgreSQL rows.
pub(crate) trait RowExt {
    fn i64(&self, col: &str) -> Result<i64>;
    fn opt_i64(&self, col: &str) -> Result<Option<i64>>;
    fn text(&self, col: &str) -> Result<String>;
    fn opt_text(&self, col: &str) -> Result<Option<String>>;
    fn boolean(&self, col: &str) -> Result<bool>;
}

macro_rules! row_ext {
    ($row:ty) => {
        impl RowExt for $row {
            fn i64(&self, col: &str) -> Result<i64> {
                Ok(sqlx::Row::try_get(self, col)?)
            }
            fn opt_i64(&self, col: &str) -> Result<Option<i64>> {
                Ok(sqlx::Row::try_get(self, col)?)
            }
            fn text(&self, col: &str) -> Result<String> {
                Ok(sqlx::Row::try_get(self, col)?)
            }
            fn opt_text(&self, col: &str) -> Result<Option<String>> {
                Ok(sqlx::Row::try_get(self, col)?)
            }
            fn boolean(&self, col: &str) -> Result<bool> {
                Ok(sqlx::Row::try_get(self, col)?)
            }
        }
    };
}
row_ext!(sqlx::sqlite::SqliteRow);
row_ext!(sqlx::postgres::PgRow);

pub(crate) fn org(r: &impl RowExt) -> Result<Org> {
    let c = |e| StoreError::corrupt("organisations", e);
    Ok(Org {
        id: OrgId(r.i64("id")?),
        name_ja: r.text("name_ja")?,
        name_en: r.text("name_en")?,
        kind: OrgKind::parse(&r.text("kind")?).map_err(c)?,
        sector: r
            .opt_text("sector")?
            .map(|s| Sector::parse(&s))
            .transpose()
            .map_err(c)?,
        prefecture: r
            .opt_i64("prefecture")?
            .map(Prefecture::from_code)
            .transpose()
            .map_err(c)?,
        created_at: Timestamp(r.i64("created_at")?),
    })
}

pub(crate) fn user(r: &impl RowExt) -> Result<User> {
    let c = |e| StoreError::corrupt("users", e);
    Ok(User {
        id: UserId(r.i64("id")?),
        org: OrgId(r.i64("org_id")?),
        email: Email::parse(&r.text("email")?).map_err(c)?,
        display_name: r.text("display_name")?,
        role: Role::parse(&r.text("role")?).map_err(c)?,
        active: r.boolean("active")?,
        created_at: Timestamp(r.i64("created_at")?),
    })
}

pub(crate) fn community(r: &impl RowExt) -> Result<Community> {
    Ok(Community {
        id: CommunityId(r.i64("id")?),
        name_ja: r.text("name_ja")?,
        name_en: r.text("name_en")?,
        description: r.text("description")?,
        terms_version: r.text("terms_version")?,
        created_at: Timestamp(r.i64("created_at")?),
    })
}

pub(crate) fn membership(r: &impl RowExt) -> Result<Membership> {
    let accepted = match (
        r.opt_i64("acc_user")?,
        r.opt_text("acc_terms")?,
        r.opt_i64("acc_at")?,
    ) {
        (Some(u), Some(t), Some(at)) => Some(Acceptance {
            user: UserId(u),
            terms_version: t,
            at: Timestamp(at),
        }),
        _ => None,
    };
    Ok(Membership {
        id: r.i64("id")?,
        community: CommunityId(r.i64("community_id")?),
        org: OrgId(r.i64("org_id")?),
        created_at: Timestamp(r.i64("created_at")?),
        ended_at: r.opt_i64("ended_at")?.map(Timestamp),
        accepted,
    })
}

pub(crate) fn token(r: &impl RowExt) -> Result<ApiToken> {
    Ok(ApiToken {
        id: r.i64("id")?,
        org: OrgId(r.i64("org_id")?),
        name: r.text("name")?,
        role: Role::parse(&r.text("role")?).map_err(|e| StoreError::corrupt("api_tokens", e))?,
        created_by: r.opt_i64("created_by")?.map(UserId),
        created_at: Timestamp(r.i64("created_at")?),
        revoked_at: r.opt_i64("revoked_at")?.map(Timestamp),
    })
}

pub(crate) fn audit_entry(r: &impl RowExt) -> Result<AuditEntry> {
    let outcome = r.text("outcome")?;
    Ok(AuditEntry {
        seq: r.i64("seq")?,
        at: Timestamp(r.i64("at")?),
        actor_user: r.opt_i64("actor_user")?.map(UserId),
        actor_org: r.opt_i64("actor_org")?.map(OrgId),
        actor: r.text("actor")?,
        action: r.text("action")?,
        object: r.text("object")?,
        source: r.text("source")?,
        // An unknown outcome is kept as "failed" so verification, which
        // hashes the parsed value, reports the row as edited.
        outcome: AuditOutcome::parse(&outcome).unwrap_or(AuditOutcome::Failed),
        detail: r.text("detail")?,
        prev_hash: r.text("prev_hash")?,
        hash: r.text("hash")?,
    })
}

/// An item without its audience, which is read separately.
pub(crate) fn item(r: &impl RowExt) -> Result<Item> {
    let c = |e| StoreError::corrupt("item_versions", e);
    Ok(Item {
        id: r.i64("item_id")?,
        version: r.i64("version")?,
        title: r.text("title")?,
        body: r.text("body")?,
        marking: Marking {
            tlp: Tlp::parse(&r.text("tlp")?).map_err(c)?,
            pap: r
                .opt_text("pap")?
                .map(|p| Pap::parse(&p))
                .transpose()
                .map_err(c)?,
            audience: Audience::default(),
            owner_org: OrgId(r.i64("owner_org")?),
            created_by: r.opt_i64("created_by")?.map(UserId),
        },
        created_at: Timestamp(r.i64("created_at")?),
    })
}

pub(crate) fn add_audience_row(aud: &mut Audience, r: &impl RowExt) -> Result<()> {
    if let Some(c) = r.opt_i64("community_id")? {
        aud.communities.push(CommunityId(c));
    }
    if let Some(s) = r.opt_text("sector")? {
        aud.sectors
            .push(Sector::parse(&s).map_err(|e| StoreError::corrupt("item_audience", e))?);
    }
    if let Some(o) = r.opt_i64("org_id")? {
        aud.orgs.push(OrgId(o));
    }
    if let Some(u) = r.opt_i64("user_id")? {
        aud.users.push(UserId(u));
    }
    Ok(())
}

/// The organisation part of a viewer from a row with `kind`, `sector` and
/// `communities` (comma-separated ids of active memberships).
pub(crate) fn org_viewer(r: &impl RowExt, org: OrgId) -> Result<renkei_core::Viewer> {
    let c = |e| StoreError::corrupt("organisations", e);
    let communities = r
        .opt_text("communities")?
        .unwrap_or_default()
        .split(',')
        .filter(|x| !x.is_empty())
        .map(|x| {
            x.parse::<i64>()
                .map(CommunityId)
                .map_err(|e| StoreError::corrupt("memberships", e))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(renkei_core::Viewer {
        user: None,
        org: Some(org),
        sector: r
            .opt_text("sector")?
            .map(|s| Sector::parse(&s))
            .transpose()
            .map_err(c)?,
        communities,
        role: None,
        org_kind: Some(OrgKind::parse(&r.text("kind")?).map_err(c)?),
    })
}

/// Maps a unique-constraint violation to a conflict on `field`.
pub(crate) fn conflict_on(
    field: &'static str,
    what: &'static str,
) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict {
            field,
            message: format!("{what} already exists"),
        },
        _ => StoreError::Database(e),
    }
}

/// Where the read-audit group writer appends (`audit_writer` in `sql_store!`).
pub(crate) enum AuditSink<DB: sqlx::Database> {
    /// A session of the store's database driver.
    Session(crate::hot::Hot<DB>),
    /// A SQLite file, through rusqlite on a blocking thread.
    File(std::sync::Arc<crate::sqlite_read::AuditFile>),
}

/// Chains `entries` onto the head `(seq, hash)`: numbers them from `seq + 1`
/// and sets each one's `prev_hash` and `hash`. Returns the new head's hash.
pub(crate) fn link(entries: &mut [AuditEntry], seq: i64, hash: String) -> String {
    let mut prev = hash;
    for (i, e) in entries.iter_mut().enumerate() {
        e.seq = seq + 1 + i as i64;
        e.prev_hash = std::mem::take(&mut prev);
        e.hash = e.compute_hash();
        prev.clone_from(&e.hash);
    }
    prev
}

/// Expands to `impl Store for $store` where `$store` has `pool: Pool<$db>`,
/// `tokens: Arc<TokenCache>` and
/// `async fn begin(&self) -> Result<Transaction<'static, $db>>`.
macro_rules! sql_store {
    ($store:ty, $db:ty) => {
        use async_trait::async_trait;
        use renkei_core::model::{
            ApiToken, Community, Item, Membership, NewCommunity, NewItem, NewOrg, NewUser, Org, Session, User,
        };
        use renkei_core::{
            Actor, AuditEntry, AuditOutcome, ChainBreak, ChainVerifier, CommunityId, Email, OrgId, OrgKind,
            Role, SupplyLink, Timestamp, Tlp, UserId, Viewer,
        };
        use sqlx::Transaction;

        use crate::access::{active_communities_of_org, binds, readable};
        use crate::sql::{self, RowExt};
        use crate::{AuditEvent, AuditQuery, Credentials, Result, Store, StoreError};

        type Tx = Transaction<'static, $db>;

        /// An entry to append, with the actor it names.
        struct Draft<'a> {
            actor: &'a Actor,
            action: &'a str,
            object: &'a str,
            outcome: AuditOutcome,
            detail: &'a str,
        }

        impl Draft<'_> {
            /// The entry, not yet chained (`sql::link`).
            fn entry(&self, at: Timestamp) -> AuditEntry {
                AuditEntry {
                    seq: 0,
                    at,
                    actor_user: self.actor.viewer.user,
                    actor_org: self.actor.viewer.org,
                    actor: self.actor.label.clone(),
                    action: self.action.to_owned(),
                    object: self.object.to_owned(),
                    source: self.actor.source.clone(),
                    outcome: self.outcome,
                    detail: self.detail.to_owned(),
                    prev_hash: String::new(),
                    hash: String::new(),
                }
            }
        }

        /// Appends entries in a write transaction of their own on `conn`,
        /// taking the head's lock like any other appender (`append_many`).
        async fn append_locked(conn: &mut <$db as sqlx::Database>::Connection, drafts: &[Draft<'_>]) -> Result<()> {
            let mut tx = sqlx::Connection::begin_with(conn, <$store>::BEGIN).await?;
            append_many(&mut tx, drafts).await?;
            tx.commit().await?;
            Ok(())
        }

        /// Appends entries to the audit chain inside `tx`: take the head
        /// (which serialises appenders across processes), insert each
        /// entry, move the head.
        async fn append_many(tx: &mut Transaction<'_, $db>, drafts: &[Draft<'_>]) -> Result<()> {
            if drafts.is_empty() {
                return Ok(());
            }
            let head = sqlx::query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
                .bind(drafts.len() as i64)
                .fetch_one(&mut **tx)
                .await?;
            let seq = head.i64("seq")? - drafts.len() as i64;
            let at = Timestamp::now();
            let mut entries: Vec<AuditEntry> = drafts.iter().map(|d| d.entry(at)).collect();
            let prev = sql::link(&mut entries, seq, head.text("hash")?);
            // One prepared statement, executed per entry: a multi-row INSERT
            // would be a new statement text (and a new compile) per batch size.
            const INSERT: &str = "INSERT INTO audit_log (seq, at, actor_user, actor_org, actor, action, object, source, \
                                  outcome, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
            for e in entries {
                sqlx::query(INSERT)
                    .bind(e.seq)
                    .bind(e.at.0)
                    .bind(e.actor_user.map(|u| u.0))
                    .bind(e.actor_org.map(|o| o.0))
                    .bind(e.actor)
                    .bind(e.action)
                    .bind(e.object)
                    .bind(e.source)
                    .bind(e.outcome.as_str())
                    .bind(e.detail)
                    .bind(e.prev_hash)
                    .bind(e.hash)
                    .execute(&mut **tx)
                    .await?;
            }
            sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&prev).execute(&mut **tx).await?;
            Ok(())
        }

        /// Appends one entry to the audit chain inside `tx`.
        async fn append(
            tx: &mut Tx,
            actor: &Actor,
            action: &str,
            object: &str,
            outcome: AuditOutcome,
            detail: &str,
        ) -> Result<()> {
            append_many(tx, &[Draft { actor, action, object, outcome, detail }]).await
        }

        /// Audit entries of reads, waiting for the group writer.
        pub(crate) struct AuditJob {
            actor: Actor,
            action: String,
            object: String,
            outcome: AuditOutcome,
            detail: String,
            done: tokio::sync::oneshot::Sender<std::result::Result<(), String>>,
            /// The read this entry audits, under way until the writer takes it.
            reading: Option<crate::under_way::ReadUnderWay>,
        }

        /// Group commit for audit entries that are not part of a write
        /// (reads, sign-ins): whatever is queued when a transaction starts
        /// goes into it, so concurrent readers share one commit; while
        /// audited reads are under way it waits for them, briefly
        /// (`under_way.rs`). Callers get
        /// their answer only after the commit, so no data leaves unaudited.
        /// The writer keeps a connection of its own (`sql::AuditSink`: a
        /// session, or rusqlite on a SQLite file), so a batch costs no round
        /// trips for taking and giving back a connection.
        async fn audit_writer(sink: sql::AuditSink<$db>, reads: std::sync::Arc<crate::under_way::ReadsUnderWay>, mut rx: tokio::sync::mpsc::Receiver<AuditJob>) {
            // The chain's head as this writer last left it (`append_grouped`).
            let mut known = None;
            while let Some(mut first) = rx.recv().await {
                first.reading = None;
                let mut jobs = vec![first];
                // Held while audited reads are under way, up to HOLD
                // (`under_way.rs`): fewer, larger commits.
                let deadline = tokio::time::Instant::now() + crate::under_way::HOLD;
                loop {
                    while jobs.len() < 2_000 {
                        match rx.try_recv() {
                            Ok(mut j) => {
                                // Taken: its read is no longer under way.
                                j.reading = None;
                                jobs.push(j);
                            }
                            Err(_) => break,
                        }
                    }
                    if jobs.len() >= 2_000 || !reads.any() || tokio::time::Instant::now() >= deadline {
                        break;
                    }
                    reads.wait_none(deadline).await;
                }
                let drafts: Vec<Draft<'_>> = jobs
                    .iter()
                    .map(|j| Draft { actor: &j.actor, action: &j.action, object: &j.object, outcome: j.outcome, detail: &j.detail })
                    .collect();
                // Once more (on a fresh session or connection) if the first
                // attempt failed (a session the server dropped fails its next
                // statement). Should a commit have landed with its answer
                // lost, the entries are in the chain twice: more audit, never
                // less.
                let mut res = Err(StoreError::AuditWriter("not attempted".into()));
                for _ in 0..2 {
                    res = match &sink {
                        sql::AuditSink::Session(session) => append_batch(session, &drafts, &mut known).await,
                        sql::AuditSink::File(file) => {
                            let at = Timestamp::now();
                            file.append(drafts.iter().map(|d| d.entry(at)).collect()).await
                        }
                    };
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

        /// One batch of the group writer on its session.
        async fn append_batch(session: &crate::hot::Hot<$db>, drafts: &[Draft<'_>], known: &mut Option<(i64, String)>) -> Result<()> {
            let mut conn = session.acquire().await?;
            <$store>::append_grouped(conn.conn(), drafts, known).await?;
            conn.release();
            Ok(())
        }

        impl $store {
            /// Commits a write transaction begun with `begin`; every write
            /// transaction ends here (the writes outside one touch neither
            /// tokens, organisations nor memberships), so that no token
            /// resolved before it is used again (`token_cache.rs`). That holds
            /// when the commit fails or the request is cancelled too: either
            /// may follow a commit that landed.
            async fn commit(&self, tx: Tx) -> Result<()> {
                let _invalidate = self.tokens.on_drop_invalidate();
                Ok(tx.commit().await?)
            }

            /// Starts the group writer for this store's pool.
            fn audit_channel(sink: sql::AuditSink<$db>, reads: std::sync::Arc<crate::under_way::ReadsUnderWay>) -> tokio::sync::mpsc::Sender<AuditJob> {
                let (tx, rx) = tokio::sync::mpsc::channel(8_192);
                tokio::spawn(audit_writer(sink, reads, rx));
                tx
            }

            /// Appends through the group writer and waits for the commit.
            /// `reading`, the read being audited, ends when the writer takes the entry.
            pub(crate) async fn audit_grouped(&self, reading: Option<crate::under_way::ReadUnderWay>, actor: &Actor, action: &str, object: &str, outcome: AuditOutcome, detail: &str) -> Result<()> {
                let (done, wait) = tokio::sync::oneshot::channel();
                let job = AuditJob {
                    actor: actor.clone(),
                    action: action.to_owned(),
                    object: object.to_owned(),
                    outcome,
                    detail: detail.to_owned(),
                    done,
                    reading,
                };
                self.audit_jobs.send(job).await.map_err(|_| StoreError::AuditWriter("the audit writer stopped".into()))?;
                wait.await
                    .map_err(|_| StoreError::AuditWriter("the audit writer stopped".into()))?
                    .map_err(StoreError::AuditWriter)
            }
        }

        impl $store {
            /// Records a refusal in the audit chain and returns the error to give.
            async fn deny(&self, actor: &Actor, action: &str, object: &str, why: &'static str) -> StoreError {
                let res: Result<()> = async {
                    let mut tx = self.begin().await?;
                    append(&mut tx, actor, action, object, AuditOutcome::Denied, why).await?;
                    self.commit(tx).await?;
                    Ok(())
                }
                .await;
                match res {
                    Ok(()) => StoreError::Forbidden(why),
                    Err(e) => e,
                }
            }

            async fn org_exists(tx: &mut Tx, id: i64) -> Result<bool> {
                Ok(sqlx::query("SELECT 1 AS one FROM organisations WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .is_some())
            }

            async fn load_audience(&self, items: &mut [Item]) -> Result<()> {
                for it in items.iter_mut() {
                    let rows = sqlx::query(
                        "SELECT community_id, sector, org_id, user_id FROM item_audience \
                         WHERE item_id = $1 AND version = $2",
                    )
                    .bind(it.id)
                    .bind(it.version)
                    .fetch_all(&self.pool)
                    .await?;
                    for r in &rows {
                        sql::add_audience_row(&mut it.marking.audience, r)?;
                    }
                }
                Ok(())
            }

            /// Audits the read of every item that is not TLP:CLEAR.
            async fn audit_reads(&self, actor: &Actor, action: &str, items: &[Item]) -> Result<()> {
                let restricted: Vec<String> = items
                    .iter()
                    .filter(|i| i.marking.tlp != Tlp::Clear)
                    .map(|it| format!("version {} {}", it.version, it.marking.tlp))
                    .collect();
                if restricted.is_empty() {
                    return Ok(());
                }
                let mut tx = self.begin().await?;
                let objects: Vec<String> = items.iter().filter(|i| i.marking.tlp != Tlp::Clear).map(|i| format!("item:{}", i.id)).collect();
                let drafts: Vec<Draft<'_>> = objects
                    .iter()
                    .zip(&restricted)
                    .map(|(object, detail)| Draft { actor, action, object, outcome: AuditOutcome::Ok, detail })
                    .collect();
                append_many(&mut tx, &drafts).await?;
                self.commit(tx).await?;
                Ok(())
            }

            /// Checks that every audience member exists, naming the field that does not.
            async fn check_audience(tx: &mut Tx, m: &renkei_core::Marking) -> Result<()> {
                for c in &m.audience.communities {
                    if sqlx::query("SELECT 1 AS one FROM communities WHERE id = $1")
                        .bind(c.0)
                        .fetch_optional(&mut **tx)
                        .await?
                        .is_none()
                    {
                        return Err(StoreError::Conflict {
                            field: "audience.communities",
                            message: format!("no community {c}"),
                        });
                    }
                }
                for o in &m.audience.orgs {
                    if !Self::org_exists(tx, o.0).await? {
                        return Err(StoreError::Conflict { field: "audience.orgs", message: format!("no organisation {o}") });
                    }
                }
                for u in &m.audience.users {
                    if sqlx::query("SELECT 1 AS one FROM users WHERE id = $1")
                        .bind(u.0)
                        .fetch_optional(&mut **tx)
                        .await?
                        .is_none()
                    {
                        return Err(StoreError::Conflict { field: "audience.users", message: format!("no user {u}") });
                    }
                }
                Ok(())
            }

            async fn insert_version(tx: &mut Tx, id: i64, version: i64, item: &NewItem, at: Timestamp) -> Result<()> {
                let m = &item.marking;
                sqlx::query(
                    "INSERT INTO item_versions (item_id, version, title, body, tlp, pap, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id)
                .bind(version)
                .bind(item.title.trim())
                .bind(&item.body)
                .bind(m.tlp.as_str())
                .bind(m.pap.map(|p| p.as_str()))
                .bind(m.created_by.map(|u| u.0))
                .bind(at.0)
                .execute(&mut **tx)
                .await?;
                const AUD: &str = "INSERT INTO item_audience (item_id, version, community_id, sector, org_id, user_id) \
                                   VALUES ($1, $2, $3, $4, $5, $6)";
                let a = &m.audience;
                let rows = a.communities.iter().map(|c| (Some(c.0), None, None, None))
                    .chain(a.sectors.iter().map(|s| (None, Some(s.as_str().to_owned()), None, None)))
                    .chain(a.orgs.iter().map(|o| (None, None, Some(o.0), None)))
                    .chain(a.users.iter().map(|u| (None, None, None, Some(u.0))));
                for (c, s, o, u) in rows {
                    sqlx::query(AUD)
                        .bind(id)
                        .bind(version)
                        .bind(c)
                        .bind(s)
                        .bind(o)
                        .bind(u)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }

            async fn fetch_membership(&self, id: i64) -> Result<Membership> {
                const Q: &str = crate::sql::membership_select!("WHERE m.id = $1");
                let r = sqlx::query(Q).bind(id).fetch_optional(&self.pool).await?;
                r.as_ref().map(sql::membership).transpose()?.ok_or(StoreError::NotFound("membership"))
            }
        }

        #[async_trait]
        impl Store for $store {
            async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn analyze(&self) -> Result<()> {
                sqlx::query("ANALYZE").execute(&self.pool).await?;
                Ok(())
            }

            async fn create_org(&self, actor: &Actor, o: NewOrg) -> Result<Org> {
                if !(actor.system || renkei_core::is_platform_admin(&actor.viewer)) {
                    return Err(self.deny(actor, "org.create", "org", "only platform administrators create organisations").await);
                }
                for (field, v) in [("name_ja", &o.name_ja), ("name_en", &o.name_en)] {
                    let n = v.trim().chars().count();
                    if n == 0 || n > 200 {
                        return Err(StoreError::Invalid(renkei_core::ParseError::new(field, "must be 1 to 200 characters")));
                    }
                }
                let mut tx = self.begin().await?;
                let row = sqlx::query(
                    "INSERT INTO organisations (name_ja, name_en, kind, sector, prefecture, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(o.name_ja.trim())
                .bind(o.name_en.trim())
                .bind(o.kind.as_str())
                .bind(o.sector.as_ref().map(|s| s.as_str()))
                .bind(o.prefecture.map(|p| p.code()))
                .bind(Timestamp::now().0)
                .fetch_one(&mut *tx)
                .await
                .map_err(sql::conflict_on("name_ja", "an organisation with this name"))?;
                let id = row.i64("id")?;
                append(&mut tx, actor, "org.create", &format!("org:{id}"), AuditOutcome::Ok, o.name_ja.trim()).await?;
                self.commit(tx).await?;
                self.get_org(OrgId(id)).await
            }

            async fn list_orgs(&self) -> Result<Vec<Org>> {
                const Q: &str = concat!("SELECT id, name_ja, name_en, kind, sector, prefecture, created_at ",
                                        "FROM organisations ORDER BY id");
                sqlx::query(Q).fetch_all(&self.pool).await?.iter().map(sql::org).collect()
            }

            async fn get_org(&self, id: OrgId) -> Result<Org> {
                const Q: &str = concat!("SELECT id, name_ja, name_en, kind, sector, prefecture, created_at ",
                                        "FROM organisations WHERE id = $1");
                let r = sqlx::query(Q).bind(id.0).fetch_optional(&self.pool).await?;
                r.as_ref().map(sql::org).transpose()?.ok_or(StoreError::NotFound("organisation"))
            }

            async fn create_user(&self, actor: &Actor, u: NewUser) -> Result<User> {
                if !renkei_core::can_administer(actor, u.org) {
                    return Err(self.deny(actor, "user.create", &format!("org:{}", u.org), "only administrators of the organisation create its users").await);
                }
                let n = u.display_name.trim().chars().count();
                if n == 0 || n > 100 {
                    return Err(StoreError::Invalid(renkei_core::ParseError::new("display_name", "must be 1 to 100 characters")));
                }
                let org = self.get_org(u.org).await.map_err(|_| StoreError::Conflict { field: "org", message: format!("no organisation {}", u.org) })?;
                if u.role == Role::CoordinatorAnalyst && org.kind != OrgKind::Coordinator {
                    return Err(StoreError::Conflict { field: "role", message: "coordinator_analyst is for coordinator organisations".into() });
                }
                let mut tx = self.begin().await?;
                let row = sqlx::query(
                    "INSERT INTO users (org_id, email, display_name, role, password_hash, active, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(u.org.0)
                .bind(u.email.as_str())
                .bind(u.display_name.trim())
                .bind(u.role.as_str())
                .bind(&u.password_hash)
                .bind(true)
                .bind(Timestamp::now().0)
                .fetch_one(&mut *tx)
                .await
                .map_err(sql::conflict_on("email", "a user with this e-mail address"))?;
                let id = row.i64("id")?;
                let detail = format!("{} {} org:{}", u.email, u.role, u.org);
                append(&mut tx, actor, "user.create", &format!("user:{id}"), AuditOutcome::Ok, &detail).await?;
                self.commit(tx).await?;
                self.get_user(UserId(id)).await
            }

            async fn list_users(&self, org: Option<OrgId>) -> Result<Vec<User>> {
                const Q: &str = "SELECT id, org_id, email, display_name, role, active, created_at FROM users \
                                 WHERE ($1 < 0 OR org_id = $1) ORDER BY id";
                sqlx::query(Q).bind(org.map_or(-1, |o| o.0)).fetch_all(&self.pool).await?.iter().map(sql::user).collect()
            }

            async fn get_user(&self, id: UserId) -> Result<User> {
                const Q: &str = "SELECT id, org_id, email, display_name, role, active, created_at FROM users WHERE id = $1";
                let r = sqlx::query(Q).bind(id.0).fetch_optional(&self.pool).await?;
                r.as_ref().map(sql::user).transpose()?.ok_or(StoreError::NotFound("user"))
            }

            async fn credentials(&self, email: &Email) -> Result<Option<Credentials>> {
                const Q: &str = "SELECT id, org_id, email, display_name, role, active, created_at, password_hash \
                                 FROM users WHERE email = $1";
                let r = sqlx::query(Q).bind(email.as_str()).fetch_optional(&self.pool).await?;
                r.map(|r| Ok(Credentials { user: sql::user(&r)?, password_hash: r.text("password_hash")? })).transpose()
            }

            async fn create_community(&self, actor: &Actor, c: NewCommunity) -> Result<Community> {
                if !(actor.system || renkei_core::is_platform_admin(&actor.viewer)) {
                    return Err(self.deny(actor, "community.create", "community", "only platform administrators create communities").await);
                }
                for (field, v, max) in [("name_ja", &c.name_ja, 200), ("name_en", &c.name_en, 200), ("terms_version", &c.terms_version, 50)] {
                    let n = v.trim().chars().count();
                    if n == 0 || n > max {
                        return Err(StoreError::Invalid(renkei_core::ParseError::new(field, format!("must be 1 to {max} characters"))));
                    }
                }
                let mut tx = self.begin().await?;
                let row = sqlx::query(
                    "INSERT INTO communities (name_ja, name_en, description, terms_version, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id, name_ja, name_en, description, terms_version, created_at",
                )
                .bind(c.name_ja.trim())
                .bind(c.name_en.trim())
                .bind(c.description.trim())
                .bind(c.terms_version.trim())
                .bind(Timestamp::now().0)
                .fetch_one(&mut *tx)
                .await
                .map_err(sql::conflict_on("name_ja", "a community with this name"))?;
                let created = sql::community(&row)?;
                append(&mut tx, actor, "community.create", &format!("community:{}", created.id), AuditOutcome::Ok, &created.name_ja).await?;
                self.commit(tx).await?;
                Ok(created)
            }

            async fn list_communities(&self) -> Result<Vec<Community>> {
                const Q: &str = "SELECT id, name_ja, name_en, description, terms_version, created_at FROM communities ORDER BY id";
                sqlx::query(Q).fetch_all(&self.pool).await?.iter().map(sql::community).collect()
            }

            async fn add_membership(&self, actor: &Actor, community: CommunityId, org: OrgId) -> Result<Membership> {
                if !(actor.system || renkei_core::is_platform_admin(&actor.viewer)) {
                    return Err(self.deny(actor, "membership.create", &format!("community:{community}"), "only platform administrators add members").await);
                }
                let mut tx = self.begin().await?;
                if sqlx::query("SELECT 1 AS one FROM communities WHERE id = $1").bind(community.0).fetch_optional(&mut *tx).await?.is_none() {
                    return Err(StoreError::Conflict { field: "community", message: format!("no community {community}") });
                }
                if !Self::org_exists(&mut tx, org.0).await? {
                    return Err(StoreError::Conflict { field: "org", message: format!("no organisation {org}") });
                }
                let row = sqlx::query("INSERT INTO memberships (community_id, org_id, created_at) VALUES ($1, $2, $3) RETURNING id")
                    .bind(community.0)
                    .bind(org.0)
                    .bind(Timestamp::now().0)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(sql::conflict_on("org", "an active membership of this organisation"))?;
                let id = row.i64("id")?;
                append(&mut tx, actor, "membership.create", &format!("membership:{id}"), AuditOutcome::Ok,
                       &format!("community:{community} org:{org}")).await?;
                self.commit(tx).await?;
                self.fetch_membership(id).await
            }

            async fn accept_terms(&self, actor: &Actor, membership: i64) -> Result<Membership> {
                let m = self.fetch_membership(membership).await?;
                let object = format!("membership:{membership}");
                let Some(user) = actor.viewer.user else {
                    return Err(self.deny(actor, "membership.accept", &object, "terms are accepted by a person").await);
                };
                if actor.viewer.org != Some(m.org) || actor.viewer.role != Some(Role::Admin) {
                    return Err(self.deny(actor, "membership.accept", &object, "only an administrator of the member organisation accepts its terms").await);
                }
                if m.ended_at.is_some() {
                    return Err(StoreError::Conflict { field: "membership", message: "this membership has ended".into() });
                }
                let mut tx = self.begin().await?;
                let terms = sqlx::query("SELECT terms_version FROM communities WHERE id = $1")
                    .bind(m.community.0)
                    .fetch_one(&mut *tx)
                    .await?
                    .text("terms_version")?;
                sqlx::query("INSERT INTO membership_acceptances (membership_id, user_id, terms_version, accepted_at) VALUES ($1, $2, $3, $4)")
                    .bind(membership)
                    .bind(user.0)
                    .bind(&terms)
                    .bind(Timestamp::now().0)
                    .execute(&mut *tx)
                    .await?;
                append(&mut tx, actor, "membership.accept", &object, AuditOutcome::Ok, &format!("terms {terms}")).await?;
                self.commit(tx).await?;
                self.fetch_membership(membership).await
            }

            async fn end_membership(&self, actor: &Actor, membership: i64) -> Result<Membership> {
                let object = format!("membership:{membership}");
                if !(actor.system || renkei_core::is_platform_admin(&actor.viewer)) {
                    return Err(self.deny(actor, "membership.end", &object, "only platform administrators end memberships").await);
                }
                let mut tx = self.begin().await?;
                let done = sqlx::query("UPDATE memberships SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL")
                    .bind(Timestamp::now().0)
                    .bind(membership)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("active membership"));
                }
                append(&mut tx, actor, "membership.end", &object, AuditOutcome::Ok, "").await?;
                self.commit(tx).await?;
                self.fetch_membership(membership).await
            }

            async fn list_memberships(&self, community: Option<CommunityId>) -> Result<Vec<Membership>> {
                const Q: &str = crate::sql::membership_select!("WHERE ($1 < 0 OR m.community_id = $1) ORDER BY m.community_id, m.org_id, m.id");
                sqlx::query(Q).bind(community.map_or(-1, |c| c.0)).fetch_all(&self.pool).await?.iter().map(sql::membership).collect()
            }

            async fn add_supply_link(&self, actor: &Actor, link: SupplyLink) -> Result<()> {
                let object = format!("org:{}", link.customer);
                if !(actor.system || renkei_core::is_platform_admin(&actor.viewer)) {
                    return Err(self.deny(actor, "supply_link.create", &object, "only platform administrators record supply-chain links").await);
                }
                let mut tx = self.begin().await?;
                for (field, id) in [("customer", link.customer), ("contractor", link.contractor)] {
                    if !Self::org_exists(&mut tx, id.0).await? {
                        return Err(StoreError::Conflict { field, message: format!("no organisation {id}") });
                    }
                }
                sqlx::query("INSERT INTO supply_links (customer_org, contractor_org, tier, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(link.customer.0)
                    .bind(link.contractor.0)
                    .bind(i64::from(link.tier))
                    .bind(Timestamp::now().0)
                    .execute(&mut *tx)
                    .await
                    .map_err(sql::conflict_on("contractor", "this supply-chain link"))?;
                append(&mut tx, actor, "supply_link.create", &object, AuditOutcome::Ok,
                       &format!("contractor org:{} tier {}", link.contractor, link.tier)).await?;
                self.commit(tx).await?;
                Ok(())
            }

            async fn list_supply_links(&self) -> Result<Vec<SupplyLink>> {
                let rows = sqlx::query("SELECT customer_org, contractor_org, tier FROM supply_links ORDER BY tier, customer_org, contractor_org")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        SupplyLink::new(OrgId(r.i64("customer_org")?), OrgId(r.i64("contractor_org")?), r.i64("tier")?)
                            .map_err(|e| StoreError::corrupt("supply_links", e))
                    })
                    .collect()
            }

            async fn create_api_token(&self, actor: &Actor, org: OrgId, name: &str, role: Role, token_hash: &str) -> Result<ApiToken> {
                if !renkei_core::can_administer(actor, org) {
                    return Err(self.deny(actor, "token.create", &format!("org:{org}"), "only administrators of the organisation create its tokens").await);
                }
                let n = name.trim().chars().count();
                if n == 0 || n > 100 {
                    return Err(StoreError::Invalid(renkei_core::ParseError::new("name", "must be 1 to 100 characters")));
                }
                if role == Role::Admin {
                    return Err(StoreError::Invalid(renkei_core::ParseError::new("role", "tokens cannot administer; use reporter or viewer")));
                }
                let mut tx = self.begin().await?;
                if !Self::org_exists(&mut tx, org.0).await? {
                    return Err(StoreError::Conflict { field: "org", message: format!("no organisation {org}") });
                }
                let row = sqlx::query(
                    "INSERT INTO api_tokens (org_id, name, role, token_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                     RETURNING id, org_id, name, role, created_by, created_at, revoked_at",
                )
                .bind(org.0)
                .bind(name.trim())
                .bind(role.as_str())
                .bind(token_hash)
                .bind(actor.viewer.user.map(|u| u.0))
                .bind(Timestamp::now().0)
                .fetch_one(&mut *tx)
                .await?;
                let t = sql::token(&row)?;
                append(&mut tx, actor, "token.create", &format!("token:{}", t.id), AuditOutcome::Ok, &format!("{} org:{org} {role}", t.name)).await?;
                self.commit(tx).await?;
                Ok(t)
            }

            async fn token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>> {
                let r = sqlx::query("SELECT id, org_id, name, role, created_by, created_at, revoked_at FROM api_tokens \
                                     WHERE token_hash = $1 AND revoked_at IS NULL")
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                r.as_ref().map(sql::token).transpose()
            }

            async fn token_viewer(&self, token_hash: &str) -> Result<Option<(ApiToken, Viewer)>> {
                const Q: &str = concat!(
                    "SELECT t.id, t.org_id, t.name, t.role, t.created_by, t.created_at, t.revoked_at, o.kind, o.sector, ",
                    "(SELECT string_agg(CAST(x.community_id AS TEXT), ',' ORDER BY x.community_id) FROM (",
                    active_communities_of_org!("t.org_id"),
                    ") x) AS communities FROM api_tokens t JOIN organisations o ON o.id = t.org_id ",
                    "WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
                );
                if let Some(hit) = self.tokens.get(token_hash) {
                    return Ok(Some(hit));
                }
                let (epoch, started) = (self.tokens.epoch(), std::time::Instant::now());
                // A hot read: every API call whose token is not cached makes
                // it (its generic plan is an index look-up by token_hash).
                let r = crate::hot::hot_read!(self.hot, |c| sqlx::query(Q).bind(token_hash).fetch_optional(c).await)?;
                let Some(r) = r else { return Ok(None) };
                let t = sql::token(&r)?;
                let viewer = sql::org_viewer(&r, t.org)?;
                let out = (t.clone(), Viewer { role: Some(t.role), ..viewer });
                self.tokens.put(token_hash, epoch, started, out.clone());
                Ok(Some(out))
            }

            async fn list_api_tokens(&self, org: OrgId) -> Result<Vec<ApiToken>> {
                sqlx::query("SELECT id, org_id, name, role, created_by, created_at, revoked_at FROM api_tokens WHERE org_id = $1 ORDER BY id")
                    .bind(org.0)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(sql::token)
                    .collect()
            }

            async fn revoke_api_token(&self, actor: &Actor, id: i64) -> Result<()> {
                let object = format!("token:{id}");
                let org = sqlx::query("SELECT org_id FROM api_tokens WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or(StoreError::NotFound("token"))?
                    .i64("org_id")?;
                if !renkei_core::can_administer(actor, OrgId(org)) {
                    return Err(self.deny(actor, "token.revoke", &object, "only administrators of the organisation revoke its tokens").await);
                }
                let mut tx = self.begin().await?;
                sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                    .bind(Timestamp::now().0)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                append(&mut tx, actor, "token.revoke", &object, AuditOutcome::Ok, "").await?;
                self.commit(tx).await?;
                Ok(())
            }

            async fn create_session(&self, user: UserId, token_hash: &str, csrf: &str, expires_at: Timestamp) -> Result<()> {
                sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(token_hash)
                    .bind(user.0)
                    .bind(csrf)
                    .bind(Timestamp::now().0)
                    .bind(expires_at.0)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn session_by_hash(&self, token_hash: &str, now: Timestamp) -> Result<Option<Session>> {
                let r = sqlx::query(
                    "SELECT s.user_id, s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND u.active",
                )
                .bind(token_hash)
                .bind(now.0)
                .fetch_optional(&self.pool)
                .await?;
                r.map(|r| {
                    Ok(Session {
                        user: UserId(r.i64("user_id")?),
                        csrf_token: r.text("csrf_token")?,
                        expires_at: Timestamp(r.i64("expires_at")?),
                    })
                })
                .transpose()
            }

            async fn revoke_session(&self, token_hash: &str) -> Result<()> {
                sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
                    .bind(Timestamp::now().0)
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn record_login_failure(&self, email: &str, source: &str) -> Result<()> {
                sqlx::query("INSERT INTO login_failures (email, source, at) VALUES ($1, $2, $3)")
                    .bind(email)
                    .bind(source)
                    .bind(Timestamp::now().0)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn login_failures_since(&self, email: &str, source: &str, since: Timestamp) -> Result<(i64, i64)> {
                let r = sqlx::query(
                    "SELECT (SELECT COUNT(*) FROM login_failures WHERE email = $1 AND at > $3) AS by_email, \
                            (SELECT COUNT(*) FROM login_failures WHERE source = $2 AND at > $3) AS by_source",
                )
                .bind(email)
                .bind(source)
                .bind(since.0)
                .fetch_one(&self.pool)
                .await?;
                Ok((r.i64("by_email")?, r.i64("by_source")?))
            }

            async fn viewer_for_user(&self, user: UserId) -> Result<Viewer> {
                let u = self.get_user(user).await?;
                if !u.active {
                    return Err(StoreError::Forbidden("this account is disabled"));
                }
                let mut v = self.viewer_for_org(u.org).await?;
                v.user = Some(u.id);
                v.role = Some(u.role);
                Ok(v)
            }

            async fn org_viewer(&self, org: OrgId) -> Result<Viewer> {
                self.viewer_for_org(org).await
            }

            async fn viewer_for_token(&self, token: &ApiToken) -> Result<Viewer> {
                let mut v = self.viewer_for_org(token.org).await?;
                v.role = Some(token.role);
                Ok(v)
            }

            async fn share_item(&self, actor: &Actor, item: NewItem) -> Result<Item> {
                item.check()?;
                if !renkei_core::can_write(&actor.viewer, &item.marking) {
                    return Err(self.deny(actor, "item.create", "item", "not permitted to share with this marking").await);
                }
                let mut tx = self.begin().await?;
                Self::check_audience(&mut tx, &item.marking).await?;
                let now = Timestamp::now();
                let id = sqlx::query("INSERT INTO items (owner_org, latest_version, created_at) VALUES ($1, 1, $2) RETURNING id")
                    .bind(item.marking.owner_org.0)
                    .bind(now.0)
                    .fetch_one(&mut *tx)
                    .await?
                    .i64("id")?;
                Self::insert_version(&mut tx, id, 1, &item, now).await?;
                append(&mut tx, actor, "item.create", &format!("item:{id}"), AuditOutcome::Ok,
                       &format!("version 1 {}", item.marking.tlp)).await?;
                self.commit(tx).await?;
                let mut got = self.item_by_version(id, 1).await?;
                self.load_audience(std::slice::from_mut(&mut got)).await?;
                Ok(got)
            }

            async fn amend_item(&self, actor: &Actor, id: i64, item: NewItem) -> Result<Item> {
                item.check()?;
                let current = self.get_item(actor, id).await?;
                if current.marking.owner_org != item.marking.owner_org || !renkei_core::can_write(&actor.viewer, &item.marking) {
                    return Err(self.deny(actor, "item.amend", &format!("item:{id}"), "not permitted to amend this item").await);
                }
                let mut tx = self.begin().await?;
                Self::check_audience(&mut tx, &item.marking).await?;
                let version = sqlx::query("UPDATE items SET latest_version = latest_version + 1 WHERE id = $1 RETURNING latest_version")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?
                    .i64("latest_version")?;
                Self::insert_version(&mut tx, id, version, &item, Timestamp::now()).await?;
                append(&mut tx, actor, "item.amend", &format!("item:{id}"), AuditOutcome::Ok,
                       &format!("version {version} {}", item.marking.tlp)).await?;
                self.commit(tx).await?;
                let mut got = self.item_by_version(id, version).await?;
                self.load_audience(std::slice::from_mut(&mut got)).await?;
                Ok(got)
            }

            async fn list_items(&self, actor: &Actor, limit: i64) -> Result<Vec<Item>> {
                const Q: &str = concat!(
                    "SELECT v.item_id, v.version, v.title, v.body, v.tlp, v.pap, v.created_by, v.created_at, i.owner_org ",
                    "FROM items i JOIN item_versions v ON v.item_id = i.id AND v.version = i.latest_version WHERE ",
                    readable!(),
                    " ORDER BY i.id DESC LIMIT $4"
                );
                let (u, o, s) = binds(&actor.viewer);
                let rows = sqlx::query(Q).bind(u).bind(o).bind(s).bind(limit.clamp(1, 1000)).fetch_all(&self.pool).await?;
                let mut items = rows.iter().map(sql::item).collect::<Result<Vec<_>>>()?;
                self.load_audience(&mut items).await?;
                self.audit_reads(actor, "item.read", &items).await?;
                Ok(items)
            }

            async fn get_item(&self, actor: &Actor, id: i64) -> Result<Item> {
                const Q: &str = concat!(
                    "SELECT v.item_id, v.version, v.title, v.body, v.tlp, v.pap, v.created_by, v.created_at, i.owner_org ",
                    "FROM items i JOIN item_versions v ON v.item_id = i.id AND v.version = i.latest_version WHERE i.id = $4 AND ",
                    readable!()
                );
                let (u, o, s) = binds(&actor.viewer);
                let row = sqlx::query(Q).bind(u).bind(o).bind(s).bind(id).fetch_optional(&self.pool).await?;
                let Some(row) = row else {
                    let exists = sqlx::query("SELECT 1 AS one FROM items WHERE id = $1").bind(id).fetch_optional(&self.pool).await?.is_some();
                    if exists {
                        let _ = self.deny(actor, "item.read", &format!("item:{id}"), "not in the audience").await;
                    }
                    return Err(StoreError::NotFound("item"));
                };
                let mut items = vec![sql::item(&row)?];
                self.load_audience(&mut items).await?;
                self.audit_reads(actor, "item.read", &items).await?;
                Ok(items.remove(0))
            }

            async fn item_versions(&self, actor: &Actor, id: i64) -> Result<Vec<Item>> {
                const Q: &str = concat!(
                    "SELECT v.item_id, v.version, v.title, v.body, v.tlp, v.pap, v.created_by, v.created_at, i.owner_org ",
                    "FROM items i JOIN item_versions v ON v.item_id = i.id WHERE i.id = $4 AND ",
                    readable!(),
                    " ORDER BY v.version"
                );
                let (u, o, s) = binds(&actor.viewer);
                let rows = sqlx::query(Q).bind(u).bind(o).bind(s).bind(id).fetch_all(&self.pool).await?;
                let mut items = rows.iter().map(sql::item).collect::<Result<Vec<_>>>()?;
                if items.is_empty() {
                    return Err(StoreError::NotFound("item"));
                }
                self.load_audience(&mut items).await?;
                self.audit_reads(actor, "item.read_version", &items).await?;
                Ok(items)
            }

            async fn audit(&self, actor: &Actor, ev: AuditEvent) -> Result<()> {
                self.audit_grouped(None, actor, &ev.action, &ev.object, ev.outcome, &ev.detail).await
            }

            async fn list_audit(&self, actor: &Actor, q: AuditQuery) -> Result<Vec<AuditEntry>> {
                let allowed = match q.org {
                    None => actor.system || renkei_core::is_platform_admin(&actor.viewer),
                    Some(org) => renkei_core::can_administer(actor, org),
                };
                let object = q.org.map_or_else(|| "audit:all".to_owned(), |o| format!("audit:org:{o}"));
                if !allowed {
                    return Err(self.deny(actor, "audit.read", &object, "only administrators read the audit log").await);
                }
                // Two statements rather than `($1 < 0 OR actor_org = $1)`: a
                // plan made without the value (a generic plan on PostgreSQL,
                // any plan on SQLite built with QPSG) walks the whole log
                // backwards to find one organisation's entries instead of
                // using `audit_log_org`.
                const ALL: &str = "SELECT seq, at, actor_user, actor_org, actor, action, object, source, outcome, detail, prev_hash, hash \
                                   FROM audit_log WHERE seq < $1 ORDER BY seq DESC LIMIT $2";
                const ORG: &str = "SELECT seq, at, actor_user, actor_org, actor, action, object, source, outcome, detail, prev_hash, hash \
                                   FROM audit_log WHERE seq < $1 AND actor_org = $2 ORDER BY seq DESC LIMIT $3";
                let before = q.before_seq.unwrap_or(i64::MAX);
                let limit = q.limit.clamp(1, 500);
                let rows = match q.org {
                    Some(o) => sqlx::query(ORG).bind(before).bind(o.0).bind(limit),
                    None => sqlx::query(ALL).bind(before).bind(limit),
                }
                    .fetch_all(&self.pool)
                    .await?;
                let entries = rows.iter().map(sql::audit_entry).collect::<Result<Vec<_>>>()?;
                self.audit(actor, AuditEvent { action: "audit.read".into(), object, outcome: AuditOutcome::Ok,
                                               detail: format!("{} entries", entries.len()) }).await?;
                Ok(entries)
            }

            async fn verify_audit(&self) -> Result<Result<i64, ChainBreak>> {
                const PAGE: &str = "SELECT seq, at, actor_user, actor_org, actor, action, object, source, outcome, detail, prev_hash, hash \
                                    FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 2000";
                let mut v = ChainVerifier::default();
                let mut after = i64::MIN;
                loop {
                    let rows = sqlx::query(PAGE).bind(after).fetch_all(&self.pool).await?;
                    let Some(last) = rows.last() else { break };
                    after = last.i64("seq")?;
                    for r in &rows {
                        if let Err(b) = v.push(&sql::audit_entry(r)?) {
                            return Ok(Err(b));
                        }
                    }
                }
                let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&self.pool).await?;
                Ok(v.finish(head.i64("seq")?, &head.text("hash")?))
            }
        }

        impl $store {
            /// The organisation's part of a viewer in one query: kind, sector
            /// and its active communities (aggregated).
            async fn viewer_for_org(&self, org: OrgId) -> Result<Viewer> {
                const Q: &str = concat!(
                    "SELECT o.id, o.kind, o.sector, (SELECT string_agg(CAST(x.community_id AS TEXT), ',' ORDER BY x.community_id) FROM (",
                    active_communities_of_org!("o.id"),
                    ") x) AS communities FROM organisations o WHERE o.id = $1"
                );
                let r = sqlx::query(Q).bind(org.0).fetch_optional(&self.pool).await?.ok_or(StoreError::NotFound("organisation"))?;
                sql::org_viewer(&r, OrgId(r.i64("id")?))
            }

            async fn item_by_version(&self, id: i64, version: i64) -> Result<Item> {
                const Q: &str = concat!(
                    "SELECT v.item_id, v.version, v.title, v.body, v.tlp, v.pap, v.created_by, v.created_at, i.owner_org ",
                    "FROM items i JOIN item_versions v ON v.item_id = i.id WHERE i.id = $1 AND v.version = $2"
                );
                let r = sqlx::query(Q).bind(id).bind(version).fetch_optional(&self.pool).await?;
                r.as_ref().map(sql::item).transpose()?.ok_or(StoreError::NotFound("item"))
            }
        }
    };
}
pub(crate) use sql_store;

/// Memberships with their latest acceptance, filtered by `$where`.
macro_rules! membership_select {
    ($where:literal) => {
        concat!(
            "SELECT m.id, m.community_id, m.org_id, m.created_at, m.ended_at, ",
            "a.user_id AS acc_user, a.terms_version AS acc_terms, a.accepted_at AS acc_at ",
            "FROM memberships m LEFT JOIN membership_acceptances a ON a.id = ",
            "(SELECT MAX(x.id) FROM membership_acceptances x WHERE x.membership_id = m.id) ",
            $where
        )
    };
}
pub(crate) use membership_select;
