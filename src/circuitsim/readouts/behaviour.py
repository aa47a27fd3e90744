"""Behaviour as phenomenological maps of an anxiety drive D (Hz) (BRIEF §0.5; all [A]).

No published model maps these circuits onto maze scores, so only inequalities between conditions are
findings; the absolute percentages are anchors (D50 calibrated so wild type lands in the usual C57BL/6
range), not predictions.

    open-arm time %        = 5 + 35 * (1 - s),   s = sigmoid((D - D50)/k)
    social preference      = 0.35 * (1 - s)
    immobility %           = 30 + 40 * s
"""

from __future__ import annotations

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def anxiety_behaviour(drive_hz: float, D50_hz: float, k_hz: float) -> dict:
    """Elevated-plus-maze, social-preference and forced-swim readouts from one mouse's drive."""
    s = float(sigmoid((drive_hz - D50_hz) / k_hz))
    return {
        "anxiety_drive": float(drive_hz),
        "open_arm_pct": 5.0 + 35.0 * (1.0 - s),
        "social_pref": 0.35 * (1.0 - s),
        "immobility_pct": 30.0 + 40.0 * s,
    }
