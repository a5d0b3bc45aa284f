//! STIX 2.1 for renkei: identifiers, timestamps, object and bundle
//! validation that lists every error, TLP marking definitions, and patterns;
//! the ways in (CSV and free-text lists, MISP events) and out (CSV, Suricata,
//! Zeek, RPZ, blocklists, STIX bundles). No I/O: the store keeps what this
//! crate has accepted, and exports write to any `std::io::Write`.

#[cfg(test)]
mod capture;
pub mod export;
pub mod id;
pub mod indicators;
pub mod lists;
pub mod marking;
pub mod misp;
pub mod object;
pub mod pattern;
pub mod time;

pub use export::{
    BundleWriter, ExportFormat, ExportOptions, ExportRow, ExportStats, ExportWriter, LeftOut,
    write_export,
};
pub use id::StixId;
pub use indicators::{IndicatorOptions, indicator_object, indicator_values};
pub use lists::{
    Layout, LineCounts, LineError, LineNote, ListEntry, ListError, ListFormat, ListImport,
    ListOptions, MAX_LIST_BYTES, MAX_LIST_LINES, parse_csv, parse_list, parse_text,
};
pub use marking::{TLP_MARKING_IDS, reserved_marking, tlp_for_marking_id, tlp_marking_id};
pub use misp::{
    MAX_MISP_BYTES, MispErrors, MispImport, MispOptions, Narrowed, Origin, Reach, Skipped,
    apply_reach, drop_items, misp_from_slice, misp_from_slice_with, misp_to_stix,
    misp_to_stix_with, scope_ids,
};
pub use object::{
    FieldError, ObjectErrors, ParsedObjects, Repeat, STIX20_REFUSED, StixObject, find_repeats,
    is_stix20, parse_bundle, parse_envelope, parse_object, read_bundle, read_envelope,
};
pub use time::StixTime;
