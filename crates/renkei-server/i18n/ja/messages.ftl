# 入力の誤り（値・行・STIX のプロパティ）。英語の詳細は REST の detail とログにだけ残ります。
msg-invalid = 「{ $field }」の値が正しくありません。入力を確認してください。
msg-value-empty = 値が空です。
msg-value-too-long = 値が長すぎます（{ $max } バイトまで）。
msg-value-wrong-ip-version = 「{ $value }」は指定した種類（IPv4 または IPv6）と違うIPアドレスです。
msg-value-not-hash = { $kind } のハッシュは16進数 { $digits } 桁です。
msg-value-bad-hex-length = 「{ $value }」は16進数ですが、ハッシュの桁数（32・40・64・128桁）ではありません。
msg-value-not-hostname = 「{ $value }」はホスト名ではありません（使える文字は英数字と「-」です）。
msg-value-unknown-kind = 「{ $value }」はIPアドレス、ネットワーク、URL、メールアドレス、ハッシュ、ドメイン名のいずれとしても読み取れませんでした。
msg-value-not-ip = 「{ $value }」はIPアドレスでもネットワーク（CIDR）でもありません。
msg-value-not-domain = 「{ $value }」はドメイン名として正しくありません。
msg-value-not-url = 「{ $value }」はホスト名を含むURLではありません。
msg-value-not-email = 「{ $value }」はメールアドレスとして正しくありません。
msg-tlp-unknown = 「{ $value }」はTLPの区分ではありません（CLEAR、GREEN、AMBER、AMBER+STRICT、RED から選んでください）。
msg-pap-unknown = 「{ $value }」はPAPの区分ではありません（CLEAR、GREEN、AMBER、RED から選んでください）。
msg-audience-unknown = 共有範囲の指定「{ $value }」を読み取れませんでした。
msg-red-needs-recipients = TLP:RED で共有するには、受け取る人を指名してください。
msg-red-people-only = TLP:RED は指名した個人だけに届けます。コミュニティ、業種、組織の指定を外してください。
msg-choice-unknown = 「{ $value }」は「{ $field }」の選択肢にありません。
msg-sector-invalid = 「{ $value }」は業種のコードではありません。
msg-prefecture-unknown = 「{ $value }」は都道府県として読み取れませんでした。
msg-email-invalid = メールアドレスを正しく入力してください。
msg-title-length = 件名は1〜200文字で入力してください。
msg-body-too-long = 本文は100,000文字までです。
msg-warning-too-wide = 「{ $value }」は範囲が広すぎるため、警告リストに登録できません。

# 一覧（CSV・テキスト・フィード）の行
msg-line-invalid = この行の「{ $field }」を読み取れませんでした。
msg-line-expired = 有効期限が過ぎています。期限切れの指標は何も防げないため、受け付けません。
msg-line-size = 一度に読み取れる量を超えたため、ここから後は読んでいません。一覧を分けて送ってください。
msg-line-too-many-errors = 読み取れない行が多すぎるため、最初の分だけを表示しています。
msg-line-encoding = この行は UTF-8 の文字として読み取れません。
msg-line-columns = 列が多すぎます。

# STIX バンドル
msg-stix-property = このプロパティは STIX 2.1 の仕様に合っていません。

# 入力欄の名前（エラー文の中で使います）
field-tlp = TLP
field-values = 値
field-value = 値
field-file = ファイル
field-format = 形式
field-collection = コレクション
field-audience = 共有範囲
field-communities = コミュニティ
field-sectors = 業種
field-sector = 業種
field-prefecture = 都道府県
field-type = 種類
field-title = 件名
field-body = 本文
field-list = リスト名
field-url = URL
field-org = 組織
field-org_id = 組織
field-query = 検索語
field-objects = オブジェクト
field-valid_from = 有効期間の始まり
field-valid_until = 有効期間の終わり
field-port = ポート
field-encoding = 文字コード
field-columns = 列
field-size = 量
field-errors = 行
field-kind = 種別
field-pap = PAP

# 組み込みの警告リスト（誤検知のもとになる値）
msg-warninglist-private-ranges = プライベート・ループバック・リンクローカル・共有・マルチキャストのアドレス範囲（RFC 1918、6598、3927、4193、4291）
msg-warninglist-documentation = 説明用のアドレス範囲とドメイン（RFC 5737、3849、2606、6761）。例として使われる値で、実際の攻撃者のものではありません。
msg-warninglist-popular-domains = よく使われる有名なドメインと公開DNSリゾルバー。指標に含まれていても、ほとんどの場合は誤検知です。

# 値の種類
msg-value-kind-ipv4 = IPv4アドレス
msg-value-kind-ipv6 = IPv6アドレス
msg-value-kind-domain = ドメイン名
msg-value-kind-url = URL
msg-value-kind-email = メールアドレス
msg-value-kind-md5 = MD5ハッシュ
msg-value-kind-sha1 = SHA-1ハッシュ
msg-value-kind-sha256 = SHA-256ハッシュ
msg-value-kind-sha512 = SHA-512ハッシュ
msg-audience-unknown-ids = 共有範囲に、存在しない相手が含まれています: { $names }
