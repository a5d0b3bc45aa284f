//! Indicator lists as people share them: CSV files and free text (a pasted
//! report, defanged or not) turned into canonical indicator values, with
//! every line that could not be read reported by number.

use std::collections::HashSet;
use std::fmt;

use renkei_core::{IndicatorValue, ParseError, ValueKind, refang};

use crate::StixTime;

/// The largest list accepted, in bytes.
pub const MAX_LIST_BYTES: usize = 16 * 1024 * 1024;
/// The most lines a list may have.
pub const MAX_LIST_LINES: usize = 1_000_000;
/// The most values one list may share (one STIX indicator each, stored in
/// one transaction); larger lists are split by the sender.
pub const MAX_LIST_ENTRIES: usize = 100_000;
/// Line errors kept; past this, one summary line counts the rest.
pub const MAX_LINE_ERRORS: usize = 1_000;
/// Columns read from one CSV line.
const MAX_COLUMNS: usize = 64;
/// How much of an offending input a [`LineError`] repeats, in characters.
const MAX_ECHO_CHARS: usize = 200;

/// One value read from a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    /// The 1-based line the value was found on.
    pub line: usize,
    /// The value in canonical form.
    pub value: IndicatorValue,
    /// A comment or description given with the value.
    pub comment: Option<String>,
    /// When the value stops being valid, if the list said.
    pub valid_until: Option<StixTime>,
}

/// One line, or one field of a line, that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// The 1-based line.
    pub line: usize,
    /// What was wrong: `value`, `type`, `valid_until`, `encoding`, `size`.
    pub field: &'static str,
    /// The offending text, cut to 200 characters.
    pub input: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.message)
    }
}

impl LineError {
    fn new(line: usize, field: &'static str, input: &str, message: impl Into<String>) -> Self {
        Self {
            line,
            field,
            input: input.chars().take(MAX_ECHO_CHARS).collect(),
            message: message.into(),
        }
    }

    fn from_parse(line: usize, input: &str, e: ParseError) -> Self {
        Self::new(line, e.field, input, e.message)
    }
}

/// What a list yielded: the values, the lines that failed, and how many
/// values were repeats of one already read (same canonical value).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListImport {
    /// Distinct values, in the order first seen.
    pub entries: Vec<ListEntry>,
    /// Lines that could not be read; the rest of the list still is.
    pub errors: Vec<LineError>,
    /// Values dropped because the same canonical value came earlier.
    pub duplicates: usize,
}

impl ListImport {
    fn push(&mut self, seen: &mut HashSet<IndicatorValue>, entry: ListEntry) {
        if self.entries.len() >= MAX_LIST_ENTRIES {
            if !self.errors.iter().any(|e| e.field == "size") {
                let line = entry.line;
                self.push_error(LineError::new(
                    line,
                    "size",
                    entry.value.value(),
                    format!("more than {MAX_LIST_ENTRIES} values; split the list"),
                ));
            }
            return;
        }
        if seen.insert(entry.value.clone()) {
            self.entries.push(entry);
        } else {
            self.duplicates += 1;
        }
    }

    /// Keeps the first [`MAX_LINE_ERRORS`] errors and counts the rest in a
    /// last summary error, so a list of nothing but errors stays small.
    fn push_error(&mut self, e: LineError) {
        match self.errors.len() {
            n if n < MAX_LINE_ERRORS => self.errors.push(e),
            n if n == MAX_LINE_ERRORS => self.errors.push(LineError::new(
                e.line,
                "errors",
                "",
                format!("more than {MAX_LINE_ERRORS} lines could not be read; the first {MAX_LINE_ERRORS} are listed"),
            )),
            _ => {}
        }
    }
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
}

fn check_size(input: &[u8]) -> Result<(), ListError> {
    if input.len() > MAX_LIST_BYTES {
        return Err(ListError::TooLarge(input.len()));
    }
    let newlines = input.iter().filter(|b| **b == b'\n').count();
    let lines = newlines + usize::from(input.last().is_some_and(|b| *b != b'\n'));
    if lines > MAX_LIST_LINES {
        return Err(ListError::TooManyLines);
    }
    Ok(())
}

fn strip_bom(input: &[u8]) -> &[u8] {
    input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input)
}

/// Like [`IndicatorValue::guess`], but a value that is plainly meant as an
/// address (only digits, dots and a prefix; or hex and colons) is parsed
/// as one, so the error says "not an IP address" rather than something about
/// domain labels.
fn guess(raw: &str) -> Result<IndicatorValue, ParseError> {
    match IndicatorValue::guess(raw) {
        Ok(v) => Ok(v),
        Err(e) => {
            let t = raw.trim();
            let v4ish = t.contains('.')
                && t.bytes()
                    .all(|b| b.is_ascii_digit() || b == b'.' || b == b'/');
            let v6ish = t.contains(':')
                && !t.contains("://")
                && t.bytes()
                    .all(|b| b.is_ascii_hexdigit() || b"./:".contains(&b));
            if v4ish {
                IndicatorValue::parse(ValueKind::Ipv4, t)
            } else if v6ish {
                IndicatorValue::parse(ValueKind::Ipv6, t)
            } else {
                Err(e)
            }
        }
    }
}

/// The columns a header row named.
#[derive(Debug, Default)]
struct Columns {
    value: usize,
    kind: Option<usize>,
    comment: Option<usize>,
    valid_until: Option<usize>,
}

impl Columns {
    fn from_header(fields: &[String]) -> Option<Self> {
        let find = |names: &[&str]| {
            fields
                .iter()
                .position(|f| names.iter().any(|n| f.trim().eq_ignore_ascii_case(n)))
        };
        Some(Self {
            value: find(&["value", "indicator", "ioc"])?,
            kind: find(&["type", "kind"]),
            comment: find(&["comment", "description"]),
            valid_until: find(&["valid_until", "valid until", "expires"]),
        })
    }
}

/// Reads a CSV list. A header row is optional: if the first row has a
/// column named `value`, `indicator` or `ioc` (any case), columns are found
/// by name (`type`, `comment`/`description`, `valid_until`); otherwise the
/// first column is the value and a second column is its type if it names
/// one, else a comment. Values are refanged, then parsed as the given type
/// or guessed. Blank lines and lines starting with `#` are skipped; lines
/// that are not UTF-8 are reported, not fatal. A UTF-8 byte-order mark is
/// ignored.
pub fn parse_csv(input: &[u8]) -> Result<ListImport, ListError> {
    check_size(input)?;
    let mut out = ListImport::default();
    let mut seen = HashSet::new();
    let mut columns: Option<Columns> = None;
    let mut first = true;
    for (line, raw, unterminated) in csv_records(strip_bom(input)) {
        if unterminated {
            let shown = String::from_utf8_lossy(&raw[..raw.len().min(200)]).into_owned();
            out.push_error(LineError::new(
                line,
                "value",
                shown.trim_end(),
                "a quote is opened and never closed",
            ));
            first = false;
            continue;
        }
        if raw.iter().filter(|b| **b == b',').count() >= MAX_COLUMNS {
            let shown = String::from_utf8_lossy(&raw[..raw.len().min(200)]).into_owned();
            out.push_error(LineError::new(
                line,
                "columns",
                &shown,
                format!("more than {MAX_COLUMNS} columns"),
            ));
            first = false;
            continue;
        }
        let Some(fields) = read_record(raw) else {
            let shown = String::from_utf8_lossy(raw).into_owned();
            out.push_error(LineError::new(
                line,
                "encoding",
                shown.trim_end(),
                "the line is not valid UTF-8",
            ));
            first = false;
            continue;
        };
        if fields.iter().all(String::is_empty) {
            continue;
        }
        if first {
            first = false;
            if let Some(c) = Columns::from_header(&fields) {
                columns = Some(c);
                continue;
            }
        }
        let entry = match &columns {
            Some(c) => header_row(line, &fields, c),
            None => plain_row(line, &fields),
        };
        match entry {
            Ok(e) => out.push(&mut seen, e),
            Err(e) => out.push_error(e),
        }
    }
    Ok(out)
}

/// Splits CSV input into records with the line each starts on, skipping
/// blank and `#` lines. Hand-written because the `csv` reader's record
/// positions do not count skipped comment and blank lines (nor CRLF
/// consistently), and a list's error report must name the right line; a
/// record ends at a line break outside double quotes.
fn csv_records(input: &[u8]) -> Vec<(usize, &[u8], bool)> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut pos = 0;
    while pos < input.len() {
        let start_line = line;
        let start = pos;
        let mut quoted = false;
        let mut end = input.len();
        while pos < input.len() {
            let b = input[pos];
            pos += 1;
            if b == b'"' {
                quoted = !quoted;
            } else if b == b'\n' {
                line += 1;
                if !quoted {
                    end = pos;
                    break;
                }
            }
        }
        if quoted {
            // A quote never closed: report this line alone rather than let it
            // swallow the rest of the list, and go on after it.
            let eol = input[start..]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(input.len(), |i| start + i + 1);
            out.push((start_line, &input[start..eol], true));
            pos = eol;
            line = start_line + 1;
            continue;
        }
        let record = &input[start..end];
        let trimmed = record.trim_ascii_start();
        if trimmed.is_empty() || trimmed.starts_with(b"#") {
            continue;
        }
        out.push((start_line, record, false));
    }
    out
}

/// The trimmed fields of one record, or `None` if a field is not UTF-8.
fn read_record(raw: &[u8]) -> Option<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(raw);
    let mut record = csv::ByteRecord::new();
    // A slice reader cannot fail with I/O; malformed quoting is read leniently.
    if !reader.read_byte_record(&mut record).unwrap_or(false) {
        return Some(Vec::new());
    }
    record
        .iter()
        .map(|f| std::str::from_utf8(f).ok().map(|s| s.trim().to_owned()))
        .collect()
}

fn cell(fields: &[String], i: Option<usize>) -> Option<&str> {
    i.and_then(|i| fields.get(i))
        .map(String::as_str)
        .filter(|s| !s.is_empty())
}

fn header_row(line: usize, fields: &[String], c: &Columns) -> Result<ListEntry, LineError> {
    let raw = cell(fields, Some(c.value)).unwrap_or_default();
    let kind = match cell(fields, c.kind) {
        Some(k) => Some(ValueKind::parse(k).map_err(|e| LineError::from_parse(line, k, e))?),
        None => None,
    };
    let valid_until = match cell(fields, c.valid_until) {
        Some(t) => {
            Some(StixTime::parse_loose(t).map_err(|m| LineError::new(line, "valid_until", t, m))?)
        }
        None => None,
    };
    let value = value(line, raw, kind)?;
    Ok(ListEntry {
        line,
        value,
        comment: cell(fields, c.comment).map(str::to_owned),
        valid_until,
    })
}

fn plain_row(line: usize, fields: &[String]) -> Result<ListEntry, LineError> {
    let raw = cell(fields, Some(0)).unwrap_or_default();
    let second = cell(fields, Some(1));
    let kind = second.and_then(|s| ValueKind::parse(s).ok());
    let comment = match kind {
        Some(_) => cell(fields, Some(2)),
        None => second,
    };
    Ok(ListEntry {
        line,
        value: value(line, raw, kind)?,
        comment: comment.map(str::to_owned),
        valid_until: None,
    })
}

fn value(line: usize, raw: &str, kind: Option<ValueKind>) -> Result<IndicatorValue, LineError> {
    let refanged = refang(raw);
    match kind {
        Some(k) => IndicatorValue::parse(k, &refanged),
        None => guess(&refanged),
    }
    .map_err(|e| LineError::from_parse(line, raw, e))
}

/// Defanging markers, kept inside a token although they hold separator
/// characters (`(`, `[`).
const DEFANG_MARKERS: &[&str] = &[
    "[://]", "[.]", "(.)", "{.}", "[dot]", "(dot)", "{dot}", "[:]", "[/]", "[@]", "[at]", "(at)",
    "{at}",
];

/// Characters that end a token in prose, besides white space: ASCII
/// punctuation that never occurs inside an indicator as written in a
/// report, and the full-width punctuation of Japanese text.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            ',' | ';'
                | '|'
                | '('
                | ')'
                | '<'
                | '>'
                | '"'
                | '\''
                | '`'
                | '、'
                | '。'
                | '「'
                | '」'
                | '『'
                | '』'
                | '（'
                | '）'
                | '【'
                | '】'
                | '〈'
                | '〉'
                | '《'
                | '》'
                | '〔'
                | '〕'
                | '，'
                | '；'
                | '：'
                | '！'
                | '？'
                | '｜'
                | '＂'
                | '＇'
                | '・'
                | '“'
                | '”'
                | '‘'
                | '’'
        )
}

fn defang_marker_at(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    DEFANG_MARKERS
        .iter()
        .find(|m| b.len() >= m.len() && b[..m.len()].eq_ignore_ascii_case(m.as_bytes()))
        .map(|m| m.len())
}

/// Splits one line of prose into tokens, keeping defanging markers whole.
fn tokens(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i < line.len() {
        let rest = &line[i..];
        if let Some(n) = defang_marker_at(rest) {
            start.get_or_insert(i);
            i += n;
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        if is_separator(c) {
            if let Some(s) = start.take() {
                out.push(&line[s..i]);
            }
        } else {
            start.get_or_insert(i);
        }
        i += c.len_utf8();
    }
    if let Some(s) = start {
        out.push(&line[s..]);
    }
    out
}

/// Reads one candidate: refanged, sentence punctuation trimmed (unless
/// trimming breaks it, as with `2001:db8::`).
fn read_candidate(raw: &str) -> Option<IndicatorValue> {
    let refanged = refang(raw);
    let trimmed = refanged.trim_end_matches(['.', ',', ':', ';', ')', '!', '?']);
    IndicatorValue::guess(trimmed)
        .or_else(|_| IndicatorValue::guess(&refanged))
        .ok()
}

/// Reads free text, such as a pasted report: every token that is an
/// indicator (after refanging) is kept, with the line it was on. Prose is not
/// an error; only a token that was visibly defanged (`example[.]com`) and
/// still does not parse is reported.
///
/// Japanese text often runs straight into a value (`ドメインはevil.example`),
/// so a token mixing ASCII with other characters is first read as its ASCII
/// runs; only when none is an indicator is the whole token tried, which keeps
/// internationalised domains such as `例え.jp` readable.
///
/// A text over [`MAX_LIST_BYTES`] or [`MAX_LIST_LINES`] is read up to the
/// limit, and a `size` error says where reading stopped.
pub fn parse_text(input: &str) -> ListImport {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let mut out = ListImport::default();
    let mut seen = HashSet::new();
    let mut bytes = 0usize;
    for (n, line) in input.lines().enumerate() {
        let line_no = n + 1;
        bytes += line.len() + 1;
        if bytes > MAX_LIST_BYTES || line_no > MAX_LIST_LINES {
            out.errors.push(LineError::new(
                line_no,
                "size",
                "",
                format!(
                    "reading stopped: at most {MAX_LIST_BYTES} bytes and {MAX_LIST_LINES} lines are read"
                ),
            ));
            break;
        }
        for token in tokens(line) {
            let found = read_token(token);
            if found.is_empty() {
                if refang(token) != token.trim() {
                    let e = guess(refang(token).trim_end_matches(['.', ',', ':', ';', ')']))
                        .err()
                        .unwrap_or_else(|| ParseError::new("value", "is not an indicator"));
                    out.push_error(LineError::from_parse(line_no, token, e));
                }
                continue;
            }
            for value in found {
                out.push(
                    &mut seen,
                    ListEntry {
                        line: line_no,
                        value,
                        comment: None,
                        valid_until: None,
                    },
                );
            }
        }
    }
    out
}

fn read_token(token: &str) -> Vec<IndicatorValue> {
    if token.is_ascii() {
        return read_candidate(token).into_iter().collect();
    }
    let runs: Vec<IndicatorValue> = token
        .split(|c: char| !c.is_ascii())
        .filter(|r| !r.is_empty())
        .filter_map(read_candidate)
        .collect();
    if runs.is_empty() {
        read_candidate(token).into_iter().collect()
    } else {
        runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(l: &ListImport) -> Vec<String> {
        l.entries.iter().map(|e| e.value.to_string()).collect()
    }

    #[test]
    fn csv_with_a_header_names_its_columns() {
        let input = b"\xEF\xBB\xBFIndicator,Type,Description,valid_until\r\n\
            198.51.100[.]7,ip,C2 server,2026-12-31\r\n\
            # a comment line\r\n\
            \r\n\
            hxxp://evil[.]example/gate.php,url,\"dropper, stage 1\",2026-12-31T09:00:00+09:00\r\n\
            300.1.1.1,,bad address,\r\n\
            evil.example,bogus,,\r\n\
            evil.example,domain,,tomorrow\r\n\
            198.51.100.7,ipv4,again,\r\n";
        let l = parse_csv(input).expect("within limits");
        assert_eq!(
            values(&l),
            ["ipv4:198.51.100.7", "url:http://evil.example/gate.php"]
        );
        assert_eq!(l.entries[0].line, 2);
        assert_eq!(l.entries[0].comment.as_deref(), Some("C2 server"));
        assert_eq!(
            l.entries[1].valid_until.as_ref().map(|t| t.text.as_str()),
            Some("2026-12-31T00:00:00.000Z")
        );
        assert_eq!(l.entries[1].comment.as_deref(), Some("dropper, stage 1"));
        assert_eq!(l.duplicates, 1);
        let errors: Vec<String> = l.errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert_eq!(
            errors[0],
            "line 6: value: \"300.1.1.1\" is not an IP address or network"
        );
        assert_eq!((l.errors[1].line, l.errors[1].field), (7, "type"));
        assert_eq!(
            (
                l.errors[2].line,
                l.errors[2].field,
                l.errors[2].input.as_str()
            ),
            (8, "valid_until", "tomorrow")
        );
    }

    #[test]
    fn csv_without_a_header_takes_value_then_type_or_comment() {
        let input = "evil[.]example[.]com\n\
            2001:db8::1,ipv6\n\
            d41d8cd98f00b204e9800998ecf8427e,md5,empty file\n\
            phish[at]bad[.]example,seen in campaign X\n\
            10.1.2.3/8\n";
        let l = parse_csv(input.as_bytes()).expect("within limits");
        assert_eq!(
            values(&l),
            [
                "domain:evil.example.com",
                "ipv6:2001:db8::1",
                "md5:d41d8cd98f00b204e9800998ecf8427e",
                "email:phish@bad.example",
                "ipv4:10.0.0.0/8",
            ]
        );
        assert_eq!(l.entries[2].comment.as_deref(), Some("empty file"));
        assert_eq!(l.entries[3].comment.as_deref(), Some("seen in campaign X"));
        assert!(l.errors.is_empty(), "{:?}", l.errors);
    }

    #[test]
    fn an_unterminated_quote_is_one_bad_line_not_the_rest_of_the_list() {
        let out = parse_csv(b"value\n\"evil.example.co.jp\n45.32.100.77\n").expect("parse");
        assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
        assert_eq!(out.errors[0].line, 2);
        assert_eq!(out.entries.len(), 1, "{:?}", out.entries);
        assert_eq!(out.entries[0].line, 3);
    }

    #[test]
    fn csv_lines_that_are_not_utf8_are_reported_not_fatal() {
        let input = b"evil.example.com\nbad\xFF\xFE.example\n198.51.100.9\n";
        let l = parse_csv(input).expect("within limits");
        assert_eq!(values(&l), ["domain:evil.example.com", "ipv4:198.51.100.9"]);
        assert_eq!((l.errors[0].line, l.errors[0].field), (2, "encoding"));
    }

    #[test]
    fn oversized_lists_are_refused_whole() {
        let big = vec![b'a'; MAX_LIST_BYTES + 1];
        assert_eq!(
            parse_csv(&big),
            Err(ListError::TooLarge(MAX_LIST_BYTES + 1))
        );
        let many = vec![b'\n'; MAX_LIST_LINES + 1];
        assert_eq!(parse_csv(&many), Err(ListError::TooManyLines));
        let long = "x".repeat(500);
        let l = parse_csv(long.as_bytes()).expect("within limits");
        assert_eq!(l.errors[0].input.chars().count(), MAX_ECHO_CHARS);
    }

    #[test]
    fn free_text_report_in_english() {
        let report = "\u{feff}Summary: the actor used hxxp://evil[.]example/a/b?c=1 and hxxps[:]//login.evil[.]example.\r\n\
            C2 at 198.51.100[.]7, 2001:db8::5 and the range (203.0.113.0/24); mail from phish[at]bad[.]example.\r\n\
            Hashes: d41d8cd98f00b204e9800998ecf8427e, da39a3ee5e6b4b0d3255bfef95601890afd80709;\r\n\
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855. See invoice.pdf, v1.2.3 and e.g. the logs.\r\n\
            The broken one: evil[.]-bad- and the repeat 198.51.100.7.\r\n";
        let l = parse_text(report);
        assert_eq!(
            values(&l),
            [
                "url:http://evil.example/a/b?c=1",
                "url:https://login.evil.example/",
                "ipv4:198.51.100.7",
                "ipv6:2001:db8::5",
                "ipv4:203.0.113.0/24",
                "email:phish@bad.example",
                "md5:d41d8cd98f00b204e9800998ecf8427e",
                "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709",
                "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ]
        );
        let lines: Vec<usize> = l.entries.iter().map(|e| e.line).collect();
        assert_eq!(lines, [1, 1, 2, 2, 2, 2, 3, 3, 4]);
        assert_eq!(l.duplicates, 1);
        assert_eq!(l.errors.len(), 1, "{:?}", l.errors);
        assert_eq!(
            (l.errors[0].line, l.errors[0].input.as_str()),
            (5, "evil[.]-bad-")
        );
    }

    #[test]
    fn free_text_report_in_japanese() {
        let report = "攻撃者は「evil[.]example[.]com」を使用し、通信先は198.51.100[.]7。\n\
            URLはhxxps://evil[.]example/dl、メールはphish@bad[.]exampleです。\n\
            国際化ドメイン 例え.jp も確認（2001:db8::/32）。ファイル名はinvoice.pdfです。";
        let l = parse_text(report);
        assert_eq!(
            values(&l),
            [
                "domain:evil.example.com",
                "ipv4:198.51.100.7",
                "url:https://evil.example/dl",
                "email:phish@bad.example",
                "domain:xn--r8jz45g.jp",
                "ipv6:2001:db8::/32",
            ]
        );
        assert_eq!(l.entries[2].line, 2);
        assert!(l.errors.is_empty(), "{:?}", l.errors);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_input_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let _ = parse_csv(&data);
            parse_text(&String::from_utf8_lossy(&data));
        }

        #[test]
        fn arbitrary_prose_never_panics(text in "[a-z0-9.:/\\[\\]()@ 、。「」hxp,;\"'\r\n例え-]{0,200}") {
            let l = parse_text(&text);
            for e in &l.entries {
                proptest::prop_assert!(e.line >= 1);
            }
        }
    }

    #[test]
    fn multi_line_quoted_fields_keep_line_numbers() {
        let input = "value,comment\n198.51.100.1,\"two\nlines\"\n# note\nbad..example,x\n";
        let l = parse_csv(input.as_bytes()).expect("within limits");
        assert_eq!(l.entries[0].comment.as_deref(), Some("two\nlines"));
        assert_eq!((l.errors[0].line, l.errors[0].field), (5, "value"));
    }

    #[test]
    fn tokens_keep_defanging_markers_whole() {
        assert_eq!(
            tokens("a (dot) hxxp[:]//x(.)example[/]p (x.example) user[AT]x{.}y"),
            [
                "a",
                "(dot)",
                "hxxp[:]//x(.)example[/]p",
                "x.example",
                "user[AT]x{.}y"
            ]
        );
    }
}
