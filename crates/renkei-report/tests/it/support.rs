//! Helpers shared by the test modules.

use std::collections::BTreeMap;

use jiff::Timestamp;
use renkei_report::{CaseFacts, Clock, ClockPolicy, Profile, ProfileSet, clocks};

pub fn shipped() -> ProfileSet {
    match ProfileSet::shipped() {
        Ok(s) => s,
        Err(e) => panic!("shipped profiles are invalid: {e:#?}"),
    }
}

pub fn profile(id: &str) -> Profile {
    shipped()
        .get(id)
        .cloned()
        .unwrap_or_else(|| panic!("no profile {id}"))
}

pub fn ts(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

pub fn aware(at: &str) -> CaseFacts {
    CaseFacts {
        awareness: Some(ts(at)),
        ..CaseFacts::default()
    }
}

/// The clock of `stage` at `now`, with the given submissions.
pub fn clock_at(
    p: &Profile,
    facts: &CaseFacts,
    sent: &[(&str, &str)],
    now: &str,
    stage: &str,
) -> Clock {
    let submitted: BTreeMap<String, Timestamp> =
        sent.iter().map(|(s, t)| (s.to_string(), ts(t))).collect();
    let all = clocks(p, facts, &submitted, ts(now), &ClockPolicy::default()).expect("clocks");
    all.into_iter()
        .find(|c| c.stage == stage)
        .unwrap_or_else(|| panic!("no stage {stage}"))
}

/// The deadline instant of `stage`.
pub fn due(
    p: &Profile,
    facts: &CaseFacts,
    sent: &[(&str, &str)],
    now: &str,
    stage: &str,
) -> Timestamp {
    clock_at(p, facts, sent, now, stage)
        .due
        .map(|d| d.at)
        .unwrap_or_else(|| panic!("{stage}: no deadline"))
}
