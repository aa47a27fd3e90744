"""Progress of a long run: a bar on a terminal, plain lines in logs and CI (every tenth of the work).

    done = Progress(60, "grik4_rescue")     # then done(spec) after each run; the last call ends the bar
"""

from __future__ import annotations

import sys
import time


class Progress:
    """Counts finished runs of ``total``; shows the last one's condition and virtual mouse and the time left."""

    def __init__(self, total: int, label: str, stream=None):
        self.total, self.label, self.count = int(total), label, 0
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.started = time.perf_counter()
        self.shown = 0  # tenths already printed (plain lines)

    def __call__(self, spec) -> None:
        self.count += 1
        elapsed = time.perf_counter() - self.started
        left = elapsed / self.count * (self.total - self.count)
        what = f"{self.count}/{self.total} runs ({spec.condition}, mouse {spec.mouse})"
        eta = f", ~{left:.0f} s left" if self.count < self.total else f", {elapsed:.1f} s"
        if self.tty:
            filled = int(24 * self.count / max(self.total, 1))
            self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (24 - filled)}] {what}{eta}\033[K")
            if self.count == self.total:
                self.stream.write("\n")
            self.stream.flush()
        elif self.count == self.total or 10 * self.count // max(self.total, 1) > self.shown:
            self.shown = 10 * self.count // max(self.total, 1)
            print(f"{self.label}: {what}{eta}", file=self.stream, flush=True)
