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

/// The codes of the [`renkei_core::ParseError`]s this crate makes (those
/// of a value come from `renkei_core`, listed in its `PARSE_CODES`); the
/// server checks each has a text in both portal languages.
pub const PARSE_CODES: &[&str] = &[
    "port-invalid",
    "value-url-no-host",
    "value-not-indicator",
    "export-format-unknown",
    "export-type-required",
    "time-invalid",
    "misp-text-length",
    "misp-not-integer",
    "misp-not-size",
    "misp-url-no-scheme",
    "misp-hash-type-unknown",
    "misp-hash-length",
    "misp-not-pair",
    "misp-not-as-number",
];

/// A [`renkei_core::ParseError`] with its stable `code` (one of
/// [`PARSE_CODES`] or `renkei_core::PARSE_CODES`) and arguments: the only
/// way this crate makes one, so none reaches a page as a generic
/// "invalid" (a test checks the sources).
pub(crate) fn refusal(
    field: &'static str,
    code: &'static str,
    args: &[(&'static str, &str)],
    message: impl Into<String>,
) -> renkei_core::ParseError {
    debug_assert!(
        PARSE_CODES.contains(&code) || renkei_core::PARSE_CODES.contains(&code),
        "unlisted code {code}"
    );
    renkei_core::ParseError::new(field, message).with_code(code, args)
}

#[cfg(test)]
mod code_tests {
    use super::*;

    /// Every source file of the crate, tests left out.
    fn sources() -> Vec<(std::path::PathBuf, String)> {
        let mut out = Vec::new();
        let mut stack = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("source dir") {
                let path = e.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|x| x == "rs")
                    && !path.to_string_lossy().ends_with("tests.rs")
                {
                    let all = std::fs::read_to_string(&path).expect("source");
                    let end = [
                        "#[cfg(test)]\nmod tests {",
                        "#[cfg(test)]\nmod code_tests {",
                    ]
                    .iter()
                    .filter_map(|m| all.find(m))
                    .min()
                    .unwrap_or(all.len());
                    let src = &all[..end];
                    out.push((path, src.to_owned()));
                }
            }
        }
        out
    }

    /// No error of this crate falls back to a generic code: parse errors
    /// are made by `refusal` only, and every line error names its code.
    #[test]
    fn every_error_is_made_with_a_listed_code() {
        let mut found = 0;
        for (path, src) in sources() {
            let made = src.matches("ParseError::new(").count();
            let allowed = usize::from(path.ends_with("lib.rs"));
            assert_eq!(
                made,
                allowed,
                "{}: a ParseError without a code",
                path.display()
            );
            for call in src.split("LineError::new(").skip(1) {
                let code = call
                    .trim_start()
                    .strip_prefix('"')
                    .and_then(|c| c.split('"').next());
                let head: String = call.chars().take(80).collect();
                let code = code.unwrap_or_else(|| panic!("{}: no code: {head}", path.display()));
                assert!(lists::LINE_CODES.contains(&code), "{code} is not listed");
                found += 1;
            }
        }
        assert!(found > 10, "{found} line errors found");
        let mut coded = 0;
        for (path, src) in sources() {
            // `refusal(field, code, …)`: the code is the second literal.
            for call in src.split("refusal(").skip(1) {
                if call.starts_with('\n') && !call.trim_start().starts_with('"') {
                    continue; // the definition
                }
                let code = call.split('"').nth(3).unwrap_or_default();
                assert!(
                    PARSE_CODES.contains(&code) || renkei_core::PARSE_CODES.contains(&code),
                    "{}: {code:?} is not listed",
                    path.display()
                );
                coded += 1;
            }
        }
        assert!(coded > 10, "{coded} parse errors found");
        for c in PARSE_CODES {
            assert!(!lists::LINE_CODES.contains(c), "{c} listed twice");
        }
    }
}
