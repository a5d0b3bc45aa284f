//! `/reports/regimes`: each regime in force and its stages, each deadline
//! said in words in the reader's language ("24 hours after awareness
//! (provisional)"); every word from the `report` Fluent room or the
//! profile's own labels.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use fluent_bundle::{FluentArgs, FluentValue};
use minijinja::context;
use minijinja::value::Value;
use renkei_report::{Anchor, DeadlineRule, Labels, Period, Profile, Unit};

use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::i18n::Lang;
use crate::http::page::{layout, login_redirect, render};

const PATH: &str = "/reports/regimes";

pub(super) fn routes() -> Router<AppState> {
    Router::new().route(PATH, get(regimes_page))
}

async fn regimes_page(State(s): State<AppState>, lang: Lang, p: Principal) -> Response {
    if let Some(r) = login_redirect(&p, PATH) {
        return r;
    }
    let words = Words { s: &s, lang };
    let regimes: Vec<Value> = s.reports.iter().map(|r| words.regime(r)).collect();
    let l = layout(&s, &p, lang, PATH).await;
    render(
        &s,
        StatusCode::OK,
        "report_regimes.html",
        context! { l, regimes },
    )
}

/// Deadlines put into words from the Fluent bundles.
struct Words<'a> {
    s: &'a AppState,
    lang: Lang,
}

impl Words<'_> {
    fn t(&self, key: &str, args: &[(&str, String)]) -> String {
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, FluentValue::from(v.clone()));
        }
        self.s.i18n.get(self.lang, key, Some(&fa))
    }

    fn label<'l>(&self, l: &'l Labels) -> &'l str {
        if self.lang == Lang::Ja { &l.ja } else { &l.en }
    }

    fn regime(&self, p: &Profile) -> Value {
        let stages: Vec<Value> = p
            .stages
            .iter()
            .map(|st| {
                let mut lines: Vec<String> = Vec::new();
                if let Some(c) = &st.applies_when {
                    lines.push(self.t(
                        "report-applies-when",
                        &[("condition", self.condition(p, c))],
                    ));
                }
                lines.push(match &st.deadline {
                    Some(d) => self.deadline(p, d),
                    None => self.t("report-no-deadline", &[]),
                });
                for v in &st.variants {
                    let when = self.condition(p, &v.when);
                    let deadline = self.deadline(p, &v.deadline);
                    lines.push(self.t(
                        "report-variant",
                        &[("condition", when), ("deadline", deadline)],
                    ));
                }
                context! {
                    id => st.id,
                    name => self.label(&st.name),
                    note => st.note.as_ref().map(|n| self.label(n)),
                    deadlines => lines,
                }
            })
            .collect();
        context! {
            id => p.id,
            name => self.label(&p.name),
            version => p.version,
            time_zone => p.time_zone,
            overridden => super::views::overridden(p),
            stages,
        }
    }

    fn condition(&self, p: &Profile, id: &str) -> String {
        p.conditions
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_owned(), |c| self.label(&c.name).to_owned())
    }

    fn period(&self, period: Period) -> String {
        let key = match period.unit {
            Unit::Hours => "report-period-hours",
            Unit::Days => "report-period-days",
            Unit::Months => "report-period-months",
        };
        let mut fa = FluentArgs::new();
        fa.set("amount", FluentValue::from(period.amount));
        self.s.i18n.get(self.lang, key, Some(&fa))
    }

    fn deadline(&self, p: &Profile, d: &DeadlineRule) -> String {
        let from = match &d.from {
            Anchor::Awareness => self.t("report-from-awareness", &[]),
            Anchor::Stage(id) => {
                let name = p.stage(id).map_or(id.as_str(), |s| self.label(&s.name));
                self.t("report-from-stage", &[("stage", name.to_owned())])
            }
            Anchor::Event(id) => {
                let name = p.event(id).map_or(id.as_str(), |e| self.label(&e.name));
                self.t("report-from-event", &[("event", name.to_owned())])
            }
        };
        let period = self.period(Period {
            amount: d.amount,
            unit: d.unit,
        });
        let key = if d.provisional {
            "report-deadline-provisional"
        } else {
            "report-deadline"
        };
        let mut words = self.t(key, &[("from", from), ("period", period)]);
        if let Some(cap) = d.cap {
            let cap = self.period(cap);
            words = self.t(
                "report-deadline-capped",
                &[("deadline", words), ("cap", cap)],
            );
        }
        if d.overridden {
            words = self.t("report-deadline-overridden", &[("deadline", words)]);
        }
        words
    }
}
