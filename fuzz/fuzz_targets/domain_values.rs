//! Every parser of outside text in renkei-core: never panics, and whatever
//! it accepts survives a round trip through its canonical spelling.
#![no_main]

use libfuzzer_sys::fuzz_target;
use renkei_core::{Email, OrgKind, Pap, Prefecture, Role, Sector, Tlp};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(t) = Tlp::parse(s) {
        assert_eq!(Tlp::parse(t.as_str()), Ok(t));
    }
    if let Ok(p) = Pap::parse(s) {
        assert_eq!(Pap::parse(p.as_str()), Ok(p));
    }
    if let Ok(e) = Email::parse(s) {
        assert_eq!(Email::parse(e.as_str()).as_ref(), Ok(&e));
    }
    if let Ok(p) = Prefecture::parse(s) {
        assert_eq!(Prefecture::parse(&p.code().to_string()), Ok(p));
    }
    if let Ok(x) = Sector::parse(s) {
        assert_eq!(Sector::parse(x.as_str()).as_ref(), Ok(&x));
    }
    if let Ok(k) = OrgKind::parse(s) {
        assert_eq!(OrgKind::parse(k.as_str()), Ok(k));
    }
    if let Ok(r) = Role::parse(s) {
        assert_eq!(Role::parse(r.as_str()), Ok(r));
    }
});
