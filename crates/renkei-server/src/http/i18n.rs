//! Translations: Fluent files under `i18n/`, Japanese first, English second.
//! No user-facing text lives in code or templates; a test checks that both
//! languages define every key the templates use.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use unic_langid::LanguageIdentifier;

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

pub const JA_FTL: &str = include_str!("../../i18n/ja.ftl");
pub const EN_FTL: &str = include_str!("../../i18n/en.ftl");

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

fn bundle(lang: &str, src: &str) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = lang.parse().expect("static language id");
    let res = FluentResource::try_new(src.to_owned())
        .expect("translation files parse (checked by tests)");
    let mut b = FluentBundle::new_concurrent(vec![id]);
    // Fluent wraps placeables in Unicode isolation marks by default; the
    // portal is single-direction text, and the marks break copy/paste.
    b.set_use_isolating(false);
    b.add_resource(res)
        .expect("no duplicate keys (checked by tests)");
    b
}

impl Translations {
    pub fn load() -> Self {
        Self {
            ja: bundle("ja", JA_FTL),
            en: bundle("en", EN_FTL),
        }
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

    #[test]
    fn both_languages_parse_and_define_the_same_keys() {
        for src in [JA_FTL, EN_FTL] {
            FluentResource::try_new(src.to_owned())
                .map_err(|(_, e)| format!("{e:?}"))
                .expect("parses");
        }
        let mut ja = keys(JA_FTL);
        let mut en = keys(EN_FTL);
        ja.sort_unstable();
        en.sort_unstable();
        let missing_en: Vec<_> = ja.iter().filter(|k| !en.contains(k)).collect();
        let missing_ja: Vec<_> = en.iter().filter(|k| !ja.contains(k)).collect();
        assert!(
            missing_en.is_empty() && missing_ja.is_empty(),
            "en lacks {missing_en:?}; ja lacks {missing_ja:?}"
        );
        let t = Translations::load();
        assert_eq!(t.get(Lang::Ja, "nav-home", None), "ホーム");
        assert_eq!(t.get(Lang::En, "nav-home", None), "Home");
    }

    #[test]
    fn every_vocabulary_value_has_a_text() {
        use renkei_core::{OrgKind, Role, Sector};
        let defined = keys(JA_FTL);
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
            want.push(format!("upcoming-{section}"));
        }
        for k in &want {
            assert!(defined.contains(&k.as_str()), "no text for {k}");
        }
    }

    #[test]
    fn every_key_used_in_templates_exists() {
        let defined = keys(JA_FTL);
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
