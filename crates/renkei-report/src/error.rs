//! Errors of profiles and overrides, each naming the file, the profile and
//! the field path, with a stable code (the list is in the crate docs).

use serde::Serialize;

/// Stable error codes; the server maps each to a Fluent message.
pub mod codes {
    // Reading a profile or override file.
    pub const TOO_LARGE: &str = "too-large";
    pub const SYNTAX: &str = "syntax";
    pub const UNKNOWN_KEY: &str = "unknown-key";
    pub const MISSING_KEY: &str = "missing-key";
    pub const INVALID_VALUE: &str = "invalid-value";
    // Validating a profile.
    pub const INVALID_ID: &str = "invalid-id";
    pub const DUPLICATE_ID: &str = "duplicate-id";
    pub const MISSING_LABEL: &str = "missing-label";
    pub const INVALID_TIME_ZONE: &str = "invalid-time-zone";
    pub const INVALID_DATE: &str = "invalid-date";
    pub const INVALID_ANCHOR: &str = "invalid-anchor";
    pub const UNKNOWN_STAGE: &str = "unknown-stage";
    pub const UNKNOWN_EVENT: &str = "unknown-event";
    pub const UNKNOWN_CONDITION: &str = "unknown-condition";
    pub const UNKNOWN_FORM: &str = "unknown-form";
    pub const NO_FORMS: &str = "no-forms";
    pub const STAGE_CYCLE: &str = "stage-cycle";
    pub const INVALID_AMOUNT: &str = "invalid-amount";
    pub const INVALID_RANGE: &str = "invalid-range";
    pub const MISSING_OPTIONS: &str = "missing-options";
    pub const UNKNOWN_COMMON_FIELD: &str = "unknown-common-field";
    pub const COMMON_TYPE_MISMATCH: &str = "common-type-mismatch";
    pub const DUPLICATE_PROFILE: &str = "duplicate-profile";
    // Applying an administrator's override.
    pub const UNKNOWN_PROFILE: &str = "unknown-profile";
    pub const NO_DEADLINE: &str = "no-deadline";
    pub const OUT_OF_RANGE: &str = "out-of-range";

    /// Every code above, for the server's check that each has a message.
    pub const ALL: &[&str] = &[
        TOO_LARGE,
        SYNTAX,
        UNKNOWN_KEY,
        MISSING_KEY,
        INVALID_VALUE,
        INVALID_ID,
        DUPLICATE_ID,
        MISSING_LABEL,
        INVALID_TIME_ZONE,
        INVALID_DATE,
        INVALID_ANCHOR,
        UNKNOWN_STAGE,
        UNKNOWN_EVENT,
        UNKNOWN_CONDITION,
        UNKNOWN_FORM,
        NO_FORMS,
        STAGE_CYCLE,
        INVALID_AMOUNT,
        INVALID_RANGE,
        MISSING_OPTIONS,
        UNKNOWN_COMMON_FIELD,
        COMMON_TYPE_MISMATCH,
        DUPLICATE_PROFILE,
        UNKNOWN_PROFILE,
        NO_DEADLINE,
        OUT_OF_RANGE,
    ];
}

/// One problem in a profile or override file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{file}: {}{path}: {code}: {detail}", profile.as_ref().map(|p| format!("profile {p}: ")).unwrap_or_default())]
pub struct ProfileError {
    /// One of [`codes`].
    pub code: &'static str,
    /// The file name the text came from, as the caller gave it.
    pub file: String,
    /// The profile's id, when it could be read.
    pub profile: Option<String>,
    /// Where in the profile: `stages[2].deadline.unit`; empty for the whole.
    pub path: String,
    /// For the administrator: what was found or expected (English, not
    /// shown to end users).
    pub detail: String,
}

/// Collects errors with the file and profile already known.
#[derive(Debug)]
pub(crate) struct Errors {
    file: String,
    profile: Option<String>,
    pub(crate) list: Vec<ProfileError>,
}

impl Errors {
    pub(crate) fn new(file: &str, profile: Option<&str>) -> Errors {
        Errors {
            file: file.to_owned(),
            profile: profile.map(str::to_owned),
            list: Vec::new(),
        }
    }

    pub(crate) fn push(
        &mut self,
        code: &'static str,
        path: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.list.push(ProfileError {
            code,
            file: self.file.clone(),
            profile: self.profile.clone(),
            path: path.into(),
            detail: detail.into(),
        });
    }

    pub(crate) fn into_result<T>(self, value: T) -> Result<T, Vec<ProfileError>> {
        if self.list.is_empty() {
            Ok(value)
        } else {
            Err(self.list)
        }
    }
}

/// A TOML document read into a table, or the error naming the line.
pub(crate) fn read_toml(
    file: &str,
    text: &str,
    limit: usize,
) -> Result<toml::Table, Vec<ProfileError>> {
    let mut errors = Errors::new(file, None);
    if text.len() > limit {
        errors.push(
            codes::TOO_LARGE,
            "",
            format!("{} bytes, at most {limit}", text.len()),
        );
        return Err(errors.list);
    }
    match text.parse::<toml::Table>() {
        Ok(t) => Ok(t),
        Err(e) => {
            errors.push(
                codes::SYNTAX,
                "",
                e.message().to_owned() + &line_of(text, e.span()),
            );
            Err(errors.list)
        }
    }
}

fn line_of(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    let Some(span) = span else {
        return String::new();
    };
    let before = text.get(..span.start).unwrap_or(text);
    format!(" (line {})", before.matches('\n').count() + 1)
}

/// Deserialises a table into `T`, naming the path of the first bad value.
pub(crate) fn from_table<T: serde::de::DeserializeOwned>(
    errors: &mut Errors,
    table: toml::Table,
) -> Option<T> {
    match serde_path_to_error::deserialize(toml::Value::Table(table)) {
        Ok(v) => Some(v),
        Err(e) => {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            let message = e.into_inner().message().to_owned();
            let code = if message.starts_with("unknown field") {
                codes::UNKNOWN_KEY
            } else if message.starts_with("missing field") {
                codes::MISSING_KEY
            } else {
                codes::INVALID_VALUE
            };
            errors.push(code, path, message);
            None
        }
    }
}
