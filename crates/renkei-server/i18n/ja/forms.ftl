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
