//! The portal's words for what went wrong: an error, a refused line, a
//! STIX property, a built-in warning list, each rendered from the Fluent
//! text of its stable code in the reader's language (`error-<code>` in
//! `errors.ftl`, `msg-<code>` in `messages.ftl`). The English `detail` of
//! the domain crates stays for REST and logs and never reaches a page:
//! an error with no text of its own gets the text of its status.

use std::sync::Arc;

use fluent_bundle::{FluentArgs, FluentValue};
use minijinja::value::{Object, ObjectRepr, Value};
use renkei_stix::LineError;

use super::error::ApiError;
use super::i18n::{Lang, Translations};

/// The text of `code` with `args` (and the field's label as `field`), if
/// the bundles have one.
fn coded(
    lang: Lang,
    code: &str,
    field: Option<&str>,
    args: &[(&'static str, String)],
) -> Option<String> {
    let t = Translations::global();
    let key = [format!("error-{code}"), format!("msg-{code}")]
        .into_iter()
        .find(|k| t.has(lang, k))?;
    let mut fa = FluentArgs::new();
    for (k, v) in args {
        fa.set(*k, FluentValue::from(v.clone()));
    }
    if let Some(f) = field {
        fa.set("field", FluentValue::from(field_label(lang, f)));
    }
    Some(t.get(lang, &key, Some(&fa)))
}

/// A field's name in words (`field-<name>`), else the name as sent: an
/// identifier such as `objects[0].pattern`, which the page shows as code.
pub(crate) fn field_label(lang: Lang, field: &str) -> String {
    let t = Translations::global();
    let key = format!("field-{field}");
    if t.has(lang, &key) {
        t.get(lang, &key, None)
    } else {
        field.to_owned()
    }
}

/// The statuses with a text of their own (`error-status-<n>`); any other
/// uses `error-status-other`.
pub(crate) const STATUSES: &[u16] = &[400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503];

/// What the portal shows for `e`.
pub(crate) fn for_error(e: &ApiError, lang: Lang) -> String {
    if let Some(text) = e
        .code
        .and_then(|c| coded(lang, c, e.field.as_deref(), e.args()))
    {
        return text;
    }
    let status = e.status.as_u16();
    if matches!(status, 400 | 422)
        && let Some(f) = e.field.as_deref()
    {
        return coded(lang, "invalid", Some(f), &[]).unwrap_or_default();
    }
    let key = if STATUSES.contains(&status) {
        format!("error-status-{status}")
    } else {
        "error-status-other".to_owned()
    };
    Translations::global().get(lang, &key, None)
}

/// What the portal shows for a line of a list that could not be read.
pub(crate) fn for_line(e: &LineError, lang: Lang) -> String {
    coded(lang, e.code, Some(e.field), &e.args)
        .or_else(|| coded(lang, "line-invalid", Some(e.field), &[]))
        .unwrap_or_default()
}

/// What the portal shows for a STIX property a bundle got wrong (the
/// property is shown beside it).
pub(crate) fn for_property(lang: Lang) -> String {
    Translations::global().get(lang, "msg-stix-property", None)
}

/// A built-in warning list's description in `lang` (`msg-warninglist-<key>`),
/// else the built-in English text.
pub(crate) fn warning_list(lang: Lang, key: &str, english: &str) -> String {
    let t = Translations::global();
    let k = format!("msg-warninglist-{key}");
    if t.has(lang, &k) {
        t.get(lang, &k, None)
    } else {
        english.to_owned()
    }
}

/// A text in both portal languages, for a template: `{{ x }}` prints the
/// one of the page (the formatter in `templates.rs` picks it by `l.lang`),
/// so a handler that does not know the language still shows no English.
#[derive(Debug)]
pub(crate) struct Localized {
    ja: String,
    en: String,
}

impl Localized {
    pub(crate) fn value(f: impl Fn(Lang) -> String) -> Value {
        Value::from_object(Self {
            ja: f(Lang::Ja),
            en: f(Lang::En),
        })
    }

    pub(crate) fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }
}

impl Object for Localized {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.ja)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code a page can show has a text in both languages: the
    /// server's, the domain crates' values and lines, every status.
    #[test]
    fn every_code_has_a_text_in_both_languages() {
        let t = Translations::global();
        let mut missing = Vec::new();
        for lang in [Lang::Ja, Lang::En] {
            for c in super::super::error::CODES {
                if !t.has(lang, &format!("error-{c}")) {
                    missing.push(format!("{lang:?} error-{c}"));
                }
            }
            for c in renkei_core::PARSE_CODES
                .iter()
                .chain(renkei_stix::PARSE_CODES)
                .chain(renkei_stix::lists::LINE_CODES)
                .chain(&["stix-property", "audience-unknown-ids", "line-invalid"])
            {
                if !t.has(lang, &format!("msg-{c}")) {
                    missing.push(format!("{lang:?} msg-{c}"));
                }
            }
            for s in STATUSES.iter().map(u16::to_string).chain(["other".into()]) {
                if !t.has(lang, &format!("error-status-{s}")) {
                    missing.push(format!("{lang:?} error-status-{s}"));
                }
            }
            for k in renkei_core::ValueKind::ALL {
                if !t.has(lang, &format!("msg-value-kind-{}", k.as_str())) {
                    missing.push(format!("{lang:?} msg-value-kind-{}", k.as_str()));
                }
            }
            for w in renkei_core::warning::builtin() {
                if !t.has(lang, &format!("msg-warninglist-{}", w.key)) {
                    missing.push(format!("{lang:?} msg-warninglist-{}", w.key));
                }
            }
        }
        assert!(missing.is_empty(), "no text for {missing:?}");
    }

    #[test]
    fn an_error_without_a_text_shows_its_status_not_its_english() {
        let e = ApiError::forbidden("only administrators manage users");
        let ja = for_error(&e, Lang::Ja);
        assert!(!ja.contains("administrators"), "{ja}");
        assert!(!ja.is_empty());
        let e: ApiError =
            renkei_core::IndicatorValue::parse(renkei_core::ValueKind::Ipv4, "999.10.1.1")
                .expect_err("not an address")
                .into();
        let ja = for_error(&e, Lang::Ja);
        assert!(ja.contains("999.10.1.1") && !ja.contains("is not"), "{ja}");
        assert!(for_error(&e, Lang::En).contains("999.10.1.1"));
    }
}
