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
error-report-values-invalid = { $count ->
    [one] One value does not fit its field.
   *[other] { $count } values do not fit their fields.
}
error-report-common-unknown = There is no common field “{ $name }”.
error-report-order-unknown = “{ $value }” is not an order (newest or due).
error-report-cursor-invalid = The page cursor is not one this server gave.
error-report-form-unknown = The stage has no form “{ $name }”.
error-report-stage-required = Name the stage this version is for.
error-report-attachment-refused = This file cannot be attached: PDF, images, Office documents, archives, packet captures and plain text are accepted, checked by their content.
error-report-notice-unknown = The regime has no notice “{ $name }”.
error-report-recipient-unknown = The regime names no recipient “{ $name }”.
