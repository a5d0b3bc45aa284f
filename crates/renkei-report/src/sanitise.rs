//! Sanitising a report's text for an alert to others: what names the
//! reporter goes. The coordinator reads the result before it is published
//! (the alert editor shows it), so this is a first pass that never leaves
//! a known identity in, not a judgement of what else may identify them.
//!
//! Removed: every identity string given (organisation names in both
//! languages, the people who filed, their contact line), e-mail addresses,
//! and telephone numbers (ten or more digits written with hyphens,
//! spaces, brackets or a leading `+`). Network indicators (addresses,
//! domains, hashes) stay: they are what the alert is for.

/// `text` with each identity, e-mail address and telephone number replaced
/// by `mask`. Identities are matched without regard to ASCII case; those
/// shorter than two characters are ignored (they would mask ordinary words).
pub fn sanitise(text: &str, identities: &[&str], mask: &str) -> String {
    let mut ids: Vec<&str> = identities
        .iter()
        .map(|s| s.trim())
        .filter(|s| s.chars().count() >= 2)
        .collect();
    // Longest first, so "東都電力株式会社" goes whole before "東都電力".
    ids.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_owned();
    for id in ids {
        out = replace_ascii_ci(&out, id, mask);
    }
    let out = mask_tokens(&out, mask, is_email);
    mask_phones(&out, mask)
}

fn replace_ascii_ci(text: &str, needle: &str, mask: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let n = needle.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(pos) = lower[i..].find(&n) {
        out.push_str(&text[i..i + pos]);
        out.push_str(mask);
        i += pos + n.len();
    }
    out.push_str(&text[i..]);
    out
}

/// Replaces each whitespace-separated token (trimmed of brackets and
/// punctuation around it) for which `hit` holds.
fn mask_tokens(text: &str, mask: &str, hit: fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let start = rest.find(|c: char| !is_space(c)).unwrap_or(rest.len());
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find(is_space).unwrap_or(rest.len());
        let token = &rest[..end];
        let core = token.trim_matches(|c: char| !c.is_alphanumeric());
        if !core.is_empty() && hit(core) {
            let at = token.find(core).unwrap_or(0);
            out.push_str(&token[..at]);
            out.push_str(mask);
            out.push_str(&token[at + core.len()..]);
        } else {
            out.push_str(token);
        }
        rest = &rest[end..];
    }
    out
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '、' | '。' | '，' | '（' | '）' | '「' | '」' | '：')
}

fn is_email(t: &str) -> bool {
    let Some((local, domain)) = t.split_once('@') else {
        return false;
    };
    !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
}

/// Telephone numbers: a run of digits and `-`, ` `, `(`, `)`, `+` (ASCII
/// or full-width digits and hyphens) starting with `0` or `+` and holding
/// ten or more digits.
fn mask_phones(text: &str, mask: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if digit(chars[i]) || (chars[i] == '+' && chars.get(i + 1).copied().is_some_and(digit)) {
            let mut j = i;
            let mut digits = 0;
            let mut last_digit = i;
            while j < chars.len() && (digit(chars[j]) || phone_sep(chars[j])) {
                if digit(chars[j]) {
                    digits += 1;
                    last_digit = j;
                }
                j += 1;
            }
            // A dot ends the run: 185.220.101.47 is an address, not a number.
            let dotted = chars.get(last_digit + 1) == Some(&'.')
                && chars.get(last_digit + 2).copied().is_some_and(digit);
            let grouped = chars[i..=last_digit].iter().any(|c| phone_sep(*c));
            // Numbers are dialled from a trunk prefix (0…) or a country
            // code (+…); dates and times start otherwise.
            let dialled = matches!(chars[i], '0' | '０' | '+');
            if digits >= 10 && grouped && dialled && !dotted {
                out.push_str(mask);
                i = last_digit + 1;
                continue;
            }
            out.extend(&chars[i..=last_digit.max(i)]);
            i = last_digit.max(i) + 1;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

fn phone_sep(c: char) -> bool {
    matches!(
        c,
        '-' | '‐' | '－' | '−' | ' ' | '(' | ')' | '（' | '）' | '+'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const MASK: &str = "［非公開］";

    #[test]
    fn identities_contacts_and_phones_go_and_indicators_stay() {
        let text = "東都電力株式会社 情報セキュリティ室（田中 03-1234-5678, soc@toto-power.example.jp）\n\
                    C2 185.220.101.47 と restore-files.example.net へ通信。Toto Electric の本社サーバ。";
        let got = sanitise(
            text,
            &["東都電力株式会社", "Toto Electric", "田中 翔太", "田中"],
            MASK,
        );
        for gone in ["東都電力", "Toto", "田中", "03-1234-5678", "soc@toto-power"] {
            assert!(!got.contains(gone), "{gone} left in {got}");
        }
        for kept in ["185.220.101.47", "restore-files.example.net", "本社サーバ"] {
            assert!(got.contains(kept), "{kept} lost from {got}");
        }
    }

    #[test]
    fn dates_addresses_and_short_numbers_are_not_phones() {
        let text = "2026-12-01 09:00 に 10.0.0.1 から 443 番ポート";
        assert_eq!(sanitise(text, &[], MASK), text);
        assert_eq!(
            sanitise("+81 3 1234 5678 まで", &[], MASK),
            format!("{MASK} まで")
        );
        assert_eq!(sanitise("０３－１２３４－５６７８", &[], MASK), MASK);
    }

    #[test]
    fn case_of_ascii_names_does_not_matter_and_one_letter_is_ignored() {
        assert_eq!(
            sanitise("TOTO ELECTRIC said", &["Toto Electric", "a"], "X"),
            "X said"
        );
    }
}
