## 報告制度（/reports/regimes と報告制度 API のエラー）

report-regimes-title = 報告制度と期限
report-regimes-intro = renkei が扱う報告制度ごとに、報告の段階とその期限を示します。時間単位の期限は経過時間で、日・月単位の期限は各制度の時間帯と暦で数えます。
report-regime-meta = ID { $id }・版 { $version }・時間帯 { $zone }
report-regime-overridden = この制度の期限の一部は、管理者の設定で変更されています。
report-stages-caption = { $regime }の報告段階と期限
report-col-stage = 段階
report-col-deadline = 期限
report-from-awareness = 認知
report-from-stage = 「{ $stage }」の提出
report-from-event = 「{ $event }」
report-period-hours = { $amount }時間
report-period-days = { $amount }日
report-period-months = { $amount }か月
report-deadline = { $from }から{ $period }以内
report-deadline-provisional = { $from }から{ $period }以内（暫定値）
report-deadline-capped = { $deadline }、ただし認知から{ $cap }以内
report-deadline-overridden = { $deadline }（管理者設定）
report-no-deadline = 期限の定めなし
report-variant = { $condition }の場合: { $deadline }
report-applies-when = { $condition }の場合のみ

error-report-profile-unknown = 報告制度「{ $id }」はありません。
error-report-profiles-required = 報告制度を一つ以上指定してください。
error-report-too-many = 多すぎます（最大 { $max }）。
error-report-time-invalid = 「{ $value }」は RFC 3339 の日時（例: 2026-12-01T09:00:00+09:00）ではありません。
error-report-event-unknown = 選んだ報告制度に出来事「{ $name }」はありません。
error-report-condition-unknown = 選んだ報告制度に条件「{ $name }」はありません。
error-report-stage-unknown = 選んだ報告制度に段階「{ $name }」はありません。
error-report-date-out-of-range = 段階「{ $stage }」の期限が、計算できる暦の範囲を超えます。
