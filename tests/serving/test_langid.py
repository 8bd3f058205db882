"""The query language from its script: single-language scripts, Vietnamese accents, lexicon coverage for the other
Latin-script languages, and what stays ambiguous."""

import pytest

from lira.serving.langid import detect_language, dominant_script, script_mismatch


@pytest.mark.parametrize(("text", "lang"), [
    ("รองเท้าวิ่ง nike สีดำ", "tha"), ("نائیکی جوتے", "urd"), ("জুতা", "ben"), ("giày chạy bộ", "vie"),
    ("giay chạy", "vie"), ("sepatu lari murah", "ind"), ("kasut lari", "zsm"), ("sapatos na pula", "tgl"),
    ("red running shoes", "eng"),
])
def test_decided(text, lang):
    found = detect_language(text)
    assert found.lang == lang, found


def test_ambiguous_and_unsupported():
    deva = detect_language("जूते")
    assert deva.lang is None and deva.candidates == ("hin", "npi") and deva.script == "Deva"
    latin = detect_language("murah")  # Indonesian and Malay both
    assert latin.lang is None and set(latin.candidates) == {"vie", "ind", "zsm", "tgl", "eng"}
    assert latin.candidates[:2] in (("ind", "zsm"), ("zsm", "ind"))  # the best covered first
    assert detect_language("12345").reason == "no letters to tell the script by"
    assert detect_language("кроссовки").reason == "written in a script none of LiRA's languages uses"
    assert dominant_script("iphone 15 ไอโฟน") == "Thai"  # Latin brand names do not outvote the script


def test_script_mismatch():
    assert "written in Thai script, but lang 'urd' (Urdu)" in script_mismatch("รองเท้า", "urd")
    assert script_mismatch("joote nike", "urd") is None  # romanised Urdu: Latin letters are not counted
    assert script_mismatch("รองเท้า nike", "th") is None
    assert "lang 'vie'" in script_mismatch("รองเท้า", "vie")
