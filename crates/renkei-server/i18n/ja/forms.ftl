# 用語のヘルプへのリンク、取り込みフォーム（確認画面、二重送信の防止）

## 用語の説明へのリンク（各ページの用語の横）
forms-what-tlp = TLP とは
forms-what-tlp-level = この TLP の意味
forms-what-pap = PAP とは
forms-what-collection = コレクションとは
forms-what-audience = 共有範囲とは
forms-what-sighting = サイティングとは
forms-what-decay = 鮮度スコアとは
forms-what-format = この形式の説明
forms-what-import-formats = 取り込める形式の説明
forms-collection = コレクション

## ヘルプに加える節
forms-help-audience-h = 共有範囲（誰が読めるか）
forms-help-audience = 共有範囲は、TLP と組み合わせて、共有した情報を読める相手を決めます。コミュニティ、業種（セクター）、組織、個人を選べます。何も選ばなければ、登録先コレクションのコミュニティが相手になります。共有する前の確認画面に、実際に読める組織の一覧が表示されます。
forms-help-decay-h = 鮮度スコア
forms-help-decay = 鮮度スコアは、指標がまだ役に立つかの目安を 0〜100 で表したものです。有効になった時点から時間がたつほど下がり、IP アドレスは 30 日、URL は 60 日、ドメインは 90 日、メールアドレスは 180 日で 0 になります。ハッシュは下がりません。有効期限を過ぎた指標は 0 です。古い指標ほど、すでに無害な値に変わっている可能性があります。
forms-help-imports-h = 取り込める形式
forms-help-imports = ファイルから指標を登録できます。登録する前に確認画面で、種類ごとの件数、読めなかった行とその理由、読める組織を確かめられます。
forms-help-import-csv-name = CSV
forms-help-import-csv = 1 行に 1 つの値を書いた表です。abuse.ch や Spamhaus DROP の配布形式もそのまま読めます。値の列は見出しで指定できます。
forms-help-import-text-name = テキスト
forms-help-import-text = 報告書やメールの本文です。文中の IP アドレス、ドメイン、URL、ハッシュなどを拾い出します。hxxp や [.] のように無害化された書き方も読めます。
forms-help-import-misp-name = MISP イベント
forms-help-import-misp = 脅威情報共有基盤 MISP のイベント（JSON）です。属性やオブジェクトを STIX の形に変換して登録します。
forms-help-import-stix-name = STIX 2.1 バンドル
forms-help-import-stix = 国際標準 STIX 2.1 のバンドル（JSON）です。オブジェクトをそのまま登録します。STIX 2.0 は受け付けません。

## 取り込みフォーム
forms-import-intro = CSV、テキスト、MISP イベント（JSON）、STIX バンドルを取り込みます。登録する前に確認画面で、種類ごとの件数、読めなかった行とその理由、閲覧できる組織を確かめられます。読めない行があるときは、「読めない行を除いて登録する」を選ばない限り何も登録しません。
forms-import-step-hint = 次の画面で内容と閲覧できる組織を確認してから登録します。まだ登録はしません。
forms-import-preview-title = 取り込む内容の確認
forms-import-preview-intro = まだ登録していません。内容と閲覧できる相手を確かめてから「確定して登録する」を押してください。
forms-import-total = 登録するオブジェクト { $count } 件
forms-import-values-caption = 登録する値の種類と件数
forms-import-objects-caption = 値を持たないオブジェクトの種類と件数
forms-import-count = 件数
forms-import-count-n = { $count } 件
forms-import-left-out = 登録しない行 { $count } 件（読めなかったため除きます）
forms-import-group = { $count } 件
forms-import-confirm = 確定して登録する
forms-misp-left-out = MISP イベントのこの項目は取り込めないため除きます。
error-import-file-required = 取り込む「ファイル」を選んでください。
error-import-draft-gone = 確認画面の内容が見つかりません（1 日たったか、すでに登録済みです）。ファイルを選び直してください。
