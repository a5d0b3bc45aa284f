//! The national office's overview (`/admin/overview`): member
//! organisations that have not accepted their communities' terms, sharing
//! by sector and by community over the last weeks (a chart and the same
//! figures as a table), and the latest reads of TLP:RED and
//! TLP:AMBER+STRICT reports. The store refuses anyone but platform
//! administrators.

pub mod chart;

use std::collections::{BTreeMap, HashMap};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use minijinja::value::Value;
use renkei_core::Timestamp;
use renkei_store::overview::{Activity, SharingActivity, WEEK_US};

use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::i18n::Lang;
use crate::http::page::{error_page, layout, login_redirect, render};
use chart::Series;

/// Weeks the overview looks back.
pub const WEEKS: i64 = 12;

/// Reads of restricted reports and STIX objects listed.
const READS: i64 = 20;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/admin/overview", get(overview_page))
}

async fn overview_page(State(s): State<AppState>, lang: Lang, p: Principal) -> Response {
    if let Some(r) = login_redirect(&p, "/admin/overview") {
        return r;
    }
    let pending = match s.store.pending_terms(&p.actor).await {
        Ok(x) => x,
        Err(e) => return error_page(&s, &p, lang, e.into()).await,
    };
    let activity = match s
        .store
        .sharing_activity(&p.actor, Timestamp::now(), WEEKS)
        .await
    {
        Ok(x) => x,
        Err(e) => return error_page(&s, &p, lang, e.into()).await,
    };
    let reads = match s.store.restricted_reads(&p.actor, READS).await {
        Ok(x) => x,
        Err(e) => return error_page(&s, &p, lang, e.into()).await,
    };
    let ja = lang == Lang::Ja;
    let pending: Vec<Value> = pending
        .iter()
        .map(|m| {
            context! {
                org => if ja { &m.org_ja } else { &m.org_en },
                community => if ja { &m.community_ja } else { &m.community_en },
                terms => m.terms_version, since => m.since.to_jst_display(),
            }
        })
        .collect();
    let orgs: HashMap<i64, String> = s
        .store
        .list_orgs()
        .await
        .unwrap_or_default()
        .iter()
        .map(|o| (o.id.0, crate::http::page::org_name(o, lang)))
        .collect();
    let reads: Vec<Value> = reads
        .iter()
        .map(|r| {
            let e = &r.entry;
            let item = r
                .object
                .strip_prefix("item:")
                .and_then(|i| i.parse::<i64>().ok());
            context! {
                at => e.at.to_jst_display(), actor => e.actor,
                org => e.actor_org.and_then(|o| orgs.get(&o.0)),
                object => r.object, item, stix => item.is_none(),
                tlp => format!("TLP:{}", r.tlp.as_str()),
                tlp_class => if r.tlp == renkei_core::Tlp::Red { "tlp-red" } else { "tlp-amber-strict" },
            }
        })
        .collect();
    let communities: HashMap<String, String> = s
        .store
        .list_communities()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            let name = if ja { c.name_ja } else { c.name_en };
            (c.id.0.to_string(), name)
        })
        .collect();
    let t = &s.i18n;
    let sector_name = |k: &str| {
        if k.is_empty() {
            t.get(lang, "overview-no-sector", None)
        } else {
            t.get(lang, &format!("sector-{k}"), None)
        }
    };
    let community_name = |k: &str| {
        communities
            .get(k)
            .cloned()
            .unwrap_or_else(|| t.get(lang, "overview-unknown-community", None))
    };
    let weeks = week_labels(&activity);
    let by_sector = figures(&activity.by_sector, activity.weeks, sector_name);
    let by_community = figures(&activity.by_community, activity.weeks, community_name);
    let charts: Vec<Value> = [
        ("sector", by_sector, "overview-by-sector"),
        ("community", by_community, "overview-by-community"),
    ]
    .into_iter()
    .map(|(id, series, key)| {
        let title = t.get(lang, key, None);
        let desc = t.get(lang, "overview-chart-desc", None);
        let svg = chart::svg(&format!("chart-{id}"), &title, &desc, &weeks, &series);
        let rows: Vec<Value> = series
            .iter()
            .enumerate()
            .map(|(k, s)| {
                context! {
                    name => s.name, counts => s.counts, total => s.counts.iter().sum::<i64>(),
                    colour => chart::colour(k),
                }
            })
            .collect();
        context! { id, title, svg => Value::from_safe_string(svg), rows }
    })
    .collect();
    let l = layout(&s, &p, lang, "/admin/overview").await;
    render(
        &s,
        StatusCode::OK,
        "overview.html",
        context! { l, pending, reads, charts, weeks, nweeks => activity.weeks },
    )
}

/// Each week's first day (Japan time), `MM/DD`.
fn week_labels(a: &SharingActivity) -> Vec<String> {
    (0..a.weeks)
        .map(|w| {
            let d = Timestamp(a.start.0 + w * WEEK_US).to_jst_display();
            d.get(5..10).unwrap_or_default().replace('-', "/")
        })
        .collect()
}

/// One series per group, named, with a count for every week (zero when
/// nothing was shared), the busiest group first.
fn figures(rows: &[Activity], weeks: i64, name: impl Fn(&str) -> String) -> Vec<Series> {
    let mut by: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for a in rows {
        let counts = by
            .entry(a.key.as_str())
            .or_insert_with(|| vec![0; weeks as usize]);
        if let Some(c) = usize::try_from(a.week).ok().and_then(|w| counts.get_mut(w)) {
            *c += a.count;
        }
    }
    let mut out: Vec<Series> = by
        .into_iter()
        .map(|(k, counts)| Series {
            name: name(k),
            counts,
        })
        .collect();
    out.sort_by_key(|s| std::cmp::Reverse(s.counts.iter().sum::<i64>()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_fill_empty_weeks_and_put_the_busiest_first() {
        let rows = vec![
            Activity {
                key: "gas".into(),
                week: 1,
                count: 2,
            },
            Activity {
                key: "electricity".into(),
                week: 0,
                count: 3,
            },
            Activity {
                key: "electricity".into(),
                week: 2,
                count: 4,
            },
        ];
        let s = figures(&rows, 3, |k| k.to_uppercase());
        assert_eq!(
            s,
            vec![
                Series {
                    name: "ELECTRICITY".into(),
                    counts: vec![3, 0, 4]
                },
                Series {
                    name: "GAS".into(),
                    counts: vec![0, 2, 0]
                },
            ]
        );
    }
}
