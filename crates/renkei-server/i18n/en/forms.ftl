# Links to the help for the words on each page; the import form (preview, no double submission)

## Links to the help (beside each word)
forms-what-tlp = What is TLP?
forms-what-tlp-level = What this TLP means
forms-what-pap = What is PAP?
forms-what-collection = What is a collection?
forms-what-audience = What is the audience?
forms-what-sighting = What is a sighting?
forms-what-decay = What is the freshness score?
forms-what-format = About this format
forms-what-import-formats = About the formats you can import
forms-collection = Collection

## Sections added to the help
forms-help-audience-h = Audience (who may read)
forms-help-audience = The audience, together with the TLP, decides who may read what you share. You can choose communities, sectors, organisations and people. With none chosen, the community of the collection you add to is the audience. Before you share, the preview lists the organisations that will be able to read it.
forms-help-decay-h = Freshness score
forms-help-decay = The freshness score, from 0 to 100, estimates whether an indicator is still useful. It falls as time passes from when the indicator became valid: to 0 after 30 days for IP addresses, 60 for URLs, 90 for domains and 180 for e-mail addresses. Hashes do not fall. An expired indicator scores 0. The older an indicator, the likelier its value is harmless by now.
forms-help-imports-h = Formats you can import
forms-help-imports = You can add indicators from a file. Before anything is stored, a preview shows how many values of each kind will be stored, each line that could not be read and why, and which organisations will be able to read them.
forms-help-import-csv-name = CSV
forms-help-import-csv = A table with one value per line. The layouts abuse.ch and Spamhaus DROP publish are read as they are. You can name the column holding the values.
forms-help-import-text-name = Text
forms-help-import-text = The text of a report or an e-mail. The IP addresses, domains, URLs, hashes and so on in it are picked out, written defanged (hxxp, [.]) or not.
forms-help-import-misp-name = MISP event
forms-help-import-misp = An event (JSON) of MISP, the threat-sharing platform. Its attributes and objects are stored as STIX.
forms-help-import-stix-name = STIX 2.1 bundle
forms-help-import-stix = A bundle (JSON) in the international STIX 2.1 standard. Its objects are stored as they are. STIX 2.0 is not accepted.

## The import form
forms-import-intro = Imports CSV, text, a MISP event (JSON) or a STIX bundle. Before anything is stored, a preview shows how many values of each kind will be stored, each line that could not be read and why, and which organisations will be able to read them. If a line cannot be read, nothing is stored unless you choose to leave such lines out.
forms-import-step-hint = The next page shows what will be stored and who will be able to read it. Nothing is stored yet.
forms-import-preview-title = Check what will be imported
forms-import-preview-intro = Nothing is stored yet. Check what will be stored and who will be able to read it, then press "Store".
forms-import-total = { $count } objects will be stored
forms-import-values-caption = Values to store, by kind
forms-import-objects-caption = Objects without values, by type
forms-import-count = Count
forms-import-count-n = { $count }
forms-import-left-out = { $count } lines left out (they could not be read)
forms-import-group = { $count } objects
forms-import-confirm = Store
forms-misp-left-out = This item of the MISP event cannot be imported and is left out.
error-import-file-required = Choose the "File" to import.
error-import-draft-gone = What the preview showed is no longer kept (a day has passed, or it was stored already). Choose the file again.
