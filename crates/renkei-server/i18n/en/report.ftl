## Reporting regimes (/reports/regimes and the report-profile API's errors)

report-regimes-title = Reporting regimes and deadlines
report-regimes-intro = Each reporting regime renkei handles, with its stages and their deadlines. Hour limits are elapsed time; day and month limits are counted in each regime's own time zone and calendar.
report-regime-meta = ID { $id } · version { $version } · time zone { $zone }
report-regime-overridden = Some of this regime's deadlines were changed by the administrator.
report-stages-caption = Stages and deadlines of { $regime }
report-col-stage = Stage
report-col-deadline = Deadline
report-from-awareness = awareness
report-from-stage = submission of “{ $stage }”
report-from-event = “{ $event }”
report-period-hours = { $amount ->
    [one] { $amount } hour
   *[other] { $amount } hours
}
report-period-days = { $amount ->
    [one] { $amount } day
   *[other] { $amount } days
}
report-period-months = { $amount ->
    [one] { $amount } month
   *[other] { $amount } months
}
report-deadline = { $period } after { $from }
report-deadline-provisional = { $period } after { $from } (provisional)
report-deadline-capped = { $deadline }, and at most { $cap } after awareness
report-deadline-overridden = { $deadline } (set by the administrator)
report-no-deadline = No fixed deadline
report-variant = If { $condition }: { $deadline }
report-applies-when = Only if { $condition }

error-report-profile-unknown = There is no reporting regime “{ $id }”.
error-report-profiles-required = Name at least one reporting regime.
error-report-too-many = Too many (at most { $max }).
error-report-time-invalid = “{ $value }” is not an RFC 3339 date and time (e.g. 2026-12-01T09:00:00+09:00).
error-report-event-unknown = The chosen regimes have no event “{ $name }”.
error-report-condition-unknown = The chosen regimes have no condition “{ $name }”.
error-report-stage-unknown = The chosen regimes have no stage “{ $name }”.
error-report-date-out-of-range = The deadline of stage “{ $stage }” falls outside the calendar that can be computed.
