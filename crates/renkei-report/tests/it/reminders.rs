//! Reminder planning: which reminders are due at an instant, from the
//! stages' clocks, the policy and what was already sent; across
//! daylight-saving changes and for overdue stages; and, as a property, a
//! worker scanning at any times sends each reminder at most once, in order,
//! never early, and always the overdue one for a stage left unfiled.

use std::collections::{BTreeMap, BTreeSet};

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use renkei_report::{
    CaseFacts, ClockPolicy, DueReminder, Profile, ReminderKind, ReminderPolicy, clocks,
    due_reminders, parse_profile,
};

use crate::support::{aware, profile, ts};

type Sent = BTreeSet<(String, ReminderKind)>;

const HALF: ReminderKind = ReminderKind::Elapsed { percent: 50 };
const HOUR: ReminderKind = ReminderKind::HoursBefore { hours: 1 };
const DAY: ReminderKind = ReminderKind::DaysBefore { days: 1 };
const LATE: ReminderKind = ReminderKind::Overdue;

fn due_at(
    p: &Profile,
    facts: &CaseFacts,
    submitted: &[(&str, &str)],
    sent: &Sent,
    now: Timestamp,
) -> Vec<(String, ReminderKind, Timestamp)> {
    let submitted: BTreeMap<String, Timestamp> = submitted
        .iter()
        .map(|(s, t)| (s.to_string(), ts(t)))
        .collect();
    let cs = clocks(p, facts, &submitted, now, &ClockPolicy::default()).expect("clocks");
    due_reminders(
        p,
        &cs,
        facts.awareness,
        &ReminderPolicy::default(),
        sent,
        now,
    )
    .into_iter()
    .map(
        |DueReminder {
             stage, kind, at, ..
         }| (stage, kind, at),
    )
    .collect()
}

fn sent(items: &[(&str, ReminderKind)]) -> Sent {
    items.iter().map(|(s, k)| (s.to_string(), *k)).collect()
}

#[test]
fn hour_limit_half_time_one_hour_before_and_overdue() {
    // Flash report: 24 h (the profile's default) from awareness at 09:00 JST.
    let p = profile("jp-cyber-response");
    let f = aware("2026-12-06T00:00:00Z");
    let flash = |k, t: &str| ("flash".to_string(), k, ts(t));
    let none = Sent::new();
    assert_eq!(
        due_at(&p, &f, &[], &none, ts("2026-12-06T11:59:59Z")),
        vec![]
    );
    assert_eq!(
        due_at(&p, &f, &[], &none, ts("2026-12-06T12:00:00Z")),
        vec![flash(HALF, "2026-12-06T12:00:00Z")]
    );
    let half = sent(&[("flash", HALF)]);
    assert_eq!(
        due_at(&p, &f, &[], &half, ts("2026-12-06T22:59:59Z")),
        vec![]
    );
    assert_eq!(
        due_at(&p, &f, &[], &half, ts("2026-12-06T23:00:00Z")),
        vec![flash(HOUR, "2026-12-06T23:00:00Z")]
    );
    let both = sent(&[("flash", HALF), ("flash", HOUR)]);
    // At the deadline's own instant the report is still in time.
    assert_eq!(
        due_at(&p, &f, &[], &both, ts("2026-12-07T00:00:00Z")),
        vec![]
    );
    assert_eq!(
        due_at(&p, &f, &[], &both, ts("2026-12-07T00:00:01Z")),
        vec![flash(LATE, "2026-12-07T00:00:00Z")]
    );
    let all = sent(&[("flash", HALF), ("flash", HOUR), ("flash", LATE)]);
    assert_eq!(
        due_at(&p, &f, &[], &all, ts("2026-12-09T00:00:00Z")),
        vec![]
    );
    // Filed: no reminder for it; the detailed report's clock has started.
    let filed = [("flash", "2026-12-06T05:00:00Z")];
    assert_eq!(
        due_at(&p, &f, &filed, &none, ts("2026-12-06T23:30:00Z")),
        vec![]
    );
}

#[test]
fn a_worker_that_was_down_sends_only_the_latest_and_never_the_earlier() {
    let p = profile("jp-cyber-response");
    let f = aware("2026-12-06T00:00:00Z");
    let now = ts("2026-12-06T23:30:00Z");
    assert_eq!(
        due_at(&p, &f, &[], &Sent::new(), now),
        vec![("flash".into(), HOUR, ts("2026-12-06T23:00:00Z"))]
    );
    // Once "1 h before" went out, "half the time" is moot for good.
    let hour = sent(&[("flash", HOUR)]);
    assert_eq!(due_at(&p, &f, &[], &hour, now), vec![]);
    // Long overdue and nothing sent: one reminder, the overdue one.
    assert_eq!(
        due_at(&p, &f, &[], &Sent::new(), ts("2026-12-20T00:00:00Z")),
        vec![("flash".into(), LATE, ts("2026-12-07T00:00:00Z"))]
    );
}

#[test]
fn day_limit_one_day_before_and_an_overdue_detailed_report() {
    // Detailed report: 30 days (default) after the flash report, counted in
    // JST under the administrative closed days.
    let p = profile("jp-cyber-response");
    let f = aware("2026-12-06T00:00:00Z");
    let filed = [("flash", "2026-12-06T05:00:00Z")];
    let deadline = due_at(&p, &f, &filed, &Sent::new(), ts("2027-06-01T00:00:00Z"));
    let [(stage, kind, late_from)] = &deadline[..] else {
        panic!("{deadline:?}")
    };
    assert_eq!((stage.as_str(), *kind), ("detailed", LATE));
    let day_before = *late_from - SignedDuration::from_hours(24);
    // Nothing is due a moment before "1 day before".
    let just_before = day_before - SignedDuration::from_secs(1);
    assert_eq!(due_at(&p, &f, &filed, &Sent::new(), just_before), vec![]);
    assert_eq!(
        due_at(&p, &f, &filed, &Sent::new(), day_before),
        vec![("detailed".into(), DAY, day_before)]
    );
    // The last day ends at midnight JST.
    let local = late_from.to_zoned_datetime(p.tz().clone());
    assert_eq!((local.hour(), local.minute()), (23, 59));
    // The flash report was filed in time; the detailed one is overdue.
    let d = sent(&[("detailed", DAY)]);
    let late = due_at(
        &p,
        &f,
        &filed,
        &d,
        *late_from + SignedDuration::from_secs(1),
    );
    assert_eq!(late, vec![("detailed".into(), LATE, *late_from)]);
}

/// us-circia with its covered-incident report due in 3 days (plain
/// calendar, New York), to count a day before across a clock change.
fn new_york_days() -> Profile {
    let text = include_str!("../../../../profiles/us-circia.toml").replacen(
        "deadline = { from = \"awareness\", amount = 72, unit = \"hours\" }",
        "deadline = { from = \"awareness\", amount = 3, unit = \"days\" }",
        1,
    );
    parse_profile("us-circia.toml", &text).expect("profile")
}

#[test]
fn a_day_before_is_a_calendar_day_across_spring_forward() {
    let p = new_york_days();
    // Thursday 5 March 2026, noon EST; New York springs forward on Sunday 8th.
    let f = aware("2026-03-05T17:00:00Z");
    let now = ts("2026-03-10T00:00:00Z");
    let r = due_at(&p, &f, &[], &Sent::new(), now);
    let late_from = r
        .iter()
        .find(|(s, k, _)| s == "covered-incident" && *k == LATE)
        .expect("overdue")
        .2;
    // The last day is Sunday 8 March, ending at midnight EDT.
    assert_eq!(late_from, ts("2026-03-09T03:59:59.999999999Z"));
    let day = due_at(&p, &f, &[], &Sent::new(), ts("2026-03-08T12:00:00Z"));
    // A day before: Saturday midnight EST, 23 hours earlier, not 24.
    assert_eq!(
        day,
        vec![(
            "covered-incident".into(),
            DAY,
            ts("2026-03-08T04:59:59.999999999Z")
        )]
    );
    assert_eq!(late_from - day[0].2, SignedDuration::from_hours(23));
}

#[test]
fn hour_reminders_are_elapsed_time_across_a_clock_change() {
    // NIS2 notification, 72 h from Friday 27 March 17:00 CET; Brussels
    // springs forward on the 29th. Half the time is 36 elapsed hours.
    let p = profile("eu-nis2");
    let f = aware("2026-03-27T16:00:00Z");
    let sent_warning = sent(&[("early-warning", HALF), ("early-warning", HOUR)]);
    let filed = [("early-warning", "2026-03-28T08:00:00Z")];
    let r = due_at(&p, &f, &filed, &sent_warning, ts("2026-03-29T04:00:00Z"));
    assert_eq!(
        r,
        vec![("notification".into(), HALF, ts("2026-03-29T04:00:00Z"))]
    );
    let r = due_at(
        &p,
        &f,
        &filed,
        &sent(&[("notification", HALF)]),
        ts("2026-03-30T15:00:00Z"),
    );
    // 1 h before 18:00 CEST (16:00Z): 15:00Z, 17:00 on the wall clock.
    assert_eq!(
        r,
        vec![("notification".into(), HOUR, ts("2026-03-30T15:00:00Z"))]
    );
}

#[test]
fn no_reminder_before_the_clock_starts_or_for_stages_without_a_deadline() {
    let p = profile("eu-nis2");
    let nobody = CaseFacts::default();
    assert_eq!(
        due_at(&p, &nobody, &[], &Sent::new(), ts("2026-03-30T00:00:00Z")),
        vec![]
    );
    // A one-hour policy on a one-hour limit: "1 h before" is the start, left out.
    let p = profile("us-circia");
    let f = aware("2026-03-05T17:00:00Z");
    let cs = clocks(
        &p,
        &f,
        &BTreeMap::new(),
        ts("2026-03-05T17:00:00Z"),
        &ClockPolicy::default(),
    )
    .expect("clocks");
    let policy = ReminderPolicy {
        hours: vec![
            ReminderKind::HoursBefore { hours: 72 },
            ReminderKind::Elapsed { percent: 0 },
        ],
        days: vec![],
    };
    let r = due_reminders(
        &p,
        &cs,
        f.awareness,
        &policy,
        &Sent::new(),
        ts("2026-03-05T17:00:00Z"),
    );
    assert_eq!(r, vec![]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A worker scanning at arbitrary times: each (stage, kind) at most
    /// once, never before its instant, a stage's reminders in time order,
    /// and an unfiled stage always ends with its overdue reminder.
    #[test]
    fn a_scanning_worker_sends_each_reminder_once_in_order(
        aware_secs in 1_767_225_600i64..1_830_297_600, // 2026–2027
        mut steps in proptest::collection::vec(1i64..200_000, 1..60),
        pick in 0usize..3,
    ) {
        let id = ["jp-cyber-response", "eu-nis2", "eu-dora"][pick];
        let p = profile(id);
        let start = Timestamp::from_second(aware_secs).expect("instant");
        let mut f = CaseFacts { awareness: Some(start), ..CaseFacts::default() };
        f.events.insert("classified-major".into(), start);
        steps.push(200 * 86_400); // end well after every deadline
        let mut now = start;
        let mut sent = Sent::new();
        let mut log: Vec<DueReminder> = Vec::new();
        for step in steps {
            now = now.checked_add(SignedDuration::from_secs(step)).expect("instant");
            let cs = clocks(&p, &f, &BTreeMap::new(), now, &ClockPolicy::default()).expect("clocks");
            for r in due_reminders(&p, &cs, f.awareness, &ReminderPolicy::default(), &sent, now) {
                prop_assert!(r.at <= now);
                prop_assert!(sent.insert((r.stage.clone(), r.kind)), "sent twice: {r:?}");
                if let Some(prev) = log.iter().rev().find(|x| x.stage == r.stage) {
                    prop_assert!(prev.at < r.at, "{prev:?} then {r:?}");
                }
                log.push(r);
            }
        }
        // Stages whose clock runs from awareness or an event end overdue.
        let cs = clocks(&p, &f, &BTreeMap::new(), now, &ClockPolicy::default()).expect("clocks");
        for c in cs.iter().filter(|c| c.due.is_some()) {
            prop_assert!(sent.contains(&(c.stage.clone(), ReminderKind::Overdue)), "{}", c.stage);
        }
    }
}
