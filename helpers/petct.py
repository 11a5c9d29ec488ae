"""PET quantification for ``01_modalities.ipynb``: the standardised uptake value and CT-based attenuation correction.

- :func:`suv_bw`: SUV normalised to body weight, with the decay correction it needs.
- :func:`hu_to_mu_511kev`: a CT image (HU at the CT's effective energy) turned into 511 keV attenuation
  coefficients by a bilinear scaling, as PET/CT scanners do.
- :func:`attenuation_factors`: how much of each line of response's annihilation photon pairs survive the body.

Attenuation values: water from NIST SRD 126, Table 4 (μ/ρ 0.09687 cm²/g at 500 keV and 0.08956 at 600 keV,
log-log interpolated to 511 keV); cortical bone at 511 keV from water scaled by electron density (Compton
scattering dominates at 511 keV, so μ follows ρ·Z/A: 1.92 g/cm³ × 0.51478 for ICRU-44 cortical bone against
1.00 × 0.55508 for water). https://physics.nist.gov/PhysRefData/XrayMassCoef/tab4.html
"""

from __future__ import annotations

import math

import numpy as np

from . import modalities as mod

__all__ = ["MU_511KEV_PER_CM", "suv_bw", "hu_to_mu_511kev", "attenuation_factors"]

_MU_RHO_WATER = {500.0: 0.09687, 600.0: 0.08956}  # cm²/g, NIST SRD 126 Table 4, water (liquid)
_WATER_511 = _MU_RHO_WATER[500.0] * (511.0 / 500.0) ** (math.log(_MU_RHO_WATER[600.0] / _MU_RHO_WATER[500.0])
                                                        / math.log(600.0 / 500.0))
_ELECTRONS_BONE_PER_WATER = 1.92 * 0.51478 / (1.00 * 0.55508)  # ρ·Z/A of ICRU-44 cortical bone over water

#: Linear attenuation coefficients at 511 keV in cm⁻¹ (see the module docstring for the sources).
MU_511KEV_PER_CM: dict[str, float] = {"air": 0.0, "water": _WATER_511,
                                      "cortical bone": _WATER_511 * _ELECTRONS_BONE_PER_WATER}


def suv_bw(concentration_kbq_ml, *, injected_mbq: float, weight_kg: float, minutes_after_injection: float = 0.0,
           half_life_min: float = mod.F18_HALF_LIFE_MIN):
    """Standardised uptake value normalised to body weight (SUV_bw).

    Parameters
    ----------
    concentration_kbq_ml : float or ndarray
        Activity concentration the scanner measured, kBq/mL, *not* decay-corrected (as counted at scan time).
    injected_mbq : float
        Activity injected, MBq (at the injection time).
    weight_kg : float
        Patient's body weight, kg.
    minutes_after_injection : float
        Time from injection to the measurement; the injected activity is decayed to that time.
    half_life_min : float
        Half-life of the tracer (default ¹⁸F, 109.8 min).

    Returns
    -------
    float or ndarray
        ``C / (A_injected·2^(−t/T½) / weight)``, dimensionless (MBq/kg = kBq/g, and 1 g of tissue ≈ 1 mL).
        A tracer spread evenly through the whole body has SUV 1 everywhere [1]_.

    References
    ----------
    .. [1] Boellaard R, et al. FDG PET/CT: EANM procedure guidelines for tumour imaging: version 2.0.
       Eur J Nucl Med Mol Imaging 2015;42(2):328-354. https://doi.org/10.1007/s00259-014-2961-x

    Examples
    --------
    >>> round(float(suv_bw(5.0, injected_mbq=350, weight_kg=70)), 2)
    1.0
    """
    injected = mod._positive(injected_mbq, "injected_mbq")
    weight = mod._positive(weight_kg, "weight_kg")
    if minutes_after_injection < 0:
        raise ValueError(f"minutes_after_injection must be >= 0, got {minutes_after_injection}")
    remaining = injected * mod.decay_factor(minutes_after_injection, half_life_min=half_life_min)
    return np.asarray(concentration_kbq_ml, dtype=np.float64) / (remaining / weight)


def hu_to_mu_511kev(hu, *, mu_water_ct: float = mod.MU_60KEV_PER_CM["water"],
                    mu_bone_ct: float = mod.MU_60KEV_PER_CM["cortical bone"]) -> np.ndarray:
    """Bilinear conversion of CT numbers (HU) to linear attenuation coefficients at 511 keV (cm⁻¹).

    Parameters
    ----------
    hu : ndarray
        CT numbers.
    mu_water_ct, mu_bone_ct : float
        μ of water and of cortical bone at the CT's effective energy (default 60 keV, NIST SRD 126).

    Returns
    -------
    ndarray, float64
        For HU <= 0 a mixture of air and water: ``μ511 = μ511_water·(1 + HU/1000)``. For HU > 0 a mixture of
        water and cortical bone: the bone fraction is read from HU at the CT energy, then the 511 keV values are
        mixed in the same proportion. Clipped at 0.

    Notes
    -----
    One scale factor for all tissues (μ511/μCT of water) would overestimate bone at 511 keV: bone's extra
    attenuation at CT energies comes from the photoelectric effect on calcium, which has all but vanished at
    511 keV. Kinahan et al. scaled bone and non-bone voxels by different factors for this reason [1]_; such
    piecewise-linear ("bilinear") scalings are what PET/CT scanners use.

    References
    ----------
    .. [1] Kinahan PE, Townsend DW, Beyer T, Sashin D. Attenuation correction for a combined 3D PET/CT scanner.
       Med Phys 1998;25(10):2046-2053. https://doi.org/10.1118/1.598392
    """
    hu = mod._as_float_array(hu, "hu")
    water, bone = MU_511KEV_PER_CM["water"], MU_511KEV_PER_CM["cortical bone"]
    if not mu_bone_ct > mu_water_ct > 0:
        raise ValueError(f"need mu_bone_ct > mu_water_ct > 0, got {mu_bone_ct}, {mu_water_ct}")
    hu_bone = 1000.0 * (mu_bone_ct - mu_water_ct) / mu_water_ct  # cortical bone's CT number (≈ +1930 HU at 60 keV)
    soft = water * (1.0 + hu / 1000.0)
    hard = water + (bone - water) * hu / hu_bone
    return np.clip(np.where(hu <= 0, soft, hard), 0.0, None)


def attenuation_factors(mu_per_pixel: np.ndarray, theta_deg: np.ndarray) -> np.ndarray:
    """Survival probability of the photon pairs along every line of response of a parallel-beam PET sinogram.

    Parameters
    ----------
    mu_per_pixel : ndarray, (N, N)
        Attenuation map at 511 keV times the pixel size (dimensionless per pixel).
    theta_deg : ndarray, (n_views,)
        Projection angles in degrees.

    Returns
    -------
    ndarray, (detector bins, n_views), float64
        ``exp(−∫ μ dl)`` over the *whole* line: both photons of a pair must leave the body, so together they
        cross it from edge to edge wherever the annihilation happened. PET corrects by dividing each line's counts
        by this factor, which the CT image measures.
    """
    from skimage.transform import radon

    mu = mod._as_float_array(mu_per_pixel, "mu_per_pixel")
    if mu.ndim != 2 or mu.shape[0] != mu.shape[1] or np.any(mu < 0):
        raise ValueError(f"mu_per_pixel must be a square 2D map of values >= 0, got shape {mu.shape}")
    return np.exp(-radon(mu, theta=np.asarray(theta_deg, np.float64), circle=True))
