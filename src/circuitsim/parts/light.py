"""Light from an optical fibre into tissue: the transmittance model of Foutz et al. 2012 (J Neurophysiol 107:3235),
as implemented in cleosim 0.20 (``cleo.light.fiber473nm``, ``OpticFiber``).

The fraction of the tip irradiance reaching a point at radial distance r from the fibre axis and depth z below
the tip is T = G * C * M:

- geometric spread of a cone of half-angle theta = arcsin(NA/n): radius R(z) = R0 + z tan(theta), C = (R0/R(z))^2;
- Gaussian radial profile G = exp(-2 (r/R(z))^2) / sqrt(2 pi) (cleosim keeps the 1/sqrt(2 pi) factor, so
  T = 0.399 on the axis at the tip);
- Kubelka-Munk scattering and absorption over the distance d = sqrt(r^2 + z^2), with a = 1 + K/S,
  b = sqrt(a^2 - 1): M = b / (a sinh(b S d) + b cosh(b S d)).

T is 0 above the tip (z < 0).
"""

from __future__ import annotations

import brian2
import numpy as np

#: Unit of every constant of a fibre library entry (configs/opsins/library.yaml).
FIBER_UNITS = {"R0": "mm", "NA": "1", "K": "1/mm", "S": "1/mm", "n": "1"}


def _plain(value, unit: str) -> float:
    """A float in the unit of ``FIBER_UNITS`` (mm, 1/mm or plain), from a float or a parsed Quantity."""
    if isinstance(value, brian2.Quantity) and not brian2.get_dimensions(value).is_dimensionless:
        return float(value / {"mm": brian2.mm, "1/mm": 1 / brian2.mm}[unit])
    return float(value)


def fiber_transmittance(r_mm, z_mm, spec: dict) -> np.ndarray:
    """Fraction of the tip irradiance at radial distance ``r_mm`` and depth ``z_mm`` (mm) from the fibre tip."""
    R0, NA, K, S, n = (_plain(spec[key], unit) for key, unit in FIBER_UNITS.items())
    r, z = np.broadcast_arrays(np.asarray(r_mm, dtype=float), np.asarray(z_mm, dtype=float))
    below = z >= 0
    z = np.where(below, z, 0.0)  # keep R(z) positive above the tip; those points are zeroed below
    radius = R0 + z * np.tan(np.arcsin(NA / n))
    spread = (R0 / radius) ** 2
    gaussian = np.exp(-2 * (r / radius) ** 2) / np.sqrt(2 * np.pi)
    a = 1 + K / S
    b = np.sqrt(a**2 - 1)
    bsd = b * S * np.sqrt(r**2 + z**2)
    kubelka_munk = b / (a * np.sinh(bsd) + b * np.cosh(bsd))
    return np.where(below, gaussian * spread * kubelka_munk, 0.0)
