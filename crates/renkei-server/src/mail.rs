//! Outgoing e-mail (deadline reminders, notifications) over SMTP with
//! `lettre` on tokio. Handlers and workers hand a message to the
//! [`Mailer`] and go on: [`Mailer::send`] never waits for the network. At
//! most `mail_concurrency` messages are being sent and `mail_queue` more
//! wait; past that a message is refused at once. Each attempt is bounded
//! by `mail_timeout_secs`; a transient failure (connection, timeout, 4xx)
//! is tried again twice, a permanent one (5xx) is not. Every outcome is
//! logged (never the body) and counted in `renkei_mail_messages_total`
//! (`sent`, `retry`, `failed`, `dropped`).
//!
//! Words come from Fluent (`i18n/{ja,en}/mail.ftl`): with no known
//! language a message has the Japanese text first and the English below
//! ([`Mailer::letter`]); with one, only that language.
//!
//! `smtp_url`: `smtp://host:port` is plain SMTP and allowed only to a
//! loopback host; `smtp://host?tls=required` uses STARTTLS,
//! `smtps://host` TLS from the start (rustls, the webpki roots). A user
//! and password in the URL are used to log in.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use fluent_bundle::FluentArgs;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Mailboxes};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use renkei_report::{DueReminder, Labels, Profile, ReminderKind};
use secrecy::ExposeSecret;
use tokio::sync::Semaphore;

use crate::config::Settings;
use crate::http::i18n::{Lang, Translations};
use crate::http::metrics::{Metrics, OutcomeLabels};

/// Most recipients of one message.
pub const MAX_RECIPIENTS: usize = 50;
/// Longest subject, in characters (longer ones are cut).
const MAX_SUBJECT_CHARS: usize = 200;
/// Largest body, in bytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Attempts per message, and the waits between them.
const BACKOFF: [Duration; 2] = [Duration::from_secs(2), Duration::from_secs(10)];

/// Why a message was not accepted for sending. Stable codes for logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// No `smtp_url` is configured.
    #[error("mail-disabled: no smtp_url is configured")]
    Disabled,
    /// Every place in the queue is taken, or the server is stopping.
    #[error("mail-queue-full: too many messages waiting to be sent")]
    QueueFull,
    /// A recipient address does not parse, or there are none or too many.
    #[error("mail-bad-recipient: {0}")]
    BadRecipient(String),
    /// The body is larger than [`MAX_BODY_BYTES`].
    #[error("mail-too-large: the body is over {MAX_BODY_BYTES} bytes")]
    TooLarge,
    /// Not called inside the tokio runtime.
    #[error("mail-no-runtime: not inside the async runtime")]
    NoRuntime,
}

impl MailError {
    pub fn code(&self) -> &'static str {
        match self {
            MailError::Disabled => "mail-disabled",
            MailError::QueueFull => "mail-queue-full",
            MailError::BadRecipient(_) => "mail-bad-recipient",
            MailError::TooLarge => "mail-too-large",
            MailError::NoRuntime => "mail-no-runtime",
        }
    }
}

/// One argument of a message: the same in both languages, or one each.
#[derive(Debug, Clone)]
pub enum Arg {
    Same(String),
    Each(Labels),
}

/// What a deadline reminder is about.
#[derive(Debug, Clone, Copy)]
pub struct Reminder<'a> {
    /// The reporting organisation's name.
    pub organisation: &'a str,
    pub profile: &'a Profile,
    /// From `renkei_report::due_reminders`.
    pub due: &'a DueReminder,
    /// The report's page in the portal.
    pub url: &'a str,
}

/// A message's words: subject and plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub subject: String,
    pub body: String,
}

/// The configured SMTP connection, or none (mail disabled).
struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The domain of `from`, for Message-IDs.
    domain: String,
    timeout: Duration,
}

/// Sends e-mail in the background, bounded; see the module docs.
pub struct Mailer {
    smtp: Option<Arc<Smtp>>,
    i18n: Arc<Translations>,
    metrics: Arc<Metrics>,
    /// Places for messages being sent and waiting, together.
    admitted: Arc<Semaphore>,
    capacity: u32,
    /// Places for messages being sent.
    sending: Arc<Semaphore>,
    closed: AtomicBool,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("enabled", &self.smtp.is_some())
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): no vacation replies to
/// reminders.
#[derive(Debug, Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

/// Whether the settings' mail keys can be used; the error names the key.
/// Called by `Settings::load`, so a bad URL stops the start.
pub fn check(s: &Settings) -> Result<(), String> {
    let Some(url) = &s.smtp_url else {
        return Ok(());
    };
    let url = url.expose_secret();
    let parsed = url::Url::parse(url.trim()).map_err(|_| {
        "smtp_url: not a URL (smtp://host:port, smtp://host?tls=required or smtps://host)"
            .to_owned()
    })?;
    let tls = parsed
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let host = parsed.host().ok_or("smtp_url: no host")?;
    let loopback = match host {
        // smtp is not a scheme the URL standard knows, so an address
        // comes as a name here.
        url::Host::Domain(d) => {
            d.eq_ignore_ascii_case("localhost")
                || d.parse::<std::net::IpAddr>().is_ok_and(|a| a.is_loopback())
        }
        url::Host::Ipv4(a) => a.is_loopback(),
        url::Host::Ipv6(a) => a.is_loopback(),
    };
    match (parsed.scheme(), tls.as_deref()) {
        ("smtps", None) | ("smtp", Some("required")) => {}
        ("smtp", None) if loopback => {}
        ("smtp", None) => {
            return Err(
                "smtp_url: plain smtp:// only to a loopback host; use smtps:// or ?tls=required"
                    .to_owned(),
            );
        }
        _ => {
            return Err(
                "smtp_url: the scheme must be smtp:// or smtps://, tls only `required`".to_owned(),
            );
        }
    }
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url.trim())
        .map_err(|e| format!("smtp_url: {e}"))?;
    let from = s
        .mail_from
        .as_deref()
        .ok_or("mail_from: required with smtp_url (e.g. `renkei <noreply@example.jp>`)")?;
    from.trim()
        .parse::<Mailbox>()
        .map_err(|e| format!("mail_from: {from:?}: {e}"))?;
    if s.mail_timeout_secs == 0 {
        return Err("mail_timeout_secs: at least 1".to_owned());
    }
    Ok(())
}

impl Mailer {
    /// The mailer the settings describe (disabled without `smtp_url`; with
    /// settings [`check`] refuses, disabled and the reason logged).
    pub(crate) fn new(s: &Settings, i18n: Arc<Translations>, metrics: Arc<Metrics>) -> Mailer {
        let smtp = match Self::smtp(s) {
            Ok(smtp) => smtp.map(Arc::new),
            Err(e) => {
                tracing::error!(error = %e, "mail: not sending any");
                None
            }
        };
        let sending = s.mail_concurrency.max(1);
        // Bounded well below the semaphore's own limit.
        let capacity =
            u32::try_from(sending.saturating_add(s.mail_queue).min(1 << 20)).unwrap_or(1 << 20);
        Mailer {
            smtp,
            i18n,
            metrics,
            admitted: Arc::new(Semaphore::new(capacity as usize)),
            capacity,
            sending: Arc::new(Semaphore::new(sending)),
            closed: AtomicBool::new(false),
        }
    }

    fn smtp(s: &Settings) -> Result<Option<Smtp>, String> {
        let Some(url) = &s.smtp_url else {
            return Ok(None);
        };
        check(s)?;
        let timeout = Duration::from_secs(s.mail_timeout_secs.max(1));
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret().trim())
            .map_err(|e| format!("smtp_url: {e}"))?
            .timeout(Some(timeout))
            .build();
        let from: Mailbox = s
            .mail_from
            .as_deref()
            .unwrap_or_default()
            .trim()
            .parse()
            .map_err(|e| format!("mail_from: {e}"))?;
        let domain = from.email.domain().to_owned();
        Ok(Some(Smtp {
            transport,
            from,
            domain,
            timeout,
        }))
    }

    /// Whether an SMTP server is configured.
    pub fn enabled(&self) -> bool {
        self.smtp.is_some()
    }

    /// Messages accepted and not yet sent or given up.
    pub fn in_flight(&self) -> usize {
        self.capacity as usize - self.admitted.available_permits()
    }

    /// The words of message `key` (`{key}-subject`, `{key}-body` in
    /// `mail.ftl`) with `args`: in `lang` when the recipient's language is
    /// known (`ja` or `en`), else Japanese first and English below (the
    /// subject as `日本語 / English`).
    pub fn letter(&self, key: &str, args: &[(&str, Arg)], lang: Option<&str>) -> Letter {
        let t = &self.i18n;
        let one = |l: Lang| {
            let mut fa = FluentArgs::new();
            for (k, v) in args {
                let v = match (v, l) {
                    (Arg::Same(s), _) => s.clone(),
                    (Arg::Each(x), Lang::Ja) => x.ja.clone(),
                    (Arg::Each(x), Lang::En) => x.en.clone(),
                };
                fa.set(*k, v);
            }
            (
                t.get(l, &format!("{key}-subject"), Some(&fa)),
                t.get(l, &format!("{key}-body"), Some(&fa)),
            )
        };
        let footer = |l: Lang| t.get(l, "mail-footer", None);
        match lang.map(Lang::from_code) {
            Some(l) => {
                let (subject, body) = one(l);
                Letter {
                    subject,
                    body: format!("{body}\n\n{}\n", footer(l)),
                }
            }
            None => {
                let (ja_s, ja_b) = one(Lang::Ja);
                let (en_s, en_b) = one(Lang::En);
                Letter {
                    subject: format!("{ja_s} / {en_s}"),
                    body: format!(
                        "{ja_b}\n\n{}\n\n{}\n\n{en_b}\n\n{}\n",
                        footer(Lang::Ja),
                        t.get(Lang::En, "mail-english-below", None),
                        footer(Lang::En),
                    ),
                }
            }
        }
    }

    /// The words of a deadline reminder (`mail-reminder`): the stage and
    /// regime by name, the deadline in the regime's zone and in UTC.
    pub fn reminder_letter(&self, r: &Reminder<'_>, lang: Option<&str>) -> Letter {
        let stage = r.profile.stage(&r.due.stage).map_or_else(
            || Labels {
                ja: r.due.stage.clone(),
                en: r.due.stage.clone(),
            },
            |s| s.name.clone(),
        );
        let (kind, percent) = match r.due.kind {
            ReminderKind::Overdue => ("overdue", 0),
            ReminderKind::Elapsed { percent } => ("elapsed", percent),
            ReminderKind::HoursBefore { .. } | ReminderKind::DaysBefore { .. } => ("before", 0),
        };
        let local = r.due.deadline.to_zoned_datetime(r.profile.tz().clone());
        let utc = r.due.deadline.to_zoned_datetime(jiff::tz::TimeZone::UTC);
        let deadline = format!(
            "{} ({})",
            local.strftime("%Y-%m-%d %H:%M %Z"),
            utc.strftime("%Y-%m-%d %H:%M UTC")
        );
        self.letter(
            "mail-reminder",
            &[
                ("kind", Arg::Same(kind.to_owned())),
                ("percent", Arg::Same(percent.to_string())),
                ("organisation", Arg::Same(r.organisation.to_owned())),
                ("regime", Arg::Each(r.profile.name.clone())),
                ("stage", Arg::Each(stage)),
                ("deadline", Arg::Same(deadline)),
                ("url", Arg::Same(r.url.to_owned())),
            ],
            lang,
        )
    }

    /// Accepts `letter` for `to` and returns at once; the message is sent
    /// in the background (module docs). Refused when mail is disabled, a
    /// recipient is bad, the body too large or the queue full.
    pub fn send(&self, to: &[String], letter: Letter) -> Result<(), MailError> {
        let Some(smtp) = self.smtp.clone() else {
            return Err(MailError::Disabled);
        };
        if to.is_empty() || to.len() > MAX_RECIPIENTS {
            return Err(MailError::BadRecipient(format!(
                "from 1 to {MAX_RECIPIENTS} recipients"
            )));
        }
        let mut boxes = Mailboxes::new();
        for (i, a) in to.iter().enumerate() {
            let m: Mailbox = a
                .trim()
                .parse()
                .map_err(|_| MailError::BadRecipient(format!("recipient {i}")))?;
            boxes.push(m);
        }
        if letter.body.len() > MAX_BODY_BYTES {
            return Err(MailError::TooLarge);
        }
        let subject: String = letter
            .subject
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(MAX_SUBJECT_CHARS)
            .collect();
        let id = format!("<{}@{}>", uuid::Uuid::new_v4(), smtp.domain);
        let message = Message::builder()
            .from(smtp.from.clone())
            .mailbox(lettre::message::header::To::from(boxes))
            .subject(subject)
            .message_id(Some(id.clone()))
            .header(ContentType::TEXT_PLAIN)
            .header(AutoSubmitted)
            .body(letter.body)
            .map_err(|e| MailError::BadRecipient(e.to_string()))?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| MailError::NoRuntime)?;
        if self.closed.load(Ordering::SeqCst) {
            return Err(self.dropped());
        }
        let Ok(place) = self.admitted.clone().try_acquire_owned() else {
            return Err(self.dropped());
        };
        let sending = self.sending.clone();
        let metrics = self.metrics.clone();
        runtime.spawn(async move {
            let _place = place;
            let Ok(_turn) = sending.acquire_owned().await else {
                return;
            };
            deliver(&smtp, &metrics, message, &id).await;
        });
        Ok(())
    }

    fn dropped(&self) -> MailError {
        count(&self.metrics, "dropped");
        tracing::warn!(code = "mail-queue-full", "mail: message dropped");
        MailError::QueueFull
    }

    /// Accepts no more; waits up to `grace` for the messages accepted to
    /// be sent. Returns how many were still unsent (they are abandoned).
    pub async fn stop(&self, grace: Duration) -> usize {
        self.closed.store(true, Ordering::SeqCst);
        let all = self.admitted.acquire_many(self.capacity);
        match tokio::time::timeout(grace, all).await {
            Ok(_) => 0,
            Err(_) => {
                let left = self.in_flight();
                tracing::warn!(left, "mail: stopping with messages unsent");
                left
            }
        }
    }
}

fn count(metrics: &Metrics, outcome: &str) {
    metrics
        .mail_messages
        .get_or_create(&OutcomeLabels {
            outcome: outcome.to_owned(),
        })
        .inc();
}

/// One message's attempts; logs and counts, never panics.
async fn deliver(smtp: &Smtp, metrics: &Metrics, message: Message, id: &str) {
    // Each attempt bounded as a whole too (lettre's timeout is per step).
    let whole = smtp.timeout.saturating_mul(4);
    for attempt in 0..=BACKOFF.len() {
        let result = tokio::time::timeout(whole, smtp.transport.send(message.clone())).await;
        let (transient, reason) = match result {
            Ok(Ok(_)) => {
                count(metrics, "sent");
                tracing::info!(message_id = id, attempt, "mail: sent");
                return;
            }
            Ok(Err(e)) => (!e.is_permanent(), e.to_string()),
            Err(_) => (true, "timed out".to_owned()),
        };
        match BACKOFF.get(attempt) {
            Some(wait) if transient => {
                count(metrics, "retry");
                tracing::warn!(message_id = id, attempt, error = %reason, "mail: will try again");
                tokio::time::sleep(*wait).await;
            }
            _ => {
                count(metrics, "failed");
                tracing::error!(message_id = id, attempt, error = %reason, "mail: not sent");
                return;
            }
        }
    }
}
