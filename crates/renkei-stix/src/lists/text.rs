//! Free text, such as a pasted report: every token that reads as an
//! indicator is kept, with the line it was on; a line of prose is skipped
//! as holding no value.

use renkei_core::{ValueKind, refang};

use super::values::{self, Read, nfkc};
use super::{
    Builder, Layout, LineError, LineNote, ListEntry, MAX_LIST_BYTES, MAX_LIST_LINES, Outcome,
};

/// Defanging markers, kept inside a token although they hold separator
/// characters (`(`, `[`).
const DEFANG_MARKERS: &[&str] = &[
    "[://]", "[.]", "(.)", "{.}", "[dot]", "(dot)", "{dot}", "[:]", "[/]", "[@]", "[at]", "(at)",
    "{at}",
];

/// Top-level domains that are also common file extensions: in prose,
/// `setup.zip` or `README.md` is a file far more often than a host, so a
/// bare name under one is skipped with a notice (written defanged,
/// `evil[.]zip`, or as a URL, it is read as the host it then plainly is).
const FILE_TLDS: [&str; 8] = ["zip", "mov", "py", "sh", "pl", "rs", "md", "one"];

/// Characters that end a token in prose, besides white space: ASCII
/// punctuation that never occurs inside an indicator as written in a
/// report, and the full-width punctuation of Japanese text that NFKC keeps.
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
                | '【'
                | '】'
                | '〈'
                | '〉'
                | '《'
                | '》'
                | '〔'
                | '〕'
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
pub(super) fn tokens(line: &str) -> Vec<&str> {
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

/// What one candidate in a token was.
enum Candidate {
    Value(String, Read),
    /// A bare name under a file-extension TLD.
    FileName(String),
}

/// Reads one candidate: refanged, sentence punctuation trimmed (unless
/// trimming breaks it, as with `2001:db8::`).
fn read_candidate(raw: &str) -> Option<Candidate> {
    // Leading punctuation first (`通信先：hxxp://…` reaches here as
    // `:hxxp://…`), so that refanging sees the scheme.
    let raw = raw.trim_start_matches([':', ';', ',']);
    let refanged = refang(raw);
    let trimmed = refanged.trim_end_matches(['.', ',', ':', ';', ')', '!', '?']);
    let read = values::read_normal(trimmed, None)
        .or_else(|_| values::read_normal(&refanged, None))
        .ok()?;
    let bare = refanged == raw.trim() && !trimmed.contains("://");
    if bare
        && read.port.is_none()
        && read.value.kind() == ValueKind::Domain
        && read
            .value
            .value()
            .rsplit('.')
            .next()
            .is_some_and(|tld| FILE_TLDS.contains(&tld))
    {
        return Some(Candidate::FileName(trimmed.to_owned()));
    }
    Some(Candidate::Value(trimmed.to_owned(), read))
}

/// Japanese text often runs straight into a value (`ドメインはevil.example`),
/// so a token mixing ASCII with other characters is first read as its ASCII
/// runs; only when none is an indicator is the whole token tried, which keeps
/// internationalised domains such as `例え.jp` readable.
fn read_token(token: &str) -> Vec<Candidate> {
    if token.is_ascii() {
        return read_candidate(token).into_iter().collect();
    }
    let runs: Vec<Candidate> = token
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

/// Reads free text into `b`, line by line; lines starting with `prefix`
/// are comments. Past [`MAX_LIST_BYTES`] or [`MAX_LIST_LINES`] reading
/// stops, and one `size` error refuses the lines not read.
pub(super) fn read(input: &str, prefix: Option<&str>, b: &mut Builder) {
    b.out.layout = Layout::Text;
    let total = input.lines().count();
    let mut bytes = 0usize;
    for (n, raw) in input.lines().enumerate() {
        let line = n + 1;
        bytes += raw.len() + 1;
        if bytes > MAX_LIST_BYTES || line > MAX_LIST_LINES {
            b.refuse(
                total - n,
                vec![LineError::new(
                    "line-size",
                    line,
                    "size",
                    "",
                    format!(
                        "reading stopped here: at most {MAX_LIST_BYTES} bytes and {MAX_LIST_LINES} lines are read"
                    ),
                )],
            );
            break;
        }
        if raw.trim().is_empty() {
            b.blank(1);
        } else if prefix.is_some_and(|p| raw.trim_start().starts_with(p)) {
            b.comment(1);
        } else {
            b.outcome(line, 1, line_outcome(line, &nfkc(raw)));
        }
    }
}

/// One line's values, or why it gives none: a visibly defanged token that
/// still does not parse refuses the line (the writer meant an indicator).
fn line_outcome(line: usize, text: &str) -> Outcome {
    let mut entries = Vec::new();
    let mut notices = Vec::new();
    let mut errors = Vec::new();
    for token in tokens(text) {
        let found = read_token(token);
        if found.is_empty() {
            let refanged = refang(token);
            // A marker standing alone (`contact us [at] example`) joins
            // words in prose; it defangs no value.
            let alone = !refanged.chars().any(char::is_alphanumeric);
            if refanged != token.trim() && !alone {
                let e = values::read(refanged.trim_end_matches(['.', ',', ':', ';', ')']), None)
                    .err()
                    .unwrap_or_else(|| {
                        crate::refusal(
                            "value",
                            "value-not-indicator",
                            &[("value", token)],
                            "is not an indicator",
                        )
                    });
                errors.push(LineError::from_parse(line, token, e));
            }
            continue;
        }
        for c in found {
            match c {
                Candidate::Value(raw, r) => {
                    if let Some((code, detail, message)) = r.notice {
                        notices.push(LineNote::new(line, code, &raw, detail, message));
                    }
                    let mut e = ListEntry::new(line, r.value);
                    e.port = r.port;
                    entries.push(e);
                }
                Candidate::FileName(raw) => notices.push(LineNote::new(
                    line,
                    "file-name",
                    &raw,
                    String::new(),
                    format!(
                        "{raw} looks like a file name, not a domain; write it defanged (as evil[.]zip) to share it as a domain"
                    ),
                )),
            }
        }
    }
    if !errors.is_empty() {
        Outcome::Refused(errors)
    } else if !entries.is_empty() {
        Outcome::Values(entries, notices)
    } else if let Some(n) = notices.into_iter().next() {
        Outcome::Skipped(n)
    } else {
        Outcome::Skipped(LineNote::new(
            line,
            "no-value",
            "",
            String::new(),
            "no indicator value on this line".into(),
        ))
    }
}
