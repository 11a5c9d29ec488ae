"""Checkers of 06_cnns.ipynb on small contexts: placeholder -> unanswered, wrong -> a hint, right -> correct."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from helpers import nets
from helpers.exercises import check, nb06


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny networks train fastest on one thread (and do not stall on a busy machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _status(exercise_id, **namespace):
    return check(exercise_id, namespace=namespace, quiet=True)


def _leaks(verdict, value) -> bool:
    """Whether a hint spells ``value`` (as printed with 2 to 4 decimals, or in full)."""
    forms = {repr(value), str(value)} | {f"{value:.{d}f}" for d in (2, 3, 4)}
    return any(form in verdict.message for form in forms)


# ------------------------------------------------------------------------------------------ 06-hidden-units
def _stand_in_network():
    """Training that changes nothing, and a forward pass that answers class 1 exactly when there are >= 3 units."""
    def loss_and_gradients(X, t, p):
        return 0.0, {name: np.zeros_like(value) for name, value in p.items()}

    def forward(X, p):
        n_hidden = p["W"].shape[1]
        return None, np.c_[np.zeros(len(X)), np.full(len(X), n_hidden - 2.5)]

    return loss_and_gradients, forward


@pytest.fixture
def hidden_context():
    loss_and_gradients, forward = _stand_in_network()
    t = (np.arange(40) % 4 == 0).astype(int)  # a quarter in class 1
    return {"X": np.zeros((40, 2)), "t": t, "loss_and_gradients": loss_and_gradients, "forward": forward}


def test_hidden_units(hidden_context):
    right = {2: 0.75, 3: 0.25, 8: 0.25}  # 2 units: all class 0 (3/4 right); 3 and 8 units: all class 1
    assert _status("06-hidden-units", acc_by_units=None, **hidden_context).status == "unanswered"
    assert _status("06-hidden-units", acc_by_units=right, **hidden_context).status == "correct"
    percent = _status("06-hidden-units", acc_by_units={n: 100 * a for n, a in right.items()}, **hidden_context)
    assert percent.status == "wrong" and "2 hidden units" in percent.message and "far too large" in percent.message
    wrong = _status("06-hidden-units", acc_by_units={2: 0.75, 3: 0.25, 8: 0.5}, **hidden_context)
    assert wrong.status == "wrong" and "8 hidden units: too high" in wrong.message and not _leaks(wrong, 0.25)
    assert "keys" in _status("06-hidden-units", acc_by_units={3: 0.25}, **hidden_context).message
    assert "should be a dict" in _status("06-hidden-units", acc_by_units=[0.75, 0.25], **hidden_context).message


# ------------------------------------------------------------------------------------------ 06-flip-and-rf
@pytest.fixture
def flip_context():
    # A stand-in for the notebook's receptive_field: the number of layers, which also grows with the blocks.
    return {"k": np.array([[0, 0, 0], [0, 1, 2], [0, 0, 0]], dtype=float),
            "receptive_field": lambda layers: (len(layers), 1)}


def test_flip_and_receptive_field(flip_context):
    k = flip_context["k"]
    rf_4 = len(nets.SmallCNN(width=8, n_blocks=4).features)
    rf_3 = len(nets.SmallCNN(width=8).features)
    assert _status("06-flip-and-rf", k_conv=None, rf_4=rf_4, **flip_context).status == "unanswered"
    assert _status("06-flip-and-rf", k_conv=k[::-1, ::-1], rf_4=None, **flip_context).status == "unanswered"
    assert _status("06-flip-and-rf", k_conv=k[::-1, ::-1].copy(), rf_4=rf_4, **flip_context).status == "correct"
    unflipped = _status("06-flip-and-rf", k_conv=k, rf_4=rf_4, **flip_context)
    assert unflipped.status == "wrong" and "flips its kernel" in unflipped.message
    transposed = _status("06-flip-and-rf", k_conv=k.T, rf_4=rf_4, **flip_context)
    assert transposed.status == "wrong" and transposed.message.startswith("✗ 06-flip-and-rf: `k_conv`:")
    three_blocks = _status("06-flip-and-rf", k_conv=k[::-1, ::-1], rf_4=rf_3, **flip_context)
    assert "three-block network" in three_blocks.message and str(rf_4) not in three_blocks.message
    assert "`rf_4`: too high" in _status("06-flip-and-rf", k_conv=k[::-1, ::-1], rf_4=rf_4 + 2, **flip_context).message


def test_checkers_leave_the_global_random_generators_alone(flip_context):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    _status("06-flip-and-rf", k_conv=flip_context["k"][::-1, ::-1], rf_4=1, **flip_context)  # builds two networks
    assert torch.equal(torch.rand(3), expected)


# ------------------------------------------------------------------------------------------ 06-best-feature
@pytest.fixture
def feature_context():
    labels = np.arange(40) % 2
    rng = np.random.default_rng(0)
    # column 0: noise; column 1: ranks the classes the wrong way round, almost perfectly; column 2: right way, weaker
    feats = np.c_[rng.normal(size=40), -labels + 0.1 * rng.normal(size=40), labels + rng.normal(size=40)]
    return {"o_feats": feats, "outl": SimpleNamespace(labels=labels), "o_te": np.arange(40),
            "OUTLINE_FEATURES": ("noise", "reversed", "weak")}


def test_best_feature(feature_context):
    from sklearn.metrics import roc_auc_score

    auc = 1 - roc_auc_score(np.arange(40) % 2, feature_context["o_feats"][:, 1])
    assert auc > 0.95 and nb06.single_feature_aucs(feature_context["o_feats"], np.arange(40) % 2).argmax() == 1
    assert _status("06-best-feature", best_feature=None, best_feature_auc=0.9, **feature_context).status == "unanswered"
    right = _status("06-best-feature", best_feature="reversed", best_feature_auc=auc, **feature_context)
    assert right.status == "correct"
    one_way = _status("06-best-feature", best_feature="weak", best_feature_auc=0.8, **feature_context)
    assert one_way.status == "wrong" and "either way" in one_way.message
    flipped = _status("06-best-feature", best_feature="reversed", best_feature_auc=1 - auc, **feature_context)
    assert flipped.status == "wrong" and "1 - AUC" in flipped.message
    assert "one of the names" in _status("06-best-feature", best_feature="area", best_feature_auc=auc,
                                         **feature_context).message
    off = _status("06-best-feature", best_feature="reversed", best_feature_auc=auc - 0.05, **feature_context)
    assert off.status == "wrong" and "`best_feature_auc`" in off.message and not _leaks(off, auc)


# ------------------------------------------------------------------------------------------ 06-attention-params
class _Attention(nn.Module):
    """The shape of the notebook's SelfAttention2d: query and key to d channels, value back to c (1 x 1 convs)."""

    def __init__(self, channels, d=8):
        super().__init__()
        self.q, self.k, self.v = (nn.Conv2d(channels, out, 1) for out in (d, d, channels))


def test_attention_params():
    context = {"SelfAttention2d": _Attention}
    right = (32 * 8 + 8) * 2 + 32 * 32 + 32
    assert _status("06-attention-params", n_attention=None, **context).status == "unanswered"
    assert _status("06-attention-params", n_attention=right, **context).status == "correct"
    no_bias = _status("06-attention-params", n_attention=32 * 8 * 2 + 32 * 32, **context)
    assert "biases" in no_bias.message and str(right) not in no_bias.message
    assert "value convolution" in _status("06-attention-params", n_attention=3 * (32 * 8 + 8), **context).message
    assert "too high" in _status("06-attention-params", n_attention=right + 1, **context).message


# ------------------------------------------------------------------------------------------ 06-motif-kernel4
@pytest.fixture
def motif_context():
    """20 sequences of 8 bases: class 1 all A, class 0 all C; 12 train, 8 test. Any detector learns it."""
    labels = np.arange(20) % 2
    onehot = torch.from_numpy(np.eye(4, dtype=np.float32)[np.where(labels, 0, 1)[:, None].repeat(8, 1)]
                              .transpose(0, 2, 1).copy())
    return {"onehot": onehot, "dna_y": torch.from_numpy(labels), "batches": torch.arange(12).split(6),
            "dna_acc": 0.5}


def test_motif_kernel4(motif_context):
    assert _status("06-motif-kernel4", dna_acc_k4=None, **motif_context).status == "unanswered"
    assert _status("06-motif-kernel4", dna_acc_k4=1.0, **motif_context).status == "correct"
    width_6 = _status("06-motif-kernel4", dna_acc_k4=0.5, **motif_context)
    assert "net1d" in width_6.message and not _leaks(width_6, 1.0)
    assert "too low" in _status("06-motif-kernel4", dna_acc_k4=0.8, **motif_context).message
    assert "far too large" in _status("06-motif-kernel4", dna_acc_k4=100.0, **motif_context).message
