"""Parse unit strings from configs ("0.6 nS", "20 ms") into Brian2 quantities."""

from __future__ import annotations

import re

import brian2

_NUMBER_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z/*0-9^.\s]*)\s*$")


_UNITS = {k: v for k, v in vars(brian2.units.allunits).items() if isinstance(v, brian2.Unit)}
_UNITS.update({k: v for k, v in vars(brian2.units).items() if isinstance(v, brian2.Unit)})
_UNITS.update({"s": brian2.second, "min": 60 * brian2.second})


class UnitError(ValueError):
    """A config value that is not a number with an allowed unit."""


def quantity(value, expected: str | None = None, where: str = "value"):
    """Turn ``"0.6 nS"`` into ``0.6*nS``; check its dimensions against the unit named in ``expected``.

    A bare number is accepted only when ``expected`` is None or "1" (dimensionless).
    """
    if isinstance(value, bool):
        raise UnitError(f"{where}: {value!r} is not a number")
    if isinstance(value, (int, float)):
        q = float(value)
        if expected not in (None, "1"):
            raise UnitError(f"{where}: {value!r} needs a unit of {expected} (e.g. '{value} {expected}')")
        return q
    if not isinstance(value, str):
        raise UnitError(f"{where}: {value!r} is not a number with a unit")
    match = _NUMBER_UNIT.match(value)
    if not match:
        raise UnitError(f"{where}: cannot read {value!r} as '<number> <unit>'")
    number, unit_text = float(match.group(1)), match.group(2).strip()
    if not unit_text:
        return quantity(number, expected, where)
    try:
        unit = eval(unit_text, {"__builtins__": {}}, _UNITS)  # noqa: S307 - unit names only
    except Exception as exc:  # noqa: BLE001 - any failure means an unknown unit
        raise UnitError(f"{where}: unknown unit {unit_text!r} in {value!r}") from exc
    q = number * unit
    if expected not in (None,):
        want = 1.0 if expected == "1" else eval(expected, {"__builtins__": {}}, _UNITS)  # noqa: S307
        if not brian2.have_same_dimensions(q, want):
            raise UnitError(f"{where}: {value!r} should be in units of {expected}")
    return q
