//! Intelligence in words for the portal pages: an object's values by kind
//! ("IPアドレス 203.0.113.45") rather than its pattern, its type, what its
//! TLP means, its audience and sharer by name, and times in JST. The words
//! are Fluent keys (room `intel`); this module only chooses them.

use minijinja::context;
use minijinja::value::Value;
use renkei_core::model::{Community, Org, User};
use renkei_core::{Audience, IndicatorValue, OrgId, Timestamp, Tlp, ValueKind};

use crate::http::AppState;
use crate::http::i18n::Lang;
use crate::http::page::{org_name, tlp_class};

/// STIX types the portal names in words (`intel-type-…`); others are shown
/// as their STIX name.
const NAMED_TYPES: [&str; 18] = [
    "indicator",
    "sighting",
    "report",
    "malware",
    "threat-actor",
    "intrusion-set",
    "campaign",
    "vulnerability",
    "attack-pattern",
    "identity",
    "note",
    "observed-data",
    "ipv4-addr",
    "ipv6-addr",
    "domain-name",
    "url",
    "email-addr",
    "file",
];

/// The Fluent key naming a STIX type, if it has one.
pub(super) fn type_key(stix_type: &str) -> Option<String> {
    NAMED_TYPES
        .contains(&stix_type)
        .then(|| format!("intel-type-{stix_type}"))
}

/// The Fluent key of the sentence saying what `tlp` lets a reader do.
pub(super) fn tlp_meaning_key(tlp: Tlp) -> String {
    format!("intel-{}-means", tlp_class(tlp))
}

/// The values an object stands for: an indicator's pattern's values, or a
/// cyber-observable's own value.
pub(super) fn values_of(stix_type: &str, body: &serde_json::Value) -> Vec<IndicatorValue> {
    if stix_type == "indicator" {
        return renkei_stix::parse_object(body, None)
            .map(|o| renkei_stix::indicator_values(&o))
            .unwrap_or_default();
    }
    let value = body.get("value").and_then(serde_json::Value::as_str);
    match (
        ValueKind::from_stix_path(&format!("{stix_type}:value")),
        value,
    ) {
        (Some(k), Some(v)) => IndicatorValue::parse(k, v).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// The Fluent key naming the kind of `v` (a network is one of its own).
pub(super) fn kind_key(v: &IndicatorValue) -> String {
    if v.is_network() {
        "intel-kind-network".to_owned()
    } else {
        format!("intel-kind-{}", v.kind().as_str())
    }
}

/// One value for a template: `kind` (a Fluent key) and `value`.
pub(super) fn value_ctx(v: &IndicatorValue) -> Value {
    context! { kind => kind_key(v), value => v.value() }
}

/// A STIX timestamp (a version) in JST, as every portal time; text that is
/// not one is shown as it is.
pub(super) fn stix_time(text: &str) -> String {
    renkei_stix::StixTime::parse(text).map_or_else(
        |_| text.to_owned(),
        |t| Timestamp(t.micros).to_jst_display(),
    )
}

/// What the portal knows by name: organisations, communities, and the
/// people named in the audiences on the page.
pub(super) struct Names {
    lang: Lang,
    orgs: Vec<Org>,
    communities: Vec<Community>,
    users: Vec<User>,
}

impl Names {
    pub(super) async fn load(s: &AppState, lang: Lang) -> Self {
        Self {
            lang,
            orgs: s.store.list_orgs().await.unwrap_or_default(),
            communities: s.store.list_communities().await.unwrap_or_default(),
            users: Vec::new(),
        }
    }

    /// Loads the people `audiences` name (only audiences of versions the
    /// reader may read reach here).
    pub(super) async fn with_users(mut self, s: &AppState, audiences: &[(i64, Audience)]) -> Self {
        let ids: Vec<renkei_core::UserId> = audiences
            .iter()
            .flat_map(|(_, a)| a.users.iter().copied())
            .collect();
        for id in &ids {
            if !self.users.iter().any(|u| u.id == *id)
                && let Ok(u) = s.store.get_user(*id).await
            {
                self.users.push(u);
            }
        }
        self
    }

    pub(super) fn org(&self, id: i64) -> String {
        self.orgs
            .iter()
            .find(|o| o.id == OrgId(id))
            .map_or_else(|| id.to_string(), |o| org_name(o, self.lang))
    }

    /// The audience as names: communities, sectors, organisations, people.
    pub(super) fn audience(&self, s: &AppState, a: &Audience) -> Vec<String> {
        let mut out: Vec<String> = a
            .communities
            .iter()
            .map(|c| {
                self.communities.iter().find(|x| x.id == *c).map_or_else(
                    || c.to_string(),
                    |x| {
                        if self.lang == Lang::Ja {
                            x.name_ja.clone()
                        } else {
                            x.name_en.clone()
                        }
                    },
                )
            })
            .collect();
        out.extend(
            a.sectors
                .iter()
                .map(|x| s.i18n.get(self.lang, &format!("sector-{x}"), None)),
        );
        out.extend(a.orgs.iter().map(|o| self.org(o.0)));
        out.extend(a.users.iter().map(|u| {
            self.users
                .iter()
                .find(|x| x.id == *u)
                .map_or_else(|| u.to_string(), |x| x.display_name.clone())
        }));
        out
    }
}

/// One object as a row of a results table, in words.
pub(super) fn object_row(f: &renkei_store::index::FoundObject, names: &Names) -> Value {
    let body: serde_json::Value = serde_json::from_str(&f.row.body).unwrap_or_default();
    row_ctx(
        &f.row,
        &body,
        Some(names.org(f.owner_org)),
        Timestamp(f.row.date_added).to_jst_display(),
    )
}

/// A row's words: type, name, values, a sighting's count, and the pattern
/// for the toggle.
pub(super) fn row_ctx(
    row: &renkei_store::intel::StixRow,
    body: &serde_json::Value,
    owner: Option<String>,
    added: String,
) -> Value {
    let text = |k: &str| {
        body.get(k)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let values: Vec<Value> = values_of(&row.stix_type, body)
        .iter()
        .map(value_ctx)
        .collect();
    context! {
        id => row.stix_id.clone(), kind => row.stix_type.clone(), type_key => type_key(&row.stix_type),
        name => text("name"), pattern => text("pattern"), values,
        count => body.get("count").and_then(serde_json::Value::as_i64),
        tlp => row.tlp.as_str(), tlp_class => tlp_class(row.tlp), tlp_means => tlp_meaning_key(row.tlp),
        owner, added, version => stix_time(&row.version),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_indicator_reads_as_its_values() {
        let body = serde_json::json!({
            "type": "indicator", "spec_version": "2.1",
            "id": "indicator--5e1a0001-0000-4000-8000-000000000001",
            "created": "2026-11-18T09:00:00.000Z", "modified": "2026-11-18T09:00:00.000Z",
            "pattern": "[ipv4-addr:value = '203.0.113.0/24'] OR [url:value = 'http://a.example.com/x']",
            "pattern_type": "stix", "valid_from": "2026-11-18T09:00:00Z"
        });
        let v = values_of("indicator", &body);
        let keys: Vec<(String, &str)> = v.iter().map(|v| (kind_key(v), v.value())).collect();
        assert_eq!(
            keys,
            [
                ("intel-kind-network".to_owned(), "203.0.113.0/24"),
                ("intel-kind-url".to_owned(), "http://a.example.com/x")
            ]
        );
        let sco = serde_json::json!({ "type": "domain-name", "value": "Evil.Example.com" });
        assert_eq!(
            values_of("domain-name", &sco)[0].value(),
            "evil.example.com"
        );
        assert_eq!(
            stix_time("2026-11-18T09:00:00.000Z"),
            "2026-11-18 18:00:00 JST"
        );
        assert_eq!(stix_time("yesterday"), "yesterday");
        assert_eq!(
            tlp_meaning_key(Tlp::AmberStrict),
            "intel-tlp-amber-strict-means"
        );
    }
}
