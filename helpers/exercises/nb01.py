"""Checkers of 01_modalities.ipynb.

Each checker recomputes its expected value from the notebook's own variables (or from the constants of
:mod:`helpers.modalities` the question names), so it holds whatever the seeds; hints never give the value away.
"""

import numpy as np

from helpers import modalities as mod

from ._core import exercise, hint
from ._hints import integer, number, one_of

GB = 1e9  # decimal gigabytes, as in the notebook
GB_PER_COMPRESSED_SLIDE = 2.0  # the question's round figure (3 TB for 1,399 CAMELYON slides)
INJECTED_MBQ, SCAN_AFTER_MIN = 370.0, 60.0  # the FDG question: 370 MBq at 8:00, scanned at 9:00
PATIENT_CM = 20.0  # the attenuation question: 20 cm of water
WINDOW = (1000, 1500, 600, 800)  # the tile question: top, left, height, width (level-0 pixels)
TILE = 256
LOOKS = 4  # the compounding question: 4 independent looks
FMRI_VOLUMES = 300  # the overview question: a 10-minute fMRI run at TR = 2 s
PD_RATIO = 0.80 / 0.70  # grey/white matter proton density ratio of mod.RELAXATION_3T


def _close(value, target, rtol):
    """True when ``value`` is a real number within ``rtol`` of ``target`` (for spotting typical slips)."""
    try:
        return abs(float(value) - target) <= rtol * abs(target)
    except (TypeError, ValueError):
        return False


@exercise("01-disk-total")
def disk_total(total_on_disk_gb, study):
    """The patient's total in GB once the whole-slide images are stored compressed (2 GB per slide)."""
    is_pathology = study["department"] == "Pathology"
    others_gb = study.loc[~is_pathology, "bytes"].sum() / GB
    expected = others_gb + study.loc[is_pathology, "count"].sum() * GB_PER_COMPRESSED_SLIDE
    if _close(total_on_disk_gb, study["bytes"].sum() / GB, 0.05):
        return hint("that is still the uncompressed total: replace the slides' bytes by their size on disk")
    if _close(total_on_disk_gb, others_gb, 0.05):
        return hint("the slides are missing: they still take space on disk, only less of it")
    return number(total_on_disk_gb, expected=expected, rtol=0.1, unit="GB")


@exercise("01-mid-log-time")
def mid_log_time(t_mid_h, od_curve, t_h):
    """Time (h) at which the sampled growth curve crosses OD 0.5."""
    expected = float(np.interp(0.5, od_curve, t_h))
    if _close(t_mid_h, expected * 60, 0.05):
        return hint("that looks like minutes; the question asks for hours")
    return number(t_mid_h, expected=expected, atol=0.1, rtol=0.0, unit="h")


@exercise("01-attenuation", answers=2)
def attenuation(water_fraction, bone_cm):
    """Fraction of X-rays through 20 cm of water at 60 keV, and the cortical bone thickness that attenuates as much."""
    mu_water, mu_bone = mod.MU_60KEV_PER_CM["water"], mod.MU_60KEV_PER_CM["cortical bone"]
    fraction = float(np.exp(-mu_water * PATIENT_CM))
    if _close(water_fraction, 100 * fraction, 0.05):
        return hint("`water_fraction` looks like a percentage; give a fraction between 0 and 1")
    if _close(water_fraction, 1 - fraction, 0.05):
        return hint("`water_fraction` is the share that is absorbed; the question asks what passes through")
    problem = number(water_fraction, expected=fraction, rtol=0.03)
    if problem:
        return hint(f"`water_fraction`: {problem.text} (Beer–Lambert: I/I₀ = e^(−μx))")
    thickness = mu_water * PATIENT_CM / mu_bone
    if _close(bone_cm, mu_bone * PATIENT_CM / mu_water, 0.03):
        return hint("`bone_cm`: the ratio is upside down; bone attenuates more, so fewer cm are needed")
    problem = number(bone_cm, expected=thickness, rtol=0.02, unit="cm")
    return hint(f"`bone_cm`: {problem.text} (equal attenuation means equal μ·x)") if problem else None


@exercise("01-tiles-decoded", answers=2)
def tiles_decoded(region, n_tiles):
    """The 600 × 800 window at (1000, 1500) of level 0, and how many 256 × 256 tiles it touches."""
    top, left, height, width = WINDOW
    if getattr(region, "shape", None) != (height, width, 3):
        return hint(f"`region` should be the (height, width, 3) RGB window of the question, not "
                    f"{type(region).__name__} {getattr(region, 'shape', '')}".rstrip())
    rows = (top + height - 1) // TILE - top // TILE + 1
    cols = (left + width - 1) // TILE - left // TILE + 1
    aligned = -(-height // TILE) * -(-width // TILE)  # as if the window started on a tile corner
    if aligned != rows * cols and _close(n_tiles, aligned, 0):
        return hint("that count assumes the window starts on a tile corner; it does not: count the tile rows and "
                    "columns it overlaps")
    return integer(n_tiles, expected=rows * cols, unit="tiles")


@exercise("01-limited-angle")
def limited_angle(rmse_limited, slice_mu, hu, dl_cm):
    """RMSE (HU) of FBP from 120 views over 120° against the phantom slice hu[28]."""
    def rmse_hu(arc_deg):
        reconstruction = mod.fbp(*mod.ct_scan(slice_mu, n_views=120, arc_deg=arc_deg))
        return mod.rmse(mod.mu_to_hu(reconstruction / dl_cm), hu[28])

    expected = rmse_hu(120)
    if _close(rmse_limited, rmse_hu(180), 0.03):
        return hint("that is the error of a full 180° scan; scan over 120° only (arc_deg=120)")
    return number(rmse_limited, expected=expected, rtol=0.03, unit="HU")


@exercise("01-bolus-speed")
def bolus_speed(speed_mm_s, dsa, thickness_mm, distance_mm, t_s):
    """Speed (mm/s) of the bolus front from the time to peak of vessels thicker than 2 mm."""
    thick = thickness_mm > 2
    time_to_peak = t_s[np.argmax(dsa[:, thick], axis=0)]
    slope = np.polyfit(distance_mm[thick], time_to_peak, 1)[0]  # s per mm
    if _close(speed_mm_s, slope, 0.1):
        return hint("that is the slope of time against distance (s/mm); the speed is its inverse")
    return number(speed_mm_s, expected=1 / slope, rtol=0.15, unit="mm/s")  # pixel choices vary the estimate


@exercise("01-pd-weighting", answers=2)
def pd_weighting(tr, te, pure, gm, wm, csf):
    """TR and TE (ms) whose spin-echo image orders CSF > GM > WM with GM/WM within 10 % of the PD ratio."""
    for name, value in (("tr", tr), ("te", te)):
        if number(value, expected=1.0, rtol=np.inf) or value <= 0:  # rtol=inf: any finite real number passes
            return hint(f"`{name}` should be a positive time in ms")
    if te >= tr:
        return hint("the echo (TE) must come before the next excitation (TR): TE < TR")
    image = mod.synthesise_spin_echo({"gm": gm, "wm": wm, "csf": csf}, tr_ms=tr, te_ms=te)
    means = {k: image[m].mean() for k, m in pure.items()}
    ratio = means["gm"] / means["wm"]
    if means["wm"] >= means["gm"] or ratio < PD_RATIO * 0.9:
        return hint("white matter is still too bright compared with grey matter: T1 weighting remains "
                    "(think about TR)")
    if ratio > PD_RATIO * 1.1:
        return hint("grey matter is too bright compared with white matter: T2 weighting remains (think about TE)")
    if means["csf"] <= means["gm"]:
        return hint("CSF should be the brightest tissue, as it holds the most water: T1 weighting remains "
                    "(think about TR)")
    return None


@exercise("01-f18-decay", answers=2)
def f18_decay(mbq_at_scan, minutes_to_10pct):
    """Activity (MBq) left 60 min after injecting 370 MBq of ¹⁸F, and minutes until 10 % remains."""
    half_life = mod.F18_HALF_LIFE_MIN
    if _close(mbq_at_scan, INJECTED_MBQ * np.exp(-SCAN_AFTER_MIN / half_life), 0.01):
        return hint("`mbq_at_scan`: e^(−t/T½) uses the half-life as if it were the mean life; halve per half-life "
                    "(2^(−t/T½)) instead")
    problem = number(mbq_at_scan, expected=INJECTED_MBQ * 2 ** (-SCAN_AFTER_MIN / half_life), rtol=0.01, unit="MBq")
    if problem:
        return hint(f"`mbq_at_scan`: {problem.text}")
    if _close(minutes_to_10pct, half_life * np.log(10), 0.01):
        return hint("`minutes_to_10pct`: you used the natural logarithm with the half-life; the half-life goes "
                    "with base 2")
    problem = number(minutes_to_10pct, expected=half_life * np.log2(10), rtol=0.01, unit="min")
    return hint(f"`minutes_to_10pct`: {problem.text}") if problem else None


@exercise("01-compounding")
def compounding(compound_ratio):
    """Mean/SD of the average of 4 independent speckle envelopes (theory: 1.91·√4)."""
    single = mod.RAYLEIGH_MEAN_TO_SD
    if _close(compound_ratio, single, 0.1):
        return hint("that is the ratio of a single look: average the 4 envelopes first, then take mean/SD")
    return number(compound_ratio, expected=single * np.sqrt(LOOKS), rtol=0.15)


@exercise("01-largest-category")
def biggest_category(largest_category, overview, fmri):
    """The category of the overview table holding the most bytes once the fMRI row has 300 volumes."""
    table = overview.copy()
    table.loc[table["data"] == "fMRI (real)", "bytes"] = fmri[0].nbytes * FMRI_VOLUMES
    totals = table.groupby("category")["bytes"].sum()
    before = overview.groupby("category")["bytes"].sum().idxmax()
    why = {c: "that category holds fewer bytes in total: group the table by category and sum the bytes"
           for c in totals.index}
    if before != totals.idxmax():
        why[before] = ("that is the largest category of the table as it stands: give the fMRI row the bytes of a "
                       "300-volume run first")
    return one_of(largest_category, expected=totals.idxmax(), options=list(totals.index), why=why)
