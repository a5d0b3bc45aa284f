//! Store errors: what went wrong, named so the server can map it to a status.

use renkei_core::{ChainBreak, ParseError};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("unsupported database URL scheme {0:?}; use sqlite: or postgres:")]
    UnknownScheme(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("not permitted: {0}")]
    Forbidden(&'static str),
    /// A refusal because the actor administers no organisation the record
    /// belongs to (the text says what only administrators do).
    #[error("not permitted: {0}")]
    AdminOnly(&'static str),
    /// A uniqueness or reference rule refused the write; `field` names the input.
    #[error("{field}: {message}")]
    Conflict {
        field: &'static str,
        message: String,
    },
    /// An audience named communities, organisations or users that do not
    /// exist (`kind:id` each); `field` names the part of the audience.
    #[error("{field}: no such recipient: {}", .names.join(", "))]
    UnknownRecipients {
        field: &'static str,
        names: Vec<String>,
    },
    #[error(transparent)]
    Invalid(#[from] ParseError),
    /// A stored value no longer parses: the database was changed behind our back.
    #[error("corrupt row in {table}: {message}")]
    Corrupt {
        table: &'static str,
        message: String,
    },
    #[error("audit chain: {0}")]
    Audit(#[from] ChainBreak),
    /// Objects of an all-or-nothing add that were refused: (id, version, why).
    #[error("{} object(s) refused", .0.len())]
    Refused(Vec<(String, Option<String>, String)>),
    #[error("audit writer: {0}")]
    AuditWriter(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A read through the SQLite read pool (`sqlite_read.rs`).
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database read: {0}")]
    Read(String),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// A refusal answered as `NotFound(what)`, so that it does not tell a
    /// record the caller may not touch from one that does not exist; any
    /// other error (recording the refusal failed) stays what it is.
    pub(crate) fn hidden(self, what: &'static str) -> Self {
        match self {
            StoreError::Forbidden(_) | StoreError::AdminOnly(_) => StoreError::NotFound(what),
            e => e,
        }
    }

    /// A refusal (`Forbidden`) that only administrators would not get.
    pub(crate) fn admin_only(self) -> Self {
        match self {
            StoreError::Forbidden(why) => StoreError::AdminOnly(why),
            e => e,
        }
    }

    pub(crate) fn corrupt(table: &'static str, e: impl std::fmt::Display) -> Self {
        StoreError::Corrupt {
            table,
            message: e.to_string(),
        }
    }
}
