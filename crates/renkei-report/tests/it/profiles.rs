//! Reading profiles: the shipped ones are sound, and every problem in a bad
//! one is named by file, profile and path.

use renkei_report::{FieldKind, ProfileError, SHIPPED, parse_profile};

use crate::support::shipped;

#[test]
fn shipped_profiles_load() {
    let set = shipped();
    let ids: Vec<&str> = set.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "eu-cra",
            "eu-dora",
            "eu-nis2",
            "jp-appi-leak",
            "jp-cyber-response",
            "us-circia"
        ]
    );
    assert_eq!(SHIPPED.len(), 6);
}
