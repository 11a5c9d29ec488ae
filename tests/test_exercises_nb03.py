"""Checkers of 03_tasks.ipynb on small contexts: placeholder → unanswered, typical mistakes → a hint without the
answer, the right answer → correct. Expected values are computed here independently where a library allows."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import ndimage as ndi
from scipy.stats import wasserstein_distance
from skimage import exposure, transform
from skimage.metrics import peak_signal_noise_ratio
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from helpers import metrics, tasks
from helpers.exercises import check, notebook_ids

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "03_tasks.ipynb"


def judge(exercise_id: str, **namespace):
    return check(exercise_id, namespace=namespace, quiet=True)


def assert_wrong_without_answer(verdict, expected, *, says: str = ""):
    """A wrong verdict whose hint says ``says`` and shows no rounding of the expected value."""
    assert verdict.status == "wrong", verdict.message
    assert says in verdict.message, verdict.message
    if isinstance(expected, str):
        assert f"'{expected}'" not in verdict.message, verdict.message
        return
    if float(expected).is_integer():
        shown = {str(int(expected))}
    else:
        shown = {f"{expected:.{d}f}" for d in (1, 2, 3)} | {repr(float(expected))}
    numbers = set(re.findall(r"\d+(?:\.\d+)?", verdict.message.split(":", 1)[1]))
    assert not shown & numbers, f"the hint gives the answer away: {verdict.message}"


def assert_unanswered_then_correct(exercise_id: str, answer_name: str, right, **context):
    assert judge(exercise_id, **{answer_name: None}, **context).status == "unanswered"
    verdict = judge(exercise_id, **{answer_name: right}, **context)
    assert verdict.status == "correct", verdict.message


def test_the_notebook_checks_exactly_the_registered_ids():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells]
    used = sorted(m for s in sources for m in re.findall(r'check\("(03-[a-z0-9-]+)"\)', s))
    solved = sorted(m for s in sources for m in re.findall(r"^%%solution (03-[a-z0-9-]+)", s))
    assert used == solved == notebook_ids("03") and len(used) == 15


# ------------------------------------------------------------------------------------------------- §1 Preprocessing
@pytest.fixture(scope="module")
def ct():
    rng = np.random.default_rng(1)
    truth = np.clip(ndi.gaussian_filter(rng.random((64, 64)), 2) * 3 - 1, 0, 1)
    noisy = truth + rng.normal(0, 0.05, truth.shape)
    return {"truth": truth, "noisy": noisy, "psnr": lambda a, b: peak_signal_noise_ratio(a, b, data_range=1.0),
            "block_mean": lambda image, f=2: image.reshape(64 // f, f, 64 // f, f).mean((1, 3))}


def test_psnr_gain(ct):
    truth, low4 = ct["truth"], ct["block_mean"](ct["truth"], 4)
    bicubic, nearest = (peak_signal_noise_ratio(truth, transform.resize(low4, truth.shape, order=o), data_range=1)
                        for o in (3, 0))
    gain = bicubic - nearest
    assert_unanswered_then_correct("03-psnr-gain", "gain_db", gain, **ct)
    assert_wrong_without_answer(judge("03-psnr-gain", gain_db=-gain, **ct), gain, says="sign")
    assert_wrong_without_answer(judge("03-psnr-gain", gain_db=gain + 1, **ct), gain, says="too high")


def test_best_sigma(ct):
    scores = {s: ct["psnr"](ct["truth"], ndi.gaussian_filter(ct["noisy"], s)) for s in (0.25, 0.5, 0.75, 1, 1.5, 2, 3)}
    best = max(scores, key=scores.get)
    assert_unanswered_then_correct("03-best-sigma", "best_sigma", float(best), **ct)
    wrong = 3 if best != 3 else 0.5
    assert_wrong_without_answer(judge("03-best-sigma", best_sigma=wrong, **ct), str(best), says="smoothing")
    assert "one of" in judge("03-best-sigma", best_sigma=0.7, **ct).message


def test_gap_one():
    rng = np.random.default_rng(2)
    images = ndi.gaussian_filter(rng.random((6, 16, 16)), (0, 1, 1))
    on_b = 0.8 * images + 0.1 + rng.normal(0, 0.02, images.shape)
    fg_a, fg_b = images > np.median(images), on_b > np.median(on_b)

    def distribution_gap(a, b):
        return wasserstein_distance(a, b) / a.std()

    context = {"on_b": on_b, "lesions": SimpleNamespace(images=images), "fg_a": fg_a, "fg_b": fg_b,
               "distribution_gap": distribution_gap, "matched": exposure.match_histograms(on_b, images)}
    one = np.stack([exposure.match_histograms(b, images[0]) for b in on_b])
    gap = distribution_gap(images[fg_a], one[fg_b])
    assert_unanswered_then_correct("03-gap-one", "gap_one", gap, **context)
    pooled = distribution_gap(images[fg_a], context["matched"][fg_b])
    assert_wrong_without_answer(judge("03-gap-one", gap_one=pooled, **context), gap, says="all 400 slices")
    assert_wrong_without_answer(judge("03-gap-one", gap_one=gap * 20, **context), gap, says="far too large")


# ------------------------------------------------------------------------------------------- §2-§4 Registration ...
def test_same_modality_error():
    assert_unanswered_then_correct("03-same-modality-error", "same_modality_error", 0.12, known_angle=7.0)
    for answer, says in [(7.05, "angle itself"), (-0.12, "absolute value"), (3.0, "too high")]:
        verdict = judge("03-same-modality-error", same_modality_error=answer, known_angle=7.0)
        assert verdict.status == "wrong" and says in verdict.message, verdict.message


def test_strict_sensitivity():
    lesion = np.array([[20.0, 20.0]])
    truths = [lesion, lesion, np.zeros((0, 2)), np.zeros((0, 2))]
    found = [(np.array([[21, 20], [5, 5]]), None, np.array([0.9, 0.2])),   # a hit at 1 px, a false positive
             (np.array([[22, 22], [40, 8]]), None, np.array([0.8, 0.3])),  # 2.8 px off: a hit only at 3 px
             (np.array([[30, 30]]), None, np.array([0.5])), (np.zeros((0, 2), int), None, np.zeros(0))]
    context = {"found": found, "truths": truths}
    candidates = [np.column_stack([p, b]) for p, _, b in found]
    fp, sens, _ = metrics.froc_curve(candidates, truths, max_distance_px=1.5)
    strict = float(sens[fp <= 1.0].max())
    fp3, sens3, _ = metrics.froc_curve(candidates, truths, max_distance_px=3)
    assert float(sens3[fp3 <= 1.0].max()) > strict  # the case is built so that the tolerance matters
    assert_unanswered_then_correct("03-strict-sensitivity", "strict_sensitivity", strict, **context)
    verdict = judge("03-strict-sensitivity", strict_sensitivity=float(sens3[fp3 <= 1.0].max()), **context)
    assert_wrong_without_answer(verdict, strict, says="3-pixel")
    assert_wrong_without_answer(judge("03-strict-sensitivity", strict_sensitivity=100 * strict, **context), strict,
                                says="fraction")


def test_median_dice_30():
    rng = np.random.default_rng(3)
    images = ndi.gaussian_filter(rng.random((5, 12, 12)), (0, 1, 1))
    masks = images > np.median(images, axis=(1, 2), keepdims=True)

    def segment(image, click, fraction=0.5):  # a stand-in: threshold at a fraction of the image's range
        return image > image.min() + fraction * np.ptp(image)

    lesions = SimpleNamespace(images=images, centers=np.zeros((5, 2)))
    at = {f: [metrics.dice(segment(im, None, fraction=f), m) for im, m in zip(images, masks, strict=True)]
          for f in (0.3, 0.5)}
    context = {"segment": segment, "lesions": lesions, "positives": np.arange(5), "truth_masks": masks,
               "dice": np.array(at[0.5])}
    expected = float(np.median(at[0.3]))
    assert abs(expected - np.median(at[0.5])) > 0.01
    assert_unanswered_then_correct("03-median-dice-30", "median_dice_30", expected, **context)
    assert_wrong_without_answer(judge("03-median-dice-30", median_dice_30=float(np.median(at[0.5])), **context),
                                expected, says="half-way")


# ------------------------------------------------------------------------------------ §5-§8 Classification ...
def test_best_feature():
    rng = np.random.default_rng(4)
    malignant = rng.integers(0, 2, 120)
    table = pd.DataFrame({"size": malignant * 0.5 + rng.normal(0, 1, 120),      # AUC a little above 0.5
                          "contrast": -malignant * 2.0 + rng.normal(0, 1, 120),  # AUC far below 0.5: the best
                          "noise": rng.normal(0, 1, 120)})
    assert_unanswered_then_correct("03-best-feature", "best_feature", "Contrast ", table=table, malignant=malignant)
    verdict = judge("03-best-feature", best_feature="size", table=table, malignant=malignant)
    assert_wrong_without_answer(verdict, "contrast", says="upside down")
    assert "one of" in judge("03-best-feature", best_feature=3, table=table, malignant=malignant).message


def test_steps_to_detect():
    context = {"measured": np.array([1.0, 1.1, 1.5, 2.0, 2.5, 3.0]), "smallest_real_change": 0.4}
    assert_unanswered_then_correct("03-steps-to-detect", "steps_to_detect", 2, **context)
    assert_wrong_without_answer(judge("03-steps-to-detect", steps_to_detect=6, **context), 2, says="months")
    assert_wrong_without_answer(judge("03-steps-to-detect", steps_to_detect=3, **context), 2, says="too high")


def test_width_100():
    rng = np.random.default_rng(5)
    table = pd.DataFrame(rng.normal(0, 1, (200, 3)), columns=["a", "b", "c"])
    responds = (table["a"] + rng.normal(0, 1, 200) > 0).astype(int).to_numpy()
    classifier = make_pipeline(StandardScaler(), LogisticRegression())

    oof = cross_val_predict(classifier, table[:100], responds[:100], cv=5, method="predict_proba")[:, 1]
    low, high = metrics.bootstrap_ci(responds[:100], oof, n_boot=1000, seed=1)  # another seed than the checker's
    wide, narrow = high - low, 0.6 * (high - low)  # the 200-patient interval of the context: narrower
    context = {"classifier": classifier, "table": table, "responds": responds, "ci_low": 0.6, "ci_high": 0.6 + narrow}
    assert_unanswered_then_correct("03-width-100", "width_100", wide, **context)
    assert_wrong_without_answer(judge("03-width-100", width_100=narrow, **context), wide, says="200 patients")


def test_n_patches():
    expected = (500 // 96) * (512 // 96) ** 2
    assert_unanswered_then_correct("03-n-patches", "n_patches", expected)
    for answer in (500 * 512 * 512 / 96**3, 6 * 6 * 6):
        assert_wrong_without_answer(judge("03-n-patches", n_patches=answer), expected, says="whole patches")
    assert_wrong_without_answer(judge("03-n-patches", n_patches=expected + 1), expected, says="too high")


def test_acc_zscored():
    rng = np.random.default_rng(6)

    def images(n, shift):
        base = ndi.gaussian_filter(rng.random((n, 16, 16)), (0, 1, 1)) + shift
        labels = np.arange(n) % 2
        base[labels == 1, 6:10, 6:10] += 0.3
        return base, labels

    (train, y_train), (test, y_test) = images(40, 0.0), images(30, 0.4)

    def zscore(stack):
        return np.stack([(im - im.mean()) / im.std() for im in stack])

    baseline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    matched = 0.6  # the histogram-matched accuracy the notebook's `shift` table holds
    shift = pd.DataFrame({"accuracy": [matched]}, index=["scanner B, histogram-matched"])
    context = {"zscore": zscore, "lesions": SimpleNamespace(images=train, labels=y_train),
               "new": SimpleNamespace(labels=y_test), "new_b": test, "baseline": baseline, "shift": shift}
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    accuracy = model.fit(tasks.handcrafted_features(zscore(train)), y_train).score(
        tasks.handcrafted_features(zscore(test)), y_test)
    advantage = accuracy - matched
    assert judge("03-acc-zscored", acc_zscored=None, zscore_advantage=None, **context).status == "unanswered"
    verdict = judge("03-acc-zscored", acc_zscored=accuracy, zscore_advantage=advantage, **context)
    assert verdict.status == "correct", verdict.message
    assert_wrong_without_answer(judge("03-acc-zscored", acc_zscored=100 * accuracy, zscore_advantage=advantage,
                                      **context), accuracy, says="percentage")
    off = accuracy - 0.2 if accuracy > 0.5 else accuracy + 0.2
    assert judge("03-acc-zscored", acc_zscored=off, zscore_advantage=advantage, **context).status == "wrong"
    verdict = judge("03-acc-zscored", acc_zscored=accuracy, zscore_advantage=-advantage, **context)
    assert_wrong_without_answer(verdict, advantage, says="wrong sign")
    assert judge("03-acc-zscored", acc_zscored=accuracy, zscore_advantage=advantage + 0.1,
                 **context).status == "wrong"


def test_rare_recall():
    rng = np.random.default_rng(7)
    n_classes = 11  # the 5 commonest and the 10 rarest overlap here; only the 10 rarest count
    centres = rng.normal(0, 1.2, (n_classes, 4))

    def draw(counts):
        y = np.repeat(np.arange(n_classes), counts)
        return centres[y] + rng.normal(0, 1, (len(y), 4)), y

    x_train, y_train = draw(np.maximum(2, (120 / np.arange(1, n_classes + 1) ** 1.2).astype(int)))
    x_test, y_test = draw(np.full(n_classes, 20))

    def recall(**kwargs):
        predicted = LogisticRegression(max_iter=2000, tol=1e-3, **kwargs).fit(x_train, y_train).predict(x_test)
        return np.array([np.mean(predicted[y_test == c] == c) for c in range(n_classes)])

    plain, weighted = recall(), recall(class_weight="balanced")
    context = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test, "n_classes": n_classes,
               "rare": plain[-10:].mean()}
    expected = weighted[-10:].mean()
    assert abs(expected - plain[-10:].mean()) > 0.02
    assert_unanswered_then_correct("03-rare-recall", "rare_recall_balanced", expected, **context)
    verdict = judge("03-rare-recall", rare_recall_balanced=plain[-10:].mean(), **context)
    assert_wrong_without_answer(verdict, expected, says="unweighted")
    verdict = judge("03-rare-recall", rare_recall_balanced=weighted[:5].mean(), **context)
    assert verdict.status == "wrong" and "commonest" in verdict.message


def test_accuracy_half():
    context = {"accuracy": {(400, 0.3): 0.8}}
    assert_unanswered_then_correct("03-accuracy-half", "accuracy_half", 0.47, **context)
    for answer, says in [(0.79, "too high"), (0.1, "too low"), (47.0, "percentage")]:
        verdict = judge("03-accuracy-half", accuracy_half=answer, **context)
        assert verdict.status == "wrong" and says in verdict.message, verdict.message


def test_my_balanced():
    rng = np.random.default_rng(8)
    y_te = (rng.random(150) < 0.05).astype(int)
    y_te[:3] = 1
    plain = np.where(rng.random(150) < 0.9, y_te, 1 - y_te)
    expected = balanced_accuracy_score(y_te, plain)
    context = {"plain": plain, "y_te": y_te}
    assert_unanswered_then_correct("03-my-balanced", "my_balanced", expected, **context)
    verdict = judge("03-my-balanced", my_balanced=float(np.mean(plain == y_te)), **context)
    assert_wrong_without_answer(verdict, expected, says="plain accuracy")
    verdict = judge("03-my-balanced", my_balanced=float(np.mean(plain[y_te == 1] == 1)), **context)
    assert_wrong_without_answer(verdict, expected, says="one of the two")


def test_careless_dice():
    rows, cols = np.ogrid[:40, :40]
    masks = [(rows - 20) ** 2 + (cols - 20) ** 2 <= r**2 for r in (6, 8, 10)]
    pairs = [(a, b) for a in range(4) for b in range(a + 1, 4)]

    def annotator_panel(wobble_px, seed=2):  # the notebook's function, on three disks
        out = []
        for n, mask in enumerate(masks):
            drawn = tasks.simulate_annotators(mask, n_annotators=4, bias_px=0.7, wobble_px=wobble_px, seed=seed + n)
            out.append([np.mean([metrics.dice(drawn[a], drawn[b]) for a, b in pairs]),
                        np.mean([metrics.dice(o, mask) for o in drawn]), metrics.dice(drawn.sum(0) >= 3, mask)])
        return np.array(out)

    careful, careless = annotator_panel(0.8), annotator_panel(2.0)
    dice, gain = float(careless[:, 0].mean()), float((careless[:, 2] - careless[:, 1]).mean())
    assert abs(gain) > 0.01 and abs(dice - careful[:, 0].mean()) > 0.01  # the hints below can tell them apart
    context = {"annotator_panel": annotator_panel, "careful": careful}
    assert judge("03-careless-dice", careless_dice=None, careless_gain=None, **context).status == "unanswered"
    verdict = judge("03-careless-dice", careless_dice=dice, careless_gain=gain, **context)
    assert verdict.status == "correct", verdict.message
    verdict = judge("03-careless-dice", careless_dice=float(careful[:, 0].mean()), careless_gain=gain, **context)
    assert_wrong_without_answer(verdict, dice, says="careful annotators")
    verdict = judge("03-careless-dice", careless_dice=dice, careless_gain=-gain, **context)
    assert_wrong_without_answer(verdict, gain, says="wrong sign")
    verdict = judge("03-careless-dice", careless_dice=dice, careless_gain=float(careless[:, 2].mean()), **context)
    assert_wrong_without_answer(verdict, gain, says="consensus Dice itself")
