# Errors of lists, exports and MISP events with a code of their own (msg-<code>),
# and the audit log's REST filters (error-<code>).

# Values and lines of a list
msg-port-invalid = “{ $value }” is not a port number (give a number from { $min } to 65535).
msg-value-url-no-host = “{ $value }” is not a web URL ({ $schemes }) and names no host name or address to keep instead.
msg-value-not-indicator = “{ $value }” looks defanged, but could not be read as an indicator value.
msg-line-time-invalid = “{ $value }” in “{ $field }” is not a date and time (for example 2026-04-01T09:00:00Z).
msg-line-time-order = The end of the validity period ({ $value }) is not later than its start ({ $from }).
msg-line-port-mismatch = “{ $value }” in the port column differs from port { $port } named in the value.
msg-line-quote-open = A quote (") is opened and never closed.
msg-line-not-json = This line is not a JSON record.
msg-line-drop-no-cidr = The DROP record does not name its network in “cidr”.

# Exports
msg-export-format-unknown = “{ $value }” is not an export format (choose csv, suricata, zeek, rpz or blocklist).
msg-export-type-required = A blocklist holds one type of value. Choose one type ({ $kinds }).

# MISP events
msg-time-invalid = “{ $value }” is not a date and time.
msg-misp-text-length = The value must be 1 to { $max } bytes.
msg-misp-not-integer = “{ $value }” is not an integer.
msg-misp-not-size = “{ $value }” is not a size (a number of bytes, 0 or more).
msg-misp-url-no-scheme = “{ $value }” is not a URL: it has no scheme (http://, https:// and so on). Give it one in MISP, or make it a domain or hostname attribute.
msg-misp-hash-type-unknown = “{ $value }” is not a hash type.
msg-misp-hash-length = A { $name } hash is { $digits } hexadecimal digits (“{ $value }”).
msg-misp-not-pair = “{ $value }” is not of the form “{ $form }” (two values separated by “|”).
msg-misp-not-as-number = “{ $value }” is not an AS number.

# The audit log over REST
error-audit-filter-invalid = The value of the filter “{ $param }” is not valid.
error-audit-filter-range = The end of the period is before its start.
