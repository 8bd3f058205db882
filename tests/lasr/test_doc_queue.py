"""DocQueue FIFO, safe negatives and DocQueueLoss over batch + queue."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from lira.lasr.doc_queue import DocQueue, DocQueueLoss
from lira.lasr.ndcg_loss import ListwiseNDCGLoss, hinge_loss


def test_fifo_eviction_order() -> None:
    q = DocQueue(size=4, dim=2)
    q.push(torch.tensor([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]]), ["a", "b", "c"])
    q.push(torch.tensor([[4.0, 0.0], [5.0, 0.0]]), ["d", 5])
    assert q.ids == ["b", "c", "d", 5]
    assert q.embeddings()[:, 0].tolist() == [2.0, 3.0, 4.0, 5.0]
    with pytest.raises(ValueError):
        q.push(torch.zeros(1, 3), ["x"])


def test_negatives_exclude_positives() -> None:
    q = DocQueue(size=8, dim=2)
    q.push(torch.eye(2).repeat(2, 1), ["a", "b", "c", "a"])
    emb, mask = q.negatives_for([{"a"}, set(), {"c", "zz"}])
    assert emb.shape == (4, 2)
    assert mask.tolist() == [[False, True, True, False], [True, True, True, True], [True, True, False, True]]
    empty = DocQueue(size=8, dim=2)
    emb, mask = empty.negatives_for([{"a"}, {"b"}])
    assert emb.shape == (0, 2) and mask.shape == (2, 0)


def test_state_dict_roundtrip(tmp_path) -> None:
    q = DocQueue(size=3, dim=2)
    q.push(torch.randn(3, 2), ["a", 7, "c"])
    torch.save(q.state_dict(), tmp_path / "q.pt")
    r = DocQueue(size=2, dim=2)
    r.load_state_dict(torch.load(tmp_path / "q.pt", weights_only=True))
    assert r.ids == [7, "c"] and torch.equal(r.embeddings(), q.embeddings()[1:])


def test_loss_excludes_queued_positive() -> None:
    e0, e1 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    q = e0.unsqueeze(0)
    docs = torch.stack([e0, e1])  # d1 is the positive (score 1), d2 a negative (score 0)
    gains = torch.tensor([[1.0, 0.0]])
    queue = DocQueue(size=4, dim=2)
    queue.push(e0.unsqueeze(0), ["d1"])  # the query's own positive, embedded earlier: must not count
    loss_fn = DocQueueLoss(k=10, temperature=0.01, lambda_h=0.5, margin=0.1, queue=queue).eval()
    assert loss_fn(q, docs, gains, ["d1", "d2"]).item() == pytest.approx(0.0, abs=1e-4)
    # the same embedding under another id is a real (hard) negative: it ties with the positive
    queue.push(e0.unsqueeze(0), ["dX"])
    assert loss_fn(q, docs, gains, ["d1", "d2"]).item() > 0.1
    # ...unless that id is declared a positive of the query
    assert loss_fn(q, docs, gains, ["d1", "d2"], positive_ids=[{"dX"}]).item() == pytest.approx(0.0, abs=1e-4)
    assert len(queue) == 2  # eval mode: nothing pushed


def test_loss_matches_parts_pushes_and_gradient() -> None:
    torch.manual_seed(0)
    queue = DocQueue(size=16, dim=8)
    queued = F.normalize(torch.randn(5, 8), dim=-1)
    queue.push(queued, ["q0", "q1", "p0", "q3", "q4"])
    qv = F.normalize(torch.randn(2, 8), dim=-1).requires_grad_()
    docs = F.normalize(torch.randn(3, 8), dim=-1).requires_grad_()
    gains = torch.tensor([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    loss_fn = DocQueueLoss(k=3, temperature=0.1, lambda_h=0.5, margin=0.1, queue=queue)
    loss = loss_fn(qv, docs, gains, ["p0", "p1", "n0"])
    # by hand: queued "p0" is query 0's positive, so it is masked for query 0 only
    scores = qv @ torch.cat([docs, queued]).T
    all_gains = torch.cat([gains, torch.zeros(2, 5)], dim=1)
    mask = torch.ones(2, 8, dtype=torch.bool)
    mask[0, 5] = False
    manual = ListwiseNDCGLoss(3, 0.1)(scores, all_gains, mask) + 0.5 * hinge_loss(scores, all_gains, mask, 0.1)
    assert loss.item() == pytest.approx(manual.item(), abs=1e-6)
    loss.backward()
    assert torch.isfinite(qv.grad).all() and qv.grad.abs().sum() > 0 and docs.grad.abs().sum() > 0
    assert queue.ids == ["q0", "q1", "p0", "q3", "q4", "p0", "p1", "n0"]
    assert not queue.embeddings().requires_grad
