//! The OpenAPI document, served at `/api/openapi.json`: the title, the
//! security schemes, each room's own part merged in (its operations and
//! tags), then the answers every operation shares (`Conventions`).

use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};

use crate::http::AppState;
use crate::http::error::{CODES, Problem};

#[derive(OpenApi)]
#[openapi(
    info(title = "renkei API", description = "Threat-information sharing under need-to-know. Machine clients authenticate with an API token (`Authorization: Bearer …`) or HTTP Basic (e-mail address and password, for accounts without a second factor). Writes made with a portal session cookie carry the session's CSRF token in the X-CSRF-Token header (a portal page's csrf-token meta element); JSON bodies are sent as Content-Type: application/json. Every error is `application/problem+json` (RFC 9457): `detail` says what went wrong, `field` names the input, and `code`, when present, is stable."),
    components(schemas(Problem)),
    modifiers(&Conventions)
)]
struct ApiDoc;

/// The whole document.
pub(crate) fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::ops::Doc::openapi());
    doc.merge(crate::directory::api_doc());
    doc.merge(crate::share::api_doc());
    doc.merge(crate::audit::Doc::openapi());
    doc.merge(crate::report::api_doc());
    // Modifiers run when `openapi()` builds a document, before the merges.
    Conventions::apply(&mut doc);
    doc
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(openapi))
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}

/// The security schemes, and the answers every operation can give without
/// its annotation repeating them: whoever is calling may be refused (401,
/// 403, 429 for HTTP Basic's throttling), a store may fail (500), a JSON
/// body may be too large, of another media type or not the expected shape
/// (413, 415, 422), a query parameter may not parse (422), a path may name
/// nothing (404). Every error answer is a `Problem`.
struct Conventions;

const PROBLEM_JSON: &str = "application/problem+json";

impl utoipa::Modify for Conventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        c.add_security_scheme(
            "basic",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        );
    }
}

impl Conventions {
    fn apply(doc: &mut utoipa::openapi::OpenApi) {
        for item in doc.paths.paths.values_mut() {
            for op in operations(item) {
                Self::operation(op);
            }
        }
        // The stable codes, listed where clients look for them.
        // Invalid input also carries the domain crates' codes (a value, a line).
        let codes = CODES
            .iter()
            .chain(renkei_core::PARSE_CODES)
            .chain(renkei_stix::PARSE_CODES)
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ");
        if let Some(RefOr::T(utoipa::openapi::schema::Schema::Object(o))) = doc
            .components
            .as_mut()
            .and_then(|c| c.schemas.get_mut("Problem"))
            && let Some(RefOr::T(utoipa::openapi::schema::Schema::Object(code))) =
                o.properties.get_mut("code")
        {
            code.description = Some(format!(
                "{} Codes so far: {codes}.",
                code.description.as_deref().unwrap_or_default()
            ));
        }
    }

    fn operation(op: &mut Operation) {
        let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
        if secured {
            // Either scheme authenticates every secured operation.
            let basic =
                utoipa::openapi::security::SecurityRequirement::new("basic", Vec::<String>::new());
            let security = op.security.get_or_insert_with(Vec::new);
            if !security.contains(&basic) {
                security.push(basic);
            }
        }
        let params = op.parameters.as_deref().unwrap_or_default();
        let has_path = params
            .iter()
            .any(|p| matches!(p.parameter_in, ParameterIn::Path));
        let has_query = params
            .iter()
            .any(|p| matches!(p.parameter_in, ParameterIn::Query));
        // A body read as JSON alone (`ApiJson`), which refuses other media
        // types; a body of several media types is read as bytes.
        let json_body = op
            .request_body
            .as_ref()
            .is_some_and(|b| b.content.len() == 1 && b.content.contains_key("application/json"));
        let mut shared: Vec<(&str, &str)> = Vec::new();
        if secured {
            shared.extend([
                (
                    "401",
                    "not authenticated: no credentials, or an unknown or revoked token, or a wrong password",
                ),
                (
                    "403",
                    "refused: the caller may not do this (or a write from another origin)",
                ),
                ("429", "too many failed sign-ins (HTTP Basic); retry later"),
                ("500", "the server could not complete the request"),
            ]);
        }
        if has_path {
            shared.push(("404", "no such record, or not one the caller may read"));
        }
        if json_body {
            shared.extend([
                ("413", "the body exceeds the size limit"),
                ("415", "the body is not sent as application/json"),
            ]);
        }
        if json_body || has_query {
            shared.push(("422", "invalid input; `field` names it"));
        }
        let responses = &mut op.responses.responses;
        for (status, description) in shared {
            responses.entry(status.to_owned()).or_insert_with(|| {
                RefOr::T(ResponseBuilder::new().description(description).build())
            });
        }
        for (status, response) in responses.iter_mut() {
            let RefOr::T(r) = response else { continue };
            let error = status.starts_with('4') || status.starts_with('5');
            if error && r.content.is_empty() {
                r.content.insert(
                    PROBLEM_JSON.to_owned(),
                    Content::new(Some(Ref::from_schema_name("Problem"))),
                );
            }
        }
    }
}

/// Every operation of a path.
fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Every `$ref` in a JSON value.
    fn references(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x) {
                        ("$ref", serde_json::Value::String(r)) => out.push(r.clone()),
                        _ => references(x, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| references(x, out)),
            _ => {}
        }
    }

    /// What client generators need of every operation: a unique id, one
    /// tag the document describes, and for each status it can answer a
    /// described body (errors as `Problem`), 204 alone having none.
    #[test]
    fn every_operation_is_named_tagged_and_answers_with_schemas() {
        let mut doc = document();
        let value = serde_json::to_value(&doc).expect("json");
        let described: BTreeSet<String> = value["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .filter(|t| t["description"].as_str().is_some_and(|d| !d.is_empty()))
            .map(|t| t["name"].as_str().expect("name").to_owned())
            .collect();
        let mut ids = BTreeSet::new();
        let mut used_tags = BTreeSet::new();
        let mut count = 0;
        for (path, item) in doc.paths.paths.iter_mut() {
            for op in operations(item) {
                count += 1;
                let id = op.operation_id.clone().expect("operation id");
                assert!(ids.insert(id.clone()), "{id} is not unique");
                let tags = op.tags.clone().unwrap_or_default();
                assert_eq!(tags.len(), 1, "{id}: {tags:?}");
                assert!(
                    described.contains(&tags[0]),
                    "{id}: tag {tags:?} undescribed"
                );
                assert!(!tags[0].contains("::"), "{id}: tag {tags:?}");
                used_tags.insert(tags[0].clone());
                // Path parameters are the path's, and only those (a query
                // parameter's struct read through another extractor than
                // `Query` would otherwise be taken for path parameters).
                let mut in_path: Vec<&str> = path
                    .split('{')
                    .skip(1)
                    .filter_map(|p| p.split('}').next())
                    .collect();
                let mut declared: Vec<&str> = op
                    .parameters
                    .iter()
                    .flatten()
                    .filter(|p| matches!(p.parameter_in, ParameterIn::Path))
                    .map(|p| p.name.as_str())
                    .collect();
                in_path.sort_unstable();
                declared.sort_unstable();
                assert_eq!(in_path, declared, "{id} ({path}): path parameters");
                if let Some(body) = &op.request_body {
                    assert!(
                        body.content.values().all(|c| c.schema.is_some()),
                        "{id}: a request body without a schema"
                    );
                }
                assert!(
                    op.responses.responses.keys().any(|s| s.starts_with('2')),
                    "{id} ({path}): no success"
                );
                for (status, r) in &op.responses.responses {
                    let RefOr::T(r) = r else {
                        panic!("{id}: response {status} by reference")
                    };
                    if status == "204" {
                        assert!(r.content.is_empty(), "{id}: 204 with a body");
                        continue;
                    }
                    assert!(!r.content.is_empty(), "{id}: {status} has no content");
                    for (media, c) in &r.content {
                        assert!(c.schema.is_some(), "{id}: {status} {media} has no schema");
                        if status.starts_with('4') || status.starts_with('5') {
                            let problem = serde_json::to_value(&c.schema).expect("json");
                            assert_eq!(
                                (media.as_str(), problem["$ref"].as_str()),
                                (PROBLEM_JSON, Some("#/components/schemas/Problem")),
                                "{id}: {status}"
                            );
                        }
                    }
                }
            }
        }
        assert!(count > 40, "{count} operations");
        let mut refs = Vec::new();
        references(&value, &mut refs);
        for r in refs {
            let name = r.strip_prefix("#/components/schemas/").expect("a schema");
            assert!(
                value["components"]["schemas"].get(name).is_some(),
                "{r} is referenced but not in the document"
            );
        }
        assert_eq!(
            used_tags, described,
            "tags described but unused, or used but undescribed"
        );
        let code = &value["components"]["schemas"]["Problem"]["properties"]["code"]["description"];
        assert!(
            code.as_str()
                .is_some_and(|d| d.contains("`origin-mismatch`")),
            "{code}"
        );
    }
}
