"""The prediction table: printed for the user, written as predictions.json for other tools."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path


def table(outcomes: list) -> str:
    """A fixed-width table: id, held, effect, 95% CI, n, claim."""
    lines = [f"{'prediction':<26} {'held':<9} {'effect':>9} {'95% CI':>21} {'n':>4}  claim"]
    for o in outcomes:
        held = "held" if o.held else "NOT HELD"
        ci = f"[{_fmt(o.ci_low)}, {_fmt(o.ci_high)}]"
        lines.append(f"{o.id:<26} {held:<9} {_fmt(o.effect):>9} {ci:>21} {o.n:>4}  {o.claim}")
    held = sum(o.held for o in outcomes)
    lines.append(f"{held} of {len(outcomes)} predictions held")
    return "\n".join(lines)


def write_json(outcomes: list, path: Path) -> None:
    """Atomic write of predictions.json (list of objects: id, claim, held, effect, ci_low, ci_high, n, ...)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps([_clean(o.as_dict()) for o in outcomes], indent=2) + "\n")
    os.replace(tmp, path)


def _clean(obj):
    if hasattr(obj, "item") and not isinstance(obj, (list, dict)):  # numpy scalar
        obj = obj.item()
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _fmt(x: float) -> str:
    return "nan" if x is None or not math.isfinite(x) else f"{x:.3g}"
