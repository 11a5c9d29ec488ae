"""Hard pseudo-labels at a confidence threshold, swept (notebook 04, § 2): the pure curve and its slider viewer.

One round of self-training: fit a logistic regression on the labelled rows, give every unlabelled row the model's
guess as a label when the model is at least ``threshold`` sure, refit on both, and score the refit on held-out
rows. :func:`pseudo_label_curve` computes, for each threshold, how many pseudo-labels were added, how many of them
are right (their precision, from the true labels the models never see) and the held-out AUC.
:class:`PseudoLabelViewer` is a thin slider over that precomputed curve.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import metrics
from .widgets import Viewer, float_slider

__all__ = ["pseudo_label_curve", "PseudoLabelViewer"]


def pseudo_label_curve(x_labelled, y_labelled, x_unlabelled, y_unlabelled, x_test, y_test, *,
                       thresholds=(0.5, 0.6, 0.7, 0.8, 0.9, 0.95)) -> pd.DataFrame:
    """Number, precision and resulting test AUC of hard pseudo-labels, for each confidence threshold.

    Parameters
    ----------
    x_labelled : ndarray, (n_lab, n_features)
    y_labelled : ndarray, (n_lab,), 0/1
        The few labelled rows; both classes must be present.
    x_unlabelled : ndarray, (n_unlab, n_features)
    y_unlabelled : ndarray, (n_unlab,), 0/1
        Their true labels, used only to measure the precision of the pseudo-labels, never to fit.
    x_test : ndarray, (n_test, n_features)
    y_test : ndarray, (n_test,), 0/1
    thresholds : sequence of float, keyword-only
        Confidence levels in [0.5, 1): a row is pseudo-labelled when ``max(p, 1 - p) >= threshold``.

    Returns
    -------
    pandas.DataFrame
        Indexed by threshold, columns ``pseudo-labels`` (count), ``precision`` (share of correct pseudo-labels,
        NaN when there are none) and ``AUC`` (held-out, after the refit). The row ``threshold = 1`` is absent by
        construction; the supervised AUC (no pseudo-label) is in ``DataFrame.attrs["supervised AUC"]``.

    Raises
    ------
    ValueError
        Mismatched lengths, a threshold outside [0.5, 1), or labelled rows of one class only.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 300)
    >>> x = rng.normal(size=(300, 2)) + y[:, None]
    >>> curve = pseudo_label_curve(x[:10], y[:10], x[10:200], y[10:200], x[200:], y[200:], thresholds=[0.6, 0.9])
    >>> bool(curve.loc[0.6, "pseudo-labels"] >= curve.loc[0.9, "pseudo-labels"])
    True
    """
    from sklearn.linear_model import LogisticRegression

    thresholds = np.asarray(thresholds, dtype=float)
    if thresholds.ndim != 1 or not len(thresholds) or thresholds.min() < 0.5 or thresholds.max() >= 1:
        raise ValueError(f"thresholds must be a non-empty 1D sequence in [0.5, 1), got {thresholds}")
    for x, y, name in [(x_labelled, y_labelled, "labelled"), (x_unlabelled, y_unlabelled, "unlabelled"),
                       (x_test, y_test, "test")]:
        if len(x) != len(y):
            raise ValueError(f"{name}: {len(x)} rows of features but {len(y)} labels")
    if len(np.unique(y_labelled)) < 2:
        raise ValueError("the labelled rows hold one class only: label at least one example of each class")
    supervised = LogisticRegression(max_iter=1000).fit(x_labelled, y_labelled)
    belief = supervised.predict_proba(x_unlabelled)[:, 1]
    guess = (belief > 0.5).astype(int)
    rows = []
    for threshold in thresholds:
        sure = np.maximum(belief, 1 - belief) >= threshold
        model = LogisticRegression(max_iter=1000).fit(np.concatenate([x_labelled, x_unlabelled[sure]]),
                                                      np.concatenate([y_labelled, guess[sure]]))
        rows.append({"threshold": float(threshold), "pseudo-labels": int(sure.sum()),
                     "precision": float((guess[sure] == y_unlabelled[sure]).mean()) if sure.any() else np.nan,
                     "AUC": metrics.roc_auc(y_test, model.predict_proba(x_test)[:, 1])})
    curve = pd.DataFrame(rows).set_index("threshold")
    curve.attrs["supervised AUC"] = metrics.roc_auc(y_test, supervised.predict_proba(x_test)[:, 1])
    return curve


class PseudoLabelViewer(Viewer):
    """A threshold slider over a precomputed :func:`pseudo_label_curve`: count, precision and AUC at that threshold.

    The left panel shows the number of pseudo-labels against the threshold, the right panel their precision and
    the held-out AUC, with the supervised AUC (no pseudo-labels) as a dashed line; a marker follows the slider,
    which snaps to the nearest threshold of the curve.

    Parameters
    ----------
    curve : pandas.DataFrame
        The output of :func:`pseudo_label_curve`.
    threshold : float, optional
        Initial threshold (default 0.9).
    title : str, optional

    Attributes
    ----------
    threshold : ipywidgets.FloatSlider

    Examples
    --------
    >>> curve = pd.DataFrame({"pseudo-labels": [90, 10], "precision": [0.7, 0.95], "AUC": [0.6, 0.7]},
    ...                      index=pd.Index([0.6, 0.9], name="threshold"))
    >>> viewer = PseudoLabelViewer(curve, threshold=0.6)
    >>> viewer.state["pseudo-labels"]
    90
    >>> viewer.threshold.value = 0.88  # what a student's drag does
    >>> viewer.state["pseudo-labels"], viewer.n_redraws
    (10, 2)
    """

    figure_size = (9.0, 3.4)

    def __init__(self, curve: pd.DataFrame, *, threshold: float = 0.9, title: str | None = None):
        super().__init__()
        missing = {"pseudo-labels", "precision", "AUC"} - set(curve.columns)
        if missing or not len(curve):
            raise ValueError(f"curve must be a non-empty pseudo_label_curve table; missing columns {sorted(missing)}")
        self.curve, self.title = curve, title
        self.threshold = float_slider("threshold", threshold, float(curve.index.min()), float(curve.index.max()))
        gaps = np.diff(np.unique(curve.index.to_numpy(dtype=float)))
        if len(gaps):  # one step = the closest two computed thresholds, so every move can show a new row
            self.threshold.step = float(gaps.min())
        self.watch(self.threshold)
        self.redraw()

    @property
    def state(self) -> dict:
        """The curve's row nearest the slider: threshold, pseudo-labels, precision, AUC."""
        nearest = self.curve.index[np.abs(self.curve.index - self.threshold.value).argmin()]
        row = self.curve.loc[nearest]
        return {"threshold": float(nearest), "pseudo-labels": int(row["pseudo-labels"]),
                "precision": float(row["precision"]), "AUC": float(row["AUC"])}

    def render(self, figure) -> None:
        state, curve = self.state, self.curve
        left, right = figure.subplots(1, 2)
        left.plot(curve.index, curve["pseudo-labels"], "o-", color="#0072B2")
        left.plot(state["threshold"], state["pseudo-labels"], "s", color="#E69F00", ms=10)
        left.set(xlabel="confidence threshold", ylabel="pseudo-labels added", title="how many")
        right.plot(curve.index, curve["precision"], "o-", color="#009E73", label="precision of the pseudo-labels")
        right.plot(curve.index, curve["AUC"], "o-", color="#D55E00", label="held-out AUC after refit")
        if "supervised AUC" in curve.attrs:
            right.axhline(curve.attrs["supervised AUC"], color="0.4", ls="--", label="supervised only")
        right.axvline(state["threshold"], color="#E69F00")
        right.set(xlabel="confidence threshold", ylim=(0.4, 1.02), title="how good")
        right.legend(fontsize=7, loc="lower right")
        figure.suptitle(self.title or f"threshold {state['threshold']:.2f}: {state['pseudo-labels']} pseudo-labels, "
                        f"precision {state['precision']:.2f}, AUC {state['AUC']:.3f}")
