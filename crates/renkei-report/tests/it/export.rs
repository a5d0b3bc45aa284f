//! The exports of a submitted version: the JSON shape, and the `.xlsx`
//! workbook read back with a real reader (calamine), every field there and
//! no value read as a formula.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use renkei_report::export::{MAX_CELL_CHARS, codes};
use renkei_report::{Filing, Mode, Profile, ReportVersion, to_json, to_xlsx, validate_values};
use serde_json::{Map, Value, json};

use crate::support::{profile, ts};

const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// A complete ransomware flash report under the Japanese Act.
fn ransomware_values() -> Map<String, Value> {
    let v = json!({
        "report-category": "flash",
        "operator": "東都電力株式会社",
        "sector": "電気",
        "contact": "情報セキュリティ室 03-0000-0000",
        "aware-at": "2026-12-05T23:30:00Z",
        "occurred-at": "2026-12-05T21:00:00+09:00",
        "incident-overview": "基幹系サーバ群のファイルが暗号化された。\n業務の一部を停止している。",
        "affected-computer": ["給電指令システム（制御サーバ 2 台）", "営業所ファイルサーバ"],
        "technical-details": "VPN 装置の脆弱性を悪用された可能性がある。",
        "response-taken": "ネットワークを遮断し、バックアップからの復旧を準備中。",
        "other": "警察へ相談済み。",
        "ransom-note": "YOUR FILES ARE ENCRYPTED. Contact us at example.onion",
        "encrypted-extension": ".lockbit",
        "ransomware-family": "LockBit 3.0",
        "intrusion-method": "VPN 装置（CVE-2026-0001）経由の侵入",
        "indicators": ["198.51.100.7", "evil.example.net", "44d88612fea8a8f36de82e1278abb02f"],
    });
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn version<'a>(p: &'a Profile, values: &'a Map<String, Value>) -> ReportVersion<'a> {
    ReportVersion {
        profile: p,
        form: "ransomware",
        filing: Filing::Stage("flash"),
        version: 1,
        sha256: SHA,
        submitted_at: ts("2026-12-06T01:15:30Z"),
        organisation: "東都電力株式会社",
        reporter: "山田 花子 <hanako@toto-denryoku.example>",
        values,
    }
}

/// Every non-empty cell of the workbook's first sheet, row by row, as text.
fn read_back(bytes: Vec<u8>) -> (Vec<String>, Vec<Vec<Data>>) {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("a workbook calamine reads");
    let names = book.sheet_names();
    let range = book
        .worksheet_range(&names[0])
        .expect("the first sheet reads");
    let rows = range.rows().map(|r| r.to_vec()).collect();
    (names, rows)
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

/// The row whose column B is `label`.
fn row_of<'a>(rows: &'a [Vec<Data>], label: &str) -> &'a [Data] {
    rows.iter()
        .find(|r| r.get(1).map(text).as_deref() == Some(label))
        .unwrap_or_else(|| panic!("no row {label}"))
}

#[test]
fn ransomware_flash_workbook_holds_every_field() {
    let p = profile("jp-cyber-response");
    let values = ransomware_values();
    let form = p.form("ransomware").expect("form");
    assert_eq!(validate_values(form, &values, Mode::Submission), vec![]);
    // Every field of the form is filled in, so the check below covers all.
    assert_eq!(values.len(), form.fields.len());

    let bytes = to_xlsx(&[version(&p, &values)]).expect("workbook");
    assert_eq!(&bytes[..2], b"PK");
    let (names, rows) = read_back(bytes);
    assert_eq!(names, vec!["速報 第1版".to_string()]);

    // The header block.
    let value = |label: &str| text(&row_of(&rows, label)[3]);
    assert_eq!(value("報告区分"), "速報 / Flash report");
    assert_eq!(
        value("様式"),
        "報告様式（ランサムウェア） / Report form (Ransomware)"
    );
    assert_eq!(value("事業者名"), "東都電力株式会社");
    assert_eq!(value("報告者"), "山田 花子 <hanako@toto-denryoku.example>");
    assert_eq!(
        value("提出日時"),
        "2026-12-06 10:15:30 JST (2026-12-06 01:15:30 UTC)"
    );
    assert_eq!(value("版"), "1");
    assert_eq!(value("SHA-256"), SHA);
    assert_eq!(value("規程"), format!("jp-cyber-response {}", p.version));
    assert_eq!(text(&row_of(&rows, "提出日時")[2]), "Submitted at");

    // The table header, then one row per item in form order.
    let head = rows
        .iter()
        .position(|r| r.iter().map(text).collect::<Vec<_>>() == ["項番", "項目", "Item", "内容"])
        .expect("table header");
    let items = &rows[head + 1..];
    assert_eq!(items.len(), form.fields.len());
    for (i, (field, row)) in form.fields.iter().zip(items).enumerate() {
        assert_eq!(row[0], Data::Float((i + 1) as f64), "{}", field.id);
        assert_eq!(text(&row[1]), field.label.ja);
        assert_eq!(text(&row[2]), field.label.en);
        let cell = text(&row[3]);
        match &values[&field.id] {
            Value::String(s) if field.id == "report-category" => {
                assert_eq!((s.as_str(), cell.as_str()), ("flash", "速報"))
            }
            Value::String(s) if field.id.ends_with("-at") => {
                assert!(cell.contains(" JST (") && cell.ends_with(" UTC)"), "{cell}");
                let _ = s;
            }
            Value::String(s) => assert_eq!(&cell, s, "{}", field.id),
            Value::Array(items) => {
                let lines: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                assert_eq!(cell, lines.join("\n"), "{}", field.id);
            }
            other => panic!("{other}"),
        }
    }
    assert_eq!(
        text(&row_of(&rows, "事象の概要：認知日時")[3]),
        "2026-12-06 08:30:00 JST (2026-12-05 23:30:00 UTC)"
    );
}

#[test]
fn a_formula_like_value_stays_text() {
    let p = profile("jp-cyber-response");
    let mut values = ransomware_values();
    let evil = "=HYPERLINK(\"http://evil.example/\",\"click\")";
    values.insert("other".into(), json!(evil));
    values.insert("ransomware-family".into(), json!("+cmd|' /C calc'!A0"));
    let bytes = to_xlsx(&[version(&p, &values)]).expect("workbook");

    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.clone())).expect("reads");
    let name = book.sheet_names()[0].clone();
    let formulas = book.worksheet_formula(&name).expect("formulas");
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "a cell holds a formula"
    );
    let (_, rows) = read_back(bytes.clone());
    assert_eq!(row_of(&rows, "その他")[3], Data::String(evil.to_string()));
    assert_eq!(
        row_of(&rows, "ランサムウェアの種類")[3],
        Data::String("+cmd|' /C calc'!A0".to_string())
    );
    // In the file itself: no <f> element, and the value cells are text
    // with Excel's quote prefix.
    let sheet = unzip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("<f>"), "{sheet}");
    let styles = unzip_entry(&bytes, "xl/styles.xml");
    assert!(styles.contains("quotePrefix=\"1\""), "{styles}");
}

/// One file of the .xlsx (a zip) as text, read through calamine's own zip.
fn unzip_entry(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut s = String::new();
    zip.by_name(name)
        .expect("entry")
        .read_to_string(&mut s)
        .expect("utf-8");
    s
}

#[test]
fn rows_are_tall_enough_for_their_lines() {
    let p = profile("jp-cyber-response");
    let values = ransomware_values();
    let bytes = to_xlsx(&[version(&p, &values)]).expect("workbook");
    let (_, rows) = read_back(bytes.clone());
    let sheet = unzip_entry(&bytes, "xl/worksheets/sheet1.xml");
    let row_tag = |label: &str| {
        let n = rows
            .iter()
            .position(|r| r.get(1).map(text).as_deref() == Some(label))
            .expect("row")
            + 1;
        let start = sheet.find(&format!("<row r=\"{n}\"")).expect("row tag");
        let tag = &sheet[start..start + sheet[start..].find('>').expect("end")];
        // The height in points (rounded to whole pixels by the writer).
        tag.split("ht=\"")
            .nth(1)
            .and_then(|h| h.split('"').next())
            .map(|h| h.parse::<f64>().expect("a height"))
    };
    let about = |h: Option<f64>, want: f64| h.is_some_and(|h| (h - want).abs() < 0.5);
    // Two items, two lines: 2 × 14 pt + 3 pt.
    assert!(about(row_tag("影響を受けた特定重要電子計算機"), 31.0));
    // Three indicators, three lines.
    assert!(about(row_tag("侵害指標（IoC）"), 45.0));
    // One short line keeps the default height.
    assert_eq!(row_tag("ランサムウェアの種類"), None);
}

#[test]
fn long_values_continue_in_rows_and_nothing_is_lost() {
    let p = profile("jp-cyber-response");
    let mut values = ransomware_values();
    let long = "長".repeat(MAX_CELL_CHARS + 10);
    values.insert("ransom-note".into(), json!(long));
    let (_, rows) = read_back(to_xlsx(&[version(&p, &values)]).expect("workbook"));
    let note = rows
        .iter()
        .position(|r| r.get(1).map(text).as_deref() == Some("脅迫文（ランサムノート）"))
        .expect("row");
    assert_eq!(text(&rows[note + 1][1]), "（続き）");
    assert_eq!(text(&rows[note][3]) + &text(&rows[note + 1][3]), long);
}

#[test]
fn json_export_has_the_documented_shape() {
    let p = profile("jp-cyber-response");
    let values = ransomware_values();
    let j = to_json(&version(&p, &values)).expect("json");
    assert_eq!(j["format"], "renkei-report-export/1");
    assert_eq!(j["profile"]["id"], "jp-cyber-response");
    assert_eq!(j["profile"]["version"], p.version.as_str());
    assert_eq!(j["profile"]["time_zone"], "Asia/Tokyo");
    assert_eq!(j["form"]["id"], "ransomware");
    assert_eq!(
        j["stage"],
        json!({"id": "flash", "name": {"ja": "速報", "en": "Flash report"}})
    );
    assert_eq!(j["notice"], Value::Null);
    assert_eq!(j["version"], 1);
    assert_eq!(j["sha256"], SHA);
    assert_eq!(
        j["submitted_at"],
        json!({"utc": "2026-12-06T01:15:30Z", "local": "2026-12-06T10:15:30+09:00", "time_zone": "Asia/Tokyo"})
    );
    assert_eq!(j["organisation"], "東都電力株式会社");
    let fields = j["fields"].as_array().expect("fields");
    let form = p.form("ransomware").expect("form");
    assert_eq!(fields.len(), form.fields.len());
    for (i, (f, x)) in form.fields.iter().zip(fields).enumerate() {
        assert_eq!(x["number"], i + 1);
        assert_eq!(x["id"], f.id.as_str());
        assert_eq!(x["label"]["ja"], f.label.ja.as_str());
        assert_eq!(x["label"]["en"], f.label.en.as_str());
        assert_eq!(x["value"], values[&f.id]);
        assert_eq!(x["required"], f.required);
    }
    assert_eq!(fields[0]["type"], "choice");
    assert_eq!(fields[0]["text"], json!({"ja": "速報", "en": "Flash"}));
    assert_eq!(j["other_values"], json!({}));
}

#[test]
fn a_notice_exports_and_missing_or_unknown_values_are_kept() {
    let p = profile("jp-cyber-response");
    let values = match json!({"operator": "東都電力株式会社", "product-name": "制御盤 X", "legacy": 7})
    {
        Value::Object(m) => m,
        _ => unreachable!(),
    };
    let v = ReportVersion {
        form: "computer-notice",
        filing: Filing::Notice("computer-notice"),
        version: 3,
        ..version(&p, &values)
    };
    let j = to_json(&v).expect("json");
    assert_eq!(j["stage"], Value::Null);
    assert_eq!(j["notice"]["id"], "computer-notice");
    assert_eq!(j["fields"][2]["value"], Value::Null);
    assert_eq!(j["fields"][2]["text"], json!({"ja": "", "en": ""}));
    assert_eq!(j["other_values"], json!({"legacy": 7}));
    let (names, rows) = read_back(to_xlsx(&[v]).expect("workbook"));
    assert_eq!(names, vec!["特定重要電子計算機の届出 第3版".to_string()]);
    assert_eq!(text(&row_of(&rows, "届出区分")[2]), "Notice");
}

#[test]
fn several_versions_give_one_sheet_each_and_bad_references_are_refused() {
    let p = profile("jp-cyber-response");
    let values = ransomware_values();
    let a = version(&p, &values);
    let b = ReportVersion {
        filing: Filing::Stage("detailed"),
        version: 2,
        ..a
    };
    let bytes = to_xlsx(&[a, b, a]).expect("workbook");
    let book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("reads");
    assert_eq!(
        book.sheet_names(),
        vec!["速報 第1版", "詳報 第2版", "速報 第1版(2)"]
    );
    let code = |v: ReportVersion<'_>| to_json(&v).map(|_| ()).map_err(|e| e.code);
    assert_eq!(
        code(ReportVersion { form: "nope", ..a }),
        Err(codes::EXPORT_UNKNOWN_FORM)
    );
    assert_eq!(
        code(ReportVersion {
            filing: Filing::Stage("final"),
            ..a
        }),
        Err(codes::EXPORT_UNKNOWN_STAGE)
    );
    assert_eq!(
        code(ReportVersion {
            form: "computer-notice",
            ..a
        }),
        Err(codes::EXPORT_FORM_NOT_IN_STAGE)
    );
    assert_eq!(
        code(ReportVersion {
            filing: Filing::Notice("computer-notice"),
            ..a
        }),
        Err(codes::EXPORT_UNKNOWN_NOTICE)
    );
    assert_eq!(
        to_xlsx(&[]).map(|_| ()).map_err(|e| e.code),
        Err(codes::EXPORT_NOTHING)
    );
}

#[test]
fn the_same_version_gives_the_same_bytes() {
    let p = profile("jp-cyber-response");
    let values = ransomware_values();
    let a = to_xlsx(&[version(&p, &values)]).expect("workbook");
    let b = to_xlsx(&[version(&p, &values)]).expect("workbook");
    assert_eq!(a, b);
}
