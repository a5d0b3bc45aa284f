//! The `.xlsx` export: the spreadsheet layout operators e-mail today
//! (header block, then one row per item), written with `rust_xlsxwriter`
//! into memory.

use std::collections::BTreeSet;

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::{ExportError, ReportVersion, Resolved, codes, field_text, human_time, resolve};

/// The most characters one cell takes here (Excel's limit is 32,767): a
/// longer value goes on in continuation rows, nothing is cut.
pub const MAX_CELL_CHARS: usize = 32_000;

const FONT: &str = "ＭＳ Ｐゴシック";
/// Shift-JIS, so Excel picks the Japanese face even where the name differs.
const CHARSET_SHIFT_JIS: u8 = 128;
const PAPER_A4: u8 = 9;
const GREY: u32 = 0xD9D9D9;
/// Column widths (in characters of the default font) of 項番, 項目, Item, 内容.
const WIDTHS: [u16; 4] = [6, 34, 30, 64];
/// Points a line of 11-point text takes, and a row's padding.
const LINE_POINTS: f64 = 14.0;
const ROW_PADDING: f64 = 3.0;
/// Excel's tallest row.
const MAX_ROW_POINTS: f64 = 409.0;

/// The workbook of one or more versions (a report's flash and detailed
/// versions, say): one sheet each, in the order given.
///
/// Each sheet, in a Japanese font (ＭＳ Ｐゴシック), printed on A4 portrait
/// fitted to one page wide:
/// - rows 1–2: the profile's and the stage's (or notice's) names, Japanese
///   then English;
/// - the header block, one row each, Japanese label in column B, English in
///   C, value in D: 報告区分 (stage or notice), 様式 (form), 事業者名,
///   報告者, 提出日時 (regime's zone and UTC), 版, SHA-256, 規程 (profile id
///   and version);
/// - a blank row, then the table header 項番 | 項目 | Item | 内容 (repeated
///   on every printed page, panes frozen below it);
/// - one row per form field in form order: item number, Japanese label,
///   English label, value. Lists are one item a line; long text wraps; a
///   value longer than [`MAX_CELL_CHARS`] goes on in rows marked （続き）.
///
/// Every value is written as a text cell formatted as text (`@`), with
/// Excel's quote prefix when it starts with `=`, `+`, `-` or `@`: no value
/// is ever read as a formula, now or when someone edits the cell.
///
/// Sheets are named after the stage or notice and version (`速報 第1版`).
/// The document's creation time is the first version's submission, so the
/// same versions give the same bytes.
pub fn to_xlsx(versions: &[ReportVersion<'_>]) -> Result<Vec<u8>, ExportError> {
    let first = versions.first().ok_or_else(|| ExportError {
        code: codes::EXPORT_NOTHING,
        detail: "no version to export".into(),
    })?;
    let resolved: Vec<Resolved<'_>> = versions.iter().map(resolve).collect::<Result<_, _>>()?;
    build(first, &resolved).map_err(|e| ExportError {
        code: codes::EXPORT_WORKBOOK,
        detail: e.to_string(),
    })
}

struct Formats {
    title: Format,
    subtitle: Format,
    label: Format,
    head: Format,
    number: Format,
    value: Format,
    /// `value` with Excel's quote prefix, for text that looks like a formula.
    quoted: Format,
}

fn formats() -> Formats {
    let base = Format::new()
        .set_font_name(FONT)
        .set_font_charset(CHARSET_SHIFT_JIS)
        .set_font_size(11)
        .set_align(FormatAlign::Top);
    let boxed = base.clone().set_border(FormatBorder::Thin).set_text_wrap();
    let value = boxed.clone().set_num_format("@");
    Formats {
        title: base.clone().set_bold().set_font_size(14),
        subtitle: base.clone().set_font_size(10).set_font_color(0x595959),
        label: boxed.clone().set_background_color(GREY),
        head: boxed
            .clone()
            .set_bold()
            .set_background_color(GREY)
            .set_align(FormatAlign::Center),
        number: boxed.clone().set_align(FormatAlign::Center),
        quoted: value.clone().set_quote_prefix(),
        value,
    }
}

fn build(first: &ReportVersion<'_>, resolved: &[Resolved<'_>]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let default = Format::new()
        .set_font_name(FONT)
        .set_font_charset(CHARSET_SHIFT_JIS)
        .set_font_size(11);
    wb.set_default_format(&default, 18, 72)?;
    let created = first
        .submitted_at
        .to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let created = ExcelDateTime::from_ymd(
        u16::try_from(created.year()).unwrap_or(2000),
        created.month().unsigned_abs(),
        created.day().unsigned_abs(),
    )?
    .and_hms(
        u16::from(created.hour().unsigned_abs()),
        created.minute().unsigned_abs(),
        f64::from(created.second()),
    )?;
    let props = DocProperties::new()
        .set_title(format!(
            "{} {}",
            first.profile.name.ja,
            resolved.first().map_or("", |r| r.filing_name.ja.as_str())
        ))
        .set_company(first.organisation)
        .set_author(first.reporter)
        .set_creation_datetime(&created);
    wb.set_properties(&props);
    let f = formats();
    let mut names = BTreeSet::new();
    for r in resolved {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(r, &mut names))?;
        sheet(ws, r, &f)?;
    }
    wb.save_to_buffer()
}

/// `速報 第1版`, cleaned of the characters Excel refuses in a sheet name,
/// at most 31 characters, unique in the workbook.
fn sheet_name(r: &Resolved<'_>, taken: &mut BTreeSet<String>) -> String {
    let base: String = format!("{} 第{}版", r.filing_name.ja, r.v.version)
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' | '\'' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .take(27)
        .collect();
    let mut name = base.clone();
    let mut n = 2;
    while !taken.insert(name.to_lowercase()) {
        name = format!("{base}({n})");
        n += 1;
    }
    name
}

fn sheet(ws: &mut Worksheet, r: &Resolved<'_>, f: &Formats) -> Result<(), XlsxError> {
    let v = r.v;
    let p = v.profile;
    for (col, w) in WIDTHS.into_iter().enumerate() {
        ws.set_column_width(col as u16, w)?;
    }
    ws.merge_range(
        0,
        0,
        0,
        3,
        &format!("{}　{}", p.name.ja, r.filing_name.ja),
        &f.title,
    )?;
    ws.set_row_height(0, 24)?;
    ws.set_row_height(1, 16)?;
    ws.merge_range(
        1,
        0,
        1,
        3,
        &format!("{} — {}", p.name.en, r.filing_name.en),
        &f.subtitle,
    )?;

    let filing_label = if r.is_notice {
        ("届出区分", "Notice")
    } else {
        ("報告区分", "Report stage")
    };
    let header: [(&str, &str, String); 8] = [
        (
            filing_label.0,
            filing_label.1,
            format!("{} / {}", r.filing_name.ja, r.filing_name.en),
        ),
        (
            "様式",
            "Form",
            format!("{} / {}", r.form.name.ja, r.form.name.en),
        ),
        ("事業者名", "Organisation", v.organisation.to_owned()),
        ("報告者", "Reporter", v.reporter.to_owned()),
        (
            "提出日時",
            "Submitted at",
            human_time(v.submitted_at, p.tz()),
        ),
        ("版", "Version", v.version.to_string()),
        ("SHA-256", "SHA-256", v.sha256.to_owned()),
        ("規程", "Profile", format!("{} {}", p.id, p.version)),
    ];
    let mut row: u32 = 3;
    for (ja, en, value) in &header {
        ws.write_string_with_format(row, 1, *ja, &f.label)?;
        ws.write_string_with_format(row, 2, *en, &f.label)?;
        write_value(ws, row, value, f)?;
        fit_row(ws, row, [ja, en, value.as_str()])?;
        row += 1;
    }

    row += 1;
    let table_head = row;
    for (col, h) in ["項番", "項目", "Item", "内容"].into_iter().enumerate() {
        ws.write_string_with_format(row, col as u16, h, &f.head)?;
    }
    row += 1;
    for (i, field) in r.form.fields.iter().enumerate() {
        let value = v.values.get(&field.id).unwrap_or(&serde_json::Value::Null);
        let text = field_text(field, value, p.tz()).ja;
        for (part, chunk) in chunks(&text).into_iter().enumerate() {
            let (ja, en) = if part == 0 {
                ws.write_number_with_format(row, 0, (i + 1) as f64, &f.number)?;
                (field.label.ja.as_str(), field.label.en.as_str())
            } else {
                ws.write_string_with_format(row, 0, "", &f.number)?;
                ("（続き）", "(continued)")
            };
            ws.write_string_with_format(row, 1, ja, &f.label)?;
            ws.write_string_with_format(row, 2, en, &f.label)?;
            write_value(ws, row, chunk, f)?;
            fit_row(ws, row, [ja, en, chunk])?;
            row += 1;
        }
    }

    ws.set_freeze_panes(table_head + 1, 0)?;
    ws.set_repeat_rows(table_head, table_head)?;
    ws.set_paper_size(PAPER_A4);
    ws.set_portrait();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    ws.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    ws.set_footer("&C&P / &N");
    Ok(())
}

/// A text cell, never a formula: formatted as text, and quoted when it
/// starts like one so an edit in Excel keeps it text too.
fn write_value(ws: &mut Worksheet, row: u32, s: &str, f: &Formats) -> Result<(), XlsxError> {
    let fmt = if s.starts_with(['=', '+', '-', '@']) {
        &f.quoted
    } else {
        &f.value
    };
    ws.write_string_with_format(row, 3, s, fmt)?;
    Ok(())
}

/// Sets the row tall enough for its wrapped text: spreadsheet programs
/// do not grow a row for wrapped text they did not lay out themselves.
fn fit_row(ws: &mut Worksheet, row: u32, cells: [&str; 3]) -> Result<(), XlsxError> {
    let lines = cells
        .iter()
        .zip(&WIDTHS[1..])
        .map(|(s, w)| lines(s, usize::from(*w)))
        .max()
        .unwrap_or(1);
    if lines > 1 {
        let points = (lines as f64 * LINE_POINTS + ROW_PADDING).min(MAX_ROW_POINTS);
        ws.set_row_height(row, points)?;
    }
    Ok(())
}

/// How many lines `s` takes in a column `width` characters wide: each
/// line break starts one, and a long line wraps (a Japanese character is
/// two columns wide).
fn lines(s: &str, width: usize) -> usize {
    let width = width.max(1);
    s.split('\n')
        .map(|line| {
            let cols: usize = line.chars().map(|c| if wide(c) { 2 } else { 1 }).sum();
            cols.div_ceil(width).max(1)
        })
        .sum()
}

/// East Asian wide and full-width characters (CJK, kana, full-width
/// forms), roughly: half-width katakana and the Latin ranges are narrow.
fn wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// `s` in pieces of at most [`MAX_CELL_CHARS`] characters (one empty piece
/// for an empty value).
fn chunks(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while rest.chars().count() > MAX_CELL_CHARS {
        let cut = rest
            .char_indices()
            .nth(MAX_CELL_CHARS)
            .map_or(rest.len(), |(i, _)| i);
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    out.push(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_split_not_cut() {
        let s = "あ".repeat(MAX_CELL_CHARS * 2 + 5);
        let parts = chunks(&s);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts.concat(), s);
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_CELL_CHARS));
        assert_eq!(chunks(""), vec![""]);
    }

    #[test]
    fn wrapped_lines_are_counted_with_wide_characters() {
        assert_eq!(lines("", 10), 1);
        assert_eq!(lines("abcdefghij", 10), 1);
        assert_eq!(lines("abcdefghijk", 10), 2);
        assert_eq!(lines("あいうえお", 10), 1);
        assert_eq!(lines("あいうえおか", 10), 2);
        assert_eq!(lines("a\nb\n\nc", 10), 4);
    }
}
