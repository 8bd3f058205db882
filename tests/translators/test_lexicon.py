import pytest

from lira.data.lexicon import LexiconEntry
from lira.data.products import PRODUCT_LANGS, load_queries, query_split
from lira.languages import UnknownLanguageError
from lira.translators import Translator, load_translator
from lira.translators.lexicon import LexiconTranslator, Tokenizer

THAI_TSV = """term\ttranslation\tnote
มือถือ\tmobile phone\tmain sense
มือถือ\thandheld\talt
โทรศัพท์\tphone\t
โทรศัพท์มือถือ\tcell phone\tproduct
ปุ่มกด\tbutton\t
ปุ่มกด\tkeypad\talt
ปุ่มกด\tpush button\talt 2
สีดำ\tblack\t
สี\tcolour\t
หา\tlooking for\t
รองเท้า\tshoes\t
"""


@pytest.fixture
def thai(tmp_path) -> LexiconTranslator:
    path = tmp_path / "my-thai.tsv"
    path.write_text(THAI_TSV, encoding="utf-8")
    return LexiconTranslator.from_tsv(path, lang="th")


def test_thai_is_split_by_icu():
    assert Tokenizer("tha")("โทรศัพท์มือถือสีดำ samsung") == ["โทรศัพท์", "มือ", "ถือ", "สี", "ดำ", "samsung"]
    assert Tokenizer("tha")("สบายๆ") == ["สบาย", "ๆ"]


def test_spaced_tokenizer_splits_outer_punctuation_only():
    assert Tokenizer("ind")("(baju-t) merah, 100%!") == ["(", "baju-t", ")", "merah", ",", "100", "%", "!"]


def test_multiword_term_wins_over_its_parts(thai):
    assert isinstance(thai, Translator) and thai.name == "lexicon:my-thai"
    [[best]] = thai.translate(["โทรศัพท์มือถือสีดำ samsung"], lang="tha", k=1)
    # โทรศัพท์|มือ|ถือ is one term (not "phone mobile phone"), สี|ดำ is "black" (not "colour" + untranslated ดำ)
    assert best.text == "cell phone black samsung"
    assert best.source == "lexicon:my-thai" and best.untranslated == ("samsung",)
    assert thai.segment("โทรศัพท์มือถือสีดำ") == [("โทรศัพท์มือถือ", ("cell phone",)), ("สีดำ", ("black",))]


def test_alternative_senses_give_ranked_distinct_candidates(thai):
    [cands] = thai.translate(["มือถือ ปุ่มกด"], lang="tha", k=10)
    assert [c.text for c in cands] == ["mobile phone button",  # first senses everywhere
                                       "handheld button",  # second senses, left to right
                                       "mobile phone keypad",
                                       "mobile phone push button"]  # then third senses
    assert cands[1].meta["swapped"] == ("มือถือ", "handheld")
    assert thai.translate(["มือถือ ปุ่มกด"], lang="tha", k=2)[0] == cands[:2]


def test_untranslated_tokens_are_kept_and_flagged(thai):
    [[best]] = thai.translate(["มือถือ เคส iphone 15 สีดำ!"], lang="tha")
    assert best.text == "mobile phone เคส iphone 15 black!"
    assert best.untranslated == ("เคส", "iphone")  # digits and punctuation are not flagged


def test_icu_missplit_is_repaired_by_the_lexicon(thai):
    # ICU splits หารองเท้า as หาร|อง|เท้า; re-matching the unmatched run finds หา + รองเท้า.
    [[best]] = thai.translate(["หารองเท้าสีดำ"], lang="tha")
    assert best.text == "looking for shoes black" and best.untranslated == ()


def test_spaced_language_longest_match_and_dedup():
    lexicon = {
        "ốp lưng": [LexiconEntry("ốp lưng", "phone case")],
        "ốp": [LexiconEntry("ốp", "case")],
        "màu đen": [LexiconEntry("màu đen", "black")],
        "đỏ": [LexiconEntry("đỏ", "red"), LexiconEntry("đỏ", "red cell")],
        "điện thoại": [LexiconEntry("điện thoại", "phone"), LexiconEntry("điện thoại", "cell phone")],
    }
    t = LexiconTranslator(lexicon, lang="vi")
    [[best]] = t.translate(["Ốp lưng iPhone 15, màu đen!"], lang="vie")
    assert best.text == "phone case iPhone 15, black!" and best.untranslated == ("iPhone",)
    [cands] = t.translate(["đỏ điện thoại"], lang="vie", k=5)
    assert [c.text for c in cands] == ["red phone", "red cell phone"]  # both swaps give the same text


def test_wrong_language_and_bad_k_are_refused(thai):
    with pytest.raises(ValueError, match="translates tha, not vie"):
        thai.translate(["x"], lang="vie")
    with pytest.raises(ValueError, match="k must be"):
        thai.translate(["x"], lang="tha", k=0)


# One real shopper query per language, hand-checked: words its top candidate must contain.
REAL_QUERIES = {
    "vie": ("vie-q0005", ["tablet", "11", "inch"]),
    "tha": ("tha-q0003", ["iphone", "15", "pink"]),
    "ind": ("ind-q0005", ["foldable", "phone"]),
    "zsm": ("zsm-q0006", ["phone", "button", "cheap", "elderly"]),
    "tgl": ("tgl-q0005", ["cellphone", "xiaomi"]),
    "urd": ("urd-q0004", ["tablet", "11", "inch"]),
    "ben": ("ben-q0004", ["grey", "tablet"]),
}


@pytest.mark.parametrize("lang", PRODUCT_LANGS)
def test_product_lexicon_translates_real_queries(lang):
    t = load_translator("lexicon", lang=lang)
    assert t.name == f"lexicon:products-{lang}"
    queries = load_queries(lang)
    query_id, words = REAL_QUERIES[lang]
    query = next(q for q in queries if q.id == query_id)
    [[best]] = t.translate([query.text], lang=lang)
    assert all(w in best.text.lower().split() for w in words), (query.text, best.text)
    # Over every query: untranslated words that are not kept as-is in the English gloss (brands are) are rare.
    translated = t.translate([q.text for q in queries], lang=lang)
    words_total = missed = 0
    for q, cands in zip(queries, translated, strict=True):
        words_total += sum(any(ch.isalpha() for ch in s) for s, _ in t.segment(q.text))
        missed += sum(u.lower() not in q.en.lower() for u in cands[0].untranslated)
    assert missed <= 0.05 * words_total, f"{missed} of {words_total} words untranslated"


def test_heldout_product_translator():
    t = load_translator("lexicon-heldout", lang="tha")
    shipped = LexiconTranslator.for_products("tha")
    assert isinstance(t, LexiconTranslator) and t.name == "lexicon:products-heldout-tha" != shipped.name
    assert 0 < len(t) < len(shipped)
    queries = load_queries("tha")
    train = [q.text for q in queries if query_split(q.id) == "train"]
    def texts(translator):
        return [[(c.text, c.untranslated) for c in cands] for cands in translator.translate(train, lang="tha", k=4)]

    assert texts(t) == texts(shipped)  # train queries translate exactly as before (their terms are all kept)
    # Some test query uses a word only the shipped lexicon knows.
    test = [q.text for q in queries if query_split(q.id) == "test"]
    assert any(len(a[0].untranslated) > len(b[0].untranslated)
               for a, b in zip(t.translate(test, lang="tha"), shipped.translate(test, lang="tha"), strict=True))


def test_heldout_spec_errors():
    with pytest.raises(UnknownLanguageError, match="its languages: vie, tha, ind, zsm, tgl, urd, ben"):
        load_translator("lexicon-heldout", lang="khm")
    with pytest.raises(ValueError, match="needs a language"):
        load_translator("lexicon-heldout")
    with pytest.raises(ValueError, match="valid specs: lexicon, lexicon-heldout"):
        load_translator("lexicon-heldout:x.tsv", lang="tha")
    with pytest.raises(UnknownLanguageError, match="its languages"):
        LexiconTranslator.for_products("lao", held_out=True)


def test_train_only_product_translator_hides_dev_only_words():
    """``lexicon-train`` drops the dev-only terms too: dev queries meet unknown words, as test queries do
    under the held-out lexicon (the dev split that selects models for that setting)."""
    t, heldout = load_translator("lexicon-train", lang="tha"), load_translator("lexicon-heldout", lang="tha")
    assert t.name == "lexicon:products-train-tha" and 0 < len(t) < len(heldout)
    queries = load_queries("tha")
    train = [q.text for q in queries if query_split(q.id) == "train"]
    dev = [q.text for q in queries if query_split(q.id) == "dev"]
    def first(translator, texts):
        return [cands[0].text for cands in translator.translate(texts, lang="tha")]

    assert first(t, train) == first(heldout, train)
    assert any(len(a[0].untranslated) > len(b[0].untranslated)
               for a, b in zip(t.translate(dev, lang="tha"), heldout.translate(dev, lang="tha"), strict=True))


def test_the_product_lexicon_declares_its_languages_from_its_files():
    from lira.translators import available_languages, covers
    from lira.translators.lexicon import product_lexicon_dir, product_lexicon_languages

    assert set(product_lexicon_languages()) == set(PRODUCT_LANGS)
    assert product_lexicon_languages() == tuple(sorted(p.stem for p in product_lexicon_dir().glob("*.tsv")))
    for spec in ("lexicon", "lexicon-heldout", "lexicon-train"):
        assert available_languages(spec) == product_lexicon_languages()
        assert covers(spec, "tha") and not covers(spec, "hin")
    for spec in ("lexicon:my.tsv", "openai:m@http://localhost:1", "hf:/a/model"):
        assert available_languages(spec) is None and covers(spec, "hin")
    assert LexiconTranslator.for_products("vie").languages == ("vie",)


def test_a_decomposed_text_finds_the_composed_term():
    import unicodedata

    composed = "giày chạy bộ màu đen"
    lexicon = LexiconTranslator.for_products("vie")
    (nfc,), (nfd,) = (lexicon.translate([t], lang="vie") for t in (composed, unicodedata.normalize("NFD", composed)))
    assert nfd[0].text == nfc[0].text == "running shoes colour black" and not nfd[0].untranslated
