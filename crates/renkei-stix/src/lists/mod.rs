//! Indicator lists as people share them: CSV files, the feeds security
//! projects publish (abuse.ch URLhaus, ThreatFox and Feodo Tracker; Spamhaus
//! DROP as text and as JSON), and free text (a pasted report, defanged or
//! not), turned into canonical indicator values.
//!
//! Nothing is dropped silently: every line of the input yields values, or is
//! refused with its reason ([`LineError`]), or is skipped with its reason
//! ([`LineNote`]), or is a comment, header or blank line, and
//! [`LineCounts`] adds up to the lines of the input. A value changed on the
//! way in (a network's host bits cleared, `tcp://host:port` kept as its host
//! and port) carries a notice for its line.

use std::collections::HashMap;
use std::fmt;

use renkei_core::{IndicatorValue, ParseError, Timestamp, Tlp, ValueKind};

use crate::{IndicatorOptions, StixTime};

mod feeds;
mod table;
mod text;
mod values;

#[cfg(test)]
mod tests;

pub use feeds::Layout;

/// The largest list accepted, in bytes.
pub const MAX_LIST_BYTES: usize = 16 * 1024 * 1024;
/// The most lines a list may have.
pub const MAX_LIST_LINES: usize = 1_000_000;
/// The most values one list may share (one STIX indicator each, stored in
/// one transaction); larger lists are split by the sender.
pub const MAX_LIST_ENTRIES: usize = 100_000;
/// Line errors kept, and as many notices and skipped lines; past this, one
/// summary entry counts the rest (the [`LineCounts`] stay exact).
pub const MAX_LINE_ERRORS: usize = 1_000;
/// How much of an offending input a [`LineError`] repeats, in characters.
const MAX_ECHO_CHARS: usize = 200;

/// The codes a [`LineNote`] carries; each has a text in the portal's
/// message bundles (`list-note-CODE`).
pub const NOTE_CODES: [&str; 7] = [
    "host-bits",
    "endpoint",
    "file-name",
    "duplicate",
    "no-value",
    "unsupported-type",
    "more",
];

/// How the input is meant: a table, or prose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    /// Comma-separated values, one record a line (or a recognised feed).
    Csv,
    /// Free text: every indicator found in it (or a recognised feed).
    Text,
}

/// How a list is read, besides its bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// CSV: the column holding the values, by its name in the header row or
    /// as a 1-based number. Without it the column is found from a header
    /// row (`value`, `indicator`, `ioc`), a recognised feed's layout, or is
    /// the first one.
    pub value_column: Option<String>,
    /// Lines starting with this (after blanks) are comments. CSV: `#`
    /// unless given; free text: none unless given. Recognised feeds use
    /// their own (`#` for abuse.ch, `;` for Spamhaus).
    pub comment_prefix: Option<String>,
    /// Values whose `valid_until` is not later than this are refused with
    /// their line: an indicator that has expired blocks nothing. `None`
    /// checks nothing.
    pub now: Option<Timestamp>,
}

/// One value read from a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    /// The 1-based line the value was found on.
    pub line: usize,
    /// The value in canonical form.
    pub value: IndicatorValue,
    /// The destination port, for an address or host given with one
    /// (`198.51.100.7:443`, ThreatFox `ip:port`, Feodo's `dst_port`).
    pub port: Option<u16>,
    /// A name for the indicator (a feed's malware family, a `name` column).
    pub name: Option<String>,
    /// A comment or description given with the value.
    pub comment: Option<String>,
    /// Labels (a feed's threat type and tags, a `labels` column).
    pub labels: Vec<String>,
    /// When the value became valid, if the list said (a feed's first-seen).
    pub valid_from: Option<StixTime>,
    /// When the value stops being valid, if the list said.
    pub valid_until: Option<StixTime>,
}

impl ListEntry {
    fn new(line: usize, value: IndicatorValue) -> Self {
        Self {
            line,
            value,
            port: None,
            name: None,
            comment: None,
            labels: Vec::new(),
            valid_from: None,
            valid_until: None,
        }
    }

    /// The value as written with its port: `198.51.100.7:443`,
    /// `[2001:db8::1]:443`, or the value alone.
    pub fn endpoint(&self) -> String {
        match (self.port, self.value.kind()) {
            (None, _) => self.value.value().to_owned(),
            (Some(p), ValueKind::Ipv6) => format!("[{}]:{p}", self.value.value()),
            (Some(p), _) => format!("{}:{p}", self.value.value()),
        }
    }

    /// What the entry's indicator says besides its value: name, comment as
    /// description, labels, validity and port, created at `created`.
    pub fn indicator_options(&self, created: StixTime, tlp: Tlp) -> IndicatorOptions {
        let mut o = IndicatorOptions::new(created, tlp);
        o.name = self.name.clone();
        o.description = self.comment.clone();
        o.labels = self.labels.clone();
        o.valid_from = self.valid_from.clone();
        o.valid_until = self.valid_until.clone();
        o.dst_port = self.port;
        o
    }
}

/// One line, or one field of a line, that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// The 1-based line.
    pub line: usize,
    /// What was wrong: `value`, `type`, `port`, `valid_from`, `valid_until`,
    /// `encoding`, `columns`, `size`.
    pub field: &'static str,
    /// The offending text, cut to 200 characters.
    pub input: String,
    /// What is wrong with it, in English (REST `detail`, logs).
    pub message: String,
    /// A stable code the portal renders in the reader's language (one of
    /// [`LINE_CODES`] or [`renkei_core::PARSE_CODES`]).
    pub code: &'static str,
    /// The code's named arguments.
    pub args: Vec<(&'static str, String)>,
}

/// The codes of line errors not made from a value's [`ParseError`].
pub const LINE_CODES: &[&str] = &[
    "line-time-invalid",
    "line-time-order",
    "line-expired",
    "line-size",
    "line-too-many-errors",
    "line-encoding",
    "line-columns",
    "line-port-mismatch",
    "line-quote-open",
    "line-not-json",
    "line-drop-no-cidr",
];

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.message)
    }
}

impl LineError {
    /// The error of `line` with its `code` (one of [`LINE_CODES`]); its
    /// arguments, if any, are added with [`LineError::with_args`].
    fn new(
        code: &'static str,
        line: usize,
        field: &'static str,
        input: &str,
        message: impl Into<String>,
    ) -> Self {
        debug_assert!(LINE_CODES.contains(&code), "unlisted code {code}");
        Self {
            line,
            field,
            input: echo(input),
            message: message.into(),
            code,
            args: Vec::new(),
        }
    }

    fn with_args(mut self, args: &[(&'static str, &str)]) -> Self {
        self.args = args.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        self
    }

    fn from_parse(line: usize, input: &str, e: ParseError) -> Self {
        Self {
            code: e.code,
            args: e.args,
            line,
            field: e.field,
            input: echo(input),
            message: e.message,
        }
    }
}

/// A line skipped with its reason, or a notice about a value that was
/// read but changed on the way in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineNote {
    /// The 1-based line.
    pub line: usize,
    /// A stable code, one of [`NOTE_CODES`].
    pub code: &'static str,
    /// The text it is about, cut to 200 characters.
    pub input: String,
    /// What the value became, or the line it repeats.
    pub detail: String,
    /// The same in English.
    pub message: String,
}

impl fmt::Display for LineNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl LineNote {
    fn new(line: usize, code: &'static str, input: &str, detail: String, message: String) -> Self {
        Self {
            line,
            code,
            input: echo(input),
            detail,
            message,
        }
    }
}

fn echo(input: &str) -> String {
    input.chars().take(MAX_ECHO_CHARS).collect()
}

/// How the lines of a list were accounted for; `read + refused + skipped +
/// comments + blank == lines`. A CSV record spanning lines counts each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineCounts {
    /// Lines in the input.
    pub lines: usize,
    /// Lines whose values were read (to be stored).
    pub read: usize,
    /// Lines refused, each with a [`LineError`].
    pub refused: usize,
    /// Lines skipped, each with a reason ([`LineNote`]).
    pub skipped: usize,
    /// Comment lines, a feed's banner and the header row.
    pub comments: usize,
    /// Blank lines.
    pub blank: usize,
}

impl LineCounts {
    /// The lines given an outcome; equal to [`lines`](Self::lines).
    pub fn accounted(&self) -> usize {
        self.read + self.refused + self.skipped + self.comments + self.blank
    }
}

/// What a list yielded: the values, the lines that failed, the lines
/// skipped and why, notices, and how every line was accounted for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListImport {
    /// Distinct values, in the order first seen.
    pub entries: Vec<ListEntry>,
    /// Lines that could not be read; the rest of the list still is.
    pub errors: Vec<LineError>,
    /// Lines skipped, with their reasons.
    pub skipped: Vec<LineNote>,
    /// Values read but changed on the way in.
    pub notices: Vec<LineNote>,
    /// Values dropped because the same canonical value (and port) came
    /// earlier.
    pub duplicates: usize,
    /// Every line's outcome, counted.
    pub counts: LineCounts,
    /// How the input was read.
    pub layout: Layout,
}

/// The whole list was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    /// More than [`MAX_LIST_BYTES`].
    #[error("the list is {0} bytes; at most {MAX_LIST_BYTES} are accepted")]
    TooLarge(usize),
    /// More than [`MAX_LIST_LINES`].
    #[error("the list has more than {MAX_LIST_LINES} lines")]
    TooManyLines,
    /// Free text that is not UTF-8, from this line on.
    #[error("free text must be UTF-8; line {0} is not")]
    NotUtf8(usize),
    /// A [`ListOptions`] field that cannot apply.
    #[error("{field}: {message}")]
    Option {
        field: &'static str,
        message: String,
    },
}

impl ListError {
    /// The request field at fault: `body` for the size limits.
    pub fn field(&self) -> &'static str {
        match self {
            ListError::TooLarge(_) | ListError::TooManyLines | ListError::NotUtf8(_) => "body",
            ListError::Option { field, .. } => field,
        }
    }

    /// Whether the list was refused for its size alone.
    pub fn is_size(&self) -> bool {
        matches!(self, ListError::TooLarge(_) | ListError::TooManyLines)
    }
}

fn check_size(input: &[u8]) -> Result<(), ListError> {
    if input.len() > MAX_LIST_BYTES {
        return Err(ListError::TooLarge(input.len()));
    }
    if count_lines(input) > MAX_LIST_LINES {
        return Err(ListError::TooManyLines);
    }
    Ok(())
}

/// Lines as people count them: a last line without a newline counts.
fn count_lines(input: &[u8]) -> usize {
    let newlines = input.iter().filter(|b| **b == b'\n').count();
    newlines + usize::from(input.last().is_some_and(|b| *b != b'\n'))
}

fn strip_bom(input: &[u8]) -> &[u8] {
    input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input)
}

/// Reads a list as `format`, recognising published feed layouts by their
/// first lines whichever format was named.
pub fn parse_list(
    input: &[u8],
    format: ListFormat,
    opts: &ListOptions,
) -> Result<ListImport, ListError> {
    check_size(input)?;
    let input = strip_bom(input);
    if let Some(p) = &opts.comment_prefix
        && (p.trim().is_empty() || p.chars().count() > 8 || p.contains(['\n', '\r']))
    {
        return Err(ListError::Option {
            field: "comment_prefix",
            message: format!("{p:?}: one to eight characters on one line, not blank"),
        });
    }
    let column = opts
        .value_column
        .as_deref()
        .map(table::ValueColumn::parse)
        .transpose()?;
    let layout = feeds::detect(input);
    let mut b = Builder::new(opts.now);
    match (layout, format) {
        (Some(l @ (Layout::SpamhausDrop | Layout::SpamhausDropJson)), _) => {
            feeds::read_drop(input, l, &mut b);
        }
        (Some(l), _) => table::read(input, l, column.as_ref(), None, &mut b)?,
        (None, ListFormat::Csv) => {
            let prefix = opts.comment_prefix.as_deref().unwrap_or("#");
            table::read(input, Layout::Csv, column.as_ref(), Some(prefix), &mut b)?;
        }
        (None, ListFormat::Text) => {
            if column.is_some() {
                return Err(ListError::Option {
                    field: "value_column",
                    message: "names a column of a CSV list; free text has none".into(),
                });
            }
            let text = std::str::from_utf8(input).map_err(|e| {
                let before = &input[..e.valid_up_to()];
                ListError::NotUtf8(before.iter().filter(|b| **b == b'\n').count() + 1)
            })?;
            text::read(text, opts.comment_prefix.as_deref(), &mut b);
        }
    }
    Ok(b.finish(count_lines(input)))
}

/// Reads a CSV list with default options. A header row is optional: if the
/// first row names a column `value`, `indicator` or `ioc` (any case),
/// columns are found by name (`type`, `comment`/`description`, `name`,
/// `labels`/`tags`, `port`, `valid_from`, `valid_until`); otherwise the
/// first column is the value and a second column is its type if it names
/// one, else a comment. Values are normalised (NFKC), refanged, then parsed
/// as the given type or guessed. Blank lines and lines starting with `#` are
/// comments; lines that are not UTF-8 are reported, not fatal. A UTF-8
/// byte-order mark is ignored. Published feeds are recognised by their
/// first lines ([`Layout`]).
pub fn parse_csv(input: &[u8]) -> Result<ListImport, ListError> {
    parse_list(input, ListFormat::Csv, &ListOptions::default())
}

/// Reads free text, such as a pasted report: every token that is an
/// indicator (after NFKC normalisation and refanging) is kept, with the line
/// it was on. Prose is not an error (its lines are skipped as holding no
/// value); a token that was visibly defanged (`example[.]com`) and still
/// does not parse refuses its line.
///
/// A text over [`MAX_LIST_BYTES`] or [`MAX_LIST_LINES`] is read up to the
/// limit, and a `size` error refuses the lines not read.
pub fn parse_text(input: &str) -> ListImport {
    match parse_list(input.as_bytes(), ListFormat::Text, &ListOptions::default()) {
        Ok(l) => l,
        Err(_) => {
            let mut b = Builder::new(None);
            let input = input.strip_prefix('\u{feff}').unwrap_or(input);
            text::read(input, None, &mut b);
            b.finish(count_lines(input.as_bytes()))
        }
    }
}

/// What one line (or one CSV record spanning lines) came to.
#[derive(Debug)]
enum Outcome {
    /// Values read, with notices about them.
    Values(Vec<ListEntry>, Vec<LineNote>),
    /// Refused, with every reason found.
    Refused(Vec<LineError>),
    /// Skipped, with the reason.
    Skipped(LineNote),
}

/// Collects the outcome of every line into a [`ListImport`].
#[derive(Debug)]
struct Builder {
    out: ListImport,
    /// Each value (and port) read, with the line it was first read on.
    seen: HashMap<(IndicatorValue, Option<u16>), usize>,
    now: Option<Timestamp>,
}

impl Builder {
    fn new(now: Option<Timestamp>) -> Self {
        Self {
            out: ListImport::default(),
            seen: HashMap::new(),
            now,
        }
    }

    fn blank(&mut self, span: usize) {
        self.out.counts.blank += span;
    }

    fn comment(&mut self, span: usize) {
        self.out.counts.comments += span;
    }

    fn outcome(&mut self, line: usize, span: usize, o: Outcome) {
        match o {
            Outcome::Values(entries, notices) => self.values(line, span, entries, notices),
            Outcome::Refused(errors) => self.refuse(span, errors),
            Outcome::Skipped(note) => self.skip(span, note),
        }
    }

    fn refuse(&mut self, span: usize, errors: Vec<LineError>) {
        self.out.counts.refused += span;
        for e in errors {
            self.push_error(e);
        }
    }

    fn skip(&mut self, span: usize, note: LineNote) {
        self.out.counts.skipped += span;
        push_note(&mut self.out.skipped, note, "skipped");
    }

    fn values(
        &mut self,
        line: usize,
        span: usize,
        entries: Vec<ListEntry>,
        notices: Vec<LineNote>,
    ) {
        let mut errors = Vec::new();
        for e in &entries {
            let text = e.endpoint();
            if let (Some(until), Some(now)) = (&e.valid_until, self.now)
                && until.micros <= now.0
            {
                errors.push(LineError::new(
                    "line-expired",
                    line,
                    "valid_until",
                    &until.text,
                    format!(
                        "{text} expired at {}; an expired indicator blocks nothing",
                        until.text
                    ),
                ));
            } else if let (Some(from), Some(until)) = (&e.valid_from, &e.valid_until)
                && until.micros <= from.micros
            {
                errors.push(
                    LineError::new(
                        "line-time-order",
                        line,
                        "valid_until",
                        &until.text,
                        format!("must be later than valid_from ({})", from.text),
                    )
                    .with_args(&[("value", &until.text), ("from", &from.text)]),
                );
            }
        }
        if !errors.is_empty() {
            return self.refuse(span, errors);
        }
        let mut fresh = Vec::with_capacity(entries.len());
        let mut first_seen = None;
        for e in entries {
            let key = (e.value.clone(), e.port);
            match self.seen.get(&key) {
                Some(first) => {
                    self.out.duplicates += 1;
                    first_seen.get_or_insert((*first, e.endpoint()));
                }
                None => {
                    self.seen.insert(key, line);
                    fresh.push(e);
                }
            }
        }
        if fresh.is_empty() {
            let (first, text) = first_seen.unwrap_or_default();
            return self.skip(
                span,
                LineNote::new(
                    line,
                    "duplicate",
                    &text,
                    first.to_string(),
                    format!("{text} repeats line {first}"),
                ),
            );
        }
        if self.out.entries.len() + fresh.len() > MAX_LIST_ENTRIES {
            for e in &fresh {
                self.seen.remove(&(e.value.clone(), e.port));
            }
            let first_time = !self.out.errors.iter().any(|e| e.field == "size");
            self.out.counts.refused += span;
            if first_time {
                self.push_error(LineError::new(
                    "line-size",
                    line,
                    "size",
                    &fresh[0].endpoint(),
                    format!(
                        "more than {MAX_LIST_ENTRIES} values: this line and every later one were not read; split the list"
                    ),
                ));
            }
            return;
        }
        self.out.counts.read += span;
        self.out.entries.extend(fresh);
        for n in notices {
            push_note(&mut self.out.notices, n, "had notices");
        }
    }

    /// Keeps the first [`MAX_LINE_ERRORS`] errors and counts the rest in a
    /// last summary error, so a list of nothing but errors stays small.
    fn push_error(&mut self, e: LineError) {
        match self.out.errors.len() {
            n if n < MAX_LINE_ERRORS => self.out.errors.push(e),
            n if n == MAX_LINE_ERRORS => self.out.errors.push(LineError::new(
                "line-too-many-errors",
                e.line,
                "errors",
                "",
                format!("more than {MAX_LINE_ERRORS} lines could not be read; the first {MAX_LINE_ERRORS} are listed"),
            )),
            _ => {}
        }
    }

    fn finish(mut self, lines: usize) -> ListImport {
        self.out.counts.lines = lines;
        debug_assert_eq!(
            self.out.counts.accounted(),
            lines,
            "every line accounted for: {:?}",
            self.out.counts
        );
        self.out
    }
}

/// As [`Builder::push_error`], for notes: the first [`MAX_LINE_ERRORS`],
/// then one that says more lines `what`.
fn push_note(notes: &mut Vec<LineNote>, n: LineNote, what: &str) {
    match notes.len() {
        l if l < MAX_LINE_ERRORS => notes.push(n),
        l if l == MAX_LINE_ERRORS => notes.push(LineNote::new(
            n.line,
            "more",
            "",
            MAX_LINE_ERRORS.to_string(),
            format!(
                "more than {MAX_LINE_ERRORS} lines {what}; the first {MAX_LINE_ERRORS} are listed"
            ),
        )),
        _ => {}
    }
}
