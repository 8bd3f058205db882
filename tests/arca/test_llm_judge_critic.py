import json
import re
import warnings

import pytest

from lira.arca.llm_judge_critic import JudgeError, LLMJudgeConfig, LLMJudgeCritic, parse_judge_answer
from lira.arca.translation_critic import CriticScores, TranslationCritic
from lira.translators.base import Candidate
from lira.translators.chat import ChatClient, ChatConfig, EndpointError
from tests.chat_server import chat_server  # noqa: F401

SOURCES = ["giày đỏ giá rẻ", "điện thoại đen"]
CANDS = [[Candidate("cheap red shoes", "t1"), Candidate("red shoes", "t2"), Candidate("shoes", "t3")],
         [Candidate("black phone", "t1"), Candidate("phone", "t2")]]


class FixedCritic:
    """A fallback critic returning fixed scores; records what it was asked."""

    name = "fixed"

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], list[list[str]]]] = []

    def score(self, sources, candidates, *, lang):
        self.calls.append((list(sources), [[c.text for c in cs] for cs in candidates]))
        return [[CriticScores(2.0, 3.0, 4.0, reason="fixed") for _ in cs] for cs in candidates]


OPEN: list[ChatClient] = []


@pytest.fixture(autouse=True)
def _close_clients():
    yield
    while OPEN:
        OPEN.pop().close()


def client(server, **kw) -> ChatClient:
    kw.setdefault("backoff_s", 0.01)
    OPEN.append(ChatClient(ChatConfig(base_url=server.url, model="judge-7b", max_tokens=512, **kw)))
    return OPEN[-1]


def judge_warnings(record) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, UserWarning) and "llm-judge" in str(w.message)]


def user_text(request) -> str:
    return "\n".join(m["content"] for m in request["messages"] if m["role"] == "user")


def n_candidates(request) -> int:
    return len(re.findall(r"^Candidate \d+:", request["messages"][1]["content"], re.MULTILINE))


def scores_json(k: int, base: int = 7) -> str:
    """Candidate j (1-based) gets semantic base, emotional base-1+j%2, pragmatic j."""
    return json.dumps({"scores": [{"candidate": j, "semantic": base, "emotional": base - 1 + j % 2,
                                   "pragmatic": j, "reason": f"cand {j}"} for j in range(1, k + 1)]})


def valid_handler(request):
    return [scores_json(n_candidates(request))]


def test_valid_answers_and_prompt(chat_server):  # noqa: F811
    chat_server.set_handler(valid_handler)
    critic = LLMJudgeCritic(client(chat_server), config=LLMJudgeConfig(progress=False))
    assert isinstance(critic, TranslationCritic) and critic.name == "llm-judge:judge-7b"
    out = critic.score(SOURCES, CANDS, lang="vi")
    assert out == [[CriticScores(7, 7, 1, "cand 1"), CriticScores(7, 6, 2, "cand 2"), CriticScores(7, 7, 3, "cand 3")],
                   [CriticScores(7, 7, 1, "cand 1"), CriticScores(7, 6, 2, "cand 2")]]
    assert len(chat_server.requests) == 2  # one request per source
    prompts = sorted(user_text(r["json"]) for r in chat_server.requests)
    first = next(p for p in prompts if SOURCES[0] in p)
    assert "Vietnamese" in first and "semantic" in first and "emotional" in first and "pragmatic" in first
    assert all(f"Candidate {j}: {c.text}" in first for j, c in enumerate(CANDS[0], 1))
    second = next(p for p in prompts if SOURCES[1] in p)
    assert "Candidate 1: black phone" in second and "Candidate 2: phone" in second and "Candidate 3" not in second


def test_requests_run_concurrently(chat_server):  # noqa: F811
    chat_server.set_handler(lambda req: ("sleep", 0.2, valid_handler(req)))
    critic = LLMJudgeCritic(client(chat_server, concurrency=4), config=LLMJudgeConfig(progress=False))
    out = critic.score(["a", "b", "c", "d"], [[Candidate("x", "t")]] * 4, lang="tha")
    assert len(out) == 4 and chat_server.max_active >= 2
    assert "Thai" in user_text(chat_server.requests[0]["json"])


def test_fenced_prose_strings_and_clipping(chat_server):  # noqa: F811
    def handler(request):
        if n_candidates(request) == 3:
            return ['Here is my evaluation:\n```json\n{"Scores": [{"Candidate": "1", "S": "8", "E": "9/10", '
                    '"P": "7", "Reason": "good"}, {"Candidate": "2", "Fidelity": 12, "Sentiment": 0, "Style": 5.5},'
                    ' {"candidate": 3, "semantic": -2, "emotional": 10, "pragmatic": 10}]}\n```\nHope this helps.']
        return ['Sure. {"results": [{"id": 1, "semantic_fidelity": 9, "emotional_consistency": 8, '
                '"pragmatic_appropriateness": 9}, {"id": 2, "semantic_fidelity": 6, "emotional_consistency": 7, '
                '"pragmatic_appropriateness": 5}]} That is all.']

    chat_server.set_handler(handler)
    out = LLMJudgeCritic(client(chat_server), config=LLMJudgeConfig(progress=False)).score(SOURCES, CANDS, lang="vie")
    assert out[0][0] == CriticScores(8, 9, 7, "good")
    assert (out[0][1].s, out[0][1].e, out[0][1].p) == (10, 1, 5.5) and out[0][1].valid
    assert "semantic 12 clipped to 10" in out[0][1].reason and "emotional 0 clipped to 1" in out[0][1].reason
    assert (out[0][2].s, out[0][2].e, out[0][2].p) == (1, 10, 10) and "clipped" in out[0][2].reason
    assert [(s.s, s.e, s.p) for s in out[1]] == [(9, 8, 9), (6, 7, 5)]
    assert len(chat_server.requests) == 2


@pytest.mark.parametrize("answer,expected", [
    ("{'scores': [{'candidate': 1, 's': 8, 'e': 9, 'p': 7,},]}", {0: (8, 9, 7)}),
    ('{"1": {"semantic": 8, "emotional": 9, "pragmatic": 7}}', {0: (8, 9, 7)}),
    ('[{"index": 0, "semantic": 3, "emotional": 4, "pragmatic": 5}]', {0: (3, 4, 5)}),
    ('<think>{"candidate": 1, "semantic": 1}</think>{"candidate": 1, "score": {"semantic": {"score": 6}, '
     '"tone": 5, "pragmatic": 4}}', {0: (6, 5, 4)}),
])
def test_parse_variants(answer, expected):
    got, problem = parse_judge_answer(answer, 1)
    assert problem == "" and {j: (s.s, s.e, s.p) for j, s in got.items()} == expected


def test_parse_reports_problems():
    assert parse_judge_answer("no idea", 2) == ({}, "no JSON object found in the answer")
    got, problem = parse_judge_answer('{"scores": [{"candidate": 1, "semantic": 8, "emotional": 9, '
                                      '"pragmatic": 7}, {"candidate": 2, "semantic": 8}]}', 2)
    assert list(got) == [0] and "candidate(s) 2" in problem and "emotional/pragmatic" in problem


def test_garbage_then_valid_on_retry(chat_server):  # noqa: F811
    def handler(request):
        if len(request["messages"]) == 2:
            return ["I would rate the first one highly and the second one lower."]
        assert request["messages"][2] == {"role": "assistant",
                                          "content": "I would rate the first one highly and the second one lower."}
        assert "JSON" in request["messages"][3]["content"] and '"candidate": 1' in request["messages"][3]["content"]
        return [scores_json(n_candidates(request), base=8)]

    chat_server.set_handler(handler)
    critic = LLMJudgeCritic(client(chat_server), config=LLMJudgeConfig(max_invalid_retries=2, progress=False))
    out = critic.score(SOURCES, CANDS, lang="vie")
    assert [s.s for row in out for s in row] == [8] * 5 and all(s.valid for row in out for s in row)
    assert len(chat_server.requests) == 4  # one bad and one good answer per source


def test_partial_answer_is_completed_on_retry(chat_server):  # noqa: F811
    def handler(request):
        if len(request["messages"]) == 2:  # candidate 2 lacks its pragmatic score
            return ['{"scores": [{"candidate": 1, "semantic": 9, "emotional": 9, "pragmatic": 9}, '
                    '{"candidate": 2, "semantic": 4, "emotional": 4}]}']
        assert "candidate(s) 2" in request["messages"][3]["content"]
        return ['{"scores": [{"candidate": 2, "semantic": 4, "emotional": 4, "pragmatic": 4}]}']

    chat_server.set_handler(handler)
    out = LLMJudgeCritic(client(chat_server), config=LLMJudgeConfig(progress=False)).score(
        SOURCES[1:], CANDS[1:], lang="vie")
    assert [(s.s, s.p, s.valid) for s in out[0]] == [(9, 9, True), (4, 4, True)]
    assert len(chat_server.requests) == 2


def test_persistent_garbage_uses_fallback(chat_server):  # noqa: F811
    chat_server.set_handler(lambda req: ["not json at all"] if SOURCES[0] in user_text(req) else valid_handler(req))
    fallback = FixedCritic()
    critic = LLMJudgeCritic(client(chat_server), config=LLMJudgeConfig(max_invalid_retries=1, progress=False),
                            fallback=fallback)
    with pytest.warns(UserWarning, match=r"3 item\(s\) of 1 source\(s\).*fixed") as record:
        out = critic.score(SOURCES, CANDS, lang="vie")
    assert len(judge_warnings(record)) == 1
    assert [(s.s, s.e, s.p, s.valid) for s in out[0]] == [(2, 3, 4, False)] * 3
    assert all(s.reason.startswith("fallback: invalid judge answer") for s in out[0])
    assert all(s.valid for s in out[1]) and out[1][0].s == 7
    assert fallback.calls == [([SOURCES[0]], [[c.text for c in CANDS[0]]])]
    assert len(chat_server.requests) == 3  # source 0 twice (1 retry), source 1 once


def test_persistent_garbage_without_fallback_raises(chat_server):  # noqa: F811
    chat_server.set_handler(lambda req: ["still garbage"] if SOURCES[1] in user_text(req) else valid_handler(req))
    critic = LLMJudgeCritic(client(chat_server), config=LLMJudgeConfig(max_invalid_retries=2, progress=False))
    with pytest.raises(JudgeError, match="source 1 after 3 attempt") as info:
        critic.score(SOURCES, CANDS, lang="vie")
    assert info.value.index == 1 and info.value.answer == "still garbage"
    assert "still garbage" in str(info.value)
    assert len(chat_server.requests) == 4


def test_http_500_uses_fallback_with_one_warning(chat_server):  # noqa: F811
    chat_server.set_handler(lambda req: 500)
    fallback = FixedCritic()
    critic = LLMJudgeCritic(client(chat_server, max_retries=1), config=LLMJudgeConfig(progress=False),
                            fallback=fallback)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        out = critic.score(SOURCES, CANDS, lang="vie")
    messages = judge_warnings(record)
    assert len(messages) == 1 and "5 item(s) of 2 source(s)" in messages[0] and "requests failed" in messages[0]
    assert all((s.s, s.e, s.p, s.valid) == (2, 3, 4, False) for row in out for s in row)
    assert all(s.reason.startswith("fallback: endpoint error") and "HTTP 500" in s.reason for row in out for s in row)
    assert len(fallback.calls) == 1
    assert len(chat_server.requests) == 4  # 2 sources x (1 try + 1 client retry), no judge re-asks


def test_http_500_raises_without_fallback_on_error(chat_server):  # noqa: F811
    chat_server.set_handler(lambda req: 500)
    critic = LLMJudgeCritic(client(chat_server, max_retries=1),
                            config=LLMJudgeConfig(fallback_on_error=False, progress=False), fallback=FixedCritic())
    with pytest.raises(EndpointError, match="2 attempt"):
        critic.score(SOURCES, CANDS, lang="vie")
    with pytest.raises(EndpointError):
        LLMJudgeCritic(client(chat_server, max_retries=0), config=LLMJudgeConfig(progress=False)).score(
            SOURCES, CANDS, lang="vie")


def test_empty_inputs_and_validation(chat_server):  # noqa: F811
    critic = LLMJudgeCritic(client(chat_server), config=LLMJudgeConfig(progress=False))
    assert critic.score([], [], lang="vie") == []
    assert critic.score(["x"], [[]], lang="vie") == [[]]
    assert chat_server.requests == []
    with pytest.raises(ValueError, match="candidate lists"):
        critic.score(["x"], [], lang="vie")
    with pytest.raises(ValueError, match="max_invalid_retries"):
        LLMJudgeConfig(max_invalid_retries=-1)
    with pytest.raises(ValueError, match="source"):
        LLMJudgeConfig(user_prompt="{language} {candidates} {format}")
