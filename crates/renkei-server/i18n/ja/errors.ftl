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

# ポータルに表示するエラー（コードごとの文）
error-not-found = お探しのものは見つかりませんでした。削除されたか、閲覧する権限がない可能性があります。
error-forbidden = この操作を行う権限がありません。
error-conflict = 「{ $field }」の値は既に使われているか、他の情報と矛盾しています。別の値を入力してください。
error-objects-refused = 受け付けられないオブジェクトがあったため、何も保存していません。
error-admin-only = この操作は組織の管理者だけが行えます。必要な場合は、組織の管理者に依頼してください。
error-form-expired = フォームの有効期限が切れたか、このサイト以外から送られました。ページを読み込み直して、もう一度お試しください。
error-tlp-required = TLP（共有してよい範囲の区分）を選んでください。誤った相手に届かないよう、既定値は設けていません。
error-format-required = ファイルの形式を選んでください。
error-lines-refused = 読み取れない行があったため、何も保存していません。下の表で行を確認して直すか、「読み取れない行を飛ばす」を選んでください。
error-objects-unreadable = 読み取れないオブジェクトがあったため、何も保存していません。下の表で確認してください。
error-no-values = 共有できる値（IPアドレス、ドメイン、URL、ハッシュなど）が見つかりませんでした。
error-page-not-found = このアドレスのページはありません。アドレスを確認するか、下のリンクから移動してください。

# 状態コードごとの文（個別の文がないエラー）
error-status-400 = 要求の内容を読み取れませんでした。入力を確認して、もう一度お試しください。
error-status-401 = ログインが必要です。
error-status-403 = この操作を行う権限がありません。
error-status-404 = お探しのものは見つかりませんでした。削除されたか、閲覧する権限がない可能性があります。
error-status-405 = この方法ではこのページを利用できません。
error-status-409 = 他の情報と矛盾するため、保存できませんでした。
error-status-413 = 送られた内容が大きすぎます。小さく分けて送ってください。
error-status-415 = この形式の内容は受け付けていません。
error-status-422 = 入力の内容を確認してください。
error-status-429 = 短い間に要求が多すぎます。しばらく待ってから、もう一度お試しください。
error-status-500 = サーバーで問題が起きたため、処理を完了できませんでした。時間をおいてもう一度お試しください。問題が続く場合は管理者に連絡してください。
error-status-503 = サーバーが混み合っています。しばらく待ってから、もう一度お試しください。
error-status-other = 要求を処理できませんでした。
error-go-back = 前のページに戻る
error-sign-in = ログインする
