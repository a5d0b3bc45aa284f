//! Translations: Fluent files under `i18n/`, Japanese first, English second.
//! No user-facing text lives in code or templates; a test checks that both
//! languages define every key the templates use.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use unic_langid::LanguageIdentifier;

/// The cookie holding the portal language a person chose.
pub(crate) const LANG_COOKIE: &str = "renkei_lang";

/// A portal language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// `ja` unless `en` is asked for.
    pub fn from_code(s: &str) -> Self {
        if s.trim().eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::Ja
        }
    }
}

/// The language of an API answer: the portal's language cookie, else the
/// first of Japanese or English in `Accept-Language`, else English (the
/// language of machine clients' logs).
pub(crate) fn api_lang(headers: &axum::http::HeaderMap) -> Lang {
    let jar = axum_extra::extract::CookieJar::from_headers(headers);
    if let Some(c) = jar.get(LANG_COOKIE) {
        return Lang::from_code(c.value());
    }
    headers
        .get_all(axum::http::header::ACCEPT_LANGUAGE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter(|range| !range.split(';').skip(1).any(|p| p.trim() == "q=0"))
        .filter_map(|range| {
            let tag = range.split(';').next()?.trim().to_ascii_lowercase();
            match tag.split('-').next()? {
                "ja" => Some(Lang::Ja),
                "en" => Some(Lang::En),
                _ => None,
            }
        })
        .next()
        .unwrap_or(Lang::En)
}

/// The Fluent files, one per room of the portal (`i18n/<lang>/<room>.ftl`),
/// so each capability keeps its own words beside the others'. A key is
/// defined once across a language's files (checked by tests).
macro_rules! rooms {
    ($($room:literal),* $(,)?) => {
        /// `(room, Japanese source, English source)`.
        pub const SOURCES: &[(&str, &str, &str)] = &[$((
            $room,
            include_str!(concat!("../../i18n/ja/", $room, ".ftl")),
            include_str!(concat!("../../i18n/en/", $room, ".ftl")),
        )),*];
    };
}

rooms!(
    "portal",
    "errors",
    "share",
    "mfa",
    "account",
    "oidc",
    "messages",
    "intel",
    "start",
    "shareform",
    "audit",
    "admin",
    "codes",
    "forms",
    "report",
    "mail",
    "alerts"
);

/// Both languages' bundles.
pub struct Translations {
    ja: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for Translations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Translations")
    }
}

fn bundle<'a>(lang: &str, sources: impl Iterator<Item = &'a str>) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = lang.parse().expect("static language id");
    let mut b = FluentBundle::new_concurrent(vec![id]);
    // Fluent wraps placeables in Unicode isolation marks by default; the
    // portal is single-direction text, and the marks break copy/paste.
    b.set_use_isolating(false);
    for src in sources {
        let res = FluentResource::try_new(src.to_owned())
            .expect("translation files parse (checked by tests)");
        b.add_resource(res)
            .expect("no duplicate keys (checked by tests)");
    }
    b
}

impl Translations {
    pub fn load() -> Self {
        Self {
            ja: bundle("ja", SOURCES.iter().map(|(_, ja, _)| *ja)),
            en: bundle("en", SOURCES.iter().map(|(_, _, en)| *en)),
        }
    }

    /// The bundles, loaded once per process, for texts made outside a
    /// handler's state (error messages built in extractors).
    pub fn global() -> &'static Self {
        static T: std::sync::LazyLock<Translations> = std::sync::LazyLock::new(Translations::load);
        &T
    }

    /// Whether `key` has a text in `lang`.
    pub fn has(&self, lang: Lang, key: &str) -> bool {
        let b = match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        };
        b.has_message(key)
    }

    /// The text for `key`, with `args` filled in; the key itself if missing,
    /// so a gap shows up on the page rather than crashing it.
    pub fn get(&self, lang: Lang, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let b = match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        };
        let Some(pattern) = b.get_message(key).and_then(|m| m.value()) else {
            return key.to_owned();
        };
        let mut errors = Vec::new();
        b.format_pattern(pattern, args, &mut errors).into_owned()
    }
}

/// Keys defined in a Fluent source (message ids at line start); the
/// tests hold both languages and the templates against them.
#[cfg(test)]
fn keys(src: &str) -> Vec<&str> {
    src.lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key Japanese defines, across its files.
    fn defined() -> Vec<&'static str> {
        SOURCES.iter().flat_map(|(_, ja, _)| keys(ja)).collect()
    }

    #[test]
    fn both_languages_parse_and_define_the_same_keys_room_by_room() {
        for (room, ja, en) in SOURCES {
            for src in [ja, en] {
                FluentResource::try_new((*src).to_owned())
                    .map_err(|(_, e)| format!("{room}: {e:?}"))
                    .expect("parses");
            }
            let mut ja = keys(ja);
            let mut en = keys(en);
            ja.sort_unstable();
            en.sort_unstable();
            let missing_en: Vec<_> = ja.iter().filter(|k| !en.contains(k)).collect();
            let missing_ja: Vec<_> = en.iter().filter(|k| !ja.contains(k)).collect();
            assert!(
                missing_en.is_empty() && missing_ja.is_empty(),
                "{room}: en lacks {missing_en:?}; ja lacks {missing_ja:?}"
            );
        }
        let mut all = defined();
        all.sort_unstable();
        let twice: Vec<_> = all.windows(2).filter(|w| w[0] == w[1]).collect();
        assert!(twice.is_empty(), "defined in two files: {twice:?}");
        let t = Translations::load();
        assert_eq!(t.get(Lang::Ja, "nav-home", None), "ホーム");
        assert_eq!(t.get(Lang::En, "nav-home", None), "Home");
    }

    #[test]
    fn api_answers_speak_the_callers_language() {
        use axum::http::{HeaderMap, HeaderValue, header};
        let h = |pairs: &[(header::HeaderName, &'static str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.append(k.clone(), HeaderValue::from_static(v));
            }
            m
        };
        assert_eq!(api_lang(&h(&[])), Lang::En);
        assert_eq!(
            api_lang(&h(&[(header::ACCEPT_LANGUAGE, "ja-JP,en;q=0.5")])),
            Lang::Ja
        );
        assert_eq!(
            api_lang(&h(&[(header::ACCEPT_LANGUAGE, "fr, en-GB;q=0.8")])),
            Lang::En
        );
        assert_eq!(
            api_lang(&h(&[(header::ACCEPT_LANGUAGE, "ja;q=0, en")])),
            Lang::En
        );
        let both = [
            (header::ACCEPT_LANGUAGE, "en"),
            (header::COOKIE, "renkei_lang=ja"),
        ];
        assert_eq!(api_lang(&h(&both)), Lang::Ja, "the portal's choice wins");
    }

    #[test]
    fn every_vocabulary_value_has_a_text() {
        use renkei_core::{OrgKind, Role, Sector};
        let defined = defined();
        let mut want: Vec<String> = Vec::new();
        want.extend(OrgKind::ALL.iter().map(|k| format!("kind-{k}")));
        want.extend(Role::ALL.iter().map(|r| format!("role-{}", r.as_str())));
        want.extend(Sector::KNOWN.iter().map(|s| format!("sector-{s}")));
        want.extend(
            ["ok", "denied", "failed"]
                .iter()
                .map(|o| format!("outcome-{o}")),
        );
        for section in ["intel", "reports", "advisories", "detections"] {
            want.push(format!("nav-{section}"));
        }
        // Sections still to come say so; reporting has come.
        for section in ["intel", "advisories", "detections"] {
            want.push(format!("upcoming-{section}"));
        }
        want.extend(
            renkei_stix::lists::NOTE_CODES
                .iter()
                .map(|c| format!("list-note-{c}")),
        );
        want.extend(
            renkei_stix::Layout::ALL
                .iter()
                .map(|l| format!("import-layout-{}", l.as_str())),
        );
        for k in &want {
            assert!(defined.contains(&k.as_str()), "no text for {k}");
        }
    }

    #[test]
    fn every_key_used_in_templates_exists() {
        let defined = defined();
        for (name, src) in crate::http::templates::SOURCES {
            for part in src.split("t(\"").skip(1) {
                let key = part.split('"').next().unwrap_or_default();
                // `t("kind-" ~ o.kind)` names a family, checked above.
                if key.ends_with('-') {
                    continue;
                }
                assert!(
                    defined.contains(&key),
                    "template {name} uses undefined key {key:?}"
                );
            }
        }
    }
}
