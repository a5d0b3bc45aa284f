//! Server-rendered HTML with minijinja. Templates are compiled into the
//! binary; `t("key")` looks a text up in the request's language.

use std::sync::Arc;

use fluent_bundle::{FluentArgs, FluentValue};
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, State};

use super::i18n::{Lang, Translations};
use super::messages::Localized;

/// (name, source) of every template, also read by the translation tests.
pub const SOURCES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("login.html", include_str!("../../templates/login.html")),
    ("home.html", include_str!("../../templates/home.html")),
    ("help.html", include_str!("../../templates/help.html")),
    ("item.html", include_str!("../../templates/item.html")),
    ("orgs.html", include_str!("../../templates/orgs.html")),
    ("users.html", include_str!("../../templates/users.html")),
    ("tokens.html", include_str!("../../templates/tokens.html")),
    ("account.html", include_str!("../../templates/account.html")),
    ("reset.html", include_str!("../../templates/reset.html")),
    (
        "communities.html",
        include_str!("../../templates/communities.html"),
    ),
    ("audit.html", include_str!("../../templates/audit.html")),
    (
        "admin_edit.html",
        include_str!("../../templates/admin_edit.html"),
    ),
    (
        "overview.html",
        include_str!("../../templates/overview.html"),
    ),
    ("intel.html", include_str!("../../templates/intel.html")),
    (
        "intel_search.html",
        include_str!("../../templates/intel_search.html"),
    ),
    (
        "intel_object.html",
        include_str!("../../templates/intel_object.html"),
    ),
    (
        "intel_share.html",
        include_str!("../../templates/intel_share.html"),
    ),
    (
        "intel_import.html",
        include_str!("../../templates/intel_import.html"),
    ),
    (
        "share_fields.html",
        include_str!("../../templates/share_fields.html"),
    ),
    (
        "share_refused.html",
        include_str!("../../templates/share_refused.html"),
    ),
    (
        "intel_share_preview.html",
        include_str!("../../templates/intel_share_preview.html"),
    ),
    (
        "intel_import_preview.html",
        include_str!("../../templates/intel_import_preview.html"),
    ),
    (
        "intel_exports.html",
        include_str!("../../templates/intel_exports.html"),
    ),
    (
        "line_errors.html",
        include_str!("../../templates/line_errors.html"),
    ),
    (
        "line_report.html",
        include_str!("../../templates/line_report.html"),
    ),
    (
        "notifications.html",
        include_str!("../../templates/notifications.html"),
    ),
    (
        "warninglists.html",
        include_str!("../../templates/warninglists.html"),
    ),
    ("alerts.html", include_str!("../../templates/alerts.html")),
    ("alert.html", include_str!("../../templates/alert.html")),
    (
        "alert_new.html",
        include_str!("../../templates/alert_new.html"),
    ),
    (
        "report_regimes.html",
        include_str!("../../templates/report_regimes.html"),
    ),
    ("reports.html", include_str!("../../templates/reports.html")),
    (
        "report_rows.html",
        include_str!("../../templates/report_rows.html"),
    ),
    (
        "report_countdown.html",
        include_str!("../../templates/report_countdown.html"),
    ),
    (
        "report_queue.html",
        include_str!("../../templates/report_queue.html"),
    ),
    (
        "report_new.html",
        include_str!("../../templates/report_new.html"),
    ),
    ("report.html", include_str!("../../templates/report.html")),
    (
        "report_version.html",
        include_str!("../../templates/report_version.html"),
    ),
    (
        "upcoming.html",
        include_str!("../../templates/upcoming.html"),
    ),
    ("error.html", include_str!("../../templates/error.html")),
    (
        "mfa_signin.html",
        include_str!("../../templates/mfa_signin.html"),
    ),
    (
        "mfa_totp.html",
        include_str!("../../templates/mfa_totp.html"),
    ),
    (
        "mfa_passkey.html",
        include_str!("../../templates/mfa_passkey.html"),
    ),
    (
        "mfa_codes.html",
        include_str!("../../templates/mfa_codes.html"),
    ),
    (
        "mfa_account.html",
        include_str!("../../templates/mfa_account.html"),
    ),
    (
        "oidc_error.html",
        include_str!("../../templates/oidc_error.html"),
    ),
    (
        "oidc_continue.html",
        include_str!("../../templates/oidc_continue.html"),
    ),
];

/// Pages pass their layout as `l`, whose `lang` is the request's language.
fn page_lang(state: &State) -> Lang {
    state
        .lookup("l")
        .and_then(|l| l.get_attr("lang").ok())
        .and_then(|v| v.as_str().map(Lang::from_code))
        .unwrap_or(Lang::Ja)
}

#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new(i18n: Arc<Translations>) -> Self {
        let mut env = Environment::new();
        for (name, src) in SOURCES {
            env.add_template(name, src)
                .expect("templates parse (checked by tests)");
        }
        env.add_function(
            "t",
            move |state: &State, key: &str, kwargs: Kwargs| -> Result<String, minijinja::Error> {
                let lang = page_lang(state);
                let mut args = FluentArgs::new();
                for k in kwargs.args() {
                    let v: Value = kwargs.get(k)?;
                    match v.as_i64() {
                        Some(n) => args.set(k.to_owned(), FluentValue::from(n)),
                        None => args.set(k.to_owned(), FluentValue::from(v.to_string())),
                    }
                }
                Ok(i18n.get(
                    lang,
                    key,
                    if args.iter().next().is_some() {
                        Some(&args)
                    } else {
                        None
                    },
                ))
            },
        );
        // A text given in both languages (`messages::Localized`) prints
        // in the page's; anything else as minijinja prints it, escaped.
        env.set_formatter(|out, state, value| {
            if let Some(t) = value.downcast_object_ref::<Localized>() {
                let text = t.get(page_lang(state));
                return minijinja::escape_formatter(out, state, &Value::from(text));
            }
            minijinja::escape_formatter(out, state, value)
        });
        Self { env }
    }

    pub fn render(&self, name: &str, ctx: Value) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        let t = Templates::new(Arc::new(Translations::load()));
        for (name, _) in SOURCES {
            assert!(t.env.get_template(name).is_ok(), "{name}");
        }
    }
}
