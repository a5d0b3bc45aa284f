# Errors with a stable code (problem+json `code`, TAXII `error_code`).
error-csrf-header-required = A change made through the API with a signed-in session must carry the session's CSRF token in the X-CSRF-Token header (the portal's pages hold it in their csrf-token meta element). API clients use a bearer token instead.
error-origin-mismatch = The request came from another site ({ $origin }). Changes made with a signed-in session are accepted from this server's own pages only.
error-unsupported-media-type = Unsupported Content-Type header ({ $sent }): send { $expected }.
error-metrics-token-required = The metrics require the bearer token configured as metrics_token.
error-metrics-not-served = Metrics are not served at this address: set metrics_listen or metrics_token.
error-stix-2-0-not-accepted = STIX 2.0 is not accepted; convert it to 2.1 first with OASIS's stix2-elevator (pip install stix2-elevator; stix_stepper FILE.json > FILE-2.1.json)
error-webhook-address-refused = The webhook URL points at { $address }, in the special-purpose range { $range }. Webhooks reach public addresses only.
error-server-busy = The server is busy. Nothing was changed; try again in { $seconds } s.
error-request-timeout = The request took longer than { $seconds } s and was stopped; a change it had not completed was not stored. Try again, or send less at once.
error-recipients-unknown = No such user: { $names }. TLP:RED goes only to people with an account here, named by e-mail address or user id.
error-recipients-too-many = Name at most { $max } recipients.
error-recipients-need-red = Recipients name who may read TLP:RED; this list is TLP:{ $tlp }. To reach people at another level, add them to the audience.
error-red-needs-a-person = TLP:RED is shared by a person: sign in, use an API token a person created (it acts for them), or name the sharer with --user on the command line.

# Errors shown on the portal (a text per code)
error-not-found = Nothing was found here. It may have been deleted, or you may not be allowed to read it.
error-forbidden = You are not allowed to do this.
error-conflict = The value of “{ $field }” is already in use or contradicts other information. Enter another value.
error-objects-refused = Some objects were refused, so nothing was stored.
error-admin-only = Only administrators of the organisation can do this. Ask one of them if it is needed.
error-form-expired = The form expired or did not come from this site. Reload the page and try again.
error-tlp-required = Choose the TLP level (who may receive it). There is no default, so nothing goes to the wrong people.
error-format-required = Choose the file's format.
error-lines-refused = Some lines could not be read, so nothing was stored. Correct the lines listed below, or choose to skip lines that cannot be read.
error-objects-unreadable = Some objects could not be read, so nothing was stored. They are listed below.
error-no-values = No value to share (IP address, domain, URL, hash…) was found.
error-page-not-found = There is no page at this address. Check the address, or go on from the links below.

# Texts per status (errors with no text of their own)
error-status-400 = The request could not be read. Check what you entered and try again.
error-status-401 = Please sign in.
error-status-403 = You are not allowed to do this.
error-status-404 = Nothing was found here. It may have been deleted, or you may not be allowed to read it.
error-status-405 = This page cannot be used this way.
error-status-409 = This contradicts other information, so it was not stored.
error-status-413 = What was sent is too large. Send it in smaller parts.
error-status-415 = Content of this type is not accepted.
error-status-422 = Please check what you entered.
error-status-429 = Too many requests in a short time. Wait a moment and try again.
error-status-500 = The server had a problem and could not finish. Try again later; if it goes on, contact your administrator.
error-status-503 = The server is busy. Wait a moment and try again.
error-status-other = The request could not be handled.
error-go-back = Back to the previous page
error-sign-in = Sign in
