//! TLP marking definitions: the fixed STIX ids of TLP 2.0 (and of TLP 1.0,
//! read as their TLP 2.0 equivalents) mapped to renkei's `Tlp`, and the
//! specifications' definitions those ids are reserved for.

use renkei_core::Tlp;

/// The TLP 2.0 marking-definition objects' fixed ids (FIRST / OASIS).
pub const TLP_MARKING_IDS: [(Tlp, &str); 5] = [
    (
        Tlp::Clear,
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    ),
    (
        Tlp::Green,
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    ),
    (
        Tlp::Amber,
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    ),
    (
        Tlp::AmberStrict,
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    ),
    (
        Tlp::Red,
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    ),
];

/// TLP 1.0 ids from the STIX 2.1 specification (WHITE reads as CLEAR).
const TLP1_MARKING_IDS: [(Tlp, &str); 4] = [
    (
        Tlp::Clear,
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    ),
    (
        Tlp::Green,
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    ),
    (
        Tlp::Amber,
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    ),
    (
        Tlp::Red,
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
    ),
];

pub fn tlp_for_marking_id(id: &str) -> Option<Tlp> {
    TLP_MARKING_IDS
        .iter()
        .chain(TLP1_MARKING_IDS.iter())
        .find(|(_, m)| *m == id)
        .map(|(t, _)| *t)
}

pub fn tlp_marking_id(tlp: Tlp) -> &'static str {
    TLP_MARKING_IDS
        .iter()
        .find(|(t, _)| *t == tlp)
        .map_or("", |(_, m)| m)
}

/// The standard TLP 2.0 marking-definition object for `tlp`, as served to
/// clients so the references in our objects resolve.
pub fn tlp_marking_object(tlp: Tlp) -> serde_json::Value {
    let name = tlp.as_str().to_ascii_lowercase();
    serde_json::json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": tlp_marking_id(tlp),
        "created": "2022-10-01T00:00:00.000Z",
        "name": format!("TLP:{}", tlp.as_str()),
        "extensions": {
            "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
                "extension_type": "property-extension",
                "tlp_2_0": name
            }
        }
    })
}

/// The TLP 1.0 marking-definition object for one of [`TLP1_MARKING_IDS`],
/// as the STIX 2.1 specification (§7.2.1.4) defines it.
fn tlp1_marking_object(tlp: Tlp, id: &str) -> serde_json::Value {
    let level = match tlp {
        Tlp::Clear => "white".to_owned(),
        _ => tlp.as_str().to_ascii_lowercase(),
    };
    serde_json::json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": id,
        "created": "2017-01-20T00:00:00.000Z",
        "definition_type": "tlp",
        "name": format!("TLP:{}", level.to_ascii_uppercase()),
        "definition": { "tlp": level }
    })
}

/// The definition the specifications give the marking-definition id `id`,
/// if it is one of the TLP 2.0 (FIRST / OASIS) or TLP 1.0 (STIX 2.1) ids.
/// Those ids mean what the specifications say wherever they appear, so an
/// object may reuse one only to say exactly that.
pub fn reserved_marking(id: &str) -> Option<serde_json::Value> {
    if let Some((t, _)) = TLP_MARKING_IDS.iter().find(|(_, m)| *m == id) {
        return Some(tlp_marking_object(*t));
    }
    TLP1_MARKING_IDS
        .iter()
        .find(|(_, m)| *m == id)
        .map(|(t, m)| tlp1_marking_object(*t, m))
}

/// How `obj`, a marking-definition with a reserved id, differs from the
/// specification's definition `spec`: `(property, problem)` for each
/// property missing, different or extra. Timestamps compare as instants
/// (`.000Z` and `Z` say the same); everything else as JSON values.
pub fn reserved_marking_differences(
    obj: &serde_json::Map<String, serde_json::Value>,
    spec: &serde_json::Value,
) -> Vec<(String, String)> {
    let Some(spec) = spec.as_object() else {
        return Vec::new();
    };
    let same_time = |a: &serde_json::Value, b: &serde_json::Value| {
        let t = |v: &serde_json::Value| v.as_str().and_then(|s| crate::StixTime::parse(s).ok());
        matches!((t(a), t(b)), (Some(x), Some(y)) if x.micros == y.micros)
    };
    let mut out = Vec::new();
    for (k, want) in spec {
        match obj.get(k) {
            None => out.push((
                k.clone(),
                format!("is required: this id is reserved for the specification's definition ({k} {want})"),
            )),
            Some(got) if got == want || (k == "created" && same_time(got, want)) => {}
            Some(_) => out.push((
                k.clone(),
                format!("must be {want}: this id is reserved for the specification's definition"),
            )),
        }
    }
    for k in obj.keys().filter(|k| !spec.contains_key(*k)) {
        out.push((
            k.clone(),
            "must not be present: this id is reserved for the specification's definition"
                .to_owned(),
        ));
    }
    out
}
