# OpenID Connect sign-in (directory/oidc.rs); error codes are stable
login-oidc-heading = 外部の ID でログイン
login-oidc-with = { $name } でログイン
login-oidc-continue = ログインしました。続ける
login-oidc-error-title = 外部の ID でログインできませんでした
login-oidc-error-code = エラーコード: { $code }
login-oidc-back = ログイン画面に戻る
login-oidc-state = ログインの手続きが、このブラウザで始めたものと一致しないか、期限が切れました。もう一度ログインしてください。
login-oidc-provider = ID プロバイダーがログインを認めなかったか、その応答を検証できませんでした。
login-oidc-unavailable = ID プロバイダーに接続できません。しばらくしてから再度お試しください。
login-oidc-unverified = ID プロバイダーが、確認済みのメールアドレスを示しませんでした。プロバイダー側でメールアドレスを確認してから再度お試しください。
login-oidc-unknown-user = この ID でログインできるアカウントがありません。所属組織の管理者にお問い合わせください。
login-oidc-mfa-required = この組織では多要素認証が必要ですが、ID プロバイダーでのログインが多要素認証によるものと示されませんでした。
