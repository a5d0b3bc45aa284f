//! The profiles in force: the shipped ones (compiled in), an
//! administrator's replacement files, and an override table that changes
//! stage amounts without a release (the Japanese ordinance's hour values).

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::error::{Errors, ProfileError, codes, from_table, read_toml};
use crate::parse::{RawUnit, max_amount, parse_profile};
use crate::profile::{DeadlineRule, Profile, Unit};

/// The profiles shipped with renkei, as (file name, text).
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "profiles/jp-cyber-response.toml",
        include_str!("../../../profiles/jp-cyber-response.toml"),
    ),
    (
        "profiles/jp-appi-leak.toml",
        include_str!("../../../profiles/jp-appi-leak.toml"),
    ),
    (
        "profiles/eu-nis2.toml",
        include_str!("../../../profiles/eu-nis2.toml"),
    ),
    (
        "profiles/eu-cra.toml",
        include_str!("../../../profiles/eu-cra.toml"),
    ),
    (
        "profiles/eu-dora.toml",
        include_str!("../../../profiles/eu-dora.toml"),
    ),
    (
        "profiles/us-circia.toml",
        include_str!("../../../profiles/us-circia.toml"),
    ),
];

/// An override table larger than this is refused unread.
pub const MAX_OVERRIDE_BYTES: usize = 64 * 1024;

/// Profiles by id.
#[derive(Debug, Clone, Default)]
pub struct ProfileSet {
    profiles: BTreeMap<String, Profile>,
}

impl ProfileSet {
    /// The shipped profiles.
    pub fn shipped() -> Result<ProfileSet, Vec<ProfileError>> {
        ProfileSet::from_files(SHIPPED)
    }

    /// Profiles from (file name, text) pairs; every file's errors are
    /// returned together, and one id in two files is an error.
    pub fn from_files(files: &[(&str, &str)]) -> Result<ProfileSet, Vec<ProfileError>> {
        let mut set = ProfileSet::default();
        let mut errors = Vec::new();
        for (file, text) in files {
            match parse_profile(file, text) {
                Ok(p) if set.profiles.contains_key(&p.id) => {
                    let mut e = Errors::new(file, Some(&p.id));
                    e.push(
                        codes::DUPLICATE_PROFILE,
                        "id",
                        "another file has this profile id",
                    );
                    errors.extend(e.list);
                }
                Ok(p) => {
                    set.profiles.insert(p.id.clone(), p);
                }
                Err(e) => errors.extend(e),
            }
        }
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(errors)
        }
    }

    /// Replaces (or adds) whole profiles by an administrator's files.
    pub fn with_files(&self, files: &[(&str, &str)]) -> Result<ProfileSet, Vec<ProfileError>> {
        let added = ProfileSet::from_files(files)?;
        let mut set = self.clone();
        set.profiles.extend(added.profiles);
        Ok(set)
    }

    pub fn get(&self, id: &str) -> Option<&Profile> {
        self.profiles.get(id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Profile> {
        self.profiles.values()
    }

    /// This set with the override table in `text` applied; nothing is
    /// applied unless the whole table is valid.
    pub fn with_overrides(&self, file: &str, text: &str) -> Result<ProfileSet, Vec<ProfileError>> {
        let overrides = parse_overrides(file, text)?;
        self.apply(file, &overrides)
    }

    /// Applies parsed overrides (see [`parse_overrides`]).
    pub fn apply(
        &self,
        file: &str,
        overrides: &[StageOverride],
    ) -> Result<ProfileSet, Vec<ProfileError>> {
        let mut set = self.clone();
        let mut errors = Errors::new(file, None);
        let mut seen = BTreeSet::new();
        for (i, o) in overrides.iter().enumerate() {
            let path = format!("stage[{i}]");
            let key = (o.profile.clone(), o.stage.clone(), o.variant.clone());
            if !seen.insert(key) {
                errors.push(
                    codes::DUPLICATE_ID,
                    path.clone(),
                    "this stage is overridden twice",
                );
            }
            let Some(profile) = set.profiles.get_mut(&o.profile) else {
                errors.push(
                    codes::UNKNOWN_PROFILE,
                    format!("{path}.profile"),
                    format!("no profile {:?}", o.profile),
                );
                continue;
            };
            if let Err((code, field, detail)) = apply_one(profile, o) {
                errors.push(
                    code,
                    format!("{path}.{field}"),
                    format!("{}: {detail}", o.profile),
                );
            }
        }
        errors.into_result(set)
    }
}

/// One row of an override table: a stage's (or a variant's) new amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageOverride {
    pub profile: String,
    pub stage: String,
    /// The condition of the variant to change, instead of the stage's own
    /// deadline.
    pub variant: Option<String>,
    pub amount: u32,
    /// A new unit (the ordinance may set days where the profile had hours).
    pub unit: Option<Unit>,
    /// Whether the new value is itself still a default.
    pub provisional: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    #[serde(default)]
    stage: Vec<RawOverride>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    profile: String,
    stage: String,
    variant: Option<String>,
    amount: i64,
    unit: Option<RawUnit>,
    #[serde(default)]
    provisional: bool,
}

/// Reads an override table:
///
/// ```toml
/// [[stage]]
/// profile = "jp-cyber-response"
/// stage = "flash"
/// amount = 48
/// unit = "hours"        # optional; the profile's unit otherwise
/// provisional = false   # optional; whether still a default
/// ```
pub fn parse_overrides(file: &str, text: &str) -> Result<Vec<StageOverride>, Vec<ProfileError>> {
    let table = read_toml(file, text, MAX_OVERRIDE_BYTES)?;
    let mut errors = Errors::new(file, None);
    let Some(raw) = from_table::<RawTable>(&mut errors, table) else {
        return Err(errors.list);
    };
    let mut out = Vec::with_capacity(raw.stage.len());
    for (i, r) in raw.stage.into_iter().enumerate() {
        // Amounts are checked against the stage when applied; here only
        // that they are a count at all.
        match u32::try_from(r.amount) {
            Ok(amount) if amount > 0 => out.push(StageOverride {
                profile: r.profile,
                stage: r.stage,
                variant: r.variant,
                amount,
                unit: r.unit.map(Unit::from),
                provisional: r.provisional,
            }),
            _ => errors.push(
                codes::INVALID_AMOUNT,
                format!("stage[{i}].amount"),
                format!("{}: a positive count", r.amount),
            ),
        }
    }
    errors.into_result(out)
}

type Refusal = (&'static str, &'static str, String);

fn apply_one(profile: &mut Profile, o: &StageOverride) -> Result<(), Refusal> {
    let Some(stage) = profile.stages.iter_mut().find(|s| s.id == o.stage) else {
        return Err((
            codes::UNKNOWN_STAGE,
            "stage",
            format!("no stage {:?}", o.stage),
        ));
    };
    let rule: &mut DeadlineRule = match &o.variant {
        None => stage.deadline.as_mut().ok_or_else(|| {
            (
                codes::NO_DEADLINE,
                "stage",
                format!("stage {:?} has no fixed deadline", o.stage),
            )
        })?,
        Some(when) => stage
            .variants
            .iter_mut()
            .find(|v| v.when == *when)
            .map(|v| &mut v.deadline)
            .ok_or_else(|| {
                (
                    codes::UNKNOWN_CONDITION,
                    "variant",
                    format!("stage {:?} has no variant {when:?}", o.stage),
                )
            })?,
    };
    let unit = o.unit.unwrap_or(rule.unit);
    if o.amount > max_amount(unit) {
        return Err((
            codes::INVALID_AMOUNT,
            "amount",
            format!("{}: at most {} {unit:?}", o.amount, max_amount(unit)),
        ));
    }
    if let Some((lo, hi)) = rule.range {
        // The range is the law's, in the profile's unit.
        if unit != rule.unit || !(lo..=hi).contains(&o.amount) {
            return Err((
                codes::OUT_OF_RANGE,
                "amount",
                format!(
                    "{} {unit:?}: the law allows {lo}–{hi} {:?}",
                    o.amount, rule.unit
                ),
            ));
        }
    }
    if let Some(cap) = rule.cap
        && unit == cap.unit
        && o.amount > cap.amount
    {
        return Err((
            codes::OUT_OF_RANGE,
            "amount",
            format!(
                "{} beyond the cap of {} after awareness",
                o.amount, cap.amount
            ),
        ));
    }
    rule.amount = o.amount;
    rule.unit = unit;
    rule.provisional = o.provisional;
    rule.overridden = true;
    Ok(())
}
