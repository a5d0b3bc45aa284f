//! CSV lists and the CSV feeds of abuse.ch: records split with the line each
//! starts on, columns found from a header row (commented or not), a
//! recognised layout or the user's choice, and each row read into values.

use renkei_core::ValueKind;

use super::feeds::{Layout, Spec};
use super::values::{self, nfkc};
use super::{Builder, LineError, LineNote, ListEntry, ListError, Outcome};
use crate::StixTime;

/// Columns read from one CSV line.
const MAX_COLUMNS: usize = 64;

/// The column the user named for the values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ValueColumn {
    /// 0-based.
    Index(usize),
    /// Normalised as header names are ([`norm`]).
    Name(String),
}

impl ValueColumn {
    pub(super) fn parse(s: &str) -> Result<Self, ListError> {
        let s = s.trim();
        let bad = |m: &str| ListError::Option {
            field: "value_column",
            message: format!("{s:?}: {m}"),
        };
        if let Ok(n) = s.parse::<usize>() {
            return match n {
                1..=MAX_COLUMNS => Ok(Self::Index(n - 1)),
                _ => Err(bad(&format!("a column number is 1 to {MAX_COLUMNS}"))),
            };
        }
        let n = norm(s);
        if n.is_empty() || s.chars().count() > 64 {
            return Err(bad(
                "name the column as its header does, or give its number",
            ));
        }
        Ok(Self::Name(n))
    }
}

/// A header name as compared: lower case, letters and digits only, so
/// `dst_ip`, `DstIP` and `"dst ip"` are one name.
pub(super) fn norm(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// What each column holds (0-based), for the rows of one list.
#[derive(Debug, Default)]
struct Columns {
    value: usize,
    kind: Option<usize>,
    port: Option<usize>,
    name: Option<usize>,
    comment: Option<usize>,
    labels: Vec<usize>,
    valid_from: Option<usize>,
    valid_until: Option<usize>,
    /// No header: a second column is the type if it names one, else a
    /// comment (`value[,type][,comment]`).
    plain: bool,
}

impl Columns {
    /// The columns `header` names for `spec`, if it names the value column.
    fn from_header(header: &[String], spec: &Spec, column: Option<&ValueColumn>) -> Option<Self> {
        let names: Vec<String> = header.iter().map(|h| norm(h)).collect();
        let find = |want: &[&str]| names.iter().position(|n| want.contains(&n.as_str()));
        let value = match column {
            Some(ValueColumn::Name(n)) => names.iter().position(|h| h == n)?,
            Some(ValueColumn::Index(i)) => {
                find(spec.value)?;
                *i
            }
            None => find(spec.value)?,
        };
        Some(Self {
            value,
            kind: find(spec.kind),
            port: find(spec.port),
            name: find(spec.name),
            comment: find(spec.comment),
            labels: spec.labels.iter().filter_map(|l| find(&[l])).collect(),
            valid_from: find(spec.valid_from),
            valid_until: find(spec.valid_until),
            plain: false,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RecordKind {
    Data,
    Comment,
    Blank,
    /// A quote opened and never closed.
    Unterminated,
}

#[derive(Debug)]
struct Record<'a> {
    line: usize,
    /// Lines the record covers.
    span: usize,
    kind: RecordKind,
    bytes: &'a [u8],
}

/// Splits CSV input into records with the line each starts on and the
/// lines it spans, telling comment and blank lines apart. Hand-written
/// because the `csv` reader's record positions do not count skipped comment
/// and blank lines (nor CRLF consistently), and a list's error report must
/// name the right line; a record ends at a line break outside double quotes.
fn records<'a>(input: &'a [u8], prefix: &[u8]) -> Vec<Record<'a>> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut pos = 0;
    while pos < input.len() {
        let start = pos;
        let eol = input[start..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(input.len(), |i| start + i + 1);
        let first = input[start..eol].trim_ascii();
        let simple = if first.is_empty() {
            Some(RecordKind::Blank)
        } else if !prefix.is_empty() && first.starts_with(prefix) {
            Some(RecordKind::Comment)
        } else {
            None
        };
        if let Some(kind) = simple {
            out.push(Record {
                line,
                span: 1,
                kind,
                bytes: &input[start..eol],
            });
            pos = eol;
            line += 1;
            continue;
        }
        let mut quoted = false;
        let mut newlines = 0;
        let mut end = input.len();
        let mut p = start;
        while p < input.len() {
            let b = input[p];
            p += 1;
            if b == b'"' {
                quoted = !quoted;
            } else if b == b'\n' {
                newlines += 1;
                if !quoted {
                    end = p;
                    break;
                }
            }
        }
        if quoted {
            // A quote never closed: report this line alone rather than let it
            // swallow the rest of the list, and go on after it.
            out.push(Record {
                line,
                span: 1,
                kind: RecordKind::Unterminated,
                bytes: &input[start..eol],
            });
            pos = eol;
            line += 1;
            continue;
        }
        let bytes = &input[start..end];
        let span = newlines + usize::from(!bytes.ends_with(b"\n"));
        out.push(Record {
            line,
            span,
            kind: RecordKind::Data,
            bytes,
        });
        pos = end;
        line += span;
    }
    out
}

/// Splits one record into trimmed fields (RFC 4180 quoting, `""` inside
/// quotes). Hand-written, as the record splitter: ThreatFox's export puts a
/// blank after every comma, before the opening quote (`"a", "b,c"`), which
/// the `csv` crate reads as an unquoted field and splits at the comma
/// inside the quotes.
fn fields(record: &str) -> Vec<String> {
    let record = record.strip_suffix('\n').unwrap_or(record);
    let record = record.strip_suffix('\r').unwrap_or(record);
    let mut out = Vec::new();
    let mut chars = record.chars().peekable();
    loop {
        while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
        let mut field = String::new();
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                if c == '"' {
                    if chars.next_if_eq(&'"').is_some() {
                        field.push('"');
                    } else {
                        break;
                    }
                } else {
                    field.push(c);
                }
            }
        }
        // Text after a closing quote, or the whole unquoted field, is kept
        // as written (read leniently, as spreadsheets write it).
        while let Some(c) = chars.next_if(|c| *c != ',') {
            field.push(c);
        }
        out.push(field.trim().to_owned());
        if chars.next().is_none() {
            break;
        }
    }
    out
}

fn shown(raw: &[u8]) -> String {
    String::from_utf8_lossy(&raw[..raw.len().min(800)])
        .trim_end()
        .to_owned()
}

/// Reads a CSV list or a CSV feed of `layout`: comment lines start with
/// `prefix` (the layout's own when `None`).
pub(super) fn read(
    input: &[u8],
    layout: Layout,
    column: Option<&ValueColumn>,
    prefix: Option<&str>,
    b: &mut Builder,
) -> Result<(), ListError> {
    let prefix = prefix.unwrap_or("#");
    let recs = records(input, prefix.as_bytes());
    let (layout, cols, header_at) = columns(&recs, layout, column, prefix)?;
    b.out.layout = layout;
    for (i, r) in recs.iter().enumerate() {
        match r.kind {
            RecordKind::Blank => b.blank(r.span),
            RecordKind::Comment => b.comment(r.span),
            _ if Some(i) == header_at => b.comment(r.span),
            RecordKind::Unterminated => b.refuse(
                r.span,
                vec![LineError::new(
                    "line-quote-open",
                    r.line,
                    "value",
                    &shown(r.bytes),
                    "a quote is opened and never closed",
                )],
            ),
            RecordKind::Data => {
                let o = row(r, layout, &cols);
                b.outcome(r.line, r.span, o);
            }
        }
    }
    Ok(())
}

/// The layout and columns of the rows, and which record is the header row
/// (a comment line holding it is a comment either way). The header is the
/// last line of the leading comment block (where abuse.ch puts it) or the
/// first record; a generic list whose header names a feed's columns is read
/// as that feed.
fn columns(
    recs: &[Record<'_>],
    layout: Layout,
    column: Option<&ValueColumn>,
    prefix: &str,
) -> Result<(Layout, Columns, Option<usize>), ListError> {
    let first_data = recs
        .iter()
        .position(|r| r.kind != RecordKind::Comment && r.kind != RecordKind::Blank);
    let commented = recs[..first_data.unwrap_or(recs.len())]
        .iter()
        .rposition(|r| r.kind == RecordKind::Comment)
        .and_then(|i| {
            let text = std::str::from_utf8(recs[i].bytes).ok()?;
            let text = text.trim_start().strip_prefix(prefix)?;
            Some((None, fields(text)))
        });
    let first = first_data
        .filter(|i| recs[*i].kind == RecordKind::Data)
        .and_then(|i| Some((Some(i), fields(std::str::from_utf8(recs[i].bytes).ok()?))));
    let layouts: &[Layout] = if layout == Layout::Csv {
        &[
            Layout::Csv,
            Layout::Urlhaus,
            Layout::ThreatFox,
            Layout::Feodo,
        ]
    } else {
        std::slice::from_ref(&layout)
    };
    for l in layouts {
        for (at, header) in commented.iter().chain(first.iter()) {
            if let Some(c) = Columns::from_header(header, &l.spec(), column) {
                return Ok((*l, c, *at));
            }
        }
    }
    match column {
        Some(ValueColumn::Name(n)) => Err(ListError::Option {
            field: "value_column",
            message: format!("no header row names a column {n:?}"),
        }),
        Some(ValueColumn::Index(i)) => Ok((
            layout,
            Columns {
                value: *i,
                ..Columns::default()
            },
            None,
        )),
        None => Ok((
            layout,
            Columns {
                plain: layout == Layout::Csv,
                ..Columns::default()
            },
            None,
        )),
    }
}

fn cell(fields: &[String], i: Option<usize>) -> Option<&str> {
    i.and_then(|i| fields.get(i))
        .map(String::as_str)
        // abuse.ch writes an absent value as `None`.
        .filter(|s| !s.is_empty() && *s != "None")
}

fn time(line: usize, field: &'static str, t: &str) -> Result<StixTime, LineError> {
    StixTime::parse_loose(&nfkc(t)).map_err(|m| {
        LineError::new("line-time-invalid", line, field, t, m).with_args(&[("value", t)])
    })
}

/// One data record's outcome.
fn row(r: &Record<'_>, layout: Layout, c: &Columns) -> Outcome {
    let line = r.line;
    let refuse = |e: LineError| Outcome::Refused(vec![e]);
    if r.bytes.iter().filter(|b| **b == b',').count() >= MAX_COLUMNS {
        return refuse(LineError::new(
            "line-columns",
            line,
            "columns",
            &shown(r.bytes),
            format!("more than {MAX_COLUMNS} columns"),
        ));
    }
    let Ok(text) = std::str::from_utf8(r.bytes) else {
        return refuse(LineError::new(
            "line-encoding",
            line,
            "encoding",
            &shown(r.bytes),
            "the line is not valid UTF-8",
        ));
    };
    let f = fields(text);
    match entry(line, &f, layout, c) {
        Ok(Ok((e, notice))) => Outcome::Values(vec![e], notice.into_iter().collect()),
        Ok(Err(skip)) => Outcome::Skipped(skip),
        Err(e) => refuse(e),
    }
}

/// The entry a row holds (and a notice about it), a reason to skip it, or
/// why it is refused.
#[allow(clippy::type_complexity)]
fn entry(
    line: usize,
    f: &[String],
    layout: Layout,
    c: &Columns,
) -> Result<Result<(ListEntry, Option<LineNote>), LineNote>, LineError> {
    let raw = cell(f, Some(c.value)).unwrap_or_default();
    let (kind, comment) = if c.plain {
        let second = cell(f, Some(1));
        match second.and_then(|s| ValueKind::parse(s).ok()) {
            Some(k) => (Some(k), cell(f, Some(2))),
            None => (None, second),
        }
    } else {
        let kind = match cell(f, c.kind) {
            Some(k) => match layout.kind(k) {
                Ok(kind) => kind,
                Err(Some(e)) => return Err(LineError::from_parse(line, k, e)),
                Err(None) => {
                    return Ok(Err(LineNote::new(
                        line,
                        "unsupported-type",
                        k,
                        raw.to_owned(),
                        format!("{k}: renkei keeps no indicator values of this type"),
                    )));
                }
            },
            None => None,
        };
        (kind, cell(f, c.comment))
    };
    let read = values::read(raw, kind).map_err(|e| LineError::from_parse(line, raw, e))?;
    let mut e = ListEntry::new(line, read.value);
    e.port = read.port;
    if let Some(p) = cell(f, c.port) {
        let n = values::port(&nfkc(p)).map_err(|x| LineError::from_parse(line, p, x))?;
        if let Some(q) = e.port.filter(|q| *q != n) {
            let named = q.to_string();
            return Err(LineError::new(
                "line-port-mismatch",
                line,
                "port",
                p,
                format!("the value names port {named}"),
            )
            .with_args(&[("value", p), ("port", &named)]));
        }
        e.port = Some(n);
    }
    e.comment = comment.map(str::to_owned);
    e.name = cell(f, c.name).map(|n| match layout {
        Layout::Csv => n.to_owned(),
        _ => format!("{n}: {}", e.endpoint()),
    });
    for l in c.labels.iter().filter_map(|i| cell(f, Some(*i))) {
        for part in l
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty() && *p != "None")
        {
            if !e.labels.iter().any(|x| x == part) {
                e.labels.push(part.to_owned());
            }
        }
    }
    e.valid_from = cell(f, c.valid_from)
        .map(|t| time(line, "valid_from", t))
        .transpose()?;
    e.valid_until = cell(f, c.valid_until)
        .map(|t| time(line, "valid_until", t))
        .transpose()?;
    let notice = read
        .notice
        .map(|(code, detail, message)| LineNote::new(line, code, raw, detail, message));
    Ok(Ok((e, notice)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_skip_the_blank_before_an_opening_quote() {
        assert_eq!(
            fields("\"2026-07-04 21:46:30\", \"1844853\", \"a,b\", \"say \"\"hi\"\"\",x , \r\n"),
            [
                "2026-07-04 21:46:30",
                "1844853",
                "a,b",
                "say \"hi\"",
                "x",
                ""
            ]
        );
        assert_eq!(fields(""), [""]);
        assert_eq!(fields("\"unclosed"), ["unclosed"]);
    }

    #[test]
    fn records_count_the_lines_they_span() {
        let input = b"# c\n\nv,\"a\nb\"\r\nlast";
        let r = records(input, b"#");
        let got: Vec<(usize, usize, RecordKind)> =
            r.iter().map(|r| (r.line, r.span, r.kind)).collect();
        assert_eq!(
            got,
            [
                (1, 1, RecordKind::Comment),
                (2, 1, RecordKind::Blank),
                (3, 2, RecordKind::Data),
                (5, 1, RecordKind::Data)
            ]
        );
    }

    #[test]
    fn a_quote_in_a_comment_line_does_not_open_a_field() {
        let r = records(b"# say \"hi\n198.51.100.1\n", b"#");
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].kind, RecordKind::Data);
    }
}
