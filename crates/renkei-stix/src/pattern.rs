//! STIX patterns: grammar checks and the equality comparisons inside them
//! (`[ipv4-addr:value = '198.51.100.1']` → `ipv4-addr:value`, the value),
//! which the indicator index keeps.

use stix_pattern::{
    ComparisonExpression, ComparisonOperand, ComparisonOperator, Literal, ObservationExpression,
    PathStep,
};

/// The longest pattern we parse (a bound on work per object).
pub const MAX_PATTERN_BYTES: usize = 64 * 1024;

/// One positive equality test: `object-type:path = 'value'` (or one member
/// of an `IN` set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// `ipv4-addr:value`, `file:hashes.SHA-256`, …
    pub path: String,
    pub value: String,
    /// Which observation (`[...]`) of the pattern it is in, counted from 0,
    /// so tests of one observed object can be read together.
    pub observation: usize,
}

/// Parses `pattern`; the error message says where it is wrong.
pub fn check(pattern: &str) -> Result<(), String> {
    parse(pattern).map(|_| ())
}

fn parse(pattern: &str) -> Result<stix_pattern::Pattern, String> {
    if pattern.len() > MAX_PATTERN_BYTES {
        return Err(format!("longer than {MAX_PATTERN_BYTES} bytes"));
    }
    stix_pattern::parse(pattern).map_err(|e| format!("invalid STIX pattern: {e}"))
}

/// The positive equality comparisons of a valid pattern.
pub fn comparisons(pattern: &str) -> Result<Vec<Comparison>, String> {
    let p = parse(pattern)?;
    let mut out = Vec::new();
    let mut n = 0;
    observation(&p.expression, &mut out, &mut n);
    Ok(out)
}

fn observation(e: &ObservationExpression, out: &mut Vec<Comparison>, n: &mut usize) {
    match e {
        ObservationExpression::Observation { expression, .. } => {
            comparison(expression, out, *n);
            *n += 1;
        }
        ObservationExpression::And(v)
        | ObservationExpression::Or(v)
        | ObservationExpression::FollowedBy(v) => {
            v.iter().for_each(|x| observation(x, out, n));
        }
        ObservationExpression::Qualified { expression, .. } => observation(expression, out, n),
    }
}

fn comparison(e: &ComparisonExpression, out: &mut Vec<Comparison>, observation: usize) {
    match e {
        ComparisonExpression::Test(c) if !c.negated => {
            let steps: Vec<String> = c
                .path
                .steps
                .iter()
                .map(|s| match s {
                    PathStep::Key(k) => k.clone(),
                    PathStep::Index(i) => format!("[{i}]"),
                    PathStep::AnyIndex => "[*]".to_owned(),
                })
                .collect();
            let path = format!("{}:{}", c.path.object_type, steps.join("."));
            let mut push = |l: &Literal| {
                if let Literal::String(v) = l {
                    out.push(Comparison {
                        path: path.clone(),
                        value: v.clone(),
                        observation,
                    });
                }
            };
            match (&c.operator, &c.value) {
                (ComparisonOperator::Equal, ComparisonOperand::Literal(l)) => push(l),
                (ComparisonOperator::In, ComparisonOperand::Set(ls)) => ls.iter().for_each(push),
                _ => {}
            }
        }
        ComparisonExpression::Test(_) => {}
        ComparisonExpression::And(v) | ComparisonExpression::Or(v) => {
            v.iter().for_each(|x| comparison(x, out, observation))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_and_invalid_patterns() {
        for ok in [
            "[ipv4-addr:value = '198.51.100.1']",
            "[domain-name:value = 'evil.example.com'] OR [url:value = 'http://x.example/a']",
            "[email-addr:value = 'a@example.com'] FOLLOWEDBY [ipv6-addr:value = '2001:db8::1'] WITHIN 600 SECONDS",
            "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_port = 443]",
            "[ipv4-addr:x_custom = 'a']",
        ] {
            assert!(check(ok).is_ok(), "{ok}");
        }
        for bad in [
            "[ipv4-addr:value = ]",
            "ipv4-addr:value = '1.2.3.4'",
            "[ipv4-addr:value = '1.2.3.4'",
            "[foo bar]",
            "",
        ] {
            let e = check(bad).expect_err(bad);
            assert!(e.starts_with("invalid STIX pattern"), "{e}");
        }
    }

    #[test]
    fn equality_comparisons_are_extracted() {
        let c = comparisons(
            "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'] OR \
             [ipv4-addr:value IN ('198.51.100.1', '198.51.100.2')] OR [domain-name:value != 'ok.example']",
        )
        .expect("valid");
        let got: Vec<(&str, &str)> = c
            .iter()
            .map(|c| (c.path.as_str(), c.value.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "file:hashes.SHA-256",
                    "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"
                ),
                ("ipv4-addr:value", "198.51.100.1"),
                ("ipv4-addr:value", "198.51.100.2"),
            ]
        );
    }
}
