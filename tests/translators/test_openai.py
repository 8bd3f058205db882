import pytest

from lira.translators import Candidate, Translator, TranslatorSpecError, check_translator_spec, load_translator
from lira.translators.chat import ChatClient, ChatConfig, EndpointError
from lira.translators.openai import OpenAITranslator, clean_answer
from tests.chat_server import chat_server  # noqa: F401


def translator(server, **kw) -> OpenAITranslator:
    return OpenAITranslator(ChatClient(ChatConfig(base_url=server.url, model="qwen-mt", backoff_s=0.01, **kw)))


@pytest.mark.parametrize("raw,clean", [
    ("Translation: red shoes", "red shoes"),
    ('"red shoes"', "red shoes"),
    ("**English translation:** “red shoes”", "red shoes"),
    ("<think>hmm, giày is shoes</think>\nred shoes\n\nNote: giày means shoes.", "red shoes"),
    ("  'it''s fine'  ", "it''s fine"),
])
def test_clean_answer(raw, clean):
    assert clean_answer(raw) == clean


def test_prompt_and_candidates(chat_server):  # noqa: F811
    chat_server.set_handler(lambda req: ["Translation: red shoes", '"red shoes"', "shoes in red"][: req["n"]])
    t = translator(chat_server)
    assert isinstance(t, Translator) and t.name == "openai:qwen-mt"
    out = t.translate(["giày đỏ"], lang="vi", k=3)
    prompt = chat_server.requests[0]["json"]["messages"][0]["content"]
    assert "Vietnamese" in prompt and "English" in prompt and prompt.endswith("giày đỏ")
    # "red shoes" twice is merged; the missing third is asked again at temperature 0.7 with a seed
    assert [c.text for c in out[0]] == ["red shoes", "shoes in red"]
    assert all(c.source == "openai:qwen-mt" for c in out[0])
    pad = chat_server.requests[1]["json"]
    assert pad["n"] == 1 and pad["temperature"] == 0.7 and pad["seed"] == 1


def test_server_ignoring_n_is_padded(chat_server):  # noqa: F811
    answers = iter(["black phone", "black phone", "phone, black", "dark phone"])
    chat_server.set_handler(lambda req: [next(answers)])  # one choice whatever n asks, like llama.cpp
    out = translator(chat_server).translate(["điện thoại đen"], lang="vie", k=3)
    assert out == [[Candidate("black phone", "openai:qwen-mt"), Candidate("phone, black", "openai:qwen-mt")]]
    assert len(chat_server.requests) == 3  # the first ask and k - 1 padding rounds, no more


def test_empty_answer_is_an_error(chat_server):  # noqa: F811
    chat_server.set_handler(lambda req: ["ok"] if "mèo" in req["messages"][0]["content"] else ["  "])
    with pytest.raises(EndpointError, match="empty answers for text 1"):
        translator(chat_server).translate(["mèo", "chó"], lang="vie", k=1)


def test_endpoint_failure_propagates(chat_server):  # noqa: F811
    chat_server.set_handler(lambda req: 503)
    with pytest.raises(EndpointError, match="2 attempt"):
        translator(chat_server, max_retries=1).translate(["mèo"], lang="vie")


def test_load_translator_openai_spec(chat_server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("LIRA_API_KEY", "sk-lira")
    t = load_translator(f"openai:org/model@v2@{chat_server.url}")
    assert t.name == "openai:org/model@v2"
    assert t.translate(["mèo"], lang="vie") == [[Candidate("reply 0", "openai:org/model@v2")]]
    headers = {k.lower(): v for k, v in chat_server.requests[0]["headers"].items()}
    assert headers["authorization"] == "Bearer sk-lira"


def test_endpoint_spec_options_and_default_disk_cache(chat_server, tmp_path):  # noqa: F811
    spec = f"openai:m@{chat_server.url}?timeout=2.5&retries=0"
    first = load_translator(spec)
    assert (first.client.config.timeout_s, first.client.config.max_retries) == (2.5, 0)
    first.translate(["mèo"], lang="vie")
    load_translator(spec).translate(["mèo"], lang="vie")  # a second identical run is served from the disk cache
    assert len(chat_server.requests) == 1
    assert load_translator(f"openai:m@{chat_server.url}?cache=none").client.config.cache_dir is None
    with pytest.raises(ValueError, match=r"unknown option 'colour'; valid: timeout, retries, cache"):
        load_translator(f"openai:m@{chat_server.url}?colour=red")
    with pytest.raises(ValueError, match="translator spec .*could not convert"):
        load_translator(f"openai:m@{chat_server.url}?timeout=soon")


@pytest.mark.parametrize("spec", ["openai:model", "google", "hf:", "precomputed"])
def test_unknown_specs_list_the_valid_ones(spec):
    valid = r"valid specs: lexicon, lexicon-heldout, lexicon-train, lexicon:PATH.tsv, openai:MODEL@BASE_URL\["
    with pytest.raises(TranslatorSpecError, match=valid):  # a ConfigError: the CLI prints one line, status 2
        load_translator(spec, lang="vie")
    with pytest.raises(TranslatorSpecError, match=valid):  # the same check on the form alone, nothing loaded
        check_translator_spec(spec)


@pytest.mark.parametrize("spec", ["lexicon", "lexicon-heldout", "lexicon-train", "lexicon:/no/such.tsv", "hf:/no/m",
                                  "openai:m@http://127.0.0.1:9/v1?timeout=1&retries=0&cache=none"])
def test_check_translator_spec_reads_the_form_only(spec):
    assert check_translator_spec(spec) == spec  # no file, folder or endpoint is touched
    with pytest.raises(TranslatorSpecError, match="unknown option 'colour'"):
        check_translator_spec("openai:m@http://127.0.0.1:9/v1?colour=red")
