//! The audit log page for those who read it (platform administrators all
//! of it, organisation administrators their organisation's): filters,
//! 50 entries a page with keyset paging, a CSV export of the filtered
//! view, and verification of the chain. Filters are read by `filter.rs`,
//! as for the REST listing.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use fluent_bundle::FluentArgs;
use minijinja::context;
use minijinja::value::Value;
use renkei_core::checkpoint::Checkpoint;
use renkei_core::{AuditEntry, AuditOutcome, Timestamp};
use renkei_store::{ACTIONS, AuditEvent, Store};
use serde::Deserialize;
use tokio::sync::Semaphore;

use super::filter::{BadField, FilterForm, parse, query_of, scope};

use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::i18n::{Lang, Translations};
use crate::http::page::{CsrfForm, PortalForm, error_page, layout, login_redirect, render};

/// Entries on one page.
pub const PAGE: i64 = 50;

/// One verification at a time: it reads the whole log.
static VERIFYING: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(1));

/// The Fluent key naming an action code (`item.read` → `action-item-read`).
pub fn action_key(code: &str) -> String {
    format!("action-{}", code.replace('.', "-"))
}

/// An action's name in `lang`, the code itself if it has none.
fn action_name(t: &Translations, lang: Lang, code: &str) -> String {
    if ACTIONS.contains(&code) {
        t.get(lang, &action_key(code), None)
    } else {
        code.to_owned()
    }
}

/// Organisation names by id, for the filter and the rows.
async fn org_names(s: &AppState, lang: Lang) -> HashMap<i64, String> {
    let orgs = s.store.list_orgs().await.unwrap_or_default();
    orgs.iter()
        .map(|o| (o.id.0, crate::http::page::org_name(o, lang)))
        .collect()
}

fn shorten(s: &str, n: usize) -> (String, bool) {
    if s.chars().count() <= n {
        (s.to_owned(), false)
    } else {
        (s.chars().take(n).collect::<String>() + "…", true)
    }
}

pub(crate) async fn audit_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Query(form): Query<FilterForm>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/admin/audit") {
        return r;
    }
    show(&s, lang, &p, form, None).await
}

/// The page for `form`, with a verification's result if one was run.
async fn show(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    form: FilterForm,
    verified: Option<Value>,
) -> Response {
    let names = org_names(s, lang).await;
    let platform = renkei_core::is_platform_admin(p.viewer());
    let orgs: Vec<Value> = if platform {
        let mut v: Vec<_> = names.iter().collect();
        v.sort_by_key(|(id, _)| **id);
        v.into_iter()
            .map(|(id, name)| context! { id, name, selected => form.org.trim() == id.to_string() })
            .collect()
    } else {
        Vec::new()
    };
    let actions: Vec<Value> = ACTIONS
        .iter()
        .map(|a| context! { code => a, name => action_name(&s.i18n, lang, a), selected => form.action.trim() == *a })
        .collect();
    let l = layout(s, p, lang, "/admin/audit").await;
    let base = context! {
        l, orgs, actions, platform, verified,
        f => form.fields().into_iter().collect::<std::collections::BTreeMap<_, _>>(),
        export_max => renkei_store::audit::EXPORT_MAX,
    };
    let mut filter = match parse(&form) {
        Ok(f) => f,
        Err(BadField(field)) => {
            let error = context! { field, key => format!("audit-error-{field}") };
            let ctx = context! { error, entries => Vec::<Value>::new(), ..base };
            return render(s, StatusCode::BAD_REQUEST, "audit.html", ctx);
        }
    };
    scope(p, &mut filter);
    let page = match s.store.search_audit(&p.actor, &filter, PAGE).await {
        Ok(pg) => pg,
        Err(e) => return error_page(s, p, lang, e.into()).await,
    };
    let rows: Vec<Value> = page
        .entries
        .iter()
        .map(|e| row(s, lang, &names, e))
        .collect();
    let next = page.next_before.map(|b| query_of(&form, Some(b)));
    let here = query_of(&form, None);
    let paged = filter.before_seq.is_some();
    render(
        s,
        StatusCode::OK,
        "audit.html",
        context! {
            entries => rows, next, here, paged, window_ended => page.window_ended, ..base
        },
    )
}

fn row(s: &AppState, lang: Lang, names: &HashMap<i64, String>, e: &AuditEntry) -> Value {
    let (object_short, object_cut) = shorten(&e.object, 40);
    let (detail_short, detail_cut) = shorten(&e.detail, 60);
    let org = e.actor_org.and_then(|o| names.get(&o.0).cloned());
    context! {
        seq => e.seq, at => e.at.to_jst_display(), actor => e.actor, org,
        action => e.action, action_name => action_name(&s.i18n, lang, &e.action),
        object => e.object, object_short, object_cut, source => e.source,
        outcome => e.outcome.as_str(), detail => e.detail, detail_short, detail_cut,
        hash => e.hash, hash_short => e.hash.get(..12).unwrap_or_default(),
    }
}

/// The filtered view as CSV: UTF-8 with a byte order mark (so Excel reads
/// Japanese), headers in the viewer's language, at most `EXPORT_MAX` rows.
pub(crate) async fn audit_csv(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Query(form): Query<FilterForm>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/admin/audit") {
        return r;
    }
    let mut filter = match parse(&form) {
        Ok(f) => f,
        // The page shows the same error by field.
        Err(_) => return show(&s, lang, &p, form, None).await,
    };
    filter.before_seq = None;
    scope(&p, &mut filter);
    let (entries, more) = match s.store.export_audit(&p.actor, &filter).await {
        Ok(x) => x,
        Err(e) => return error_page(&s, &p, lang, e.into()).await,
    };
    let names = org_names(&s, lang).await;
    let body = csv(&s.i18n, lang, &names, &entries, more);
    let name = format!(
        "audit-{}.csv",
        Timestamp::now().to_jst_display().get(..10).unwrap_or("log")
    );
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// The CSV text, BOM first.
pub(crate) fn csv(
    t: &Translations,
    lang: Lang,
    names: &HashMap<i64, String>,
    entries: &[AuditEntry],
    more: bool,
) -> String {
    let head = [
        "audit-col-seq",
        "col-date",
        "col-actor",
        "col-org",
        "col-action",
        "audit-col-action-code",
        "col-object",
        "col-source",
        "col-outcome",
        "col-detail",
        "audit-col-hash-full",
    ];
    let mut out = String::from("\u{feff}");
    let line = |out: &mut String, cells: &[String]| {
        let cells: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    };
    let titles: Vec<String> = head.iter().map(|k| t.get(lang, k, None)).collect();
    line(&mut out, &titles);
    for e in entries {
        let org = e
            .actor_org
            .map(|o| names.get(&o.0).cloned().unwrap_or_else(|| o.0.to_string()))
            .unwrap_or_default();
        line(
            &mut out,
            &[
                e.seq.to_string(),
                e.at.to_jst_display(),
                e.actor.clone(),
                org,
                action_name(t, lang, &e.action),
                e.action.clone(),
                e.object.clone(),
                e.source.clone(),
                t.get(lang, &format!("outcome-{}", e.outcome.as_str()), None),
                e.detail.clone(),
                e.hash.clone(),
            ],
        );
    }
    if more {
        let mut args = FluentArgs::new();
        args.set("max", renkei_store::audit::EXPORT_MAX as i64);
        let mut cut = vec![String::new(); head.len()];
        cut[1] = t.get(lang, "audit-export-cut", Some(&args));
        line(&mut out, &cut);
    }
    out
}

/// One CSV cell: quoted when it must be, and a leading `= + - @` made
/// inert so a spreadsheet does not run it as a formula.
fn cell(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{v}")
    } else {
        v.to_owned()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct VerifyForm {
    csrf: String,
}

impl PortalForm for VerifyForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }

    fn page(_: &str) -> String {
        "/admin/audit".into()
    }
}

/// Runs the verifier (against the latest signed checkpoint when there is
/// one) on a blocking thread, one at a time, records that it ran, and
/// shows the page with its result.
pub(crate) async fn verify(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    CsrfForm(_): CsrfForm<VerifyForm>,
) -> Response {
    if !renkei_core::is_platform_admin(p.viewer()) {
        let why = "only the national office's administrators verify the audit log";
        let ev = AuditEvent {
            action: "audit.verify".into(),
            object: "audit:all".into(),
            outcome: AuditOutcome::Denied,
            detail: why.into(),
        };
        if let Err(e) = s.store.audit(&p.actor, ev).await {
            return error_page(&s, &p, lang, e.into()).await;
        }
        let v = context! { state => "forbidden" };
        let mut r = show(&s, lang, &p, FilterForm::default(), Some(v)).await;
        *r.status_mut() = StatusCode::FORBIDDEN;
        return r;
    }
    let Ok(_one) = VERIFYING.try_acquire() else {
        let v = context! { state => "busy" };
        return show(&s, lang, &p, FilterForm::default(), Some(v)).await;
    };
    let result = run_verifier(&s).await;
    let (outcome, detail) = match &result {
        Verified::Intact { count, .. } => (AuditOutcome::Ok, format!("intact: {count} entries")),
        Verified::Broken { seq, reason } => {
            (AuditOutcome::Failed, format!("broken at {seq}: {reason}"))
        }
        Verified::CheckpointRefused(e) => (AuditOutcome::Failed, format!("checkpoint: {e}")),
        Verified::Failed(e) => (AuditOutcome::Failed, e.clone()),
    };
    let ev = AuditEvent {
        action: "audit.verify".into(),
        object: "audit:all".into(),
        outcome,
        detail,
    };
    if let Err(e) = s.store.audit(&p.actor, ev).await {
        return error_page(&s, &p, lang, e.into()).await;
    }
    let v = match result {
        Verified::Intact { count, checkpoint } => context! {
            state => "ok", count,
            signed => checkpoint.as_ref().map(|c| c.size),
            time => checkpoint.as_ref().map(|c| Timestamp(c.time.saturating_mul(1_000_000)).to_jst_display()),
        },
        Verified::Broken { seq, reason } => context! { state => "broken", seq, reason },
        Verified::CheckpointRefused(reason) => context! { state => "refused", reason },
        Verified::Failed(reason) => context! { state => "failed", reason },
    };
    show(&s, lang, &p, FilterForm::default(), Some(v)).await
}

/// What a verification found.
#[derive(Debug)]
enum Verified {
    Intact {
        count: i64,
        checkpoint: Option<Checkpoint>,
    },
    Broken {
        seq: i64,
        reason: String,
    },
    CheckpointRefused(String),
    Failed(String),
}

async fn run_verifier(s: &AppState) -> Verified {
    let store = s.store.clone();
    let settings = s.settings.clone();
    let rt = tokio::runtime::Handle::current();
    // Hashing the whole log is CPU work: a blocking thread, not a worker.
    let job = tokio::task::spawn_blocking(move || rt.block_on(verify_now(store, &settings)));
    job.await
        .unwrap_or_else(|e| Verified::Failed(format!("the verifier stopped: {e}")))
}

async fn verify_now(store: std::sync::Arc<dyn Store>, settings: &crate::Settings) -> Verified {
    let latest = settings.audit_checkpoint_dir.join("latest");
    let key = match settings.audit_signing_key() {
        Ok(k) => k,
        Err(e) => return Verified::Failed(e),
    };
    let note = match (&key, tokio::fs::read_to_string(&latest).await) {
        (Some(k), Ok(note)) => Some((k.public(), note)),
        _ => None,
    };
    let Some((public, note)) = note else {
        return match store.verify_audit().await {
            Ok(Ok(count)) => Verified::Intact {
                count,
                checkpoint: None,
            },
            Ok(Err(b)) => Verified::Broken {
                seq: b.seq,
                reason: b.reason,
            },
            Err(e) => Verified::Failed(e.to_string()),
        };
    };
    let cp = match Checkpoint::open(&note, &public) {
        Ok(c) => c,
        Err(e) => return Verified::CheckpointRefused(e.to_string()),
    };
    match renkei_store::verify_against(store.as_ref(), &cp).await {
        Ok(Ok(head)) => Verified::Intact {
            count: head.size as i64,
            checkpoint: Some(cp),
        },
        Ok(Err(b)) => Verified::Broken {
            seq: b.seq,
            reason: b.reason,
        },
        Err(e) => Verified::Failed(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_code_has_a_name_in_both_languages() {
        let t = Translations::global();
        for code in ACTIONS {
            for lang in [Lang::Ja, Lang::En] {
                let name = t.get(lang, &action_key(code), None);
                assert!(
                    !name.is_empty() && name != action_key(code) && !name.contains("action-"),
                    "{code} has no name in {lang:?}: {name}"
                );
            }
        }
    }

    #[test]
    fn csv_cells_are_quoted_and_never_formulas() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(cell("line\nbreak"), "\"line\nbreak\"");
    }

    /// Every action code written in the store's and the server's sources
    /// (a dotted code in quotes, or a one-word code where an action is
    /// given) is listed in `ACTIONS`, so it has a name on the page.
    #[test]
    fn every_action_code_written_is_listed() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let not_actions = [
            "audience.communities",
            "audience.orgs",
            "audience.users",
            "iv.value",
            // the alerts' SQL alias and their local instruction's fields
            "al.org_id",
            "local.deadline",
            "local.note",
            "local.vendor",
            // what `retention.prune` prunes
            "sessions",
        ];
        let files_or_hosts = [
            "html", "toml", "db", "rs", "jp", "example", "ftl", "sql", "css", "js", "txt", "json",
            "key", "com", "org", "net",
        ];
        let mut found = std::collections::BTreeSet::new();
        for dir in ["renkei-store/src", "renkei-server/src"] {
            let mut stack = vec![root.join(dir)];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d).expect("source dir") {
                    let path = e.expect("entry").path();
                    if path.is_dir() {
                        stack.push(path);
                        continue;
                    }
                    if path.extension().is_none_or(|x| x != "rs") {
                        continue;
                    }
                    let all = std::fs::read_to_string(&path).expect("source");
                    // Unit tests name codes that do not exist on purpose.
                    let src = all
                        .split("#[cfg(test)]\nmod tests")
                        .next()
                        .unwrap_or_default();
                    for (i, lit) in src.split('"').enumerate() {
                        if i % 2 == 0 {
                            continue;
                        }
                        let segs: Vec<&str> = lit.split('.').collect();
                        let dotted = segs.len() >= 2
                            && segs[0].len() >= 2
                            && segs.iter().all(|g| {
                                !g.is_empty()
                                    && g.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                            })
                            && !files_or_hosts.contains(segs.last().expect("segments"))
                            && !not_actions.contains(&lit);
                        if dotted {
                            found.insert(lit.to_owned());
                        }
                    }
                    for marker in ["action: \"", "actor, \""] {
                        for part in src.split(marker).skip(1) {
                            let word = part.split('"').next().unwrap_or_default();
                            if !word.is_empty()
                                && word.bytes().all(|b| b.is_ascii_lowercase())
                                && !not_actions.contains(&word)
                            {
                                found.insert(word.to_owned());
                            }
                        }
                    }
                }
            }
        }
        assert!(
            found.contains("item.read") && found.contains("login"),
            "{found:?}"
        );
        let missing: Vec<_> = found
            .iter()
            .filter(|c| !ACTIONS.contains(&c.as_str()))
            .collect();
        assert!(missing.is_empty(), "action codes with no name: {missing:?}");
    }
}
