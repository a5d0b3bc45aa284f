//! The data set of `renkei bench report-queue`: incidents from many
//! organisations, each filed under one to three of the shipped regimes,
//! awareness spread over eight weeks (a tenth in the last three days, so
//! some clocks are running, some due soon, many overdue or met), events
//! and conditions as the profiles name them, most reports with a
//! submitted version (some with two stages or an amendment), a few still
//! drafts. Deterministic: incident `i` is the same in every run.

use std::collections::BTreeSet;

use renkei_core::{OrgId, Timestamp, UserId};
use renkei_report::profile::FieldKind;
use renkei_report::{Form, Profile, ProfileSet};
use renkei_store::reports::{
    Consent, FiledIncident, FiledReport, Incident, NewReport, NewVersion, Report, ReportState,
};
use serde_json::{Map, Value, json};

use super::correlate::mix;

const MINUTE: i64 = 60_000_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// A reporting organisation of the bench: its id and filer.
#[derive(Debug, Clone, Copy)]
pub struct Filer {
    pub org: OrgId,
    pub user: UserId,
}

/// Draws from incident `i`'s own stream.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = mix(self.0);
        self.0
    }

    /// True `percent` % of the time.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const TEXT: &str = "制御系ネットワークとは分離された業務系サーバで不審な通信を検知し、該当機器を切り離して調査を進めている。\
影響範囲の確認と復旧作業を並行して実施しており、追加の情報は判明し次第報告する。";

fn text(max: u32, n: u64) -> String {
    let t: String = format!("{n:x} {TEXT}").chars().take(max as usize).collect();
    t.trim().to_owned()
}

/// Values that pass the form's checks (as a reporter's submission does).
pub fn values(form: &Form, at: Timestamp, seed: u64) -> Map<String, Value> {
    let at = jiff::Timestamp::from_microsecond(at.0).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    form.fields
        .iter()
        .map(|f| {
            let v = match &f.kind {
                FieldKind::Text { max_length } => json!(text((*max_length).min(60), seed)),
                FieldKind::LongText { max_length } => json!(text((*max_length).min(400), seed)),
                FieldKind::DateTime => json!(at.to_string()),
                FieldKind::Choice { options } => {
                    json!(options[(seed % options.len().max(1) as u64) as usize].id)
                }
                FieldKind::Number { min, max, integer } => {
                    let x = min.unwrap_or(1.0).max(1.0).min(max.unwrap_or(f64::MAX));
                    if *integer { json!(x as i64) } else { json!(x) }
                }
                FieldKind::Bool => json!(seed.is_multiple_of(2)),
                // Indicator lists hold addresses, so a submission writes index entries.
                FieldKind::List { max_items, .. }
                    if f.common == Some(renkei_report::CommonField::Indicators) =>
                {
                    let items: Vec<String> = (0..2.min(*max_items as u64))
                        .map(|k| format!("198.51.{}.{}", (seed ^ k) % 250, (seed >> 8) % 250 + 1))
                        .collect();
                    json!(items)
                }
                FieldKind::List {
                    max_items,
                    max_length,
                } => {
                    let items: Vec<String> = (0..2.min(*max_items as u64))
                        .map(|k| text((*max_length).min(40), seed ^ k))
                        .collect();
                    json!(items)
                }
            };
            (f.id.clone(), v)
        })
        .collect()
}

/// A stage's form and values, submitted at `at`.
pub fn version(profile: &Profile, stage: usize, at: Timestamp, seed: u64) -> Option<NewVersion> {
    let st = profile.stages.get(stage)?;
    let form_id = st
        .forms
        .get((seed % st.forms.len().max(1) as u64) as usize)?;
    let form = profile.form(form_id)?;
    let values = values(form, at, seed);
    Some(NewVersion {
        stage_id: Some(st.id.clone()),
        form_id: form.id.clone(),
        body: renkei_server::canonical(form, &values),
        note: String::new(),
        next_due_at: None,
        // The index entries a submission writes, as the server extracts them.
        indicators: renkei_server::report_indicators(form, &values),
    })
}

/// A store report with what the server's clock functions read.
pub fn report_shape(profile: &str, org: OrgId) -> Report {
    Report {
        id: 0,
        org,
        org_name: String::new(),
        incident_id: Some(0),
        profile_id: profile.to_owned(),
        notice_id: None,
        title: String::new(),
        state: ReportState::Received,
        sector: None,
        consent: Consent::default(),
        latest_version: 0,
        draft: None,
        draft_at: None,
        next_due_at: None,
        last_activity_at: Timestamp(0),
        created_at: Timestamp(0),
        recipients: Vec::new(),
    }
}

pub fn incident_shape(org: OrgId, aware_at: Option<Timestamp>, facts: &str) -> Incident {
    Incident {
        id: 0,
        org,
        title: String::new(),
        aware_at,
        facts: facts.to_owned(),
        common: "{}".into(),
        created_at: Timestamp(0),
        updated_at: Timestamp(0),
    }
}

/// Incident `i`, as filed by `filers[..]`, clocks computed at `now` with
/// the server's functions.
pub fn incident(profiles: &ProfileSet, filers: &[Filer], i: u64, now: Timestamp) -> FiledIncident {
    let all: Vec<&Profile> = profiles.iter().collect();
    let mut d = Draw(i ^ 0x7265_706f_7274_0000);
    let filer = filers[d.below(filers.len() as u64) as usize];
    let aware = if d.chance(10) {
        now.0 - d.below((3 * DAY) as u64) as i64
    } else {
        now.0 - d.below((56 * DAY) as u64) as i64
    };
    let n = match d.below(10) {
        0..7 => 1,
        7..9 => 2,
        _ => 3,
    };
    let first = d.below(all.len() as u64) as usize;
    let chosen: Vec<&Profile> = (0..n).map(|k| all[(first + k * 2) % all.len()]).collect();
    let mut events = Map::new();
    let mut conditions = BTreeSet::new();
    for p in &chosen {
        for e in &p.events {
            if d.chance(60) {
                let at = (aware + d.below((48 * HOUR) as u64) as i64).min(now.0 - MINUTE);
                let at =
                    jiff::Timestamp::from_microsecond(at).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
                events.insert(e.id.clone(), json!(at.to_string()));
            }
        }
        for c in &p.conditions {
            if d.chance(25) {
                conditions.insert(c.id.clone());
            }
        }
    }
    let facts = json!({ "events": events, "conditions": conditions }).to_string();
    let title = format!("インシデント {i}: 業務系サーバへの不正アクセス");
    let created = Timestamp((aware + d.below((6 * HOUR) as u64) as i64).min(now.0));
    let shape = incident_shape(filer.org, Some(Timestamp(aware)), &facts);
    let reports = chosen
        .iter()
        .map(|p| {
            let mut versions = Vec::new();
            if !d.chance(5) {
                let mut at = created.0;
                let stages = if d.chance(40) { 2 } else { 1 };
                for s in 0..stages.min(p.stages.len()) {
                    at = (at + d.below((36 * HOUR) as u64) as i64 + MINUTE).min(now.0);
                    if let Some(v) = version(p, s, Timestamp(at), d.next()) {
                        versions.push((v, Timestamp(at)));
                    }
                }
                if d.chance(5)
                    && let Some((v, _)) = versions.last().cloned()
                {
                    let at = (at + d.below(DAY as u64) as i64).min(now.0);
                    versions.push((v, Timestamp(at)));
                }
            }
            let mut submitted: Vec<(String, Timestamp)> = Vec::new();
            for (v, at) in &versions {
                if let Some(s) = &v.stage_id
                    && !submitted.iter().any(|(x, _)| x == s)
                {
                    submitted.push((s.clone(), *at));
                }
            }
            let clocks = renkei_server::report_clocks(
                p,
                &report_shape(&p.id, filer.org),
                Some(&shape),
                &submitted,
                jiff::Timestamp::from_microsecond(now.0).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
            );
            let state = match d.below(20) {
                0..12 => ReportState::Received,
                12..17 => ReportState::Analysing,
                17..19 => ReportState::Waiting,
                _ => ReportState::Closed,
            };
            FiledReport {
                new: NewReport {
                    profile_id: p.id.clone(),
                    notice_id: None,
                    title: title.clone(),
                    consent: Consent {
                        national: d.chance(50),
                        sanitised: d.chance(30),
                    },
                    next_due_at: renkei_server::next_due(&clocks),
                },
                state,
                created_at: created,
                versions,
            }
        })
        .collect();
    FiledIncident {
        org: filer.org,
        by: Some(filer.user),
        title,
        aware_at: Some(Timestamp(aware)),
        facts,
        common: json!({"summary": text(200, i)}).to_string(),
        created_at: created,
        reports,
    }
}
