import warnings

import pytest

from lira.languages import (
    LANGUAGES,
    LOW_RESOURCE,
    UnknownLanguageError,
    check_script,
    get_language,
    in_script,
    script_share,
)


@pytest.mark.parametrize("code,expected", [("th", "tha"), ("tha", "tha"), ("tha_Thai", "tha"), ("THA", "tha"),
                                           ("fil", "tgl"), ("tl", "tgl"), ("ms", "zsm"), ("msa", "zsm"),
                                           ("zsm_Latn", "zsm"), ("ne", "npi"), ("nep", "npi"), ("my", "mya"),
                                           ("en", "eng"), ("bn", "ben"), ("ur", "urd"), ("id", "ind")])
def test_aliases_resolve(code, expected):
    assert get_language(code).code == expected


def test_registry_has_14_lrls_plus_english():
    assert len(LOW_RESOURCE) == 14 and len(LANGUAGES) == 15
    assert get_language("khm").script == "Khmr" and get_language("khm").tag == "khm_Khmr"


def test_unknown_code_lists_valid_ones():
    with pytest.raises(UnknownLanguageError) as e:
        get_language("xx")
    assert "'xx'" in str(e.value) and "tha (Thai)" in str(e.value) and "npi (Nepali)" in str(e.value)


def test_script_share():
    assert script_share("รองเท้าวิ่ง Nike", "Thai") == 1.0  # Latin brand names are not counted
    assert script_share("รองเท้า", "Laoo") == 0.0
    assert script_share("123 !!", "Thai") is None
    assert script_share("giày chạy bộ", "Latn") == 1.0


def test_check_script_warns_once_for_thai_tagged_as_lao():
    with pytest.warns(UserWarning, match=r"2 text\(s\) tagged lao"):
        bad = check_script(["รองเท้าวิ่ง", "ເກີບ", "กระเป๋า"], "lao")
    assert bad == [0, 2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_script(["rong thao wing", "รองเท้า"], "th") == []


def test_in_script_is_a_one_letter_script_share():
    """``in_script`` (the critic's per-character test) agrees with ``script_share`` of one character, for every
    script and the characters of the Basic Multilingual Plane's first 12k code points."""
    scripts = sorted({lang.script for lang in LANGUAGES})
    for point in range(0x20, 0x3000):
        char = chr(point)
        for script in scripts:
            assert in_script(char, script) == (script_share(char, script) == 1.0), (hex(point), script)


def test_decomposed_texts_are_named_once():
    import unicodedata

    from lira.languages import DecomposedTextWarning, check_composed, check_script

    composed = "giày chạy bộ"
    texts = [composed, unicodedata.normalize("NFD", composed), "ক়"]  # the last: NFC does not compose it
    with pytest.warns(DecomposedTextWarning, match=r"^1 text\(s\) hold decomposed characters .*first at index 1\)"):
        assert check_composed(texts) == [1]
    with pytest.warns(DecomposedTextWarning):
        assert check_script(texts[:2], "vie") == []  # the script is right; the form is named
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_composed([composed, "\u09dc"]) == []  # composed, and a Bengali letter NFC decomposes (longer)
