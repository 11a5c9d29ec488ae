"""Doppler ultrasound for ``01_modalities.ipynb``: the Doppler equation, and a pulsed-Doppler measurement of it.

- :func:`doppler_shift_hz`: ``f_D = 2·f0·v·cos θ / c``.
- :func:`slow_time_signal`: the echo of moving blood sampled once per pulse (the "slow time" of pulsed Doppler).
- :func:`peak_frequency_hz`: the frequency of that signal, read from its spectrum.
"""

from __future__ import annotations

import math

import numpy as np

from . import modalities as mod

__all__ = ["doppler_shift_hz", "slow_time_signal", "peak_frequency_hz"]


def doppler_shift_hz(velocity_m_s, *, f0_mhz: float, angle_deg, c_m_s: float = mod.SPEED_OF_SOUND_M_S):
    """Frequency shift of an echo from a scatterer moving at ``velocity_m_s``: ``2·f0·v·cos θ / c``.

    Parameters
    ----------
    velocity_m_s : float or ndarray
        Speed of the blood, m/s (positive towards the probe).
    f0_mhz : float
        Transmitted frequency, MHz.
    angle_deg : float or ndarray
        Angle between the beam and the direction of flow (insonation angle), degrees.
    c_m_s : float
        Speed of sound (default 1540 m/s, soft tissue).

    Returns
    -------
    float or ndarray
        Doppler shift in Hz; the factor 2 is there because the sound travels to the moving blood and back.

    Examples
    --------
    >>> round(float(doppler_shift_hz(0.5, f0_mhz=5.0, angle_deg=60)))
    1623
    """
    f0 = mod._positive(f0_mhz, "f0_mhz") * 1e6
    c = mod._positive(c_m_s, "c_m_s")
    return 2.0 * f0 * np.asarray(velocity_m_s, np.float64) * np.cos(np.deg2rad(angle_deg)) / c


def slow_time_signal(velocity_m_s: float, *, f0_mhz: float, angle_deg: float, prf_hz: float, n_pulses: int,
                     noise: float = 0.0, seed: int = 0, c_m_s: float = mod.SPEED_OF_SOUND_M_S) -> np.ndarray:
    """The complex (I/Q) echo of one depth, sampled once per transmitted pulse, from blood moving at ``v``.

    Parameters
    ----------
    velocity_m_s, f0_mhz, angle_deg, c_m_s
        As in :func:`doppler_shift_hz`.
    prf_hz : float
        Pulse repetition frequency (samples per second of the slow-time signal).
    n_pulses : int
        Number of pulses (>= 8).
    noise : float
        Standard deviation of complex Gaussian noise added (the echo has amplitude 1).
    seed : int
        Seed of the noise and of the echo's starting phase.

    Returns
    -------
    ndarray, (n_pulses,), complex128
        ``exp(i·(φ0 + 4π f0 (v cos θ) t / c))`` + noise: between two pulses the blood moves ``v cos θ / PRF``
        along the beam, which changes the round-trip path, hence the echo's phase, by twice that distance.
    """
    if int(n_pulses) < 8:
        raise ValueError(f"n_pulses must be >= 8, got {n_pulses}")
    prf = mod._positive(prf_hz, "prf_hz")
    rng = np.random.default_rng(seed)
    t = np.arange(int(n_pulses)) / prf
    axial = float(velocity_m_s) * math.cos(math.radians(angle_deg))  # m/s along the beam
    path = 2.0 * axial * t  # extra round-trip path, m
    phase = rng.uniform(0, 2 * math.pi) + 2 * math.pi * mod._positive(f0_mhz, "f0_mhz") * 1e6 * path / c_m_s
    signal = np.exp(1j * phase)
    if noise > 0:
        signal = signal + noise * (rng.standard_normal(t.size) + 1j * rng.standard_normal(t.size)) / math.sqrt(2)
    return signal


def peak_frequency_hz(signal: np.ndarray, *, prf_hz: float, zero_pad: int = 8) -> float:
    """Frequency (Hz) of the strongest component of a complex slow-time signal, between −PRF/2 and +PRF/2."""
    signal = np.asarray(signal)
    if signal.ndim != 1 or signal.size < 8:
        raise ValueError(f"signal must be 1D with >= 8 samples, got shape {signal.shape}")
    n = signal.size * max(1, int(zero_pad))
    spectrum = np.abs(np.fft.fft(signal * np.hanning(signal.size), n=n))
    return float(np.fft.fftfreq(n, d=1.0 / mod._positive(prf_hz, "prf_hz"))[np.argmax(spectrum)])
