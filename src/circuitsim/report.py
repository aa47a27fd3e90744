"""The prediction table: printed for the user, written as predictions.json for other tools.

Predictions are shown in two groups, simulated findings and construction checks; a derived prediction (the same
measure through a fixed monotone map) is shown under its source but not counted, and a declared known miss is
marked as such. The headline counts what the model found: "9 of 11 simulated predictions held".
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

GROUPS = (("simulated", "Simulated predictions (emerge from the dynamics)"),
          ("construction", "Construction checks (follow from how a manipulation or readout is defined)"))


def verdict(o) -> str:
    """held / NOT HELD, with a known miss and an overshoot marked."""
    text = "held" if o.held else "NOT HELD"
    if o.known_miss:
        text += " (known miss)" if not o.held else " (known miss held!)"
    if o.detail.get("overshoot"):
        text += " (overshoot)"
    return text


def table(outcomes: list) -> str:
    """Fixed-width tables per basis (id, verdict, effect, 95% CI, n, claim) and the headline."""
    lines = []
    for basis, title in GROUPS:
        group = [o for o in outcomes if o.basis == basis]
        if not group:
            continue
        lines += [title, f"{'prediction':<28} {'verdict':<22} {'effect':>9} {'95% CI':>21} {'n':>4}  claim"]
        for o in group:
            ci = f"[{_fmt(o.ci_low)}, {_fmt(o.ci_high)}]"
            name = o.id if not o.derived_from else f"  {o.id}"
            claim = o.claim if not o.derived_from else f"{o.claim} (derived from {o.derived_from}: not counted)"
            lines.append(f"{name:<28} {verdict(o):<22} {_fmt(o.effect):>9} {ci:>21} {o.n:>4}  {claim}")
        lines.append("")
    lines.append(headline(outcomes))
    misses = [o for o in outcomes if o.known_miss]
    for o in misses:
        lines.append(f"known miss {o.id}: {o.known_miss}")
    return "\n".join(lines)


def headline(outcomes: list) -> str:
    """'9 of 11 simulated predictions held; 7 of 7 construction checks pass' (derived ones not counted)."""
    counted = [o for o in outcomes if not o.derived_from]
    sim = [o for o in counted if o.basis == "simulated"]
    con = [o for o in counted if o.basis == "construction"]
    text = (f"{sum(o.held for o in sim)} of {len(sim)} simulated predictions held; "
            f"{sum(o.held for o in con)} of {len(con)} construction checks pass")
    derived = len(outcomes) - len(counted)
    misses = sum(1 for o in counted if o.known_miss and not o.held)
    if misses:
        text += f" ({misses} declared known miss{'es' if misses > 1 else ''} among them)"
    if derived:
        text += f"; {derived} derived not counted"
    return text


def replicate_table(rows: list[dict]) -> str:
    """Per prediction: share of replicate cohorts in which it held, pooled effect and CI (rows from
    :func:`circuitsim.replicates.summarise`)."""
    lines = [f"{'prediction':<28} {'basis':<12} {'held in':>9} {'pooled effect':>14} {'95% CI':>21}  note"]
    for r in rows:
        ci = f"[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"
        note = "; ".join(x for x in (f"derived from {r['derived_from']}" if r["derived_from"] else "",
                                     "known miss" if r["known_miss"] else "",
                                     "fragile" if r["fragile"] else "") if x)
        lines.append(f"{r['id']:<28} {r['basis']:<12} {r['held']:>4}/{r['replicates']:<4} {_fmt(r['effect']):>14} "
                     f"{ci:>21}  {note}")
    return "\n".join(lines)


def write_json(outcomes: list, path: Path) -> None:
    """Atomic write of predictions.json (list of objects: id, claim, held, effect, ci_low, ci_high, n, kind,
    measure, basis, known_miss, derived_from, detail)."""
    write_records([o.as_dict() for o in outcomes], path)


def write_records(records, path: Path) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(_clean(records), indent=2) + "\n")
    os.replace(tmp, path)


def _clean(obj):
    if hasattr(obj, "item") and not isinstance(obj, (list, dict)):  # numpy scalar
        obj = obj.item()
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _fmt(x: float) -> str:
    return "nan" if x is None or not math.isfinite(x) else f"{x:.3g}"
