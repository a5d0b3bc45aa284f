//! MISP imports without HTTP (REST, portal and command line alike): the
//! export mapped to STIX, its ids derived within the importing
//! organisation, each object marked and audienced as its MISP
//! distribution allows (sharing groups matched to communities by name),
//! stored whole, or refused with every problem listed.

use std::collections::HashSet;

use renkei_core::model::Collection;
use renkei_core::{Actor, Audience, CommunityId, Tlp, UserId};
use renkei_stix::{FieldError, MispImport, MispOptions, Narrowed, Reach, Skipped};
use renkei_store::Store;
use renkei_store::intel::{AddOutcome, NewStixVersion};

use super::service::{ShareError, audience_for, id_scope, new_version};

/// How a MISP export is shared.
#[derive(Debug, Clone, Default)]
pub struct MispShareOptions {
    /// For objects the export leaves without a TLP (else the collection's
    /// default).
    pub tlp: Option<Tlp>,
    /// Who else may read what the distribution leaves to the collection.
    pub audience: Audience,
    /// Store the valid attributes and objects and report the invalid ones
    /// as skipped, instead of refusing the whole export.
    pub skip_invalid: bool,
    /// TLP:RED's named readers besides the sharer (`super::recipients`).
    pub recipients: Vec<UserId>,
}

/// What a MISP import stored, left out and narrowed.
#[derive(Debug)]
pub struct MispShared {
    pub outcome: AddOutcome,
    pub skipped: Vec<Skipped>,
    /// Items whose distribution narrowed their TLP or audience.
    pub narrowed: Vec<Narrowed>,
}

/// The renkei community a MISP sharing group maps to: the one whose
/// Japanese or English name is the group's name (communities have no uuid).
fn community_of(
    reach: &Reach,
    communities: &[renkei_core::model::Community],
) -> Option<CommunityId> {
    let Reach::SharingGroup {
        name: Some(name), ..
    } = reach
    else {
        return None;
    };
    let name = name.trim();
    communities
        .iter()
        .find(|c| c.name_ja.trim() == name || c.name_en.trim().eq_ignore_ascii_case(name))
        .map(|c| c.id)
}

/// Maps, checks and stores a MISP export (see the module doc).
pub async fn share_misp(
    store: &dyn Store,
    actor: &Actor,
    collection: &Collection,
    bytes: &[u8],
    key: &[u8; 32],
    opts: &MispShareOptions,
) -> Result<MispShared, ShareError> {
    let import = read_misp(bytes, key, actor.viewer.org, opts.skip_invalid)?;
    share_misp_import(store, actor, collection, import, opts).await
}

/// The CPU part of [`share_misp`]: the export mapped to STIX with its ids
/// derived within `org`; servers run it on their parse pool.
pub fn read_misp(
    bytes: &[u8],
    key: &[u8; 32],
    org: Option<renkei_core::OrgId>,
    skip_invalid: bool,
) -> Result<MispImport, ShareError> {
    let mut import = renkei_stix::misp_from_slice_with(bytes, MispOptions { skip_invalid })
        .map_err(|e| ShareError::Invalid(e.0))?;
    renkei_stix::scope_ids(&mut import, &id_scope(key, org));
    Ok(import)
}

/// The rest of [`share_misp`] once [`read_misp`] has mapped the export.
pub async fn share_misp_import(
    store: &dyn Store,
    actor: &Actor,
    collection: &Collection,
    import: MispImport,
    opts: &MispShareOptions,
) -> Result<MispShared, ShareError> {
    let (versions, skipped, narrowed) =
        misp_versions(store, actor, collection, import, opts).await?;
    let outcome = store.add_stix_whole(actor, collection, versions).await?;
    Ok(MispShared {
        outcome,
        skipped,
        narrowed,
    })
}

/// What [`share_misp_import`] would store, each version marked and
/// audienced, with the items left out and narrowed; stores nothing (the
/// portal's preview shows it before the user confirms).
pub(super) async fn misp_versions(
    store: &dyn Store,
    actor: &Actor,
    collection: &Collection,
    mut import: MispImport,
    opts: &MispShareOptions,
) -> Result<(Vec<NewStixVersion>, Vec<Skipped>, Vec<Narrowed>), ShareError> {
    // Sharing groups: each to its community, or the items are refused.
    let groups = import
        .origins
        .iter()
        .any(|o| matches!(o.reach, Reach::SharingGroup { .. }));
    let communities = if groups {
        store.list_communities().await?
    } else {
        Vec::new()
    };
    let mut unmatched: Vec<(String, String)> = Vec::new();
    for o in &import.origins {
        if matches!(o.reach, Reach::SharingGroup { .. })
            && community_of(&o.reach, &communities).is_none()
            && !unmatched.iter().any(|(p, _)| p == &o.path)
        {
            unmatched.push((
                o.path.clone(),
                format!(
                    "sharing group {} matches no renkei community by name; create one of that name, or change the distribution in MISP",
                    o.reach.group_label()
                ),
            ));
        }
    }
    if !unmatched.is_empty() {
        if !opts.skip_invalid {
            return Err(ShareError::Invalid(
                unmatched
                    .into_iter()
                    .map(|(path, why)| FieldError {
                        index: None,
                        id: None,
                        field: format!("{path}.SharingGroup"),
                        message: why,
                    })
                    .collect(),
            ));
        }
        let paths: HashSet<String> = unmatched.iter().map(|(p, _)| p.clone()).collect();
        renkei_stix::drop_items(&mut import, &paths);
        import.skipped.extend(
            unmatched
                .into_iter()
                .map(|(path, reason)| Skipped { path, reason }),
        );
    }

    let fallback = opts.tlp.or(import.tlp).unwrap_or(collection.default_tlp);
    let narrowed = renkei_stix::apply_reach(&mut import, fallback);
    let mut versions = Vec::with_capacity(import.objects.len());
    let mut errors = Vec::new();
    for (i, (v, origin)) in import.objects.iter().zip(&import.origins).enumerate() {
        match renkei_stix::parse_object(v, Some(i)) {
            Ok(o) => {
                let mut version = new_version(&o);
                version.audience = match &origin.reach {
                    Reach::AllCommunities | Reach::Communities => opts.audience.clone(),
                    // The importing organisation only. Named, because an
                    // empty audience means the collection's community
                    // (`community_audience` at write time).
                    Reach::OwnOrganisation => Audience {
                        orgs: actor.viewer.org.into_iter().collect(),
                        ..Audience::default()
                    },
                    g @ Reach::SharingGroup { .. } => Audience {
                        communities: community_of(g, &communities).into_iter().collect(),
                        ..Audience::default()
                    },
                };
                // TLP:RED goes to named people only: the recipients, unless
                // the distribution keeps the item inside the organisation
                // (recipients may be anyone's people).
                if !matches!(origin.reach, Reach::OwnOrganisation) {
                    let tlp = version.tlp.or(Some(fallback));
                    version.audience = audience_for(tlp, &version.audience, &opts.recipients);
                }
                versions.push(version);
            }
            Err(e) => errors.extend(e.0),
        }
    }
    if !errors.is_empty() {
        return Err(ShareError::Invalid(errors));
    }
    // The creator organisation alone says nothing.
    if versions.iter().all(|v| v.stix_type == "identity") {
        return Err(ShareError::Invalid(vec![FieldError {
            index: None,
            id: None,
            field: "body".into(),
            message: "the export holds nothing renkei can share".into(),
        }]));
    }
    Ok((versions, import.skipped, narrowed))
}
