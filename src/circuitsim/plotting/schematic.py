"""A circuit schematic drawn from its prepared config: populations as circles (area ~ number of neurons, the count
under the label), each connection an arrow whose head shows its sign (pointed: excitatory, flat bar: inhibitory),
input groups (afferent groups, stimulus groups of the circuit module) as small dashed circles, other groups of the
circuit module as small squares, and the parts a set of manipulations acts on highlighted.

The sign of a connection comes from the receptors it drives: its weight channels map to receptors through the
post population's ``receptors``; a receptor reversing below ``INHIBITORY_BELOW`` is inhibitory (GABA_A, -70 to
-80 mV), above it excitatory (glutamate, 0 mV); a connection driving both kinds is drawn mixed (no head).

Layout (deterministic, from the graph): each weakly connected part of the circuit is laid out on its own, left
to right, the parts stacked; a column per layer of the longest path over its strongly connected groups (a local
circuit with reciprocal connections shares one column). In a column, nodes fed from earlier columns come first,
ordered by the mean height of their inputs and level with them, then the others (ties: config order). Labels and
self-loops go on the side of a node freest of its edges. Hints (``figure.summary.schematic``): ``layers`` pins
groups to columns (top to bottom as listed), ``labels`` names groups the config does not label, ``links`` adds
couplings the circuit module builds (e.g. neurons -> astrocytes -> arteriole), drawn dashed.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402

from ..config import circuit_groups  # noqa: E402
from ..interventions import SIGNAL_OWNER, touched  # noqa: E402
from ..parts.background import sources  # noqa: E402

INHIBITORY_BELOW = -0.050  # V: receptors reversing below -50 mV inhibit (GABA_A -70..-80 mV [L]; glutamate 0 mV [L])
R_MAX = 0.34  # radius of the largest population (layout units: columns DX apart)
R_INPUT = 0.09  # radius of an input node (afferent fibres are not neurons: not sized by count)
DX, GAP = 1.45, 0.6  # column spacing; free space between stacked nodes (room for their labels)
MAX_STRETCH = 2.0  # the most a wide layout is spread vertically to fill its panel
HIGHLIGHT = "#D55E00"  # Okabe-Ito vermillion: the manipulated parts
LABEL_SIDES = (270, 0, 180, 90, 315, 225, 45, 135)  # degrees: where a label may go, in order of preference
LOOP_SIDES = (90, 135, 45, 180, 0, 225, 315, 270)  # where a self-loop may go, in order of preference
LABEL_SPREAD = (15, 40)  # degrees either side of its direction a label covers, beside / above or below its node
EXCITATORY, INHIBITORY, MIXED = "0.25", "#0072B2", "0.45"  # edge colours (Okabe-Ito blue for inhibition)


@dataclass(frozen=True)
class Node:
    name: str
    label: str
    kind: str  # "population", "input" (only sends: afferent groups, stimulus groups) or "part" (a module's group)
    n: int | None  # neurons of a population (fibres of an afferent group); None for a part
    highlighted: bool


@dataclass(frozen=True)
class Edge:
    pre: str
    post: str
    sign: int  # +1 excitatory, -1 inhibitory, 0 mixed or a link (a coupling given as a hint)
    connections: tuple  # the connections it stands for (empty for a link)
    highlighted: bool


@dataclass
class Schematic:
    nodes: dict  # name -> Node, in config order
    edges: list  # Edge
    positions: dict  # name -> (x, y)
    radii: dict  # name -> radius (layout units)


def sign(connection: dict, populations: dict, receptors: dict) -> int:
    """+1 if every receptor the connection drives is excitatory, -1 if every one is inhibitory, else 0."""
    post = populations.get(connection["post"]) or {}
    kinds = set()
    for channel in connection["weights"]:
        receptor = (post.get("receptors") or {}).get(channel)
        if receptor not in receptors:
            raise ValueError(f"connection {connection['pre']}->{connection['post']}: channel {channel!r} maps to no "
                             "receptor of the post population")
        kinds.add(float(receptors[receptor]["E_rev"]) < INHIBITORY_BELOW)
    return 0 if len(kinds) != 1 else (-1 if kinds.pop() else 1)


def circuit_graph(c: dict, highlight=(), hints: dict | None = None) -> Schematic:
    """Nodes, signed edges and positions of the circuit of the prepared config ``c``; ``highlight``: names of
    manipulations or of circuit parts (populations, afferent groups, connections); ``hints``: as the module says."""
    circuit, hints = c["circuit"], hints or {}
    pops, afferents, conns = circuit["populations"], circuit.get("afferents") or {}, circuit["connections"]
    marked_groups, marked_conns = _touched(circuit, highlight)
    edges = []
    for name, spec in conns.items():
        s = sign(spec, pops, c["receptors"])
        same = next((k for k, e in enumerate(edges) if (e.pre, e.post, e.sign) == (spec["pre"], spec["post"], s)), None)
        if same is None:
            edges.append(Edge(spec["pre"], spec["post"], s, (name,), name in marked_conns))
        else:  # two connections between the same groups with the same sign: one arrow
            e = edges[same]
            edges[same] = Edge(e.pre, e.post, s, (*e.connections, name), e.highlighted or name in marked_conns)
    edges += [Edge(a, b, 0, (), False) for a, b in hints.get("links") or []]
    drawn = {n for e in edges for n in (e.pre, e.post)} | set(pops) | set(afferents) | marked_groups
    unknown = sorted(drawn - set(circuit_groups(circuit)))
    if unknown:
        raise ValueError(f"schematic: {unknown[0]!r} is not a group of circuit {circuit['name']!r}")
    labels = hints.get("labels") or {}
    nodes = {}
    for name in circuit_groups(circuit):
        if name not in drawn:
            continue
        spec = pops.get(name) or afferents.get(name) or {}
        receives = any(e.post == name for e in edges)
        kind = "population" if name in pops else ("input" if not receives else "part")
        n = int(spec["n"]) if "n" in spec else None
        nodes[name] = Node(name, labels.get(name) or spec.get("label") or name, kind, n, name in marked_groups)
    n_max = max(node.n for node in nodes.values() if node.kind == "population")
    radii = {k: R_MAX * np.sqrt(v.n / n_max) if v.kind == "population" else R_INPUT * (1.4 if v.kind == "part" else 1)
             for k, v in nodes.items()}
    positions = _layout(list(nodes), edges, radii, hints.get("layers") or [])
    return Schematic(nodes, edges, positions, radii)


def _touched(circuit: dict, highlight) -> tuple[set, set]:
    """Groups and connections that the named manipulations act on (or that are named themselves). A signal marks
    the groups it drives (gated afferents and background sources, inputs reading it); a named gain of a population
    that scales its connections (``pre_gain``) marks those connections."""
    library, conns = circuit.get("manipulations") or {}, circuit["connections"]
    groups, marked = set(), set()
    for name in highlight:
        if name in conns:
            marked.add(name)
            continue
        if name not in library:
            groups.add(name)
            continue
        for step in library[name]:
            for owner, variable in touched(step):
                if owner in conns:
                    marked.add(owner)
                elif owner == SIGNAL_OWNER:
                    groups |= _driven_by(circuit, variable)
                else:
                    groups.add(owner)
                    marked |= {k for k, s in conns.items() if s["pre"] == owner and s.get("pre_gain") == variable}
    return groups, marked


def _driven_by(circuit: dict, signal: str) -> set:
    """Groups a signal drives: afferent groups it gates, populations with a background source it gates or an input
    slot reading it."""
    out = {k for k, a in (circuit.get("afferents") or {}).items() if a.get("gate") == signal}
    for name, pop in circuit["populations"].items():
        gated = any(src.get("gate") == signal for src in sources(pop.get("background")).values())
        if gated or any((slot or {}).get("signal") == signal for slot in (pop.get("inputs") or {}).values()):
            out.add(name)
    return out


def _layout(order: list, edges: list, radii: dict, layers: list) -> dict:
    """Positions: components stacked top to bottom, each in columns (module docstring)."""
    succ = {n: [] for n in order}
    for e in edges:
        if e.pre != e.post and e.post not in succ[e.pre]:
            succ[e.pre].append(e.post)
    pinned = {n: k for k, layer in enumerate(layers) for n in layer}
    rank = {n: k for layer in layers for k, n in enumerate(layer)}
    positions, top = {}, 0.0
    for component in _components(order, succ):
        column = _columns(component, succ, pinned)
        placed = _rows(component, column, succ, radii, rank)
        low = min(y - radii[n] for n, (_, y) in placed.items())
        high = max(y + radii[n] for n, (_, y) in placed.items())
        positions.update({n: (x, y - high + top) for n, (x, y) in placed.items()})
        top -= high - low + 2 * GAP
    return positions


def _components(order: list, succ: dict) -> list:
    """Weakly connected components, each in config order, ordered by their first node."""
    neighbours = {n: set(succ[n]) for n in order}
    for n in order:
        for m in succ[n]:
            neighbours[m].add(n)
    seen, out = set(), []
    for start in order:
        if start in seen:
            continue
        stack, found = [start], set()
        while stack:
            n = stack.pop()
            if n not in found:
                found.add(n)
                stack += sorted(neighbours[n] - found, key=order.index)
        seen |= found
        out.append([n for n in order if n in found])
    return out


def _columns(nodes: list, succ: dict, pinned: dict) -> dict:
    """Column of each node: pinned, or the longest path to it over the strongly connected groups."""
    group = _strong(nodes, succ)
    members, depth = {}, {}
    for n in nodes:
        members.setdefault(group[n], []).append(n)

    def level(g):
        if g not in depth:
            preds = {group[p] for p in nodes for q in succ[p] if q in members[g] and group[p] != g}
            depth[g] = max((level(p) + 1 for p in preds), default=0)
        return depth[g]

    return {n: pinned.get(n, level(group[n])) for n in nodes}


def _strong(nodes: list, succ: dict) -> dict:
    """Strongly connected groups (Tarjan); node -> group index."""
    index, low, stack, on, out = {}, {}, [], set(), {}
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in succ[v]:
            if w not in nodes:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            g = len(set(out.values()))
            while True:
                w = stack.pop()
                on.discard(w)
                out[w] = g
                if w == v:
                    break

    for v in nodes:
        if v not in index:
            visit(v)
    return out


def _rows(nodes: list, column: dict, succ: dict, radii: dict, pinned: dict) -> dict:
    """Stack each column's nodes: pinned ones first, in the order given ({node: rank}); then those fed from earlier
    columns, by the mean height of their inputs; then the others (ties: config order). The fed ones level with
    their inputs. Returns {node: (x, y)}."""
    placed = {}
    for col in sorted(set(column.values())):
        members = [n for n in nodes if column[n] == col]
        anchors = {}
        for n in members:
            ys = [placed[p][1] for p in placed if n in succ[p]]
            anchors[n] = float(np.mean(ys)) if ys else None
        members.sort(key=lambda n: (n not in pinned, pinned.get(n, 0), anchors[n] is None, -(anchors[n] or 0.0),
                                    nodes.index(n)))
        ys = [0.0]
        for above, below in zip(members, members[1:]):
            ys.append(ys[-1] - radii[above] - GAP - radii[below])
        fed = [k for k, n in enumerate(members) if anchors[n] is not None]
        shift = np.mean([anchors[members[k]] - ys[k] for k in fed]) if fed else -(ys[0] + ys[-1]) / 2
        placed.update({n: (col * DX, float(y + shift)) for n, y in zip(members, ys)})
    return placed


def draw(ax, graph: Schematic, fontsize: float = 10) -> None:
    """Draw the schematic on ``ax`` (equal aspect, no axes)."""
    patches, loops = {}, {}
    for name, node in graph.nodes.items():
        (x, y), r = graph.positions[name], graph.radii[name]
        edge = HIGHLIGHT if node.highlighted else "0.3"
        face = "#F6C9A8" if node.highlighted else ("0.88" if node.kind == "population" else "white")
        lw = 2.6 if node.highlighted else 1.0
        if node.kind == "part":
            patch = FancyBboxPatch((x - r, y - r), 2 * r, 2 * r, boxstyle=f"round,pad=0,rounding_size={r / 3}",
                                   facecolor=face, edgecolor=edge, lw=lw, zorder=3)
        else:
            patch = Circle((x, y), r, facecolor=face, edgecolor=edge, lw=lw, zorder=3,
                           linestyle="-" if node.kind == "population" else (0, (2, 1.5)))
        ax.add_patch(patch)
        patches[name] = patch
        text = node.label if node.kind != "population" else f"{node.label}\n{node.n}"
        a, loops[name] = _sides(graph, name)
        dx, dy = np.cos(a), np.sin(a)
        size = fontsize * (1 if node.kind == "population" else 0.85)
        ax.text(x + (r + 0.05) * dx, y + (r + 0.04) * dy, text, fontsize=size,
                ha="center" if abs(dx) < 0.5 else ("left" if dx > 0 else "right"),
                va="center" if abs(dy) < 0.5 else ("bottom" if dy > 0 else "top"),
                color=HIGHLIGHT if node.highlighted else "0.1", zorder=5, linespacing=1.0)
    for e in graph.edges:
        if e.pre == e.post:
            _loop(ax, graph, e, loops[e.pre])
            continue
        ax.add_patch(FancyArrowPatch(graph.positions[e.pre], graph.positions[e.post], patchA=patches[e.pre],
                                     patchB=patches[e.post], connectionstyle=f"arc3,rad={_bend(graph, e)}",
                                     shrinkA=2, shrinkB=3, zorder=2, **edge_style(e)))


def _bend(graph: Schematic, e: Edge) -> float:
    """Curvature of an edge (matplotlib's arc3 ``rad``): reciprocal edges bow apart; an edge within a column bows
    out past the nodes in between."""
    (x0, y0), (x1, y1) = graph.positions[e.pre], graph.positions[e.post]
    rad = 0.2 if any((o.pre, o.post) == (e.post, e.pre) for o in graph.edges) else 0.0
    if abs(x0 - x1) < 1e-9:
        between = sum(1 for x, y in graph.positions.values() if abs(x - x0) < 1e-9 and min(y0, y1) < y < max(y0, y1))
        rad = (0.35 + 0.2 * between) * (1 if rad else np.sign(y0 - y1))
    return float(rad)


def _departure(graph: Schematic, e: Edge, name: str) -> float:
    """The angle at which edge ``e`` leaves (or reaches) node ``name``: toward the arc's middle control point."""
    (x0, y0), (x1, y1) = graph.positions[e.pre], graph.positions[e.post]
    rad, dx, dy = _bend(graph, e), x1 - x0, y1 - y0
    cx, cy = (x0 + x1) / 2 + rad * dy, (y0 + y1) / 2 - rad * dx  # as matplotlib's arc3 places it
    x, y = graph.positions[name]
    return float(np.arctan2(cy - y, cx - x))


def edge_style(e: Edge) -> dict:
    """Arrow head by sign (pointed, bar, none), colour by sign or highlight, dashed for a link."""
    colour = HIGHLIGHT if e.highlighted else {1: EXCITATORY, -1: INHIBITORY, 0: MIXED}[e.sign]
    head = {1: "-|>,head_length=0.5,head_width=0.3", -1: "-[,widthB=0.55,lengthB=0", 0: "-"}[e.sign]
    if not e.connections:
        head = "-|>,head_length=0.4,head_width=0.25"
    return {"arrowstyle": head, "color": colour, "lw": 2.4 if e.highlighted else 1.3, "mutation_scale": 14,
            "linestyle": "--" if not e.connections else "-"}


def _sides(graph: Schematic, name: str) -> tuple[float, float | None]:
    """Directions (radians) of a node's label and self-loop (None without one), chosen together from
    ``LABEL_SIDES`` and ``LOOP_SIDES`` to keep both as far as possible from the node's edges and from each other,
    a label counting its width (:func:`_spread`); ties go to the earlier choice in those lists."""
    edges = [_departure(graph, e, name) for e in graph.edges if name in (e.pre, e.post) and e.pre != e.post]

    def apart(a, angles):
        return min((abs((a - b + np.pi) % (2 * np.pi) - np.pi) for b in angles), default=np.pi)

    labels, loops = np.deg2rad(LABEL_SIDES), np.deg2rad(LOOP_SIDES)
    if not any(e.pre == e.post == name for e in graph.edges):
        return float(max(labels, key=lambda a: apart(a, edges) - _spread(a))), None
    pairs = [(a, b) for a in labels for b in loops]
    best = max(pairs, key=lambda ab: min(apart(ab[0], edges) - _spread(ab[0]), apart(ab[1], edges),
                                         apart(ab[1], [ab[0]]) - _spread(ab[0])))
    return float(best[0]), float(best[1])


def _spread(a: float) -> float:
    """Half the angle a label at direction ``a`` covers seen from its node (radians): a label above or below is
    centred on the node and spreads sideways; one beside it runs away from the node."""
    return float(np.deg2rad(LABEL_SPREAD[0] + (LABEL_SPREAD[1] - LABEL_SPREAD[0]) * abs(np.sin(a))))


def _loop(ax, graph: Schematic, e: Edge, a: float) -> None:
    """A self-connection: a small loop on the node's side ``a`` (radians)."""
    (x, y), r = graph.positions[e.pre], graph.radii[e.pre]
    rho = 0.11 + 0.15 * r
    d = r + 0.5 * rho
    centre = np.array([x, y]) + d * np.array([np.cos(a), np.sin(a)])
    beta = np.arccos((rho**2 + d**2 - r**2) / (2 * rho * d))
    back = a + np.pi
    phi = np.linspace(back + beta, back + 2 * np.pi - beta, 40)
    path = MplPath(np.column_stack([centre[0] + rho * np.cos(phi), centre[1] + rho * np.sin(phi)]))
    ax.add_patch(FancyArrowPatch(path=path, zorder=2, shrinkA=0, shrinkB=0, **edge_style(e)))


def schematic(ax, c: dict, highlight=(), hints: dict | None = None, fontsize: float = 10,
              aspect: float | None = None) -> Schematic:
    """Draw the circuit of the prepared config ``c`` on ``ax`` (see :func:`circuit_graph`); returns the graph.
    ``aspect``: a wide layout is spread vertically (node centres only, up to ``MAX_STRETCH``-fold) toward this
    height / width, to fill a taller panel."""
    graph = circuit_graph(c, highlight, hints)
    if aspect:
        xs = [x for x, _ in graph.positions.values()]
        ys = [y for _, y in graph.positions.values()]
        width, height = max(xs) - min(xs) + 2 * R_MAX, max(ys) - min(ys) + 2 * R_MAX
        factor = float(np.clip(aspect * width / height, 1.0, MAX_STRETCH))
        graph.positions = {n: (x, y * factor) for n, (x, y) in graph.positions.items()}
    draw(ax, graph, fontsize)
    xs = [x for x, _ in graph.positions.values()]
    ys = [y for _, y in graph.positions.values()]
    ax.set_xlim(min(xs) - R_MAX - 0.35, max(xs) + R_MAX + 0.35)
    ax.set_ylim(min(ys) - R_MAX - 0.5, max(ys) + R_MAX + 0.3)
    ax.set_aspect("equal")
    ax.axis("off")
    return graph
