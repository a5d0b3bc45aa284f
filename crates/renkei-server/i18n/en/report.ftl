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

## Filing and receiving reports (/reports, /reports/new, /reports/queue, /reports/{id})

report-list-title = Incident reports
report-list-intro = Reports and notices your organisation has filed. Describe an incident once and it fills each applicable regime's forms; each regime keeps its own deadlines.
report-new-link = Report a new incident
report-queue-link = Reports received (queue)
report-regimes-link = Regimes and deadlines
report-col-title = Title
report-col-org = Reporting organisation
report-col-regime = Regime
report-col-state = Handling
report-col-next = Next deadline
report-col-sector = Sector
report-notice-badge = Notice
report-draft-badge = Not submitted
report-next-page = Next page
report-none = No reports yet.
report-left-template = %d d %h h %m min left
report-over-template = %d d %h h %m min overdue
report-queue-title = Reports received
report-queue-intro = Reports filed to your organisation, with their deadlines and handling state; from each you can ask the reporter, keep tasks and prepare an alert.
report-filter-any = Any
report-filter-order = Order
report-order-newest = Newest first
report-order-due = Most urgent deadline first
report-filter-apply = Apply
report-list-caption = Your organisation's reports
report-queue-caption = Reports addressed to your organisation
report-new-title = Report an incident
report-new-intro = Describe the incident once and choose the regimes that apply. A report is created for each; its forms are pre-filled from what you write here.
report-f-title = Title
report-f-awareness = When you became aware (Japan time)
report-f-awareness-hint = Deadlines run from this time. Leave it empty if unknown; you can add it later.
report-f-summary = Summary of the incident
report-f-regimes = Regimes to report under
report-f-regimes-hint = Choose every regime that may apply; each line says when it does.
report-f-consent = Sharing consent
report-consent-national = Share this report with the National Cybersecurity Office
report-consent-sanitised = Allow its use, without anything identifying us, in alerts to other organisations
report-new-submit = Create the reports
report-back = Back to the list
report-col-recipients = Recipients
report-no-recipients = No recipient set up yet (ask the administrator)
report-col-version = Version
report-clocks-title = Deadlines
report-clocks-caption = Each stage's deadline and time left
report-col-status = Status
report-col-left = Time left
report-siblings-title = The same incident under other regimes
report-file-title = Fill in the report
report-f-form = Form
report-choose-form = Use this stage and form
report-zone-hint = Enter dates and times in this regime's time zone ({ $zone }).
report-required = (required)
report-list-hint = One item per line
report-choose = Choose
report-f-note = What changed since the last version
report-save-draft = Save draft
report-submit = Submit
report-autosaved = Draft saved automatically (%t)
report-draft-kept = Draft kept ({ $at })
report-versions-title = Submitted versions
report-version-line = Version { $version }, { $stage } — { $at }
report-no-versions = Nothing submitted yet.
report-files-title = Attached files
report-no-files = No files attached.
report-f-file = File
report-attach = Attach
report-f-file-hint = PDF, images, Office documents, archives, packet captures or text (up to 10 MiB); the kind is checked from the content.
report-consent-save = Save consent
report-thread-title = Messages with the recipients
report-no-messages = No messages yet.
report-f-message = Message
report-send-message = Send
report-handling-title = Handling
report-state-save = Update the state
report-tasks-title = Tasks
report-task-reopen = Reopen
report-task-done = Done
report-f-task = New task
report-f-owner = Owner
report-nobody = Nobody yet
report-add-task = Add
report-timeline-title = Timeline
report-back-to-report = Back to the report
report-submitted-at = Submitted
report-values-caption = Items of the report
report-col-item = Item
report-col-value = Content
report-state-received = Received
report-state-analysing = Analysing
report-state-waiting = Waiting for the reporter
report-state-closed = Closed
report-status-not-applicable = Does not apply
report-status-no-deadline = No fixed deadline
report-status-not-started = Not started
report-status-due = Due
report-status-due-soon = Due soon
report-status-overdue = Overdue
report-status-met = Submitted in time
report-status-met-late = Submitted late
report-applies-jp-cyber-response = A designated critical-infrastructure operator learns of an incident affecting a specified critical computer
report-applies-jp-appi-leak = A leak of personal data (sensitive data, financial harm, wrongful purpose, or over 1,000 people)
report-applies-eu-nis2 = A significant incident at an entity under NIS2 in the EU
report-applies-eu-cra = A manufacturer of a digital product on the EU market learns of an exploited vulnerability or severe incident
report-applies-eu-dora = A major ICT-related incident at an EU financial entity
report-applies-us-circia = A covered incident at, or a ransom payment by, a US critical-infrastructure entity
report-field-required = This item is required.
report-field-unknown-field = This form has no such item.
report-field-wrong-type = The value is of the wrong kind.
report-field-too-long = Too long.
report-field-line-break = Line breaks are not allowed here.
report-field-too-many-items = Too many items.
report-field-invalid-date-time = Not a valid date and time.
report-field-unknown-option = Not one of the choices.
report-field-not-an-integer = Enter a whole number.
report-field-below-minimum = Too small.
report-field-above-maximum = Too large.
report-field-item = Line { $item }: { $error }
report-submitted = Version { $version } submitted (SHA-256 { $sha }).
report-draft-saved = Draft saved.
report-event-created = Created
report-event-version = Submitted
report-event-message = Message
report-event-task = Task added
report-event-task-done = Task done
report-event-state = State changed
report-event-consent = Consent
report-event-attachment = File attached
report-reminder-banner = Some reports are due soon or overdue.
report-indicators-title = Indicators in this report
report-seen-in = also in { $count ->
    [one] one other report
   *[other] { $count } other reports
}
report-make-alert = Make an alert from this report
report-make-alert-hint = It starts from the report's words with the reporting organisation, its people and contacts masked; add the steps and choose TLP and audience before publishing.
report-no-sanitised = The reporter has not consented to sanitised sharing: no alert can be made from this report.
error-report-export-format-unknown = There is no export format “{ $value }” (json or xlsx).
error-report-export-nothing = The report has no submitted version yet.
report-export-xlsx = Download as Excel
report-export-json = Download as JSON
report-export-all-xlsx = Download every version as Excel
