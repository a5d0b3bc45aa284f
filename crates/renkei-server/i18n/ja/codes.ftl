# Errors of lists, exports and MISP events with a code of their own (msg-<code>),
# and the audit log's REST filters (error-<code>). Japanese first.

# Values and lines of a list
msg-port-invalid = 「{ $value }」はポート番号ではありません（{ $min }〜65535 の数字で指定してください）。
msg-value-url-no-host = 「{ $value }」はWebのURL（{ $schemes }）ではなく、代わりに残せるホスト名やアドレスも含んでいません。
msg-value-not-indicator = 「{ $value }」は無害化（デファング）された表記に見えますが、指標の値として読み取れませんでした。
msg-line-time-invalid = 「{ $field }」の「{ $value }」は日時として読み取れません（例: 2026-04-01T09:00:00Z）。
msg-line-time-order = 有効期間の終わり（{ $value }）が、始まり（{ $from }）より後になっていません。
msg-line-port-mismatch = ポートの列の「{ $value }」が、値の中で指定されたポート { $port } と一致しません。
msg-line-quote-open = 引用符（"）が開いたまま閉じられていません。
msg-line-not-json = この行はJSONのレコードとして読み取れません。
msg-line-drop-no-cidr = DROPのレコードに、ネットワークを示す「cidr」がありません。

# Exports
msg-export-format-unknown = 「{ $value }」は書き出し形式ではありません（csv、suricata、zeek、rpz、blocklist から選んでください）。
msg-export-type-required = ブロックリストには1種類の値だけを入れます。種類を1つ選んでください（{ $kinds }）。

# MISP events
msg-time-invalid = 「{ $value }」は日時として読み取れません。
msg-misp-text-length = 値は1〜{ $max }バイトで指定してください。
msg-misp-not-integer = 「{ $value }」は整数ではありません。
msg-misp-not-size = 「{ $value }」はサイズ（0以上のバイト数）ではありません。
msg-misp-url-no-scheme = 「{ $value }」にはスキーム（http://、https:// など）がないためURLではありません。MISPでスキームを付けるか、ドメインまたはホスト名の属性にしてください。
msg-misp-hash-type-unknown = 「{ $value }」はハッシュの種類ではありません。
msg-misp-hash-length = { $name } のハッシュは16進数 { $digits } 桁です（「{ $value }」）。
msg-misp-not-pair = 「{ $value }」は「{ $form }」の形（「|」で区切った2つの値）ではありません。
msg-misp-not-as-number = 「{ $value }」はAS番号ではありません。

# The audit log over REST
error-audit-filter-invalid = 検索条件「{ $param }」の値が正しくありません。
error-audit-filter-range = 期間の終わりが始まりより前になっています。
