"""Place names are dropped from features (drop_places): Harbin's divisions and anonymised forms alike."""

from __future__ import annotations

from classifier.places import strip_places


def test_district_county_and_anonymised_places_are_removed():
    out = strip_places("哈尔滨市道里区和尚志市的问题，A市A3区B街道也一样")
    for name in ("哈尔滨市", "道里区", "尚志市", "A市", "A3区", "B街道"):
        assert name not in out
    assert "问题" in out and "也一样" in out


def test_a_bungalow_is_not_a_district():
    assert "平房" in strip_places("我家住的平房漏雨")
