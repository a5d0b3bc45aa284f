//! STIX 2.1 bundles, TAXII envelopes and single objects (patterns
//! included), as they arrive over TAXII and imports: never panics; an
//! object accepted inside a bundle is accepted on its own, with the same id
//! and type, and in the form it is stored in (identifiers in lower case),
//! which reads back unchanged; a bundle keeps each id and version once,
//! exact repeats pointing back at an earlier object.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use renkei_stix::{parse_object, read_bundle, read_envelope};

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    for parsed in [read_bundle(&v), read_envelope(&v)].into_iter().flatten() {
        let mut keys = HashSet::new();
        for o in &parsed.objects {
            let again = parse_object(&o.value, None).expect("accepted in a list, accepted alone");
            assert_eq!((&again.id, &again.type_name), (&o.id, &o.type_name));
            assert_eq!(again.value, o.value, "the stored form reads back unchanged");
            let key = (o.id.clone(), o.version().map(|t| t.micros));
            assert!(keys.insert(key), "one id and version kept twice");
        }
        for r in &parsed.repeats {
            assert!(r.first < r.index, "{r:?}");
        }
    }
    let _ = parse_object(&v, None);
});
