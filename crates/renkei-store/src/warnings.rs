//! Members' own warning-list entries: values an organisation marks as known
//! false positives for its own reads and exports.

use async_trait::async_trait;
use renkei_core::{Actor, IndicatorValue, Timestamp};

use crate::audit::chain::append;
use crate::backend::{Backend, RowExt, Sql};
use crate::index::read::kind;
use crate::store::{SqlStore, StampOwn};
use crate::{Result, StoreError};

/// A member's own warning-list entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningEntryRow {
    pub id: i64,
    pub list_key: String,
    pub description: String,
    pub value: IndicatorValue,
    pub org: i64,
    pub created_at: i64,
}

/// Warning-list entries of members.
#[async_trait]
pub trait WarningStore: Send + Sync {
    async fn add_warning_entry(
        &self,
        actor: &Actor,
        list_key: &str,
        description: &str,
        value: &IndicatorValue,
    ) -> Result<WarningEntryRow>;
    /// Stamps the entry removed (only its organisation may).
    async fn remove_warning_entry(&self, actor: &Actor, id: i64) -> Result<()>;
    /// The organisation's own entries (they apply to its reads only).
    async fn list_warning_entries(&self, org: i64) -> Result<Vec<WarningEntryRow>>;
}

const INSERT_ENTRY: &str = "
    INSERT INTO warning_entries (list_key, description, kind, value, org_id, created_by, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    RETURNING id, list_key, description, kind, value, org_id, created_at";

const LIST_ENTRIES: &str = "
    SELECT id, list_key, description, kind, value, org_id, created_at
    FROM warning_entries
    WHERE removed_at IS NULL AND org_id = $1
    ORDER BY list_key, id";

/// Ends an entry: stamped removed, never deleted.
const REMOVE: StampOwn = StampOwn {
    sql: "
        UPDATE warning_entries
        SET removed_at = $1
        WHERE id = $2 AND org_id = $3 AND removed_at IS NULL",
    what: "warning-list entry",
    action: "warning.remove",
    prefix: "warning",
};

/// Analysts who may share may also mark false positives (as MISP's
/// warninglists are kept by analysts); viewers may not.
fn may_edit_warnings(actor: &Actor) -> bool {
    use renkei_core::Role;
    actor.system || matches!(actor.viewer.role, Some(Role::Admin | Role::Reporter))
}

#[async_trait]
impl<B: Backend> WarningStore for SqlStore<B> {
    async fn add_warning_entry(
        &self,
        actor: &Actor,
        list_key: &str,
        description: &str,
        value: &IndicatorValue,
    ) -> Result<WarningEntryRow> {
        let Some(org) = actor.viewer.org else {
            return Err(StoreError::Forbidden(
                "warning-list entries are added in the name of an organisation",
            ));
        };
        if !may_edit_warnings(actor) {
            let why = "only reporters and administrators edit warning lists";
            return Err(self.deny(actor, "warning.add", "warning-lists", why).await);
        }
        let key = list_key.trim();
        let well_formed = key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if key.is_empty() || key.len() > 64 || !well_formed {
            return Err(StoreError::Invalid(renkei_core::ParseError::new(
                "list",
                "1 to 64 characters of a-z, 0-9 and '-'",
            )));
        }
        if description.chars().count() > 500 {
            return Err(StoreError::Invalid(renkei_core::ParseError::new(
                "description",
                "at most 500 characters",
            )));
        }
        let mut tx = self.begin().await?;
        let r = Sql::new(INSERT_ENTRY)
            .bind(key)
            .bind(description.trim())
            .bind(value.kind().as_str())
            .bind(value.value())
            .bind(org.0)
            .bind(actor.viewer.user.map(|u| u.0))
            .bind(Timestamp::now().0)
            .fetch_one(&mut tx)
            .await?;
        let row = warning_entry(&r)?;
        let object = format!("warning:{}", row.id);
        append(
            &mut tx,
            actor,
            "warning.add",
            &object,
            &format!("{key} {value}"),
        )
        .await?;
        self.commit(tx).await?;
        Ok(row)
    }

    async fn remove_warning_entry(&self, actor: &Actor, id: i64) -> Result<()> {
        if !may_edit_warnings(actor) {
            let why = "only reporters and administrators edit warning lists";
            let object = format!("warning:{id}");
            return Err(self.deny(actor, "warning.remove", &object, why).await);
        }
        self.stamp_own(actor, REMOVE, id).await
    }

    async fn list_warning_entries(&self, org: i64) -> Result<Vec<WarningEntryRow>> {
        let rows = Sql::new(LIST_ENTRIES).bind(org).fetch_all(self).await?;
        rows.iter().map(warning_entry).collect()
    }
}

fn warning_entry(r: &impl RowExt) -> Result<WarningEntryRow> {
    let value = IndicatorValue::parse(kind(r)?, &r.text("value")?)
        .map_err(|e| StoreError::corrupt("warning_entries", e))?;
    Ok(WarningEntryRow {
        id: r.i64("id")?,
        list_key: r.text("list_key")?,
        description: r.text("description")?,
        value,
        org: r.i64("org_id")?,
        created_at: r.i64("created_at")?,
    })
}
