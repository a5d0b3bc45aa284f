## メール（mail.rs）: 日本語を先に、言語が分からないときは英語を下に続けます

mail-footer = このメールは renkei から自動で送信しています。このメールには返信できません。
mail-english-below = ―――――――― English ――――――――

# 期限の通知。$kind は elapsed（時間の一部が経過）、before（期限前）、overdue（期限超過）。
mail-reminder-subject = { $kind ->
    [overdue] 【renkei】{ $stage }の提出期限を過ぎています（{ $regime }）
   *[other] 【renkei】{ $stage }の提出期限が近づいています（{ $regime }）
}
mail-reminder-body =
    { $organisation } ご担当者様

    { $regime }の「{ $stage }」の提出期限についてお知らせします。

    提出期限: { $deadline }
    { $kind ->
        [overdue] 期限を過ぎていますが、まだ提出されていません。速やかに提出してください。
        [elapsed] 期限までの時間の { $percent }% が過ぎました。
       *[other] 提出期限が近づいています。
    }

    報告: { $url }
