# Input errors (values, lines, STIX properties). The English detail stays for REST and logs.
msg-invalid = The value of “{ $field }” is not valid. Please check it.
msg-value-empty = The value is empty.
msg-value-too-long = The value is too long (at most { $max } bytes).
msg-value-wrong-ip-version = “{ $value }” is an IP address of the other kind (IPv4 or IPv6) than the one given.
msg-value-not-hash = A { $kind } hash is { $digits } hexadecimal digits.
msg-value-bad-hex-length = “{ $value }” is hexadecimal but not as long as a hash (32, 40, 64 or 128 digits).
msg-value-not-hostname = “{ $value }” is not a host name (letters, digits and “-” only).
msg-value-unknown-kind = “{ $value }” could not be read as an IP address, network, URL, e-mail address, hash or domain name.
msg-value-not-ip = “{ $value }” is not an IP address or network (CIDR).
msg-value-not-domain = “{ $value }” is not a valid domain name.
msg-value-not-url = “{ $value }” is not a URL with a host name.
msg-value-not-email = “{ $value }” is not a valid e-mail address.
msg-tlp-unknown = “{ $value }” is not a TLP level (choose CLEAR, GREEN, AMBER, AMBER+STRICT or RED).
msg-pap-unknown = “{ $value }” is not a PAP level (choose CLEAR, GREEN, AMBER or RED).
msg-audience-unknown = The audience “{ $value }” could not be read.
msg-red-needs-recipients = To share at TLP:RED, name the people who receive it.
msg-red-people-only = TLP:RED goes to the named people only. Remove the communities, sectors and organisations.
msg-choice-unknown = “{ $value }” is not one of the choices for “{ $field }”.
msg-sector-invalid = “{ $value }” is not a sector code.
msg-prefecture-unknown = “{ $value }” could not be read as a prefecture.
msg-email-invalid = Please enter a valid e-mail address.
msg-title-length = The title must be 1 to 200 characters.
msg-body-too-long = The text may be at most 100,000 characters.
msg-warning-too-wide = “{ $value }” is too wide a range for a warning list.

# Lines of a list (CSV, text, feeds)
msg-line-invalid = “{ $field }” on this line could not be read.
msg-line-expired = The value has expired. An expired indicator blocks nothing, so it is not accepted.
msg-line-size = More than can be read at once; nothing from here on was read. Split the list.
msg-line-too-many-errors = Too many lines could not be read; only the first are listed.
msg-line-encoding = This line is not valid UTF-8 text.
msg-line-columns = Too many columns.

# STIX bundles
msg-stix-property = This property does not follow the STIX 2.1 specification.

# Names of input fields (used inside error texts)
field-tlp = TLP
field-values = values
field-value = value
field-file = file
field-format = format
field-collection = collection
field-audience = audience
field-communities = communities
field-sectors = sectors
field-sector = sector
field-prefecture = prefecture
field-type = type
field-title = title
field-body = text
field-list = list name
field-url = URL
field-org = organisation
field-org_id = organisation
field-query = search terms
field-objects = objects
field-valid_from = start of validity
field-valid_until = end of validity
field-port = port
field-encoding = encoding
field-columns = columns
field-size = size
field-errors = lines
field-kind = kind
field-pap = PAP

# Built-in warning lists (values that cause false positives)
msg-warninglist-private-ranges = Private, loopback, link-local, shared and multicast address ranges (RFC 1918, 6598, 3927, 4193, 4291)
msg-warninglist-documentation = Documentation address ranges and domains (RFC 5737, 3849, 2606, 6761): values used as examples, not real attackers'.
msg-warninglist-popular-domains = Very popular domains and public resolvers: an indicator naming them is almost always a false positive.

# Kinds of values
msg-value-kind-ipv4 = IPv4 address
msg-value-kind-ipv6 = IPv6 address
msg-value-kind-domain = domain name
msg-value-kind-url = URL
msg-value-kind-email = e-mail address
msg-value-kind-md5 = MD5 hash
msg-value-kind-sha1 = SHA-1 hash
msg-value-kind-sha256 = SHA-256 hash
msg-value-kind-sha512 = SHA-512 hash
msg-audience-unknown-ids = The audience names recipients that do not exist: { $names }
