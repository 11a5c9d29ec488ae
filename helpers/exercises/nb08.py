"""Checkers of 08_transfer_clip.ipynb.

Each recomputes what it needs from the notebook's own variables (the network, the data, the trained heads), so it
holds for any seed. torch and the course's network helpers are imported here only, when 08's exercises are checked.
"""

import numpy as np
import torch

from helpers import transfer

from ._core import exercise, hint
from ._hints import number

METHODS = {"linear probe", "fine-tune block", "from scratch"}


@exercise("08-fundus-top5")
def fundus_top5(fundus_top5, net, fundus, categories):
    """The ImageNet network's five most probable labels for the fundus photograph, most probable first."""
    if not isinstance(fundus_top5, list | tuple) or not all(isinstance(c, str) for c in fundus_top5):
        return hint("your answer should be a list of label strings (the names, not (name, probability) pairs)")
    if len(fundus_top5) != 5:
        return hint(f"your list has {len(fundus_top5)} labels; it should have the 5 most probable")
    if not set(fundus_top5) <= set(categories):
        return hint("some of your labels are not ImageNet class names: take them from `categories`")
    logits = transfer.predict_logits(net, transfer.prepare_images(fundus[None], size=224))
    expected = [label for label, _ in transfer.top_k(logits, categories, k=5)[0]]
    if list(fundus_top5) == expected:
        return None
    if sorted(fundus_top5) == sorted(expected):
        return hint("the right five labels, in the wrong order: most probable first")
    return hint("these are not the network's five most probable classes for the fundus photograph: prepare it at "
                "224 px (the resolution the network was trained at) and rank the softmax probabilities")


def _probe_scores(net, tissue, tap: int) -> dict[int, float]:
    """Linear-probe score of the tissue task for 20 and 200 labelled patches (the cheap third of the curve)."""
    acts = transfer.extract_features(net, tissue.images, size=64, stop=tap)
    mid = transfer.pooled(net, acts, start=tap, stop=tap + 1)
    y, test = tissue.labels, np.arange(200, len(tissue.labels))
    return {n: transfer.score(y[test], transfer.linear_probe().fit(mid[:n], y[:n]).predict_proba(mid[test]))
            for n in (20, 200)}


@exercise("08-tissue-curve")
def tissue_curve(tissue_curve, net, tissue, TAP):
    """The learning-curve table of the tissue task for 20 and 200 labelled patches (checked on its probe rows)."""
    columns = getattr(tissue_curve, "columns", None)
    if columns is None or not {"n", "method", "score"} <= set(columns):
        return hint("your answer should be the table transfer.learning_curve returns (a DataFrame with columns "
                    "n, method, score)")
    if set(tissue_curve["n"]) != {20, 200}:
        return hint(f"your table has rows for n = {sorted(set(tissue_curve['n']))}; it should have 20 and 200 "
                    "labelled patches")
    if set(tissue_curve["method"]) != METHODS or len(tissue_curve) != 6:
        return hint("your table should have one row per size and per way (linear probe, fine-tune block, "
                    "from scratch): 6 rows")
    scores = tissue_curve["score"].to_numpy(dtype=float)
    if not (np.isfinite(scores).all() and (scores >= 0).all() and (scores <= 1).all()):
        return hint("the scores should be accuracies between 0 and 1")
    probe = tissue_curve[tissue_curve["method"] == "linear probe"].set_index("n")["score"]
    expected = _probe_scores(net, tissue, TAP)
    if all(abs(probe[n] - s) < 1e-3 for n, s in expected.items()):
        return None
    return hint("the linear-probe scores do not match the tissue task: features of `tissue.images` at 64 px cut "
                "before block TAP, labels `tissue.labels`, training on the first n patches and testing on patches "
                "200-499")


def _body_accuracy(split: str, heads, text_tower, body_labels, body_templates, image_emb, views) -> float:
    """Body-part accuracy of the label-text classifier over the crops of one split ("train" or "test")."""
    from helpers import clip

    rows = views.split == split
    with torch.no_grad():
        classifier = clip.class_embeddings(heads, text_tower, body_labels, body_templates)
        predicted = (image_emb[rows] @ classifier.T).argmax(1).numpy()
    truth = np.array([body_labels.index(views.concepts[c].body) for c in views.concept[rows]])
    return float(np.mean(predicted == truth))


@exercise("08-body-acc")
def body_acc(body_acc, heads, text_tower, body_labels, body_templates, image_emb, views):
    """Body-part accuracy (prompt classification of seen body parts) on the held-out crops, own labels and prompts."""
    context = (heads, text_tower, body_labels, body_templates, image_emb, views)
    tolerance = 0.5 / max(int(np.sum(views.split == "test")), 1)  # half of one crop
    wrong = number(body_acc, expected=_body_accuracy("test", *context), atol=tolerance, rtol=0)
    if wrong is None or "should be a number" in wrong.text:
        return wrong
    if 1 < float(body_acc) <= 100:
        return hint("give the accuracy as a fraction between 0 and 1, not a percentage")
    if abs(float(body_acc) - _body_accuracy("train", *context)) < tolerance:
        return hint("that is the accuracy on the training crops; measure it on the held-out ones "
                    "(views.split == \"test\")")
    return wrong
