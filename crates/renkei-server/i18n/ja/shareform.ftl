# 共有フォーム（確認画面・受け取る組織の一覧・二重送信の防止）とエクスポートの説明

error-share-choose-tlp = 「TLP」を選んでください。既定値はありません。情報を読める範囲は TLP で決まります。
error-share-choose-collection = 「登録先コレクション」を選んでください。既定値はありません。
error-share-collection-refused = 「登録先コレクション」に選んだコレクションには登録できません。一覧から選び直してください。
error-share-audience-unknown = 「共有範囲」の「{ $value }」は選べる値ではありません。一覧から選び直してください。
error-share-lines-unreadable = 「指標の値」に読み取れない行があります。下の一覧の行を直してください。何も登録していません。
error-share-no-values = 「指標の値」に指標の値が見つかりません。IPアドレス、ドメイン、URL、ハッシュなどを1行に1つ入力してください。

shareform-choose = 選択してください
shareform-step-preview = 確認画面へ進む
shareform-step-hint = 次の画面で、この情報を閲覧できる組織の一覧を確認してから共有します。まだ登録はしません。
shareform-communities = コミュニティ
shareform-communities-hint = 選んだコミュニティの参加組織（規約に同意済み）が閲覧できます。
shareform-sectors = 業種
shareform-sectors-hint = 選んだ業種のすべての組織が閲覧できます。
shareform-orgs = 組織
shareform-orgs-hint = 選んだ組織が閲覧できます。
shareform-people = 個人（TLP:RED のみ）
shareform-audience-legend = 共有範囲（任意）
shareform-audience-default = 何も選ばなければ、登録先コレクションのコミュニティに共有します。どれかを選ぶとその既定に代わり、自組織と選んだ範囲だけが閲覧できます。

shareform-refused-title = この組織のアカウントでは、まだ共有できません
shareform-refused-role = あなたの役割は「閲覧者」のため、情報を共有できません。共有が必要な場合は、所属組織の管理者に役割の変更（報告者）を依頼してください。
shareform-refused-terms = 所属組織がまだどのコミュニティの守秘規約にも同意していないため、共有先がありません。管理者がコミュニティのページで規約を確認して同意すると、共有できるようになります。
shareform-refused-terms-link = コミュニティと規約のページへ
shareform-refused-collection = あなたが登録できるコレクションがありません。コミュニティの運営者（国家サイバー統括室）にコレクションの作成を依頼してください。

shareform-preview-title = 共有内容の確認
shareform-preview-intro = まだ登録していません。閲覧できる相手を確かめてから「確定して共有する」を押してください。
shareform-readers = 閲覧できるのは: { $count }組織
shareform-readers-red = 閲覧できるのは: 次の { $count } 人だけです
shareform-readers-list = 閲覧できる組織の一覧
shareform-readers-none = あなたの組織以外に閲覧できる組織はありません。
shareform-me = （あなた）
shareform-values = 共有する値（{ $count } 件）
shareform-values-more = ほか { $count } 件
shareform-collection = 登録先コレクション
shareform-audience = 共有範囲
shareform-audience-collection = 指定なし（登録先コレクションのコミュニティ）
shareform-confirm = 確定して共有する
shareform-edit = 戻って修正する
shareform-stored-title = 共有しました

exports-title = エクスポート
exports-intro = 閲覧できる指標を、機器やツールに読み込める形式で取り出せます。警告リスト（無害と分かっている値）に載った値などは、誤検知や遮断事故を防ぐため各ファイルから除外します。
exports-file = ファイル
exports-written = 出力
exports-left-out = 除外した値
exports-written-count = { $count } 件
exports-none-left-out = なし
exports-left-warning = { $count }件を除外: 警告リスト「{ $list }」に該当
exports-left-too-wide = { $count }件を除外: 広すぎるネットワーク（IPv4 は /8、IPv6 は /32 より広い）
exports-left-no-place = { $count }件を除外: この形式に入らない種類の値（{ $kind }）
exports-left-scheme = { $count }件を除外: http・https 以外の URL
exports-left-too-long = { $count }件を除外: DNS ゾーンに入らない長さの名前
exports-warninglists-link = 警告リストを見る
exports-capped = 値が多いため、最初の { $count } 件だけを数えています。除外した値の全数は、各ファイルの最後の行に書かれています。
exports-link = エクスポートと除外した値
exports-list-documentation = ドキュメント用アドレス
exports-list-private-ranges = プライベート・特殊用途のアドレス
exports-list-popular-domains = よく使われる正規のドメイン
exports-download = ダウンロード
exports-bundle-note = STIXバンドルは、閲覧できるオブジェクトをすべてそのまま含みます（除外はありません）。
