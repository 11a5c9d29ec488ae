"""Checkers of 08_transfer_clip: placeholder, typical wrong answers (hints without the answer), right answers.

The contexts are small stand-ins for the notebook's (a tiny classifier, random tissue patches, a hashed text
tower), so the file stays fast; the notebook run under nbval checks every solution against the real ones.
"""

from __future__ import annotations

import zlib
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from helpers import clip, transfer
from helpers.exercises import check

TAP = 10


def verdict(exercise_id, **namespace):
    return check(exercise_id, namespace=namespace, quiet=True)


# ------------------------------------------------------------------------------------------------ 08-fundus-top5
@pytest.fixture(scope="module")
def fundus_context():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(3, 20))
    fundus = np.random.default_rng(0).random((40, 40, 3))
    categories = [f"class {i}" for i in range(20)]
    logits = transfer.predict_logits(net, transfer.prepare_images(fundus[None], size=224))
    top5 = [label for label, _ in transfer.top_k(logits, categories, k=5)[0]]
    return {"net": net, "fundus": fundus, "categories": categories}, top5


@pytest.mark.parametrize("mistake, words", [
    (lambda top5: top5[::-1], "order"),
    (lambda top5: top5[:4], "5"),
    (lambda top5: [(label, 0.1) for label in top5], "list of label strings"),
    (lambda top5: top5[:4] + ["a medical scanner"], "ImageNet class names"),
])
def test_fundus_top5_wrong_answers_get_a_hint_without_the_labels(fundus_context, mistake, words):
    context, top5 = fundus_context
    result = verdict("08-fundus-top5", fundus_top5=mistake(top5), **context)
    assert result.status == "wrong" and words in result.message
    assert not any(label in result.message for label in top5)


def test_fundus_top5_other_classes_are_wrong(fundus_context):
    context, top5 = fundus_context
    others = [c for c in context["categories"] if c not in top5][:5]
    result = verdict("08-fundus-top5", fundus_top5=others, **context)
    assert result.status == "wrong" and "224 px" in result.message


def test_fundus_top5_right_answer_is_correct(fundus_context):
    context, top5 = fundus_context
    assert verdict("08-fundus-top5", fundus_top5=top5, **context).status == "correct"


# ----------------------------------------------------------------------------------------------- 08-tissue-curve
class _TinyTrunk(torch.nn.Module):
    """A stand-in for EfficientNet-Lite0's ``trunk`` (a conv and 4 x 4 pooling, then a ReLU "block"): fast."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)

    def trunk(self, x, *, start=0, stop=16):
        return torch.nn.functional.adaptive_avg_pool2d(self.conv(x), 4) if start == 0 else torch.relu(x)


@pytest.fixture(scope="module")
def tissue_context():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, 240)
    images = np.clip(0.2 + 0.3 * labels[:, None, None] + rng.normal(0, 0.2, (240, 16, 16)), 0, 1)
    tissue = SimpleNamespace(images=images.astype(np.float32), labels=labels)
    net = _TinyTrunk()
    mid = transfer.pooled(net, transfer.extract_features(net, tissue.images, size=64, stop=TAP), start=TAP,
                          stop=TAP + 1)
    test = np.arange(200, 240)
    probe = {n: transfer.score(labels[test], transfer.linear_probe().fit(mid[:n], labels[:n]).predict_proba(mid[test]))
             for n in (20, 200)}
    rows = [{"n": n, "method": method, "score": probe[n] if method == "linear probe" else 0.5}
            for n in (20, 200) for method in ("linear probe", "fine-tune block", "from scratch")]
    return {"net": net, "tissue": tissue, "TAP": TAP}, pd.DataFrame(rows)


def test_tissue_curve_right_table_is_correct(tissue_context):
    context, table = tissue_context
    assert verdict("08-tissue-curve", tissue_curve=table, **context).status == "correct"


@pytest.mark.parametrize("mistake, words", [
    (lambda t: t.assign(score=np.where(t.method == "linear probe", t.score * 0.8, t.score)), "do not match"),
    (lambda t: t.assign(n=t.n.replace(200, 50)), "20 and 200"),
    (lambda t: t.iloc[:5], "6 rows"),
    (lambda t: t.drop(columns="score"), "DataFrame"),
    (lambda t: t.assign(score=t.score * 100), "between 0 and 1"),
    (lambda t: t.to_dict(), "DataFrame"),
])
def test_tissue_curve_wrong_tables_get_a_hint(tissue_context, mistake, words):
    context, table = tissue_context
    result = verdict("08-tissue-curve", tissue_curve=mistake(table), **context)
    assert result.status == "wrong" and words in result.message
    assert not any(f"{s:.3f}"[1:] in result.message for s in table.score)


# -------------------------------------------------------------------------------------------------- 08-body-acc
def _hashed_text_tower(texts):
    """A stand-in text tower: a fixed random unit vector per sentence (384-d, as all-MiniLM-L6-v2)."""
    vectors = np.stack([np.random.default_rng(zlib.crc32(t.encode())).normal(size=clip.TEXT_DIM) for t in texts])
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _body_accuracy(context, split):
    rows = context["views"].split == split
    with torch.no_grad():
        classifier = clip.class_embeddings(context["heads"], context["text_tower"], context["body_labels"],
                                           context["body_templates"])
        predicted = (context["image_emb"][rows] @ classifier.T).argmax(1).numpy()
    bodies = [context["views"].concepts[c].body for c in context["views"].concept[rows]]
    return float(np.mean(predicted == np.array([context["body_labels"].index(b) for b in bodies])))


@pytest.fixture(scope="module")
def body_context():
    concepts = [SimpleNamespace(body=b) for b in ("brain", "brain", "chest", "knee", "retina")]
    concept = np.tile(np.arange(5), 8)
    split = np.where(np.arange(40) < 20, "train", "test")
    heads = clip.ClipHeads(image_dim=6, dim=4, seed=0)
    body_labels = list(dict.fromkeys(c.body for c in concepts))  # CONCEPTS order, as in 08
    context = {"heads": heads, "text_tower": _hashed_text_tower, "body_labels": body_labels,
               "body_templates": ["a medical image of the {}"], "views": SimpleNamespace(
                   split=split, concept=concept, concepts=concepts)}
    with torch.no_grad():  # training crops sit on their class embedding, held-out crops are random
        classifier = clip.class_embeddings(heads, _hashed_text_tower, body_labels, context["body_templates"])
        truth = [body_labels.index(concepts[c].body) for c in concept]
        noise = torch.nn.functional.normalize(torch.randn(40, 4, generator=torch.Generator().manual_seed(3)), dim=1)
        context["image_emb"] = torch.where(torch.as_tensor(split == "train")[:, None], classifier[truth], noise)
    accuracy = _body_accuracy(context, "test")
    assert abs(accuracy - _body_accuracy(context, "train")) > 0.1  # the "training crops" mistake is detectable
    return context, accuracy


def test_body_acc_right_answer_is_correct_also_with_other_templates(body_context):
    context, accuracy = body_context
    assert verdict("08-body-acc", body_acc=accuracy, **context).status == "correct"
    other = context | {"body_templates": ["a scan of the {}", "{}"]}
    assert verdict("08-body-acc", body_acc=_body_accuracy(other, "test"), **other).status == "correct"


@pytest.mark.parametrize("mistake, words", [
    (lambda acc, train: acc * 100, "percentage"),
    (lambda acc, train: train, "training crops"),
    (lambda acc, train: "high", "number"),
    (lambda acc, train: acc + 0.3 if acc < 0.7 else acc - 0.3, "too"),
])
def test_body_acc_wrong_answers_get_a_hint_without_the_value(body_context, mistake, words):
    context, accuracy = body_context
    result = verdict("08-body-acc", body_acc=mistake(accuracy, _body_accuracy(context, "train")), **context)
    assert result.status == "wrong" and words in result.message
    assert f"{accuracy:.2f}"[1:] not in result.message and f"{accuracy:.0%}" not in result.message


@pytest.mark.parametrize("exercise_id, answer, fixture", [("08-fundus-top5", "fundus_top5", "fundus_context"),
                                                          ("08-tissue-curve", "tissue_curve", "tissue_context"),
                                                          ("08-body-acc", "body_acc", "body_context")])
def test_placeholder_is_unanswered(request, exercise_id, answer, fixture):
    context, _ = request.getfixturevalue(fixture)
    assert verdict(exercise_id, **{answer: None}, **context).status == "unanswered"
