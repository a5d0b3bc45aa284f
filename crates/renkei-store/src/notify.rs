//! Notifications: what other organisations shared that the user may read
//! (STIX object versions and shared items, i.e. reports), newest first,
//! with each user's own read state. Both legs apply the access rule with
//! the viewer bound as `$1..$3`; the user's own organisation's shares, and
//! the definitions every collection holds (owner_org 0), are no news.

use async_trait::async_trait;
use renkei_core::{Actor, OrgId, Timestamp, Tlp};

use crate::access::{binds, readable, readable_stix};
use crate::backend::{Backend, RowExt, Sql};
use crate::store::SqlStore;
use crate::{Result, StoreError};

/// How far back notifications reach: older shares are history the search
/// finds, not news, and every query stays bounded by this window.
pub const WINDOW_DAYS: i64 = 90;

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// A STIX object version (`ref_id` its stored pk).
    Object,
    /// A shared item (report) version (`ref_id` the item).
    Item,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Object => "object",
            NoticeKind::Item => "item",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "object" => Some(NoticeKind::Object),
            "item" => Some(NoticeKind::Item),
            _ => None,
        }
    }
}

/// Which notification: its kind, reference and version (0 for objects).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeKey {
    pub kind: NoticeKind,
    pub ref_id: i64,
    pub version: i64,
}

/// A notification's place in the newest-first order, for paging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeCursor {
    pub at: i64,
    pub key: NoticeKey,
}

impl NoticeCursor {
    /// `at.kind.ref.version`, as put in a page's link.
    pub fn encode(&self) -> String {
        let k = &self.key;
        format!("{}.{}.{}.{}", self.at, k.kind.as_str(), k.ref_id, k.version)
    }

    pub fn decode(s: &str) -> Option<Self> {
        let mut it = s.split('.');
        let at = it.next()?.parse().ok()?;
        let kind = NoticeKind::parse(it.next()?)?;
        let ref_id = it.next()?.parse().ok()?;
        let version = it.next()?.parse().ok()?;
        it.next().is_none().then_some(Self {
            at,
            key: NoticeKey {
                kind,
                ref_id,
                version,
            },
        })
    }
}

/// One notification as the user may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub key: NoticeKey,
    /// When it was shared (µs since the epoch).
    pub at: i64,
    pub tlp: Tlp,
    pub owner_org: OrgId,
    /// The STIX id and type of an object; `None` for an item.
    pub stix_id: Option<String>,
    pub stix_type: Option<String>,
    /// An item's title, or an object's body (its name is read from it).
    pub text: String,
    pub read: bool,
}

impl Notice {
    pub fn cursor(&self) -> NoticeCursor {
        NoticeCursor {
            at: self.at,
            key: self.key.clone(),
        }
    }
}

#[async_trait]
pub trait NotificationStore: Send + Sync {
    /// The user's unread notifications, counted up to `cap` (0 for a
    /// caller that is not a person).
    async fn unread_notices(&self, actor: &Actor, cap: i64) -> Result<i64>;
    /// A page of the user's notifications, newest first, strictly before
    /// `before`; restricted ones are audited as read.
    async fn notices(
        &self,
        actor: &Actor,
        before: Option<&NoticeCursor>,
        limit: i64,
    ) -> Result<Vec<Notice>>;
    /// Marks one notification read; a key the user may not read (or that
    /// does not exist) changes nothing and answers the same.
    async fn mark_notice_read(&self, actor: &Actor, key: &NoticeKey) -> Result<()>;
    /// Marks everything shared up to now read.
    async fn mark_all_notices_read(&self, actor: &Actor) -> Result<()>;
}

/// Objects looked at per statement, newest first: a feed of millions
/// shared by others the user may not read costs no more than this
/// (`stix_objects_added`), at the price of an undercount past it.
const CANDIDATES: i64 = 5000;

/// The two legs' columns: `kind, ref_id, version, at, tlp, owner_org,
/// stix_id, stix_type, body_text, is_read`. `$4` is the viewer's organisation
/// (-1 for none), `$5` the earliest time shown, `$6` where "everything
/// read" was last pressed, `$7` the user.
fn legs(inner_object: &str, extra_object: &str, extra_item: &str, cols: bool) -> String {
    let read = |kind: &str, r: &str, v: &str, at: &str| {
        format!(
            "CAST(CASE WHEN {at} <= $6 OR EXISTS (
                SELECT 1 FROM notification_reads nr
                WHERE nr.user_id = $7 AND nr.kind = '{kind}' AND nr.ref_id = {r}
                  AND nr.version = {v}) THEN 1 ELSE 0 END AS BIGINT)"
        )
    };
    let (object_cols, item_cols) = if cols {
        (
            format!(
                "'object' AS kind, o.pk AS ref_id, CAST(0 AS BIGINT) AS version,
                 o.date_added AS shared_at, o.tlp, o.owner_org, o.stix_id, o.stix_type,
                 o.body AS body_text, {} AS is_read",
                read("object", "o.pk", "0", "o.date_added")
            ),
            format!(
                "'item', v.item_id, v.version, v.created_at, v.tlp, i.owner_org,
                 NULL, NULL, v.title, {}",
                read("item", "v.item_id", "v.version", "v.created_at")
            ),
        )
    } else {
        ("1 AS one".to_owned(), "1".to_owned())
    };
    format!(
        "SELECT {object_cols} FROM (
             SELECT * FROM stix_objects s
             WHERE s.deleted_at IS NULL AND s.owner_org <> 0 AND s.owner_org <> $4
               AND s.date_added > $5 {inner_object}
             ORDER BY s.date_added DESC, s.pk DESC LIMIT {CANDIDATES}) o
         WHERE {} {extra_object}
         UNION ALL
         SELECT {item_cols} FROM items i JOIN item_versions v ON v.item_id = i.id
         WHERE i.owner_org <> $4 AND v.created_at > $5 {extra_item} AND {}",
        readable_stix!(),
        readable!()
    )
}

const SEEN_UNTIL: &str = "SELECT seen_until FROM notification_marks WHERE user_id = $1";

const MARK_ALL: &str = "
    INSERT INTO notification_marks (user_id, seen_until, seen_pk)
    VALUES ($1, $2, 0)
    ON CONFLICT (user_id) DO UPDATE
    SET seen_until = excluded.seen_until, seen_pk = 0
    WHERE notification_marks.seen_until < excluded.seen_until";

/// Inserts `$7`'s read mark for `$8`/`$9` only when that row is a
/// notification the user may read (the legs' own conditions).
fn mark_one(kind: NoticeKind) -> String {
    let (from, cond) = match kind {
        NoticeKind::Object => (
            "stix_objects o",
            format!(
                "o.pk = $8 AND $9 = 0 AND o.deleted_at IS NULL AND o.owner_org <> 0
                 AND o.owner_org <> $4 AND o.date_added > $5 AND o.date_added > $6 AND {}",
                readable_stix!()
            ),
        ),
        NoticeKind::Item => (
            "items i JOIN item_versions v ON v.item_id = i.id",
            format!(
                "v.item_id = $8 AND v.version = $9 AND i.owner_org <> $4
                 AND v.created_at > $5 AND v.created_at > $6 AND {}",
                readable!()
            ),
        ),
    };
    format!(
        "INSERT INTO notification_reads (user_id, kind, ref_id, version, read_at)
         SELECT $7, '{}', $8, $9, $10
         WHERE EXISTS (SELECT 1 FROM {from} WHERE {cond})
         ON CONFLICT DO NOTHING",
        kind.as_str()
    )
}

#[async_trait]
impl<B: Backend> NotificationStore for SqlStore<B> {
    async fn unread_notices(&self, actor: &Actor, cap: i64) -> Result<i64> {
        let Some(ctx) = self.notice_ctx(actor).await? else {
            return Ok(0);
        };
        // Anything at or before "everything read" (`$6`) is read.
        let unread = "AND NOT EXISTS (SELECT 1 FROM notification_reads nr
                      WHERE nr.user_id = $7 AND nr.kind = 'object' AND nr.ref_id = o.pk
                        AND nr.version = 0)";
        let unread_item =
            "AND v.created_at > $6 AND NOT EXISTS (SELECT 1 FROM notification_reads nr
                           WHERE nr.user_id = $7 AND nr.kind = 'item'
                             AND nr.ref_id = v.item_id AND nr.version = v.version)";
        let mut q = ctx.bound(
            format!(
                "SELECT COUNT(*) AS n FROM ({} LIMIT $8) u",
                legs("AND s.date_added > $6", unread, unread_item, false)
            ),
            ctx.since,
        );
        q = q.bind(cap.clamp(1, 1000));
        Ok(q.fetch_one(self).await?.i64("n")?)
    }

    async fn notices(
        &self,
        actor: &Actor,
        before: Option<&NoticeCursor>,
        limit: i64,
    ) -> Result<Vec<Notice>> {
        let Some(ctx) = self.notice_ctx(actor).await? else {
            return Ok(Vec::new());
        };
        let limit = limit.clamp(1, 200);
        let (eo, ei) = if before.is_some() {
            (
                "AND (s.date_added, 'object', s.pk, 0) < ($8, $9, $10, $11)",
                "AND (v.created_at, 'item', v.item_id, v.version) < ($8, $9, $10, $11)",
            )
        } else {
            ("", "")
        };
        let text = format!(
            "{} ORDER BY shared_at DESC, kind DESC, ref_id DESC, version DESC LIMIT {}",
            legs(eo, "", ei, true),
            if before.is_some() { "$12" } else { "$8" }
        );
        let mut q = ctx.bound(text, ctx.since);
        if let Some(c) = before {
            q = q
                .bind(c.at)
                .bind(c.key.kind.as_str())
                .bind(c.key.ref_id)
                .bind(c.key.version);
        }
        let rows = q.bind(limit).fetch_all(self).await?;
        let out = rows.iter().map(notice).collect::<Result<Vec<_>>>()?;
        let restricted: Vec<String> = out
            .iter()
            .filter(|n| n.tlp != Tlp::Clear)
            .map(|n| match &n.stix_id {
                Some(id) => id.clone(),
                None => format!("item:{}", n.key.ref_id),
            })
            .collect();
        self.audit
            .read_of(
                None,
                actor,
                "notify.read",
                "notifications",
                restricted.iter().map(String::as_str).collect(),
            )
            .await?;
        Ok(out)
    }

    async fn mark_notice_read(&self, actor: &Actor, key: &NoticeKey) -> Result<()> {
        let Some(ctx) = self.notice_ctx(actor).await? else {
            return Ok(());
        };
        ctx.bound(mark_one(key.kind), ctx.since)
            .bind(key.ref_id)
            .bind(key.version)
            .bind(Timestamp::now().0)
            .execute(self)
            .await?;
        Ok(())
    }

    async fn mark_all_notices_read(&self, actor: &Actor) -> Result<()> {
        let Some(user) = actor.viewer.user else {
            return Ok(());
        };
        Sql::new(MARK_ALL)
            .bind(user.0)
            .bind(Timestamp::now().0)
            .execute(self)
            .await?;
        Ok(())
    }
}

/// The values every notification statement binds after the access rule's.
struct NoticeCtx {
    binds: (Option<i64>, Option<i64>, Option<String>),
    org: i64,
    user: i64,
    /// The start of the window.
    since: i64,
    /// Where "everything read" was last pressed (0 never).
    seen: i64,
}

impl NoticeCtx {
    /// `text` with `$1..$7` bound, `$5` to `from`.
    fn bound<'q>(&self, text: String, from: i64) -> Sql<'q> {
        let (u, o, s) = self.binds.clone();
        Sql::built(text)
            .bind(u)
            .bind(o)
            .bind(s)
            .bind(self.org)
            .bind(from)
            .bind(self.seen)
            .bind(self.user)
    }
}

#[allow(private_bounds)]
impl<B: Backend> SqlStore<B> {
    /// `None` for a caller that is not a person: notifications are a
    /// person's.
    async fn notice_ctx(&self, actor: &Actor) -> Result<Option<NoticeCtx>> {
        let Some(user) = actor.viewer.user else {
            return Ok(None);
        };
        let seen = Sql::new(SEEN_UNTIL)
            .bind(user.0)
            .fetch_optional(self)
            .await?
            .map(|r| r.i64("seen_until"))
            .transpose()?
            .unwrap_or(0);
        let since = Timestamp::now().0 - WINDOW_DAYS * 86_400 * 1_000_000;
        Ok(Some(NoticeCtx {
            binds: binds(&actor.viewer),
            org: actor.viewer.org.map_or(-1, |o| o.0),
            user: user.0,
            since,
            seen,
        }))
    }
}

fn notice(r: &impl RowExt) -> Result<Notice> {
    let kind = NoticeKind::parse(&r.text("kind")?)
        .ok_or_else(|| StoreError::corrupt("notifications", "unknown kind"))?;
    Ok(Notice {
        key: NoticeKey {
            kind,
            ref_id: r.i64("ref_id")?,
            version: r.i64("version")?,
        },
        at: r.i64("shared_at")?,
        tlp: Tlp::parse(&r.text("tlp")?).map_err(|e| StoreError::corrupt("notifications", e))?,
        owner_org: OrgId(r.i64("owner_org")?),
        stix_id: r.opt_text("stix_id")?,
        stix_type: r.opt_text("stix_type")?,
        text: r.text("body_text")?,
        read: r.i64("is_read")? != 0,
    })
}
