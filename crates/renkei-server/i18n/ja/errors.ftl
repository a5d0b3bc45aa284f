# 固定のコードを持つエラー（problem+json の code、TAXII の error_code）
error-csrf-header-required = ログイン中のセッションでAPIから変更するには、X-CSRF-Token ヘッダーにセッションのCSRFトークンを付けてください（ポータルの各ページの csrf-token meta 要素にあります）。APIクライアントはベアラートークンを使ってください。
error-origin-mismatch = 別のサイト（{ $origin }）からの要求です。ログイン中のセッションによる変更は、このサーバー自身のページからのみ受け付けます。
error-unsupported-media-type = Content-Type ヘッダー（{ $sent }）には対応していません。{ $expected } で送ってください。
error-metrics-token-required = メトリクスの取得には、metrics_token に設定したベアラートークンが必要です。
error-metrics-not-served = このアドレスではメトリクスを提供していません。metrics_listen または metrics_token を設定してください。
error-stix-2-0-not-accepted = STIX 2.0 は受け付けていません。先に OASIS の stix2-elevator で 2.1 に変換してください（pip install stix2-elevator; stix_stepper FILE.json > FILE-2.1.json）。
error-webhook-address-refused = Webhook の URL が指す { $address } は、特別用途のアドレス範囲 { $range } にあります。Webhook の送信先は公開アドレスに限ります。
error-server-busy = サーバーが混み合っています。何も変更していません。{ $seconds } 秒後にもう一度お試しください。
error-request-timeout = 要求の処理が { $seconds } 秒を超えたため中止しました。完了していない変更は保存されていません。もう一度送るか、一度に送る量を減らしてください。
error-recipients-unknown = 該当する利用者がいません: { $names }。TLP:RED は、このサイトに登録済みの個人（メールアドレスまたは利用者ID）にのみ共有できます。
error-recipients-too-many = 受領者は { $max } 人までにしてください。
error-recipients-need-red = 受領者の指定は TLP:RED を読める人を指名するものです。このリストは TLP:{ $tlp } です。他のレベルで共有する相手は共有範囲に加えてください。
error-red-needs-a-person = TLP:RED は個人が共有します。ログインするか、個人が作成したAPIトークン（その個人として共有します）を使うか、コマンドラインでは --user で共有者を指定してください。
