# A new member's first steps (accepting confidentiality terms, help) and notifications

## Navigation
start-nav-help = Help
start-unread = { $count } unread

## Home banner (confidentiality terms)
start-terms-title = Your organisation must accept the confidentiality terms of "{ $community }"
start-terms-why = Your organisation is a member of this community but has not yet accepted its terms (version { $version }). Until it does, you cannot read what is shared in this community. Please read the terms below.
start-terms-renewed = The terms have been revised (version { $version }). Until your organisation accepts them again, you cannot read what is shared in this community. Please read the terms below.
start-terms-text-label = Confidentiality terms of "{ $community }"
start-terms-no-text = The text of the terms has not been entered. Please ask the community's secretariat.
start-terms-accept = I have read the terms and accept them for my organisation ({ $community })
start-terms-ask-admin = Only an administrator of your organisation can accept them. Please ask your administrator.
start-terms-link = Read and accept the terms on the home page
start-help-link = What the words mean (help)
start-help-tlp-link = What is TLP?

## Notifications
start-notices-intro = What other organisations shared that you may read, newest first (the past { $days } days). What your own organisation shared is not included.
start-notices-caption = { $count } notifications ({ $unread } unread)
start-notices-read-all = Mark all as read
start-notices-newest = Newest notifications
start-notice-bad = That notification is not valid. Please start again from the list of notifications.
start-col-state = State
start-col-sharer = Shared by
start-state-read = Read
start-state-unread = Unread
start-mark-read = Mark as read
start-mark-read-label = Mark "{ $title }" as read
start-pager-label = Pages of notifications
start-kind-indicator = Indicator
start-kind-report = Report
start-kind-sighting = Sighting
start-kind-object = Threat information
start-kind-item = Shared report

## Help
start-help-title = Help: what the words mean
start-help-intro = The words this site uses, explained in plain language.
start-help-toc = Contents of this page
start-help-tlp-h = TLP (who may be told)
start-help-tlp = TLP (the Traffic Light Protocol, version 2.0 by FIRST) says with a colour how far you may pass on what you received. Everything shared here carries a TLP. When in doubt, treat it as the narrower level.
start-help-tlp-clear-name = TLP:CLEAR
start-help-tlp-clear = No limit. It may be made public.
start-help-tlp-green-name = TLP:GREEN
start-help-tlp-green = May be shared within the same community (the council, an ISAC). Not to be made public, for example on the internet.
start-help-tlp-amber-name = TLP:AMBER
start-help-tlp-amber = May be shared within the receiving organisation and with its clients (such as maintenance contractors), only with people who need to know to protect themselves.
start-help-tlp-amber-strict-name = TLP:AMBER+STRICT
start-help-tlp-amber-strict = May be shared only within the receiving organisation, with people who need to know. Not with clients or contractors.
start-help-tlp-red-name = TLP:RED
start-help-tlp-red = Only the named recipients may read it. Tell nobody else, not even others in your organisation.
start-help-pap-h = PAP (what you may do)
start-help-pap = PAP (the Permissible Actions Protocol) says what you may do with what you received. It may come with the TLP.
start-help-pap-clear = No limit on what you do.
start-help-pap-green = You may act inside your own network (for example, block the traffic).
start-help-pap-amber = Only passive checks the attacker cannot notice (such as looking at public sources). Do not touch the attacker's systems.
start-help-pap-red = Only actions nobody outside can see, such as checking your own logs.
start-help-sightings-h = Sightings
start-help-sightings = A sighting is a report that your organisation has also seen a shared indicator (an IP address, a domain…). Sharing when and how often you saw it tells everyone how far the same attack has spread. You report one from the object's page.
start-help-collections-h = Collections
start-help-collections = A collection is the threat information shared in one community. You read the collections of the communities your organisation is a member of and whose confidentiality terms it has accepted. Machines read and write the same collections through TAXII.
start-help-exports-h = Exports (for detection tools)
start-help-exports = You can download the indicators you may read as files. Loaded into your tools, they detect or block traffic that matches what was shared. Values on a warning list (such as ranges reserved for documentation) are left out so they do not raise false alarms.
start-help-export-stix-name = STIX (STIX 2.1 bundle)
start-help-export-stix = The international standard format (JSON) for exchanging threat information. Other platforms (MISP, OpenCTI…) import it.
start-help-export-csv-name = CSV
start-help-export-csv = A table that spreadsheets open: the value, its kind, the TLP and more, in columns.
start-help-export-suricata-name = Suricata
start-help-export-suricata = Rules for the Suricata intrusion detection system: it raises an alert on traffic matching an indicator.
start-help-export-zeek-name = Zeek
start-help-export-zeek = A file for the Intel framework of the Zeek network monitor, which matches what it sees against the indicators.
start-help-export-rpz-name = RPZ
start-help-export-rpz = A response policy zone for DNS servers (BIND and others): it stops names of dangerous domains from resolving.
start-help-export-blocklist-name = Blocklists
start-help-export-blocklist = One value a line, one kind a file (IP addresses, domains, URLs, hashes…), ready for firewalls and proxies.

## Creating a community
start-field-terms-text = Text of the confidentiality terms
start-field-terms-text-hint = Members read this text on their home page before they accept.

## The intelligence page
start-terms-pending = { $count ->
    [1] Until your organisation accepts the confidentiality terms of "{ $community }", what is shared in that community is not shown here.
   *[other] Until your organisation accepts the confidentiality terms of { $count } communities, what is shared in them is not shown here.
}
