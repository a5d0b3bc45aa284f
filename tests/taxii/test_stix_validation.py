"""The stix2-validator check that conftest.py applies to every object the
server returns: it must accept good STIX 2.1 and reject bad STIX 2.1 (the
validator 3.3.1 on PyPI, without its schemas, rejects everything)."""

from __future__ import annotations

import json

import stix2

from taxii_helpers import TLP, indicator, malware, stix_errors


def test_validator_accepts_valid_stix_21():
    assert stix_errors(indicator()) == []
    assert stix_errors(malware(tlp="AMBER")) == []
    made = stix2.Indicator(
        pattern="[domain-name:value = 'example.net']",
        pattern_type="stix",
        object_marking_refs=[TLP["CLEAR"]],
    )
    assert stix_errors(json.loads(made.serialize())) == []


def test_validator_rejects_invalid_stix_21():
    assert stix_errors(indicator(pattern="[ipv4-addr:value = '1.2.3.4'")), "unclosed pattern"
    assert stix_errors(indicator(valid_from="yesterday")), "bad timestamp"
    no_family = malware()
    del no_family["is_family"]
    assert any("is_family" in e for e in stix_errors(no_family))
