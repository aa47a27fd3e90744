"""Parse unit strings from configs ("0.6 nS", "20 ms") into Brian2 quantities, once, at the config boundary.

:func:`parse_tree` turns every ``"<number> <unit>"`` string of a config tree into a Brian2 Quantity and checks
its dimensions against the units declared for its key; parts and readouts then use the quantities as they are.
"""

from __future__ import annotations

import fnmatch
import re

import brian2

_NUMBER_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z/*0-9^.\s]*)\s*$")


_UNITS = {k: v for k, v in vars(brian2.units.allunits).items() if isinstance(v, brian2.Unit)}
_UNITS.update({k: v for k, v in vars(brian2.units).items() if isinstance(v, brian2.Unit)})
DAY = 86400.0  # seconds in the unit "day" (slow stages count in days)
_UNITS.update({"s": brian2.second, "min": 60 * brian2.second, "day": DAY * brian2.second, "mW": brian2.mwatt,
               "W": brian2.watt})


class UnitError(ValueError):
    """A config value that is not a number with an allowed unit."""


def quantity(value, expected: str | None = None, where: str = "value"):
    """Turn ``"0.6 nS"`` into ``0.6*nS``; check its dimensions against the unit named in ``expected``.

    A bare number is accepted only when ``expected`` is None or "1" (dimensionless). A value that is already a
    Quantity (parsed at the boundary) is only checked.
    """
    if isinstance(value, brian2.Quantity) and not brian2.get_dimensions(value).is_dimensionless:
        want = 1.0 if expected == "1" else (None if expected is None else eval(expected, {"__builtins__": {}}, _UNITS))  # noqa: S307
        if want is not None and not brian2.have_same_dimensions(value, want):
            raise UnitError(f"{where}: {value!r} should be " + ("a plain number" if expected == "1"
                                                                  else f"in units of {expected}"))
        return value
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


def parse_tree(tree, declared: dict[str, str], path: str = "", parse=lambda path: True):
    """A copy of ``tree`` (dicts and lists) with every unit string parsed into a Quantity.

    ``declared`` maps key patterns (dotted paths, ``*`` for any one part, list items by index) to the unit a
    value there must carry: a declared key with a bare number or a value of other dimensions is an error. Unit
    strings at undeclared keys for which ``parse(path)`` is true are parsed without a dimension check (text that is
    no unit stays text); other values are left as they are.
    """
    if isinstance(tree, dict):
        return {k: parse_tree(v, declared, f"{path}.{k}" if path else str(k), parse) for k, v in tree.items()}
    if isinstance(tree, list):
        return [parse_tree(v, declared, f"{path}.{k}", parse) for k, v in enumerate(tree)]
    unit = declared_unit(path, declared)
    if unit is not None and (isinstance(tree, str) or (isinstance(tree, (int, float)) and not isinstance(tree, bool))):
        return quantity(tree, unit, path)
    if isinstance(tree, str) and parse(path) and _NUMBER_UNIT.match(tree) and _NUMBER_UNIT.match(tree).group(2).strip():
        try:
            return quantity(tree, None, path)
        except UnitError:  # text that only looks like a number and a unit ("2 mice") stays text
            return tree
    return tree


def declared_unit(path: str, declared: dict[str, str]) -> str | None:
    """The unit declared for a dotted ``path`` (first matching pattern whose parts all match), or None."""
    parts = path.split(".")
    for pattern, unit in declared.items():
        pat = pattern.split(".")
        if len(pat) == len(parts) and all(fnmatch.fnmatchcase(p, q) for p, q in zip(parts, pat)):
            return unit
    return None
