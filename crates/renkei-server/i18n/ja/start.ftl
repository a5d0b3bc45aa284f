# 新しい構成員の最初の一歩（守秘義務規程の同意、ヘルプ）と通知

## ナビゲーション
start-nav-help = ヘルプ
start-unread = 未読 { $count } 件

## ホームのお知らせ（守秘義務規程）
start-terms-title = 「{ $community }」の守秘義務規程への同意が必要です
start-terms-why = 貴組織はこのコミュニティの構成員ですが、規程（{ $version } 版）にまだ同意していません。同意するまで、このコミュニティで共有される情報は閲覧できません。以下の規程をお読みください。
start-terms-renewed = 規程が改訂されました（{ $version } 版）。改めて同意するまで、このコミュニティで共有される情報は閲覧できません。以下の規程をお読みください。
start-terms-text-label = 「{ $community }」の守秘義務規程の本文
start-terms-no-text = 規程の本文は登録されていません。内容はコミュニティの事務局にお問い合わせください。
start-terms-accept = 規程を読み、貴組織として同意する（{ $community }）
start-terms-ask-admin = 同意できるのは貴組織の管理者です。管理者に同意を依頼してください。
start-terms-link = ホーム画面で規程を読んで同意する
start-help-link = 用語の説明（ヘルプ）
start-help-tlp-link = TLP とは

## 通知
start-notices-intro = 他の組織が共有した情報のうち、あなたが閲覧できるものを新しい順に表示します（過去 { $days } 日間）。自組織が共有したものは含みません。
start-notices-caption = 通知 { $count } 件（うち未読 { $unread } 件）
start-notices-read-all = すべて既読にする
start-notices-newest = 最新の通知へ
start-notice-bad = 通知の指定が正しくありません。通知の一覧からやり直してください。
start-col-state = 状態
start-col-sharer = 共有した組織
start-state-read = 既読
start-state-unread = 未読
start-mark-read = 既読にする
start-mark-read-label = 「{ $title }」を既読にする
start-pager-label = 通知のページ
start-kind-indicator = 指標（インジケーター）
start-kind-report = 報告
start-kind-sighting = サイティング
start-kind-object = 脅威情報
start-kind-item = 共有された報告

## ヘルプ
start-help-title = ヘルプ：用語の説明
start-help-intro = このサイトで使われる用語を、やさしい言葉で説明します。
start-help-toc = このページの目次
start-help-tlp-h = TLP（情報の共有範囲）
start-help-tlp = TLP（Traffic Light Protocol、FIRST が定めた 2.0 版）は、受け取った情報を誰にまで伝えてよいかを色で示す決まりです。共有された情報には必ず TLP が付いています。迷ったときは、より狭い範囲として扱ってください。
start-help-tlp-clear-name = TLP:CLEAR
start-help-tlp-clear = 制限はありません。一般に公開してもかまいません。
start-help-tlp-green-name = TLP:GREEN
start-help-tlp-green = 同じコミュニティ（協議会や ISAC など）の中で共有できます。インターネットなどで一般に公開してはいけません。
start-help-tlp-amber-name = TLP:AMBER
start-help-tlp-amber = 受け取った組織の中と、その組織の取引先（保守業者など）のうち、対策のために知る必要がある人に限って共有できます。
start-help-tlp-amber-strict-name = TLP:AMBER+STRICT
start-help-tlp-amber-strict = 受け取った組織の中だけで、知る必要がある人に限って共有できます。取引先にも伝えてはいけません。
start-help-tlp-red-name = TLP:RED
start-help-tlp-red = 名指しされた受け手本人だけが読めます。組織内の他の人を含め、誰にも伝えてはいけません。
start-help-pap-h = PAP（許される対応）
start-help-pap = PAP（Permissible Actions Protocol）は、受け取った情報をもとに、どこまでの対応をしてよいかを示します。TLP と一緒に付くことがあります。
start-help-pap-clear = 制限はありません。どのような対応をしてもかまいません。
start-help-pap-green = 自組織のネットワーク内での対応（通信の遮断など）をしてかまいません。
start-help-pap-amber = 相手に気づかれない受け身の調査（公開情報の確認など）に限ります。攻撃者の設備に直接アクセスしてはいけません。
start-help-pap-red = 自組織の記録の確認など、外部に知られない対応に限ります。
start-help-sightings-h = サイティング（観測の報告）
start-help-sightings = サイティングとは、「共有された指標（IP アドレスやドメインなど）を、自組織でも観測した」という報告です。いつ、何回観測したかを共有すると、同じ攻撃がどこまで広がっているかを皆が知ることができます。情報のページから報告できます。
start-help-collections-h = コレクション（情報のまとまり）
start-help-collections = コレクションとは、コミュニティごとに共有された脅威情報のまとまりです。貴組織が構成員となり、守秘義務規程に同意したコミュニティのコレクションを閲覧できます。機械どうしで情報をやり取りする TAXII という仕組みでも、同じコレクションを読み書きできます。
start-help-exports-h = エクスポート（検知機器への取り込み）
start-help-exports = 閲覧できる指標を、ファイルとしてダウンロードできます。各機器に取り込むと、共有された指標に当てはまる通信を検知・遮断できます。文書用の予約範囲など、警告リストに載っている値は誤検知を防ぐため除かれます。
start-help-export-stix-name = STIX（STIX 2.1 バンドル）
start-help-export-stix = 脅威情報を交換するための国際標準の形式（JSON）です。他の脅威情報基盤（MISP、OpenCTI など）に取り込めます。
start-help-export-csv-name = CSV
start-help-export-csv = 表計算ソフトで開ける一覧表です。値、種別、TLP などが列になっています。
start-help-export-suricata-name = Suricata
start-help-export-suricata = 侵入検知システム Suricata のルールです。指標に当てはまる通信を検知すると警告を出します。
start-help-export-zeek-name = Zeek
start-help-export-zeek = ネットワーク監視ツール Zeek の Intel フレームワーク用のファイルです。観測した通信と指標を照合します。
start-help-export-rpz-name = RPZ
start-help-export-rpz = DNS サーバー（BIND など）の応答ポリシーゾーンです。危険なドメインの名前解決を止められます。
start-help-export-blocklist-name = ブロックリスト
start-help-export-blocklist = IP アドレス、ドメイン、URL、ハッシュなど、種類ごとに値を 1 行に 1 つ並べたテキストです。ファイアウォールやプロキシにそのまま読み込めます。

## コミュニティの作成
start-field-terms-text = 守秘義務規程の本文
start-field-terms-text-hint = 構成員は、同意する前にホーム画面でこの本文を読みます。

## 脅威情報のページ
start-terms-pending = { $count ->
    [1] 「{ $community }」の守秘義務規程に同意するまで、そのコミュニティで共有される情報はここに表示されません。
   *[other] { $count } つのコミュニティの守秘義務規程に同意するまで、それらのコミュニティで共有される情報はここに表示されません。
}
