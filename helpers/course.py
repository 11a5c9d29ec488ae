"""The course map: which notebook covers which part of the lecture.

One list feeds the README table, the start-here notebook and the rendered site's index, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Chapter", "COURSE_MAP", "course_table_markdown"]


@dataclass(frozen=True)
class Chapter:
    """One notebook of the course.

    Attributes
    ----------
    notebook : str
        File name under ``notebooks/``.
    title : str
        Short title.
    lecture : str
        The lecture slides it covers (slide headings of lecture 3, "Medical Imaging").
    helpers : str
        The helper module(s) it uses.
    """

    notebook: str
    title: str
    lecture: str
    helpers: str


COURSE_MAP: tuple[Chapter, ...] = (
    Chapter("00_start_here.ipynb", "Start here", "Learning overview", "course, environment, viz, widgets"),
    Chapter("01_modalities.ipynb", "Imaging modalities, 1D to 4D",
            "What kind of image data is there in medicine? (X-ray, WSI, CT, fluoroscopy, MRI, PET, ultrasound)",
            "modalities"),
    Chapter("02_dicom.ipynb", "DICOM", "DICOM file format is ubiquitous but complex", "dicom"),
    Chapter("03_tasks.ipynb", "Analysis tasks and why medical data is hard",
            "What do we want to do with medical images? Medical image data is intrinsically challenging", "tasks"),
    Chapter("04_learning_paradigms.ipynb", "Learning with scarce labels",
            "Label challenges require alternative training paradigms (anomaly detection, semi-supervised, MIL)",
            "paradigms"),
    Chapter("05_classical_cv.ipynb", "Classical computer vision",
            "Traditional computer vision approaches (thresholds, edges, Hough, optical flow, SIFT)", "classical"),
    Chapter("06_cnns.ipynb", "Neural networks and CNNs",
            "Deep learning enables learning features; convolutions capture spatial relationships", "nets"),
    Chapter("07_augmentation_gans.ipynb", "Augmentation and GANs",
            "Augmentation and generative models enable better training with limited data", "augment, gans"),
    Chapter("08_transfer_clip.ipynb", "Transfer learning and CLIP",
            "Transfer learning and joint-transformer (CLIP) models expand training options", "transfer, clip"),
    Chapter("09_clinical_use.ipynb", "Clinical use and regulation",
            "So, can we use these clinically? Explanations, failure modes, regulation", "clinical"),
)


def course_table_markdown(*, link_prefix: str = "") -> str:
    """Return the course map as a Markdown table.

    Parameters
    ----------
    link_prefix : str, optional
        Prefix for the notebook links, e.g. ``"notebooks/"`` from the repository root.

    Returns
    -------
    str
        A Markdown table with one row per notebook.
    """
    rows = ["| Notebook | Topic | Lecture slides | Helpers |", "| --- | --- | --- | --- |"]
    for ch in COURSE_MAP:
        rows.append(f"| [{ch.notebook}]({link_prefix}{ch.notebook}) | {ch.title} | {ch.lecture} | "
                    f"`{ch.helpers}` |")
    return "\n".join(rows)
