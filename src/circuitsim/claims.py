"""Claim traceability: one generated table from each seed sheet's claims to the predictions that test them.

    python -m circuitsim.claims            # write seeds/CLAIMS.md (run from the repository root, or pass --root)
    python -m circuitsim.claims --check    # exit 1 if seeds/CLAIMS.md is out of date or a link is broken

A seed sheet is ``seeds/NNN_<name>.md``: its claims are the numbered list under "The study's claims, in our words";
a claim no prediction tests is declared under "Claims without a prediction" as ``- <n>: <reason>``. Each
experiment names its sheet (``experiment.seed_sheet``) and each prediction the claims it tests (``claims: [n, ...]``,
or ``extension`` for a prediction of the model's own). A row per (claim, prediction) gives how it is tested, its
basis, the verdict and effect recomputed from the stored table ``figures/<experiment>.csv`` (the experiment's seed
and n_boot; :func:`circuitsim.replicates.evaluate_all`), the pytest test that takes the prediction (found by
collecting ``tests/``, every marker) and the figures in ``figures/`` that draw its measure. A broken link stops
both modes with one line: a claim neither tested nor declared untested, an untested declaration of a tested claim,
a prediction without claims or naming a claim its sheet lacks, an experiment without a sheet, a cited test that
does not exist.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from .config import ConfigError, experiment_names, prepare_experiment
from .predictions import EXTENSION
from .replicates import evaluate_all

CLAIMS_HEADING = "## The study's claims, in our words"
UNTESTED_HEADING = "## Claims without a prediction"
SHEET_GLOB = "[0-9][0-9][0-9]_*.md"
OUTPUT = Path("seeds") / "CLAIMS.md"
COMMAND = "python -m circuitsim.claims"
SHORT = 100  # characters of a claim's text in the table
TEST_REF = r"tests/[\w/]+\.py::\w+"  # a test cited in a sheet's text
SIGNS = {"greater": ">", "less": "<", "differs": "≠", "similar": "≈"}
COLUMNS = ("Claim", "Experiment", "Prediction", "Tested as", "Basis", "Verdict", "Effect [95% CI]", "Test", "Figure")


class ClaimsError(ValueError):
    """A broken link between claims, predictions, tests and stored results; the message is one line."""


@dataclass
class Sheet:
    name: str  # file stem, e.g. 000_grik4
    title: str  # its first heading
    claims: dict[int, str]  # number -> text
    untested: dict[int, str]  # number -> reason it has no prediction


def read_sheet(path: Path) -> Sheet:
    """A seed sheet's title, numbered claims and declared untested claims."""
    lines = path.read_text().splitlines()
    claims = _items(_section(lines, CLAIMS_HEADING), r"(\d+)\.\s+(.*)")
    if not claims:
        raise ClaimsError(f"{path}: no numbered claims under '{CLAIMS_HEADING}'")
    if list(claims) != list(range(1, len(claims) + 1)):
        raise ClaimsError(f"{path}: claims must be numbered 1, 2, ... in order (found {list(claims)})")
    title = next((ln[2:].strip() for ln in lines if ln.startswith("# ")), path.stem)
    return Sheet(path.stem, title, claims, _items(_section(lines, UNTESTED_HEADING), r"- (\d+):\s+(.*)") or {})


def _section(lines: list[str], heading: str) -> list[str] | None:
    """The lines under ``heading`` up to the next heading of its level (None: no such heading)."""
    if heading not in lines:
        return None
    body = lines[lines.index(heading) + 1:]
    end = next((k for k, ln in enumerate(body) if ln.startswith("## ")), len(body))
    return body[:end]


def _items(lines: list[str] | None, pattern: str) -> dict[int, str] | None:
    """{number: text} of the list items matching ``pattern`` (number, first line); indented lines continue one."""
    if lines is None:
        return None
    items, current = {}, None
    for line in lines:
        found = re.fullmatch(pattern, line)
        if found:
            current = int(found.group(1))
            items[current] = found.group(2).strip()
        elif current is not None and line.startswith(" ") and line.strip():
            items[current] += " " + line.strip()
        else:
            current = None
    return items


def sheets(root: Path) -> dict[str, Sheet]:
    """Every seed sheet of ``root/seeds``, by name."""
    return {p.stem: read_sheet(p) for p in sorted((root / "seeds").glob(SHEET_GLOB))}


def experiments() -> dict[str, dict]:
    """Every experiment the package defines, prepared with its default config."""
    try:
        return {name: prepare_experiment(name) for name in experiment_names()}
    except ConfigError as exc:
        raise ClaimsError(str(exc)) from None


def links(books: dict[str, Sheet], configs: dict[str, dict]) -> dict[str, dict]:
    """Per sheet: {claim number: [(experiment, spec)]} and its extensions [(experiment, spec)]. Raises ClaimsError
    on the first broken link (with how many more there are)."""
    out = {name: {"claims": {n: [] for n in sheet.claims}, "extensions": []} for name, sheet in books.items()}
    problems = []
    for name, c in configs.items():
        sheet = c["experiment"].get("seed_sheet")
        specs = c["experiment"].get("predictions") or []
        if sheet is None:
            if specs:
                problems.append(f"experiment {name}: no experiment.seed_sheet (whose claims do its predictions test?)")
            continue
        if sheet not in books:
            problems.append(f"experiment {name}: seed_sheet {sheet!r} is not a sheet in seeds/ ({', '.join(books)})")
            continue
        for spec in specs:
            claims = spec.get("claims")
            if claims is None:
                problems.append(f"prediction {spec['id']} ({name}): no claims (numbers of claims of seeds/{sheet}.md, "
                                f"or {EXTENSION})")
            elif claims == EXTENSION:
                out[sheet]["extensions"].append((name, spec))
            for n in claims if isinstance(claims, list) else []:
                if n not in books[sheet].claims:
                    problems.append(f"prediction {spec['id']} ({name}): claim {n} is not a claim of seeds/{sheet}.md "
                                    f"(it has 1-{len(books[sheet].claims)})")
                else:
                    out[sheet]["claims"][n].append((name, spec))
    for name, sheet in books.items():
        for n, tested in out[name]["claims"].items():
            if not tested and n not in sheet.untested:
                problems.append(f"seeds/{name}.md: claim {n} has no prediction and is not declared untested (add "
                                f"claims: [{n}] to a prediction, or '- {n}: <reason>' under '{UNTESTED_HEADING}')")
            if tested and n in sheet.untested:
                problems.append(f"seeds/{name}.md: claim {n} is declared untested but "
                                f"{', '.join(s['id'] for _, s in tested)} test it")
        for n in sorted(set(sheet.untested) - set(sheet.claims)):
            problems.append(f"seeds/{name}.md: declares claim {n} untested, but it has no claim {n}")
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ClaimsError(problems[0] + more)
    return out


class Collector:
    """pytest plugin (see :func:`collect_tests`): writes every collected test as JSON to ``path``: its file::function,
    its slow/xfail marks, the id of the prediction spec it takes (if any) and its other text parameters."""

    def __init__(self, path: str):
        self.path = path

    def pytest_collection_finish(self, session) -> None:
        rows = []
        for item in session.items:
            params = getattr(getattr(item, "callspec", None), "params", {})
            spec = next((v for v in params.values() if isinstance(v, dict) and {"id", "kind"} <= set(v)), None)
            rows.append({"test": item.nodeid.split("[")[0], "prediction": spec["id"] if spec else None,
                         "names": [v for v in params.values() if isinstance(v, str)],
                         "marks": sorted({m.name for m in item.iter_markers()} & {"slow", "xfail"})})
        Path(self.path).write_text(json.dumps(rows))


def collect_tests(root: Path) -> list[dict]:
    """Collect ``root/tests`` with pytest in a subprocess (every marker; nothing runs): :class:`Collector`'s rows."""
    code = ("import sys, pytest; from circuitsim.claims import Collector; "
            "sys.exit(pytest.main(sys.argv[2:], plugins=[Collector(sys.argv[1])]))")
    with tempfile.TemporaryDirectory(prefix="circuitsim-claims-") as tmp:
        out = Path(tmp) / "tests.json"
        proc = subprocess.run([sys.executable, "-c", code, str(out), "--collect-only", "-q", "-m", "",
                               "-p", "no:cacheprovider", "tests"], cwd=root, capture_output=True, text=True)
        if proc.returncode != 0 or not out.exists():
            last = ([ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()] or ["no output"])[-1]
            raise ClaimsError(f"collecting the tests in {root / 'tests'} failed: {last}")
        return json.loads(out.read_text())


def tests_of(rows: list[dict], experiment: str, pid: str) -> list[str]:
    """The tests that take prediction ``pid`` of ``experiment``, each as file::function with its marks."""
    found = {}
    for r in rows:
        if r["prediction"] == pid and (not r["names"] or experiment in r["names"]):
            found[r["test"]] = f"`{r['test']}`" + (f" ({', '.join(r['marks'])})" if r["marks"] else "")
    return list(found.values())


def check_cited_tests(books: dict[str, Sheet], rows: list[dict]) -> None:
    """Every test an untested claim's reason cites (``tests/...py::name``) must exist."""
    known = {r["test"] for r in rows}
    for name, sheet in books.items():
        for n, reason in sheet.untested.items():
            for cited in re.findall(TEST_REF, reason):
                if cited not in known:
                    raise ClaimsError(f"seeds/{name}.md: untested claim {n} cites {cited}, which pytest does not collect")


def stored_outcomes(c: dict, figures: Path) -> dict | None:
    """{prediction id: Outcome} on the stored table ``figures/<experiment>.csv`` (None: no table)."""
    from .plotting.talk import from_table

    name, specs = c["experiment"]["name"], c["experiment"].get("predictions") or []
    path = figures / f"{name}.csv"
    if not path.exists():
        return None
    try:
        with warnings.catch_warnings():  # scipy's note on small samples: the verdicts already apply the small-n rule
            warnings.filterwarnings("ignore", message="Sample size too small for normal approximation")
            outcomes = evaluate_all(specs, from_table(path), int(c["seed"]), int(c["stats"]["n_boot"]))
    except (KeyError, ValueError) as exc:
        raise ClaimsError(f"{path}: cannot evaluate {name}'s predictions on it ({str(exc).splitlines()[0]}); store a "
                          "fresh run (python -m circuitsim.plotting.talk <results.nc>)") from None
    return {o.id: o for o in outcomes}


def figures_showing(c: dict, spec: dict, figures: Path) -> list[str]:
    """The figure files in ``figures`` that draw the prediction's measure(s): the condition figure, the interaction
    figure and the timeline, as the experiment's ``figure`` config lays them out."""
    exp = c["experiment"]
    name, layout = exp["name"], exp.get("figure") or {}
    measures = {spec["measure"], spec.get("measure_b", spec["measure"])}
    timeline = layout.get("timeline") or {}
    drawn = {f"{name}.png": layout.get("measures") or list(c["measures"]),
             f"{name}_interaction.png": [(layout.get("interaction") or {}).get("measure")],
             f"{name}_timeline.png": [m for key in ("stage", "network", "control") for m in timeline.get(key) or []]}
    return [f for f, shown in drawn.items() if measures & set(shown) and (figures / f).exists()]


def tested_as(spec: dict) -> str:
    """The prediction in a few words: measure, conditions and direction."""
    m, kind = spec["measure"], spec["kind"]
    if kind == "trend":
        text = f"{m} {spec['direction']} over " + ", ".join(f"{k} ({v:g})" for k, v in spec["levels"].items())
    elif kind == "correlates":
        text = f"{m} correlates with {spec['measure_b']} across {spec['a']} ({spec['direction']})"
    elif kind == "toward":
        text = f"{m}: {spec['a']} toward {spec['target']} from {spec['b']}"
    else:
        a, b, sign = _side(spec["a"]), _side(spec["b"]), SIGNS[kind]
        if "measure_b" not in spec:
            text = f"{m}: {a} {sign} {b}"
        elif a == b:
            text = f"{a}: {m} {sign} {spec['measure_b']}"
        else:
            text = f"{m} ({a}) {sign} {spec['measure_b']} ({b})"
        if kind == "similar":
            text += f" (±{spec['margin']:.0%})"
        if spec.get("at_least"):
            text += f" by at least {spec['at_least']:.0%}"
    return text + (", each cohort" if spec.get("each_cohort") else "")


def _side(value) -> str:
    return f"({value[0]} − {value[1]})" if isinstance(value, (list, tuple)) else str(value)


def verdict(outcome) -> str:
    """held / not held / known miss (declared and not held), from the stored table."""
    if outcome is None:
        return "no stored table"
    if outcome.known_miss:
        return "held (declared known miss)" if outcome.held else "known miss"
    text = "held" if outcome.held else "**not held**"
    return text + (" (overshoot)" if outcome.held and outcome.detail.get("overshoot") else "")


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _num(x) -> str:
    return "nan" if x is None or x != x else f"{x:.3g}"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT else text[: text.rfind(" ", 0, SHORT)].rstrip(",;:") + " …"


def render(books: dict[str, Sheet], linked: dict, configs: dict, outcomes: dict, rows: list[dict],
           figures: Path) -> str:
    """The Markdown of seeds/CLAIMS.md."""
    runs = sorted({(int(c["seed"]), int(c["stats"]["n_boot"])) for c in configs.values()})
    lines = [
        "# Claims, predictions, verdicts",
        "",
        f"Generated by `{COMMAND}`; do not edit. `{COMMAND} --check` (run by `tests/spine/test_claims.py`) fails when "
        "this file is out of date or a claim is neither tested nor declared untested.",
        "",
        "From each seed sheet (`seeds/NNN_*.md`): its numbered claims (short form here) and the claims it declares "
        f"untested ('{UNTESTED_HEADING[3:]}'). From each experiment (`configs/experiment/*.yaml`): its predictions "
        "and the claims they test (`claims`). **Verdict** and **effect** are recomputed from the stored table "
        "`figures/<experiment>.csv` (the table the talk figure is drawn from) with the command line's statistic "
        f"(seed, bootstrap resamples: {', '.join(f'{s}, {n}' for s, n in runs)}): held, **not held**, known miss "
        "(declared in the config and not held). Effect by kind: greater, less, differs: mean(a) − mean(b) "
        "(relative with \"by at least\"); similar: relative difference; toward: recovered fraction; trend, "
        "correlates: Spearman's rho. **Test**: the pytest test that takes the prediction (run one with "
        "`python -m pytest \"<test>[<prediction>]\"`; slow ones need `-m slow`). **Figure**: the figures in "
        "`figures/` that draw its measure.",
    ]
    for name, sheet in books.items():
        claims, extensions = linked[name]["claims"], linked[name]["extensions"]
        specs = {s["id"]: (e, s) for e, s in [pair for tested in claims.values() for pair in tested] + extensions}
        stored = [verdict(outcomes[e].get(pid) if outcomes[e] else None) for pid, (e, _) in specs.items()]
        held, missed = sum(v.startswith("held") for v in stored), sum(v == "known miss" for v in stored)
        where = ", ".join(f"`{e}`" for e in sorted({e for e, _ in specs.values()}))
        extra = f" ({_count(len(extensions), 'model extension')} among them)" if extensions else ""
        lines += ["", f"## {name}", "",
                  f"[{sheet.title}]({name}.md): {_count(len(sheet.claims), 'claim')}, "
                  f"{sum(1 for t in claims.values() if t)} tested by predictions and {len(sheet.untested)} declared "
                  f"untested; {_count(len(specs), 'prediction')}{extra} in {where}. On the stored tables {held} held, "
                  f"{len(stored) - held - missed} not held, {_count(missed, 'known miss', 'known misses')}.", "",
                  _row(COLUMNS), _row(["---"] * len(COLUMNS))]
        for n, text in sheet.claims.items():
            label = f"**{n}.** {_short(text)}"
            if not claims[n]:
                cited = "; ".join(f"`{t}`" for t in re.findall(TEST_REF, sheet.untested[n])) or "—"
                lines.append(_row([label, "—", "—", sheet.untested[n], "—", "untested", "—", cited, "—"]))
            for k, (e, spec) in enumerate(claims[n]):
                lines.append(_prediction_row(label if k == 0 else str(n), configs[e], spec, outcomes[e], rows, figures))
        if extensions:
            lines += ["", "Model extensions (predictions of our own, no claim of the study):", "",
                      _row(COLUMNS), _row(["---"] * len(COLUMNS))]
            lines += [_prediction_row("extension", configs[e], spec, outcomes[e], rows, figures) for e, spec in extensions]
    return "\n".join(lines) + "\n"


def _prediction_row(label: str, c: dict, spec: dict, outcomes: dict | None, rows: list[dict], figures: Path) -> str:
    name = c["experiment"]["name"]
    o = outcomes.get(spec["id"]) if outcomes else None
    basis = spec["basis"] + (f" (derived from `{spec['derived_from']}`)" if spec.get("derived_from") else "")
    effect = f"{_num(o.effect)} [{_num(o.ci_low)}, {_num(o.ci_high)}]" if o else "—"
    shown = ", ".join(f"[{f}](../figures/{f})" for f in figures_showing(c, spec, figures)) or "—"
    return _row([label, f"`{name}`", f"`{spec['id']}`", tested_as(spec), basis, verdict(o), effect,
                 "; ".join(tests_of(rows, name, spec["id"])) or "none", shown])


def _row(cells) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def generate(root: Path) -> str:
    """The text of seeds/CLAIMS.md for the repository at ``root``. Raises ClaimsError on a broken link."""
    if not (root / "seeds").is_dir():
        raise ClaimsError(f"no seeds/ folder in {root.resolve()} (run from the repository root or pass --root)")
    books, configs = sheets(root), experiments()
    linked = links(books, configs)
    rows = collect_tests(root)
    check_cited_tests(books, rows)
    figures = root / "figures"
    outcomes = {name: stored_outcomes(c, figures) for name, c in configs.items()}
    return render(books, linked, configs, outcomes, rows, figures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help=f"exit 1 if {OUTPUT} is out of date or a link is broken")
    parser.add_argument("--root", type=Path, default=Path("."), help="repository root (default: .)")
    args = parser.parse_args(argv)
    try:
        text = generate(args.root)
    except ClaimsError as exc:
        print(f"circuitsim: error: {exc}", file=sys.stderr)
        return 1
    path = args.root / OUTPUT
    if args.check:
        if not path.exists() or path.read_text() != text:
            print(f"circuitsim: error: {path} is out of date: regenerate it with {COMMAND}", file=sys.stderr)
            return 1
        print(f"{path} is up to date")
        return 0
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
