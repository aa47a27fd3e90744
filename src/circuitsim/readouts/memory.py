"""Novel-object discrimination from a hippocampal module (BRIEF §1 option; [A]).

Objects A and B are shown in succession; each evokes a population vector (spike counts per principal
cell). The more the two representations overlap (Pearson r), the less the novel object stands out:
DI = di_max * (1 - r). Pattern overlap as a memory readout follows the pattern-separation literature;
the linear map and di_max are assumptions.
"""

from __future__ import annotations

import numpy as np


def discrimination_index(spikes: tuple, size: int, windows: dict, di_max: float) -> dict:
    """DI of one run from the principal cells' spikes (indices, times) in object windows ``a`` and ``b``."""
    idx, t = spikes
    vectors = []
    for start, stop in (windows["a"], windows["b"]):
        keep = (t >= start) & (t < stop)
        vectors.append(np.bincount(idx[keep], minlength=size).astype(float))
    a, b = vectors
    if a.std() == 0 or b.std() == 0:
        r = 1.0
    else:
        r = float(np.corrcoef(a, b)[0, 1])
    return {"object_overlap": r, "object_di": di_max * (1.0 - r)}
