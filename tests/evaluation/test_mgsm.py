"""MGSMEvaluator and ``lira eval mgsm`` against the real local chat-completions server (tests/chat_server.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lira.cli import app
from lira.data.formats import MathProblem
from lira.evaluation.mgsm import DEFAULT_PROMPT, MGSMEvaluator, parse_answer
from lira.translators.base import Candidate
from lira.translators.chat import ChatClient, ChatConfig
from lira.translators.openai import OpenAITranslator
from lira.translators.precomputed import PrecomputedTranslator
from tests.chat_server import chat_server  # noqa: F401

runner = CliRunner()

# Two aligned problems (Thai, English) and the replies of a fake solver that keys on the question's text.
DUCKS_TH = "เป็ดของเจเน็ตวางไข่วันละ 16 ฟอง เธอกิน 3 ฟอง ใช้อบ 4 ฟอง ขายที่เหลือฟองละ $2 ได้กี่ดอลลาร์"
DUCKS_EN = "Janet's ducks lay 16 eggs per day. She eats 3 and bakes with 4, and sells the rest at $2. How much?"
ROBE_TH = "เสื้อคลุมหนึ่งตัวใช้ผ้าสีน้ำเงิน 2 ม้วน และผ้าสีขาวครึ่งหนึ่งของนั้น ใช้ผ้าทั้งหมดกี่ม้วน"
ROBE_EN = "A robe takes 2 bolts of blue fiber and half that much white fiber. How many bolts in total?"
PROBLEMS = [MathProblem("tha", DUCKS_TH, 18.0, DUCKS_EN, "mgsm_th.tsv:1"),
            MathProblem("tha", ROBE_TH, 3.0, ROBE_EN, "mgsm_th.tsv:2")]
REPLIES = {
    "Janet's ducks": "16 - 3 - 4 = 9 eggs; 9 * $2 = $18.\nAnswer: 18",
    "ducks of Janet": "Janet earns 2 * 9 = 18 dollars.\nAnswer: 1,8.",  # commas are thousands separators: 18
    "A robe": "2 + 1 = 3\nAnswer: 3.",
    "the robe": "Half of 2 is one, so three in all.",  # no "Answer:": the last number, 2, is read
    "เป็ด": "Answer: 20",
    "เสื้อคลุม": "I cannot read this.",
}


def solver(request: dict) -> list[str] | int:
    text = request["messages"][-1]["content"]
    if "EXPLODE" in text:
        return 500
    return [next((reply for key, reply in REPLIES.items() if key in text), "no idea")]


def client(server, **kw) -> ChatClient:
    return ChatClient(ChatConfig(base_url=server.url, model="solver", **{"backoff_s": 0.01, "timeout_s": 5.0, **kw}))


def asked(server) -> list[str]:
    return [r["json"]["messages"][-1]["content"] for r in server.requests]


# ------------------------------------------------------------------------------------------- parsing

@pytest.mark.parametrize(("reply", "expected"), [
    ("So she makes 1,234 dollars.\nAnswer: 1,234.", 1234.0),
    ("Answer: -3", -3.0),
    ("The change is -5 and then\nFinal answer: \u22127", -7.0),
    ("Step 1: 4 apples. Answer: 12\nCheck: 3 * 4 = 12. Answer: 15", 15.0),
    ("12 then 15", 15.0),
    ("Answer: 5-3", 5.0),
    ("**Answer:** $2,125", 2125.0),
    ("Answer: 18.00", 18.0),
    ("Answer: 12.5%", 12.5),
    ("<think>Answer: 3</think>So it is 7", 7.0),
    ("answer\uff1a \u09e7\u09e8", 12.0),  # full-width colon, Bengali digits
    ("Answer: unknown", None),
    ("I cannot solve this.", None),
    ("", None),
])
def test_parse_answer(reply, expected):
    assert parse_answer(reply) == expected


# ------------------------------------------------------------------------------------------- methods

def test_direct_and_gold_english_accuracy(chat_server):  # noqa: F811
    chat_server.set_handler(solver)
    with client(chat_server) as c:
        evaluator = MGSMEvaluator(PROBLEMS, c)
        direct = evaluator("direct", progress=False)
        gold = evaluator("gold-english", progress=False)
    assert (direct["main_score"], direct["n"], direct["n_correct"], direct["n_unparseable"]) == (0.0, 2, 0, 1)
    assert [(r["prompt_lang"], r["parsed"], r["gold"], r["correct"]) for r in direct["per_item"]] == [
        ("tha", 20.0, 18.0, False), ("tha", None, 3.0, False)]
    assert gold["main_score"] == gold["accuracy"] == 1.0 and gold["n_correct"] == 2
    assert [(r["id"], r["prompt_lang"], r["text"]) for r in gold["per_item"]] == [
        ("mgsm_th.tsv:1", "eng", DUCKS_EN), ("mgsm_th.tsv:2", "eng", ROBE_EN)]
    assert gold["n_failed"] == gold["n_no_text"] == 0 and gold["solver"] == "solver" and gold["langs"] == ["tha"]
    prompts = asked(chat_server)
    assert len(prompts) == 4 and DUCKS_TH in prompts[0] + prompts[1] and "Answer: <number>" in prompts[0]


def test_endpoint_failures_are_counted_not_dropped(chat_server):  # noqa: F811
    chat_server.set_handler(solver)
    problems = [*PROBLEMS, MathProblem("tha", "EXPLODE 1 + 1", 2.0, "EXPLODE one plus one", "x")]
    with client(chat_server, max_retries=1) as c:
        result = MGSMEvaluator(problems, c)("gold-english", progress=False)
    assert (result["n"], result["n_correct"], result["n_failed"]) == (3, 2, 1)
    assert result["main_score"] == pytest.approx(2 / 3)
    failed = result["per_item"][2]
    assert failed["correct"] is False and failed["reply"] is None and "HTTP 500" in failed["error"]
    assert result["errors"] == [f"x: {failed['error']}"]
    assert sum("EXPLODE" in p for p in asked(chat_server)) == 2  # the ChatClient's retry was used


def test_translate_test_reads_the_first_candidate_and_pools_once(chat_server):  # noqa: F811
    chat_server.set_handler(solver)
    table = PrecomputedTranslator({DUCKS_TH: ["ducks of Janet: 16 eggs...", DUCKS_EN],
                                   ROBE_TH: ["the robe needs 2 blue and half white", ROBE_EN]})
    calls = []

    class Counting:
        name = "counting"

        def translate(self, texts, *, lang, k=1):
            calls.append((len(texts), lang, k))
            return table.translate(texts, lang=lang, k=k)

    with client(chat_server) as c:
        evaluator = MGSMEvaluator(PROBLEMS, c, translator=Counting(), candidates=2)
        first = evaluator("translate-test", progress=False)
        again = evaluator("translate-test", progress=False)
    assert calls == [(2, "tha", 2)]
    assert [r["text"] for r in first["per_item"]] == ["ducks of Janet: 16 eggs...",
                                                      "the robe needs 2 blue and half white"]
    # "Answer: 1,8." parses as 18 (commas are thousands separators); the robe reply's last number is 2.
    assert [r["parsed"] for r in first["per_item"]] == [18.0, 2.0]
    assert first["main_score"] == 0.5 and first["translator"] == "counting" and first["candidates"] == 2
    assert again["per_item"] == first["per_item"]


def test_translator_endpoint_failure_loses_only_its_item(chat_server):  # noqa: F811
    def handler(request):
        text = request["messages"][-1]["content"]
        if text.startswith("Translate"):
            if "เสื้อคลุม" in text:
                return 503
            return ["Janet's ducks lay 16 eggs per day."]
        return solver(request)

    chat_server.set_handler(handler)
    translator_client = client(chat_server, max_retries=1)
    with client(chat_server) as c:
        result = MGSMEvaluator(PROBLEMS, c, translator=OpenAITranslator(translator_client),
                               candidates=1)("translate-test", progress=False)
    translator_client.close()
    assert (result["n"], result["n_correct"], result["n_no_text"], result["n_failed"]) == (2, 1, 1, 0)
    lost = result["per_item"][1]
    assert lost["text"] is None and lost["error"].startswith("translation failed") and "HTTP 503" in lost["error"]


def test_method_requirements(chat_server):  # noqa: F811
    c = client(chat_server)
    with pytest.raises(ValueError, match="needs a LiRA model"):
        MGSMEvaluator(PROBLEMS, c, translator=PrecomputedTranslator({}))("lira")
    with pytest.raises(ValueError, match="need a translator"):
        MGSMEvaluator(PROBLEMS, c)("translate-test")
    with pytest.raises(ValueError, match="unknown method 'cot'"):
        MGSMEvaluator(PROBLEMS, c)("cot")
    with pytest.raises(ValueError, match="no problems"):
        MGSMEvaluator([], c)
    assert chat_server.requests == []


class LastCandidate:
    """A chooser that always picks the last candidate (to see that ``lira`` reads the choice)."""

    def choose(self, texts, pools, *, lang, ranked=True):
        assert lang == "tha" and len(texts) == len(pools)
        return [pool[-1].text for pool in pools]


POOLS = {DUCKS_TH: ["ducks of Janet: 16 eggs...", "zzz qqq", DUCKS_EN],
         ROBE_TH: ["the robe needs 2 blue and half white", ROBE_EN, "robe robe robe"]}


def test_lira_reads_the_chosen_candidate(chat_server):  # noqa: F811
    chat_server.set_handler(solver)
    with client(chat_server) as c:
        evaluator = MGSMEvaluator(PROBLEMS, c, translator=PrecomputedTranslator(POOLS), model=LastCandidate(),
                                  candidates=3)
        result = evaluator("lira", progress=False)
    assert [r["text"] for r in result["per_item"]] == [DUCKS_EN, "robe robe robe"]
    assert [r["correct"] for r in result["per_item"]] == [True, False] and result["candidates"] == 3


@pytest.fixture(scope="module")
def tiny_lira(tmp_path_factory):
    from lira.arca.adaptor import AdaptorConfig
    from lira.arca.model import ArcaConfig, ArcaModel
    from lira.lasr.head import LaSRConfig, LaSRHead
    from lira.model import LiRAConfig, LiRAModel

    arca = ArcaModel(ArcaConfig(adaptor=AdaptorConfig(hidden=32)))
    head = LaSRHead(LaSRConfig(languages=["tha"]))
    return LiRAModel(LiRAConfig(languages=["tha"], translator="none", candidates=3), arca, head,
                     cache_dir=tmp_path_factory.mktemp("cache"))


def test_lira_with_a_tiny_model_follows_arca(chat_server, tiny_lira):  # noqa: F811
    chat_server.set_handler(solver)
    with client(chat_server) as c:
        result = MGSMEvaluator(PROBLEMS, c, translator=PrecomputedTranslator(POOLS), model=tiny_lira,
                               candidates=3)("lira", progress=False)
    pools = [[Candidate(t, "p") for t in POOLS[p.question]] for p in PROBLEMS]
    expected = tiny_lira.choose([p.question for p in PROBLEMS], pools, lang="th")
    assert [r["text"] for r in result["per_item"]] == expected
    assert all(r["text"] in POOLS[p.question] for r, p in zip(result["per_item"], PROBLEMS, strict=True))
    assert sorted(asked(chat_server)) == sorted(DEFAULT_PROMPT.format(question=t) for t in expected)


# ------------------------------------------------------------------------------------------- CLI

def _data_folder(root: Path) -> Path:
    folder = root / "mgsm" / "mgsm"
    folder.mkdir(parents=True)
    (folder / "mgsm_th.tsv").write_text(f"{DUCKS_TH}\t18\n{ROBE_TH}\t3\n", encoding="utf-8")
    (folder / "mgsm_en.tsv").write_text(f"{DUCKS_EN}\t18\n{ROBE_EN}\t3\n", encoding="utf-8")
    return root


def _translations(path: Path) -> Path:
    rows = [{"text": t, "en": pool[0], "translations": pool[1:]} for t, pool in POOLS.items()]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_cli_mgsm_table_and_json(chat_server, tmp_path):  # noqa: F811
    chat_server.set_handler(solver)
    out = tmp_path / "results.json"
    args = ["eval", "mgsm", "--endpoint", chat_server.url, "--llm-model", "solver", "--lang", "th",
            "--data-dir", str(_data_folder(tmp_path / "data")), "--translations",
            str(_translations(tmp_path / "candidates.jsonl")), "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "| lang | method | n | accuracy | unparseable | failed | no text |" in result.output
    assert "| tha | direct | 2 | 0.00 | 1 | 0 | 0 |" in result.output
    assert "| tha | translate-test | 2 | 50.00 | 0 | 0 | 0 |" in result.output
    assert "| tha | gold-english | 2 | 100.00 | 0 | 0 | 0 |" in result.output
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["methods"] == ["direct", "translate-test", "gold-english"]  # no --model: no lira
    assert saved["results"]["tha"]["gold-english"]["per_item"][0]["id"] == "mgsm_th.tsv:1"
    assert len(chat_server.requests) == 6

    limited = runner.invoke(app, [*args[:-2], "--limit", "1", "--method", "gold-english"])
    assert limited.exit_code == 0 and "| tha | gold-english | 1 | 100.00 |" in limited.output


def test_cli_mgsm_fails_when_every_item_failed_at_the_endpoint(chat_server, tmp_path):  # noqa: F811
    chat_server.set_handler(lambda request: 400)  # a client error: no retries, every item fails
    args = ["eval", "mgsm", "--endpoint", chat_server.url, "--llm-model", "solver", "--lang", "th",
            "--data-dir", str(_data_folder(tmp_path / "data")), "--method", "direct"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "every item failed at the endpoint for tha direct" in result.output


def test_cli_mgsm_lira_needs_model_and_candidates(chat_server, tmp_path):  # noqa: F811
    base = ["eval", "mgsm", "--endpoint", chat_server.url, "--llm-model", "solver", "--data-dir", str(tmp_path)]
    result = runner.invoke(app, [*base, "--method", "lira", "--translator", "lexicon"])
    assert result.exit_code == 2 and "--method lira needs --model DIR" in result.output
    result = runner.invoke(app, [*base, "--method", "translate-test"])
    assert result.exit_code == 2 and "give --translator SPEC or --translations FILE" in result.output
    result = runner.invoke(app, [*base, "--method", "cot"])
    assert result.exit_code == 2 and "unknown method 'cot'" in result.output
    assert chat_server.requests == []


def test_cli_mgsm_lira_with_a_model_folder(chat_server, tiny_lira, tmp_path):  # noqa: F811
    chat_server.set_handler(solver)
    folder = tiny_lira.save(tmp_path / "model")
    out = tmp_path / "results.json"
    result = runner.invoke(app, ["eval", "mgsm", "--endpoint", chat_server.url, "--llm-model", "solver",
                                 "--data-dir", str(_data_folder(tmp_path / "data")), "--lang", "tha",
                                 "--model", str(folder), "--translations",
                                 str(_translations(tmp_path / "candidates.jsonl")), "--method", "lira",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["candidates"] == 3
    items = saved["results"]["tha"]["lira"]["per_item"]
    assert all(r["text"] in POOLS[p.question] for r, p in zip(items, PROBLEMS, strict=True))
