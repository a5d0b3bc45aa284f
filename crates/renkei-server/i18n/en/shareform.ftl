# The share form (preview, the list of readers, no double submission) and what exports leave out

error-share-choose-tlp = Choose the "TLP". There is no default: the TLP decides who may read the information.
error-share-choose-collection = Choose the "Collection". There is no default.
error-share-collection-refused = You cannot add to the collection chosen in "Collection". Choose one from the list.
error-share-audience-unknown = "{ $value }" in "Audience" is not one of the choices. Choose again from the list.
error-share-lines-unreadable = Some lines of "Indicator values" could not be read. Correct the lines listed below. Nothing was stored.
error-share-no-values = No indicator value was found in "Indicator values". Enter IP addresses, domains, URLs or hashes, one per line.

shareform-choose = Choose…
shareform-step-preview = Continue to preview
shareform-step-hint = The next page lists the organisations that will be able to read this before you share. Nothing is stored yet.
shareform-communities = Communities
shareform-communities-hint = Member organisations of the chosen communities (terms accepted) can read it.
shareform-sectors = Sectors
shareform-sectors-hint = Every organisation of the chosen sectors can read it.
shareform-orgs = Organisations
shareform-orgs-hint = The chosen organisations can read it.
shareform-people = People (TLP:RED only)
shareform-audience-legend = Audience (optional)
shareform-audience-default = If you choose nothing, it is shared with the collection's community. Choosing anything replaces that default: only your organisation and what you chose can read it.

shareform-refused-title = You cannot share from this account yet
shareform-refused-role = Your role is "viewer", which cannot share. If you need to share, ask your organisation's administrator to change your role to reporter.
shareform-refused-terms = Your organisation has not yet accepted the confidentiality terms of any community, so there is nobody to share with. Once an administrator accepts the terms on the communities page, you can share.
shareform-refused-terms-link = Go to communities and terms
shareform-refused-collection = There is no collection you can add to. Ask the community's operator (the National Cybersecurity Office) to create one.

shareform-preview-title = Check before sharing
shareform-preview-intro = Nothing is stored yet. Check who will be able to read it, then press "Confirm and share".
shareform-readers = Who can read it: { $count } organisations
shareform-readers-red = Who can read it: only these { $count } people
shareform-readers-list = Organisations that can read it
shareform-readers-none = No organisation other than yours can read it.
shareform-me = (you)
shareform-values = Values to share ({ $count })
shareform-values-more = and { $count } more
shareform-collection = Collection
shareform-audience = Audience
shareform-audience-collection = None chosen (the collection's community)
shareform-confirm = Confirm and share
shareform-edit = Go back and edit
shareform-stored-title = Shared

exports-title = Exports
exports-intro = Export the indicators you may read in formats your devices and tools load. Values on warning lists (known to be harmless) and some others are left out of each file to avoid false alarms and blocking accidents.
exports-file = File
exports-written = Written
exports-left-out = Left out
exports-written-count = { $count }
exports-none-left-out = none
exports-left-warning = { $count } left out: on the warning list "{ $list }"
exports-left-too-wide = { $count } left out: networks too wide (wider than /8 for IPv4, /32 for IPv6)
exports-left-no-place = { $count } left out: values of a kind this format has no place for ({ $kind })
exports-left-scheme = { $count } left out: URLs other than http and https
exports-left-too-long = { $count } left out: names too long for a DNS zone
exports-warninglists-link = See the warning lists
exports-capped = There are many values, so only the first { $count } were counted. Each file's last line gives the full count of what was left out.
exports-link = Exports and what they leave out
exports-list-documentation = documentation ranges
exports-list-private-ranges = private and special-purpose ranges
exports-list-popular-domains = popular legitimate domains
exports-download = Download
exports-bundle-note = The STIX bundle holds every object you may read as it is (nothing is left out).
