//! How failures become HTTP responses, in one place.
//!
//! Policy: every client error is `application/problem+json` (RFC 9457) with a
//! `title`, a `detail` a person can act on, and, when one input was wrong,
//! `field` naming it. Store conflicts are 409, invalid input 422, refusals
//! 403, unknown or unreadable records 404 (the same answer, so existence is
//! not revealed). Server faults are 500 with no internals in the body; the
//! cause goes to the log.
//!
//! An error with a stable `code` (listed in [`CODES`]) takes its `detail`
//! from the Fluent bundles (`error-<code>`) in the caller's language, so a
//! client can act on the code whatever the language.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fluent_bundle::{FluentArgs, FluentValue};
use renkei_store::StoreError;
use serde::Serialize;

use super::i18n::{Lang, Translations};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: String,
    pub field: Option<String>,
    /// Every problem, when there are several (e.g. a refused bundle).
    pub errors: Option<Box<serde_json::Value>>,
    /// A stable code naming the problem, for clients to act on.
    pub code: Option<&'static str>,
    /// Seconds to wait before trying again (`Retry-After`), for refusals
    /// of a busy server.
    pub retry_after: Option<u16>,
    /// The code's named arguments, for the portal's text in the reader's
    /// language ([`ApiError::message`]).
    /// Boxed: errors travel in `Result`s everywhere and stay small.
    pub args: Option<Box<Args>>,
}

/// Named arguments of an error's code.
pub type Args = Vec<(&'static str, String)>;

fn owned(args: &[(&'static str, &str)]) -> Option<Box<Args>> {
    (!args.is_empty()).then(|| Box::new(args.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()))
}

/// The stable error codes; each has its text `error-<code>` in both languages.
pub(crate) const CODES: &[&str] = &[
    "alert-reason-required",
    "alert-relay-red",
    "alert-relay-wider",
    "alert-forward-tlp",
    "alert-no-targets",
    "alert-indicator-bad",
    "alert-choose-audience",
    "alert-source-unknown",
    "alert-source-no-consent",
    "not-found",
    "forbidden",
    "conflict",
    "objects-refused",
    "admin-only",
    "form-expired",
    "tlp-required",
    "format-required",
    "lines-refused",
    "objects-unreadable",
    "no-values",
    "page-not-found",
    "csrf-header-required",
    "origin-mismatch",
    "unsupported-media-type",
    "metrics-token-required",
    "metrics-not-served",
    "webhook-address-refused",
    "stix-2-0-not-accepted",
    "server-busy",
    "request-timeout",
    "recipients-unknown",
    "recipients-too-many",
    "recipients-need-red",
    "red-needs-a-person",
    "share-choose-tlp",
    "share-choose-collection",
    "share-collection-refused",
    "share-audience-unknown",
    "share-lines-unreadable",
    "share-no-values",
    "audit-filter-invalid",
    "audit-filter-range",
    "import-file-required",
    "import-draft-gone",
    "report-profile-unknown",
    "report-profiles-required",
    "report-too-many",
    "report-time-invalid",
    "report-event-unknown",
    "report-condition-unknown",
    "report-stage-unknown",
    "report-date-out-of-range",
    "report-values-invalid",
    "report-common-unknown",
    "report-order-unknown",
    "report-cursor-invalid",
    "report-form-unknown",
    "report-stage-required",
    "report-attachment-refused",
    "report-notice-unknown",
    "report-recipient-unknown",
    "report-export-format-unknown",
    "report-export-nothing",
];

/// An error as sent: RFC 9457 problem details, `application/problem+json`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Problem<'a> {
    /// Always `about:blank`: the status and `code` say what happened.
    #[serde(rename = "type")]
    kind: &'static str,
    /// The HTTP status's meaning in a few English words.
    title: &'a str,
    /// The HTTP status code.
    status: u16,
    /// What went wrong, for a person to act on.
    detail: &'a str,
    /// The input that was wrong: a field of the JSON body (by path), a
    /// query parameter, or `Content-Type`.
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    /// Every problem, when there are several (a refused bundle's objects, a
    /// list's unreadable lines), each naming where it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    errors: Option<&'a serde_json::Value>,
    /// A stable code naming the problem, for clients to act on whatever
    /// the language of `detail`.
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
}

impl ApiError {
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            title,
            detail: detail.into(),
            field: None,
            errors: None,
            code: None,
            retry_after: None,
            args: None,
        }
    }

    /// An error with a stable `code` whose detail is `error-<code>` from
    /// the Fluent bundles in `lang`, with `args` filled in.
    pub(crate) fn coded(
        status: StatusCode,
        title: &'static str,
        code: &'static str,
        lang: Lang,
        args: &[(&'static str, &str)],
    ) -> Self {
        debug_assert!(CODES.contains(&code), "unlisted error code {code}");
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, FluentValue::from(v.to_string()));
        }
        let key = format!("error-{code}");
        let detail = Translations::global().get(lang, &key, Some(&fa));
        Self {
            code: Some(code),
            args: owned(args),
            ..Self::new(status, title, detail)
        }
    }

    /// The same error with a stable code and its arguments; the English
    /// `detail` stays for REST and logs, the portal shows the code's text.
    #[must_use]
    pub(crate) fn with_code(mut self, code: &'static str, args: &[(&'static str, &str)]) -> Self {
        debug_assert!(
            CODES.contains(&code)
                || renkei_core::PARSE_CODES.contains(&code)
                || renkei_stix::PARSE_CODES.contains(&code),
            "unlisted error code {code}"
        );
        self.code = Some(code);
        self.args = owned(args);
        self
    }

    /// What the portal shows for this error, in `lang`: the text of its
    /// code, else the text for its status. Never the English `detail`, so
    /// no message outside the bundles reaches a page.
    pub(crate) fn message(&self, lang: Lang) -> String {
        super::messages::for_error(self, lang)
    }

    pub fn field(field: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            title: "Invalid input",
            detail: detail.into(),
            field: Some(field.to_owned()),
            errors: None,
            code: None,
            retry_after: None,
            args: None,
        }
    }

    /// 503 with `Retry-After`: the server is at a limit it keeps (requests
    /// at once, parses, TAXII adds) and changed nothing for this request.
    pub(crate) fn busy(lang: Lang, retry_after: u16) -> Self {
        let secs = retry_after.to_string();
        Self {
            retry_after: Some(retry_after),
            ..Self::coded(
                StatusCode::SERVICE_UNAVAILABLE,
                "Busy",
                "server-busy",
                lang,
                &[("seconds", &secs)],
            )
        }
    }

    /// 503: the request took longer than `request_timeout_secs` and was
    /// stopped.
    pub(crate) fn timed_out(lang: Lang, secs: u64) -> Self {
        Self::coded(
            StatusCode::SERVICE_UNAVAILABLE,
            "Request timeout",
            "request-timeout",
            lang,
            &[("seconds", &secs.to_string())],
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "Authentication required",
            "sign in or send a bearer token",
        )
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "Forbidden", detail)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Not found",
            format!("{what} not found"),
        )
        .with_code("not-found", &[])
    }

    fn with_args(mut self, args: Args) -> Self {
        self.args = (!args.is_empty()).then(|| Box::new(args));
        self
    }

    /// The code's named arguments.
    pub(crate) fn args(&self) -> &[(&'static str, String)] {
        self.args.as_deref().map_or(&[], Vec::as_slice)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::not_found(what),
            StoreError::AdminOnly(why) => Self::forbidden(why).with_code("admin-only", &[]),
            StoreError::Forbidden(why) => Self::forbidden(why).with_code("forbidden", &[]),
            StoreError::UnknownRecipients { field, names } => {
                let names = names.join(", ");
                Self {
                    field: Some(field.to_owned()),
                    code: Some("audience-unknown-ids"),
                    args: Some(Box::new(vec![("names", names.clone())])),
                    ..Self::new(
                        StatusCode::CONFLICT,
                        "Conflict",
                        format!("{field}: no such recipient: {names}"),
                    )
                }
            }
            StoreError::Conflict { field, message } => Self {
                status: StatusCode::CONFLICT,
                title: "Conflict",
                detail: format!("{field}: {message}"),
                field: Some(field.to_owned()),
                errors: None,
                code: Some("conflict"),
                retry_after: None,
                args: None,
            },
            StoreError::Invalid(p) => p.into(),
            StoreError::Refused(list) => {
                let errors = serde_json::json!(
                    list.iter()
                        .map(|(id, v, m)| serde_json::json!({"id": id, "version": v, "message": m}))
                        .collect::<Vec<_>>()
                );
                Self {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    title: "Refused",
                    detail: format!("{} object(s) refused; nothing was stored", list.len()),
                    field: Some("objects".into()),
                    errors: Some(Box::new(errors)),
                    code: Some("objects-refused"),
                    retry_after: None,
                    args: None,
                }
            }
            other => {
                tracing::error!(error = %other, "store failure");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal error",
                    "the server could not complete the request",
                )
            }
        }
    }
}

impl From<renkei_core::ParseError> for ApiError {
    fn from(p: renkei_core::ParseError) -> Self {
        Self {
            code: Some(p.code),
            ..Self::field(p.field, p.to_string())
        }
        .with_args(p.args)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&Problem {
            kind: "about:blank",
            title: self.title,
            status: self.status.as_u16(),
            detail: &self.detail,
            field: self.field.as_deref(),
            errors: self.errors.as_deref(),
            code: self.code,
        })
        .unwrap_or_default();
        let mut r = (self.status, body).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"renkei\", Bearer"),
            );
        }
        if let Some(secs) = self.retry_after {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_text_in_both_languages() {
        let t = Translations::global();
        for code in CODES {
            let key = format!("error-{code}");
            for lang in [Lang::Ja, Lang::En] {
                assert_ne!(t.get(lang, &key, None), key, "{key} ({lang:?})");
            }
        }
        let e = ApiError::coded(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "origin-mismatch",
            Lang::Ja,
            &[("origin", "https://evil.example")],
        );
        assert_eq!(e.code, Some("origin-mismatch"));
        assert!(e.detail.contains("https://evil.example"), "{}", e.detail);
    }
}
