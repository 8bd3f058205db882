"""CorrQueue FIFO / checkpoint state and CorrLoss over batch + queue (gradient only through the batch)."""

from __future__ import annotations

import pytest
import torch

from lira.lasr.corr_queue import CorrLoss, CorrQueue
from lira.lasr.soft_rank import pearson, soft_spearman


def test_queue_fifo_eviction() -> None:
    q = CorrQueue(3)
    q.push(torch.tensor([1.0, 2.0]), torch.tensor([10.0, 20.0]))
    assert len(q) == 2
    q.push(torch.tensor([3.0, 4.0]), torch.tensor([30.0, 40.0]))
    pred, gold = q.tensors()
    assert pred.tolist() == [2.0, 3.0, 4.0] and gold.tolist() == [20.0, 30.0, 40.0]
    q.push(torch.tensor([5.0, 6.0, 7.0, 8.0]), torch.tensor([50.0, 60.0, 70.0, 80.0]))
    assert q.tensors()[0].tolist() == [6.0, 7.0, 8.0]
    assert CorrQueue(0).__len__() == 0


def test_queue_detaches_and_state_dict_roundtrip() -> None:
    q = CorrQueue(4)
    p = torch.tensor([0.1, 0.2, 0.3], requires_grad=True)
    q.push(p * 2, torch.tensor([1.0, 2.0, 3.0]))
    assert not q.tensors()[0].requires_grad
    state = q.state_dict()
    assert set(state) == {"pred", "gold"} and all(isinstance(v, torch.Tensor) for v in state.values())
    r = CorrQueue(4)
    r.load_state_dict(state)
    assert torch.equal(r.tensors()[0], q.tensors()[0]) and torch.equal(r.tensors()[1], q.tensors()[1])
    small = CorrQueue(2)
    small.load_state_dict(state)
    assert small.tensors()[1].tolist() == [2.0, 3.0]  # the newest kept


def test_loss_uses_queue_and_gradient_only_through_batch() -> None:
    torch.manual_seed(0)
    queue = CorrQueue(16)
    q_pred, q_gold = torch.tanh(torch.randn(6)), torch.rand(6) * 5
    queue.push(q_pred, q_gold)
    pred = torch.tanh(torch.randn(4)).requires_grad_()
    gold = torch.rand(4) * 5
    loss_fn = CorrLoss(alpha=0.3, temperature=0.1, queue=queue)
    loss = loss_fn(pred, gold)
    loss.backward()
    # by hand over [queue ; batch] with the queued predictions as constants
    p2 = pred.detach().clone().requires_grad_()
    all_p, all_g = torch.cat([q_pred, p2]), torch.cat([q_gold, gold])
    manual = 0.3 * (1 - pearson(all_p, all_g)) + 0.7 * (1 - soft_spearman(all_p, all_g, 0.1))
    manual.backward()
    assert loss.item() == pytest.approx(manual.item(), abs=1e-6)
    assert torch.allclose(pred.grad, p2.grad, atol=1e-6)
    assert torch.isfinite(pred.grad).all() and pred.grad.abs().sum() > 0
    # the value differs from the batch-only loss
    alone = CorrLoss(alpha=0.3, temperature=0.1)(pred.detach(), gold)
    assert abs(alone.item() - loss.item()) > 1e-4
    # the batch was pushed (training mode), oldest first
    assert len(queue) == 10 and torch.equal(queue.tensors()[0][-4:], pred.detach())
    assert not queue.tensors()[0].requires_grad


def test_eval_mode_does_not_push_and_perfect_correlation_is_zero() -> None:
    queue = CorrQueue(8)
    loss_fn = CorrLoss(queue=queue).eval()
    pred = torch.tensor([-0.9, -0.3, 0.2, 0.8])
    loss = loss_fn(pred, 2 * pred + 1)
    assert loss.item() == pytest.approx(0.0, abs=1e-3)
    assert len(queue) == 0


def test_too_few_items() -> None:
    loss_fn = CorrLoss(queue=CorrQueue(4))
    with pytest.raises(ValueError, match="at least 2"):
        loss_fn(torch.tensor([0.5]), torch.tensor([1.0]))
    loss_fn.queue.push(torch.tensor([0.1]), torch.tensor([2.0]))
    loss = loss_fn(torch.tensor([0.5], requires_grad=True), torch.tensor([1.0]))
    assert torch.isfinite(loss)
