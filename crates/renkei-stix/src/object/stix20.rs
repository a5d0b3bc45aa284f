//! STIX 2.0 input, told apart from STIX 2.1 so that it gets one answer
//! saying what to do, not a list of 2.1 properties it lacks.
//!
//! STIX 2.0 (OASIS, 2017) bundles carry `spec_version: "2.0"` (Part 1 §5),
//! its objects carry no `spec_version`, and its observables sit inside
//! `observed-data`; every STIX 2.1 SDO, SRO and SMO carries `spec_version:
//! "2.1"` (STIX 2.1 §3.2), while 2.1 SCOs may leave it out.

use serde_json::Value;

use super::spec::SCO_TYPES;

/// The one answer to STIX 2.0 input. OASIS's stix2-elevator package
/// installs `stix_stepper`, its STIX 2.0 to 2.1 converter (its
/// `stix2_elevator` command converts STIX 1.x).
pub const STIX20_REFUSED: &str = "STIX 2.0 is not accepted; convert it to 2.1 first with OASIS's stix2-elevator (pip install stix2-elevator; stix_stepper FILE.json > FILE-2.1.json)";

/// Whether the bundle or envelope `v` is STIX 2.0: it says so on the
/// bundle, or every object of it that is not an SCO is a 2.0 one (no
/// `spec_version`, or `"2.0"`). A 2.1 bundle with one object missing its
/// `spec_version` is not: that object gets the 2.1 error.
pub fn is_stix20(v: &Value) -> bool {
    if v.get("spec_version").and_then(Value::as_str) == Some("2.0") {
        return true;
    }
    let Some(list) = v.get("objects").and_then(Value::as_array) else {
        return false;
    };
    let mut sdos = list
        .iter()
        .filter(|o| {
            o.get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| !SCO_TYPES.contains(&t))
        })
        .peekable();
    sdos.peek().is_some()
        && sdos.all(|o| {
            o.get("spec_version")
                .is_none_or(|s| s.as_str() == Some("2.0"))
        })
}
