//! Reporting-regime profiles and override tables as an administrator may
//! upload them: never panic; a refused file always says why, in that file;
//! an accepted profile's clocks can be computed with every stage submitted
//! and every event and condition set (stage references resolve, chains end),
//! and the forms it pre-fills pass its own validation as drafts.
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use jiff::{SignedDuration, Timestamp};
use libfuzzer_sys::fuzz_target;
use renkei_report::{
    CaseFacts, ClockPolicy, CommonField, Incident, Mode, ProfileSet, clocks, file_once,
    parse_overrides, parse_profile, validate_values,
};
use serde_json::json;

// Read once: parsing the six shipped profiles on every run would be most
// of the run's time.
static SHIPPED: OnceLock<Option<ProfileSet>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_overrides("overrides.toml", text);
    if let Some(set) = SHIPPED.get_or_init(|| ProfileSet::shipped().ok()) {
        if let Err(errors) = set.with_overrides("overrides.toml", text) {
            assert!(!errors.is_empty());
        }
    }
    let profile = match parse_profile("fuzz.toml", text) {
        Ok(p) => p,
        Err(errors) => {
            assert!(!errors.is_empty(), "a refusal names at least one problem");
            assert!(errors.iter().all(|e| e.file == "fuzz.toml"));
            return;
        }
    };
    let aware = Timestamp::from_second(1_800_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
    let later = aware.checked_add(SignedDuration::from_hours(1)).unwrap_or(aware);
    let facts = CaseFacts {
        awareness: Some(aware),
        events: profile.events.iter().map(|e| (e.id.clone(), later)).collect(),
        conditions: profile.conditions.iter().map(|c| c.id.clone()).collect(),
    };
    let submitted: BTreeMap<String, Timestamp> =
        profile.stages.iter().map(|s| (s.id.clone(), later)).collect();
    let now = later.checked_add(SignedDuration::from_hours(2)).unwrap_or(later);
    let all = clocks(&profile, &facts, &submitted, now, &ClockPolicy::default())
        .expect("a 2027 awareness is inside every calendar's range");
    assert_eq!(all.len(), profile.stages.len());
    let mut common = BTreeMap::new();
    common.insert(CommonField::Summary, json!("概要"));
    common.insert(CommonField::Indicators, json!(["198.51.100.7"]));
    common.insert(CommonField::PeopleAffected, json!(3));
    let incident = Incident { facts, common, submitted: BTreeMap::new() };
    let views = file_once(&incident, &[&profile], now, &ClockPolicy::default())
        .expect("clocks computed above");
    for f in &views[0].forms {
        let form = profile.form(&f.form).expect("pre-filled forms are the profile's");
        assert_eq!(validate_values(form, &f.values, Mode::Draft), vec![]);
    }
});
