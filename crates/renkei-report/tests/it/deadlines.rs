//! Every shipped profile's deadlines, computed from the texts of the
//! regulations: hours as elapsed time, days and months in the regime's zone
//! with its rule for the first day, month ends and closed days.

use jiff::civil::date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use renkei_report::{Anchor, CaseFacts, ClockPolicy, ClockStatus, clocks};

use crate::support::{aware, clock_at, due, profile, ts};

fn local_hour(at: Timestamp, zone: &str) -> i8 {
    at.to_zoned_datetime(TimeZone::get(zone).expect("zone"))
        .hour()
}

#[test]
fn nis2_warning_and_notification_are_hours_from_awareness_across_spring_forward() {
    let p = profile("eu-nis2");
    // Friday 27 March 2026, 17:00 CET; Brussels springs forward on the 29th.
    let f = aware("2026-03-27T16:00:00Z");
    assert_eq!(
        due(&p, &f, &[], "2026-03-27T17:00:00Z", "early-warning"),
        ts("2026-03-28T16:00:00Z")
    );
    let n = due(&p, &f, &[], "2026-03-27T17:00:00Z", "notification");
    assert_eq!(n, ts("2026-03-30T16:00:00Z"));
    // 72 elapsed hours: the wall clock shows 18:00 CEST, not 17:00.
    assert_eq!(local_hour(n, "Europe/Brussels"), 18);
    let c = clock_at(&p, &f, &[], "2026-03-27T17:00:00Z", "intermediate");
    assert_eq!((c.status, c.due), (ClockStatus::NoDeadline, None));
}

#[test]
fn nis2_final_is_one_month_after_the_notification_was_submitted() {
    let p = profile("eu-nis2");
    let f = aware("2026-03-27T16:00:00Z");
    let c = clock_at(&p, &f, &[], "2026-03-28T00:00:00Z", "final");
    assert_eq!(c.status, ClockStatus::NotStarted);
    assert_eq!(c.waiting_for, Some(Anchor::Stage("notification".into())));
    // Notification sent Monday 30 March 12:00 CEST: one month ends with
    // Thursday 30 April, at midnight CEST.
    let sent = [("notification", "2026-03-30T10:00:00Z")];
    let d = clock_at(&p, &f, &sent, "2026-04-01T00:00:00Z", "final")
        .due
        .expect("due");
    assert_eq!(d.at, ts("2026-04-30T21:59:59.999999999Z"));
    assert_eq!(d.last_day, Some(date(2026, 4, 30)));
    // No progress report unless the incident is still ongoing.
    let c = clock_at(&p, &f, &sent, "2026-04-01T00:00:00Z", "progress");
    assert_eq!(c.status, ClockStatus::NotApplicable);
}

#[test]
fn nis2_month_ending_on_a_saturday_moves_to_monday() {
    let p = profile("eu-nis2");
    let f = aware("2026-07-13T08:00:00Z");
    // Notification Wednesday 15 July: the same date in August is Saturday
    // the 15th; Regulation 1182/71 Art. 3(4) moves it to Monday the 17th.
    let d = clock_at(
        &p,
        &f,
        &[("notification", "2026-07-15T08:00:00Z")],
        "2026-07-16T00:00:00Z",
        "final",
    )
    .due
    .expect("due");
    assert_eq!(
        (d.last_day, d.moved_from),
        (Some(date(2026, 8, 17)), Some(date(2026, 8, 15)))
    );
    assert_eq!(d.at, ts("2026-08-17T21:59:59.999999999Z"));
}

#[test]
fn nis2_ongoing_incident_gets_a_progress_report_and_a_final_after_handling() {
    let p = profile("eu-nis2");
    let mut f = aware("2026-03-27T16:00:00Z");
    f.conditions.insert("ongoing".into());
    let sent = [("notification", "2026-03-30T10:00:00Z")];
    let progress = clock_at(&p, &f, &sent, "2026-04-01T00:00:00Z", "progress");
    assert_eq!(
        progress.due.map(|d| d.at),
        Some(ts("2026-04-30T21:59:59.999999999Z"))
    );
    let fin = clock_at(&p, &f, &sent, "2026-04-01T00:00:00Z", "final");
    assert_eq!(fin.status, ClockStatus::NotStarted);
    assert_eq!(
        fin.waiting_for,
        Some(Anchor::Event("incident-handled".into()))
    );
    // Handled Friday 15 May 2026: the final report is due by the end of
    // Monday 15 June.
    f.events
        .insert("incident-handled".into(), ts("2026-05-15T12:00:00Z"));
    let d = clock_at(&p, &f, &sent, "2026-05-16T00:00:00Z", "final")
        .due
        .expect("due");
    assert_eq!(d.at, ts("2026-06-15T21:59:59.999999999Z"));
}

#[test]
fn cra_vulnerability_final_is_14_days_after_a_corrective_measure() {
    let p = profile("eu-cra");
    let mut f = aware("2026-11-01T09:00:00Z");
    f.conditions.insert("vulnerability".into());
    assert_eq!(
        due(&p, &f, &[], "2026-11-01T10:00:00Z", "early-warning"),
        ts("2026-11-02T09:00:00Z")
    );
    assert_eq!(
        due(&p, &f, &[], "2026-11-01T10:00:00Z", "notification"),
        ts("2026-11-04T09:00:00Z")
    );
    let sent = [("notification", "2026-11-03T09:00:00Z")];
    let c = clock_at(&p, &f, &sent, "2026-11-04T00:00:00Z", "final");
    assert_eq!(
        c.status,
        ClockStatus::NotStarted,
        "no measure yet, whatever the notification"
    );
    assert_eq!(
        c.waiting_for,
        Some(Anchor::Event("corrective-measure-available".into()))
    );
    // A patch published Saturday 7 November: 14 days end on Saturday the
    // 21st, moved to Monday 23 November (CET).
    f.events.insert(
        "corrective-measure-available".into(),
        ts("2026-11-07T10:00:00Z"),
    );
    let d = clock_at(&p, &f, &sent, "2026-11-08T00:00:00Z", "final")
        .due
        .expect("due");
    assert_eq!(
        (d.last_day, d.moved_from),
        (Some(date(2026, 11, 23)), Some(date(2026, 11, 21)))
    );
    assert_eq!(d.at, ts("2026-11-23T22:59:59.999999999Z"));
}

#[test]
fn cra_severe_incident_final_is_one_month_after_the_notification() {
    let p = profile("eu-cra");
    let mut f = aware("2026-10-07T09:00:00Z");
    f.conditions.insert("severe-incident".into());
    // A corrective measure does not matter for an incident.
    f.events.insert(
        "corrective-measure-available".into(),
        ts("2026-10-08T09:00:00Z"),
    );
    let sent = [("notification", "2026-10-09T09:00:00Z")];
    let d = clock_at(&p, &f, &sent, "2026-10-10T00:00:00Z", "final")
        .due
        .expect("due");
    // Friday 9 October + 1 month = Monday 9 November, after the clocks went
    // back: midnight CET is 23:00 UTC.
    assert_eq!(d.at, ts("2026-11-09T22:59:59.999999999Z"));
}

#[test]
fn dora_initial_is_4_hours_after_classification() {
    let p = profile("eu-dora");
    let mut f = aware("2026-10-24T08:00:00Z");
    f.events
        .insert("classified-major".into(), ts("2026-10-24T10:00:00Z"));
    let c = clock_at(&p, &f, &[], "2026-10-24T11:00:00Z", "initial");
    let d = c.due.expect("due");
    assert_eq!((d.at, d.capped), (ts("2026-10-24T14:00:00Z"), false));
    assert_eq!(c.status, ClockStatus::Due);
    // Sent at 15:00 UTC: an hour late.
    let c = clock_at(
        &p,
        &f,
        &[("initial", "2026-10-24T15:00:00Z")],
        "2026-10-24T16:00:00Z",
        "initial",
    );
    assert_eq!(c.status, ClockStatus::MetLate);
}

#[test]
fn dora_initial_is_at_most_24_hours_after_awareness_across_fall_back() {
    let p = profile("eu-dora");
    // Aware Saturday 24 October 2026 10:00 CEST; classified the next
    // morning, after the clocks went back: 4 h would be 10:00 UTC, but
    // 24 h after awareness (08:00 UTC, 09:00 CET on the wall) comes first.
    let mut f = aware("2026-10-24T08:00:00Z");
    f.events
        .insert("classified-major".into(), ts("2026-10-25T06:00:00Z"));
    let d = clock_at(&p, &f, &[], "2026-10-25T06:30:00Z", "initial")
        .due
        .expect("due");
    assert_eq!((d.at, d.capped), (ts("2026-10-25T08:00:00Z"), true));
    assert_eq!(local_hour(d.at, "Europe/Brussels"), 9);
    // Before classification the cap alone runs.
    let f = aware("2026-10-24T08:00:00Z");
    let c = clock_at(&p, &f, &[], "2026-10-24T12:00:00Z", "initial");
    assert_eq!(c.status, ClockStatus::Due);
    assert_eq!(
        c.waiting_for,
        Some(Anchor::Event("classified-major".into()))
    );
    assert_eq!(
        c.due.map(|d| (d.at, d.capped)),
        Some((ts("2026-10-25T08:00:00Z"), true))
    );
    let c = clock_at(&p, &f, &[], "2026-10-25T08:00:01Z", "initial");
    assert_eq!(c.status, ClockStatus::Overdue);
}

#[test]
fn dora_intermediate_and_final_chain_on_submissions() {
    let p = profile("eu-dora");
    let mut f = aware("2026-10-24T08:00:00Z");
    f.events
        .insert("classified-major".into(), ts("2026-10-24T10:00:00Z"));
    let sent = [("initial", "2026-10-24T13:00:00Z")];
    assert_eq!(
        due(&p, &f, &sent, "2026-10-24T14:00:00Z", "intermediate"),
        ts("2026-10-27T13:00:00Z")
    );
    let c = clock_at(&p, &f, &sent, "2026-10-24T14:00:00Z", "final");
    assert_eq!(c.status, ClockStatus::NotStarted);
    let sent = [
        ("initial", "2026-10-24T13:00:00Z"),
        ("intermediate", "2026-10-27T12:00:00Z"),
    ];
    // Tuesday 27 October + 1 month = Friday 27 November, end of day CET.
    assert_eq!(
        due(&p, &f, &sent, "2026-10-28T00:00:00Z", "final"),
        ts("2026-11-27T22:59:59.999999999Z")
    );
}

#[test]
fn circia_hours_across_new_york_changes() {
    let p = profile("us-circia");
    // Friday 6 March 2026 15:00 EST; New York springs forward on the 8th.
    let f = aware("2026-03-06T20:00:00Z");
    let d = due(&p, &f, &[], "2026-03-06T21:00:00Z", "covered-incident");
    assert_eq!(d, ts("2026-03-09T20:00:00Z"));
    assert_eq!(local_hour(d, "America/New_York"), 16);
    let c = clock_at(&p, &f, &[], "2026-03-06T21:00:00Z", "ransom-payment");
    assert_eq!(c.status, ClockStatus::NotStarted);
    // A ransom paid at midnight EDT on 1 November, the night the clocks go
    // back: 24 h later is 23:00 EST the same calendar day.
    let mut f = aware("2026-10-30T20:00:00Z");
    f.events
        .insert("ransom-paid".into(), ts("2026-11-01T04:00:00Z"));
    let d = due(&p, &f, &[], "2026-11-01T05:00:00Z", "ransom-payment");
    assert_eq!(d, ts("2026-11-02T04:00:00Z"));
    assert_eq!(local_hour(d, "America/New_York"), 23);
    let c = clock_at(&p, &f, &[], "2026-11-01T05:00:00Z", "supplemental");
    assert_eq!(c.status, ClockStatus::NoDeadline);
}

#[test]
fn appi_flash_and_confirmed_over_the_year_end() {
    let p = profile("jp-appi-leak");
    // Aware Thursday 24 December 2026, 12:00 JST, day 1. Flash: day 3 is
    // Saturday the 26th, moved past the weekend to Monday the 28th.
    let f = aware("2026-12-24T03:00:00Z");
    let d = clock_at(&p, &f, &[], "2026-12-24T04:00:00Z", "flash")
        .due
        .expect("due");
    assert_eq!(
        (d.last_day, d.moved_from),
        (Some(date(2026, 12, 28)), Some(date(2026, 12, 26)))
    );
    assert_eq!(d.at, ts("2026-12-28T14:59:59.999999999Z"));
    // Aware Sunday the 27th: day 3 is Tuesday 29 December; the organs are
    // closed until Sunday 3 January, so the end of Monday 4 January 2027.
    let d = clock_at(
        &p,
        &aware("2026-12-27T03:00:00Z"),
        &[],
        "2026-12-27T04:00:00Z",
        "flash",
    )
    .due
    .expect("due");
    assert_eq!(
        (d.last_day, d.moved_from),
        (Some(date(2027, 1, 4)), Some(date(2026, 12, 29)))
    );
    assert_eq!(d.at, ts("2027-01-04T14:59:59.999999999Z"));
    // Confirmed: day 30 is Friday 22 January 2027, an open day.
    assert_eq!(
        due(&p, &f, &[], "2026-12-24T04:00:00Z", "confirmed"),
        ts("2027-01-22T14:59:59.999999999Z")
    );
    // Wrongful purpose: day 60 is Sunday 21 February, so Monday the 22nd.
    let mut f = f;
    f.conditions.insert("wrongful-purpose".into());
    let d = clock_at(&p, &f, &[], "2026-12-24T04:00:00Z", "confirmed")
        .due
        .expect("due");
    assert_eq!(
        (d.last_day, d.moved_from),
        (Some(date(2027, 2, 22)), Some(date(2027, 2, 21)))
    );
}

#[test]
fn appi_flash_over_the_september_holidays() {
    let p = profile("jp-appi-leak");
    // Aware Friday 18 September 2026: day 3 is Sunday the 20th; 21, 22
    // (citizens' holiday) and 23 September are holidays: Thursday the 24th.
    let f = aware("2026-09-18T01:00:00Z");
    let d = clock_at(&p, &f, &[], "2026-09-18T02:00:00Z", "flash")
        .due
        .expect("due");
    assert_eq!(d.last_day, Some(date(2026, 9, 24)));
}

#[test]
fn jp_cyber_response_flash_hours_are_not_moved_by_closed_days() {
    let p = profile("jp-cyber-response");
    let f = aware("2026-12-28T02:00:00Z");
    let c = clock_at(&p, &f, &[], "2026-12-28T03:00:00Z", "flash");
    let d = c.due.expect("due");
    // An hour limit is elapsed time, not a period ending on a day.
    assert_eq!((d.at, d.moved_from), (ts("2026-12-29T02:00:00Z"), None));
    assert!(d.rule.provisional, "the ordinance's value is not fixed yet");
}

#[test]
fn jp_cyber_response_detailed_runs_from_the_flash_submission() {
    let p = profile("jp-cyber-response");
    let f = aware("2026-12-03T06:00:00Z");
    let c = clock_at(&p, &f, &[], "2026-12-03T07:00:00Z", "detailed");
    assert_eq!(c.status, ClockStatus::NotStarted);
    assert_eq!(c.waiting_for, Some(Anchor::Stage("flash".into())));
    // Flash sent Friday 4 December 15:00 JST: the day is not counted, 30
    // days end on Sunday 3 January, a closed day; Monday 4 January 2027.
    let sent = [("flash", "2026-12-04T06:00:00Z")];
    let d = clock_at(&p, &f, &sent, "2026-12-05T00:00:00Z", "detailed")
        .due
        .expect("due");
    assert_eq!(
        (d.last_day, d.moved_from),
        (Some(date(2027, 1, 4)), Some(date(2027, 1, 3)))
    );
    assert_eq!(d.anchor_at, Some(ts("2026-12-04T06:00:00Z")));
    assert!(d.rule.provisional);
}

#[test]
fn statuses_through_a_clocks_life() {
    let p = profile("eu-nis2");
    let f = aware("2026-06-01T08:00:00Z");
    let at = |now: &str, sent: &[(&str, &str)]| clock_at(&p, &f, sent, now, "early-warning").status;
    // Due 2026-06-02T08:00Z; an hour's notice by default.
    assert_eq!(
        at("2026-05-31T08:00:00Z", &[]),
        ClockStatus::NotStarted,
        "awareness still ahead"
    );
    assert_eq!(at("2026-06-02T06:00:00Z", &[]), ClockStatus::Due);
    assert_eq!(at("2026-06-02T07:30:00Z", &[]), ClockStatus::DueSoon);
    assert_eq!(
        at("2026-06-02T08:00:00Z", &[]),
        ClockStatus::DueSoon,
        "the deadline instant is still in time"
    );
    assert_eq!(at("2026-06-02T08:00:01Z", &[]), ClockStatus::Overdue);
    assert_eq!(
        at(
            "2026-06-03T00:00:00Z",
            &[("early-warning", "2026-06-02T07:59:00Z")]
        ),
        ClockStatus::Met
    );
    assert_eq!(
        at(
            "2026-06-03T00:00:00Z",
            &[("early-warning", "2026-06-02T09:00:00Z")]
        ),
        ClockStatus::MetLate
    );
    // A wider threshold makes it due soon earlier.
    let policy = ClockPolicy {
        due_soon_hours: SignedDuration::from_hours(6),
        ..ClockPolicy::default()
    };
    let all = clocks(
        &p,
        &f,
        &Default::default(),
        ts("2026-06-02T03:00:00Z"),
        &policy,
    )
    .expect("clocks");
    assert_eq!(all[0].status, ClockStatus::DueSoon);
    // No awareness yet: nothing runs.
    let none = clocks(
        &p,
        &CaseFacts::default(),
        &Default::default(),
        ts("2026-06-02T03:00:00Z"),
        &policy,
    )
    .expect("clocks");
    assert!(none.iter().all(|c| matches!(
        c.status,
        ClockStatus::NotStarted | ClockStatus::NoDeadline | ClockStatus::NotApplicable
    )));
}

#[test]
fn japanese_clock_outside_the_known_years_is_an_error_not_a_panic() {
    let p = profile("jp-appi-leak");
    let f = aware("2099-12-30T03:00:00Z");
    let err = clocks(
        &p,
        &f,
        &Default::default(),
        ts("2099-12-30T04:00:00Z"),
        &ClockPolicy::default(),
    )
    .expect_err("2100 is beyond the holiday rules");
    assert_eq!(
        (err.code, err.stage.as_str()),
        ("date-out-of-range", "flash")
    );
}
