//! The directory facts alerts rely on: which local government is its
//! prefecture's government (set by platform administrators), the
//! municipalities it relays to, and the maintenance vendors (two tiers of
//! supply-chain links) a municipality forwards to and names itself.

use renkei_core::{Actor, OrgId, Timestamp};

use super::rows::ids;
use crate::audit::chain::append;
use crate::backend::{RowExt, Sql};
use crate::intel::backend::IntelBackend;
use crate::store::{SqlStore, platform_admin};
use crate::{Result, StoreError};

/// The other local_government organisations of a prefectural government's
/// prefecture.
const MUNICIPALITIES: &str = "
    SELECT o.id FROM organisations o
    JOIN prefectural_governments g ON g.prefecture = o.prefecture
    WHERE g.org_id = $1 AND o.kind = 'local_government' AND o.id <> $1
    ORDER BY o.id";

/// Contractors of the organisation's supply-chain links, two tiers: its
/// own links of tier 1 or 2, and its tier-1 contractors' own tier-1 links.
const VENDORS: &str = "
    SELECT contractor_org AS id FROM supply_links
    WHERE customer_org = $1 AND tier <= 2
    UNION
    SELECT s2.contractor_org AS id FROM supply_links s1
    JOIN supply_links s2 ON s2.customer_org = s1.contractor_org
    WHERE s1.customer_org = $1 AND s1.tier = 1 AND s2.tier = 1 AND s2.contractor_org <> $1
    ORDER BY id";

const ORG_KIND: &str = "SELECT kind FROM organisations WHERE id = $1";

/// A link the organisation already has is kept as it is.
const INSERT_VENDOR_LINK: &str = "
    INSERT INTO supply_links (customer_org, contractor_org, tier, created_at)
    VALUES ($1, $2, $3, $4)
    ON CONFLICT (customer_org, contractor_org) DO NOTHING";

const IS_PREF_GOV: &str = "SELECT 1 AS one FROM prefectural_governments WHERE org_id = $1";

const ORG_FOR_PREF: &str = "SELECT kind, prefecture FROM organisations WHERE id = $1";

const INSERT_PREF_GOV: &str = "
    INSERT INTO prefectural_governments (org_id, prefecture, set_at) VALUES ($1, $2, $3)";

const DELETE_PREF_GOV: &str = "DELETE FROM prefectural_governments WHERE org_id = $1";

#[allow(private_bounds)]
impl<B: IntelBackend> SqlStore<B> {
    pub(super) async fn municipalities(&self, org: OrgId) -> Result<Vec<OrgId>> {
        ids(Sql::new(MUNICIPALITIES).bind(org.0).fetch_all(self).await?)
    }

    pub(super) async fn vendors(&self, org: OrgId) -> Result<Vec<OrgId>> {
        ids(Sql::new(VENDORS).bind(org.0).fetch_all(self).await?)
    }

    pub(super) async fn record_vendors(
        &self,
        actor: &Actor,
        vendor: OrgId,
        sub: Option<OrgId>,
    ) -> Result<()> {
        let Some(me) = actor.viewer.org else {
            return Err(StoreError::NotFound("organisation"));
        };
        let object = format!("org:{me}");
        let town = self.org_kind(me).await?.as_deref() == Some("local_government");
        if !town || actor.viewer.role != Some(renkei_core::Role::Admin) {
            let why = "a local government's administrators name its vendors";
            return Err(self
                .deny(actor, "supply_link.create", &object, why)
                .await
                .admin_only());
        }
        if sub == Some(vendor) {
            return Err(StoreError::NotFound("organisation"));
        }
        let mut links = vec![(vendor, 1_i64)];
        links.extend(sub.map(|s| (s, 2)));
        for (o, _) in &links {
            let kind = self.org_kind(*o).await?;
            let contractor = matches!(
                kind.as_deref(),
                Some("supplier" | "vendor" | "security_provider")
            );
            if !contractor || *o == me {
                return Err(StoreError::NotFound("organisation"));
            }
        }
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let mut detail = Vec::new();
        for (o, tier) in &links {
            let n = Sql::new(INSERT_VENDOR_LINK)
                .bind(me.0)
                .bind(o.0)
                .bind(*tier)
                .bind(now.0)
                .execute(&mut tx)
                .await?;
            if n > 0 {
                detail.push(format!("contractor org:{o} tier {tier}"));
            }
        }
        if !detail.is_empty() {
            append(
                &mut tx,
                actor,
                "supply_link.create",
                &object,
                &detail.join("; "),
            )
            .await?;
        }
        self.commit(tx).await?;
        Ok(())
    }

    pub(super) async fn prefectural_government(&self, org: OrgId) -> Result<bool> {
        Ok(Sql::new(IS_PREF_GOV)
            .bind(org.0)
            .fetch_optional(self)
            .await?
            .is_some())
    }

    pub(super) async fn mark_prefectural_government(
        &self,
        actor: &Actor,
        org: OrgId,
        on: bool,
    ) -> Result<()> {
        let object = format!("org:{org}");
        if !platform_admin(actor) {
            let why = "only platform administrators mark prefectural governments";
            return Err(self
                .deny(actor, "org.prefectural_government", &object, why)
                .await
                .admin_only());
        }
        let mut tx = self.begin().await?;
        let row = Sql::new(ORG_FOR_PREF)
            .bind(org.0)
            .fetch_optional(&mut tx)
            .await?
            .ok_or(StoreError::NotFound("organisation"))?;
        let prefecture = row.opt_i64("prefecture")?;
        let (true, Some(p)) = (row.text("kind")? == "local_government", prefecture) else {
            return Err(StoreError::Conflict {
                field: "org",
                message: "a local_government organisation with a prefecture".into(),
            });
        };
        Sql::new(DELETE_PREF_GOV)
            .bind(org.0)
            .execute(&mut tx)
            .await?;
        if on {
            Sql::new(INSERT_PREF_GOV)
                .bind(org.0)
                .bind(p)
                .bind(Timestamp::now().0)
                .execute(&mut tx)
                .await
                .map_err(|_| StoreError::Conflict {
                    field: "org",
                    message: format!("prefecture {p} already has its government"),
                })?;
        }
        let detail = format!("prefecture {p} {}", if on { "set" } else { "unset" });
        append(
            &mut tx,
            actor,
            "org.prefectural_government",
            &object,
            &detail,
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }

    async fn org_kind(&self, org: OrgId) -> Result<Option<String>> {
        let row = Sql::new(ORG_KIND).bind(org.0).fetch_optional(self).await?;
        row.map(|r| r.text("kind")).transpose()
    }
}
