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
