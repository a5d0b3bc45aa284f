//! Organisations, people, communities and supply-chain links.

use std::fmt;

use crate::ParseError;

macro_rules! id_type {
    ($name:ident, $what:literal) => {
        #[doc = concat!("Store identifier of ", $what, ".")]
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            PartialOrd,
            Ord,
            Hash,
            serde::Serialize,
            serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(OrgId, "an organisation");
id_type!(UserId, "a user");
id_type!(CommunityId, "a community");

/// Declares a closed vocabulary with its stable wire/storage spelling.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Result<Self, ParseError> {
                let t = s.trim();
                $(if t.eq_ignore_ascii_case($text) { return Ok($name::$variant); })+
                Err(ParseError::new($field, format!(
                    "unknown value {t:?}; expected one of: {}",
                    [$($text),+].join(", ")
                )).with_code("choice-unknown", &[("value", t)]))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary!(
    /// What an organisation is, which decides what it does on the platform.
    OrgKind, "kind" {
        Coordinator => "coordinator",
        Operator => "operator",
        LocalGovernment => "local_government",
        Supplier => "supplier",
        Vendor => "vendor",
        SecurityProvider => "security_provider",
    }
);

vocabulary!(
    /// A user's role inside their organisation.
    Role, "role" {
        Admin => "admin",
        CoordinatorAnalyst => "coordinator_analyst",
        Reporter => "reporter",
        Viewer => "viewer",
    }
);

/// A sector code. The list is data (the 15 critical-infrastructure sectors
/// plus a few more); kept open because ordinances may add sectors.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sector(String);

impl Sector {
    /// The sectors the portal offers; codes are stable, names live in the
    /// translation files as `sector-<code>`.
    pub const KNOWN: &'static [&'static str] = &[
        "information_communication",
        "finance",
        "aviation",
        "airport",
        "railway",
        "electricity",
        "gas",
        "government",
        "medical",
        "water",
        "logistics",
        "chemical",
        "credit_card",
        "petroleum",
        "port",
        "manufacturing",
        "it_services",
        "security",
    ];

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        if t.is_empty() || t.len() > 64 {
            return Err(ParseError::new("sector", "must be 1 to 64 characters")
                .with_code("sector-invalid", &[("value", t)]));
        }
        if !t
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(ParseError::new(
                "sector",
                format!("{t:?} is not a sector code (lower-case letters, digits and _)"),
            )
            .with_code("sector-invalid", &[("value", t)]));
        }
        Ok(Self(t.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A prefecture by its JIS X 0401 code (1 = Hokkaido … 47 = Okinawa).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Prefecture(u8);

impl Prefecture {
    /// (Japanese name, English name) by JIS code - 1.
    pub const NAMES: [(&'static str, &'static str); 47] = [
        ("北海道", "Hokkaido"),
        ("青森県", "Aomori"),
        ("岩手県", "Iwate"),
        ("宮城県", "Miyagi"),
        ("秋田県", "Akita"),
        ("山形県", "Yamagata"),
        ("福島県", "Fukushima"),
        ("茨城県", "Ibaraki"),
        ("栃木県", "Tochigi"),
        ("群馬県", "Gunma"),
        ("埼玉県", "Saitama"),
        ("千葉県", "Chiba"),
        ("東京都", "Tokyo"),
        ("神奈川県", "Kanagawa"),
        ("新潟県", "Niigata"),
        ("富山県", "Toyama"),
        ("石川県", "Ishikawa"),
        ("福井県", "Fukui"),
        ("山梨県", "Yamanashi"),
        ("長野県", "Nagano"),
        ("岐阜県", "Gifu"),
        ("静岡県", "Shizuoka"),
        ("愛知県", "Aichi"),
        ("三重県", "Mie"),
        ("滋賀県", "Shiga"),
        ("京都府", "Kyoto"),
        ("大阪府", "Osaka"),
        ("兵庫県", "Hyogo"),
        ("奈良県", "Nara"),
        ("和歌山県", "Wakayama"),
        ("鳥取県", "Tottori"),
        ("島根県", "Shimane"),
        ("岡山県", "Okayama"),
        ("広島県", "Hiroshima"),
        ("山口県", "Yamaguchi"),
        ("徳島県", "Tokushima"),
        ("香川県", "Kagawa"),
        ("愛媛県", "Ehime"),
        ("高知県", "Kochi"),
        ("福岡県", "Fukuoka"),
        ("佐賀県", "Saga"),
        ("長崎県", "Nagasaki"),
        ("熊本県", "Kumamoto"),
        ("大分県", "Oita"),
        ("宮崎県", "Miyazaki"),
        ("鹿児島県", "Kagoshima"),
        ("沖縄県", "Okinawa"),
    ];

    pub fn from_code(code: i64) -> Result<Self, ParseError> {
        if (1..=47).contains(&code) {
            Ok(Self(code as u8))
        } else {
            Err(ParseError::new(
                "prefecture",
                format!("{code} is not a JIS prefecture code (1-47)"),
            )
            .with_code("prefecture-unknown", &[("value", &code.to_string())]))
        }
    }

    /// Accepts the JIS code, or the Japanese or English name.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        if let Ok(n) = t.parse::<i64>() {
            return Self::from_code(n);
        }
        Self::NAMES
            .iter()
            .position(|(ja, en)| *ja == t || en.eq_ignore_ascii_case(t))
            .map(|i| Self(i as u8 + 1))
            .ok_or_else(|| {
                ParseError::new("prefecture", format!("unknown prefecture {t:?}"))
                    .with_code("prefecture-unknown", &[("value", t)])
            })
    }

    pub fn code(self) -> i64 {
        i64::from(self.0)
    }

    pub fn name_ja(self) -> &'static str {
        Self::NAMES[usize::from(self.0) - 1].0
    }

    pub fn name_en(self) -> &'static str {
        Self::NAMES[usize::from(self.0) - 1].1
    }
}

/// An e-mail address used as a sign-in name: trimmed, lower-cased, checked for
/// shape only (deliverability is not our business at sign-in).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim().to_lowercase();
        let err =
            |m: &str| Err(ParseError::new("email", m.to_owned()).with_code("email-invalid", &[]));
        if t.is_empty() {
            return err("is required");
        }
        if t.len() > 254 {
            return err("is longer than 254 characters");
        }
        let Some((local, domain)) = t.rsplit_once('@') else {
            return err("must contain @");
        };
        if local.is_empty() || domain.is_empty() || !domain.contains('.') {
            return err("must look like name@example.jp");
        }
        if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return err("must not contain spaces");
        }
        if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
            return err("has an invalid domain");
        }
        Ok(Self(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A customer → contractor link in a supply chain. `tier` is 1 for a direct
/// contractor of the customer, 2 for a sub-contractor, and so on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SupplyLink {
    pub customer: OrgId,
    pub contractor: OrgId,
    pub tier: u8,
}

impl SupplyLink {
    pub fn new(customer: OrgId, contractor: OrgId, tier: i64) -> Result<Self, ParseError> {
        if customer == contractor {
            return Err(ParseError::new(
                "contractor",
                "an organisation cannot contract itself",
            ));
        }
        if !(1..=9).contains(&tier) {
            return Err(ParseError::new(
                "tier",
                format!("{tier} is not a tier (1-9)"),
            ));
        }
        Ok(Self {
            customer,
            contractor,
            tier: tier as u8,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Taro@Example.JP ").map(|e| e.0),
            Ok("taro@example.jp".into())
        );
        for bad in [
            "",
            "taro",
            "@example.jp",
            "taro@",
            "taro@localhost",
            "ta ro@example.jp",
            "a@b..jp",
        ] {
            let e = Email::parse(bad).expect_err(bad);
            assert_eq!(e.field, "email");
        }
    }

    #[test]
    fn prefecture_by_code_and_name() {
        assert_eq!(
            Prefecture::parse("13").map(Prefecture::name_ja),
            Ok("東京都")
        );
        assert_eq!(Prefecture::parse("大阪府").map(Prefecture::code), Ok(27));
        assert_eq!(Prefecture::parse("okinawa").map(Prefecture::code), Ok(47));
        assert!(Prefecture::parse("48").is_err());
        assert!(Prefecture::parse("Atlantis").is_err());
    }

    #[test]
    fn vocabularies_round_trip() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.as_str()), Ok(*k));
        }
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(*r));
        }
        let e = Role::parse("root").expect_err("root is no role");
        assert_eq!(e.field, "role");
        assert!(e.message.contains("coordinator_analyst"));
    }

    #[test]
    fn supply_links_refuse_self_and_silly_tiers() {
        assert!(SupplyLink::new(OrgId(1), OrgId(1), 1).is_err());
        assert!(SupplyLink::new(OrgId(1), OrgId(2), 0).is_err());
        assert!(SupplyLink::new(OrgId(1), OrgId(2), 2).is_ok());
    }
}
