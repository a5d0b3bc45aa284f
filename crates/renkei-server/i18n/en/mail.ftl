## E-mail (mail.rs): Japanese first, English below when the language is not known

mail-footer = This message was sent automatically by renkei. Replies are not read.
mail-english-below = ―――――――― English ――――――――

# Deadline reminders. $kind is elapsed (part of the time gone), before (ahead of the deadline) or overdue.
mail-reminder-subject = { $kind ->
    [overdue] [renkei] { $stage } is overdue ({ $regime })
   *[other] [renkei] { $stage } is due soon ({ $regime })
}
mail-reminder-body =
    To { $organisation },

    This is about the deadline for the { $stage } under { $regime }.

    Deadline: { $deadline }
    { $kind ->
        [overdue] The deadline has passed and nothing has been submitted yet. Please submit it as soon as possible.
        [elapsed] { $percent }% of the time until the deadline has passed.
       *[other] The deadline is approaching.
    }

    Report: { $url }
