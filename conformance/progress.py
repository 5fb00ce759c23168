"""A one-line progress display for ``python -m conformance run``."""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import Any


class ProgressPlugin:
    """Counts finished cases per outcome and redraws one status line on a terminal."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.total = 0
        self.counts: Counter[str] = Counter()
        self.start = time.monotonic()
        self.last = 0.0

    def pytest_collection_finish(self, session: Any) -> None:
        self.total = len(session.items)
        self.start = time.monotonic()

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.when != "call" and not (report.when == "setup" and report.skipped):
            return
        self.counts["xfail" if hasattr(report, "wasxfail") and report.skipped else report.outcome] += 1
        now = time.monotonic()
        done = sum(self.counts.values())
        if now - self.last > 0.5 or done == self.total:
            self.last = now
            rate = done / max(now - self.start, 1e-9)
            line = (f"\r[{done}/{self.total or '?'}] " + " ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
                    + f"  {rate:.0f} cases/s")
            if self.stream.isatty():
                self.stream.write(line)
                self.stream.flush()

    def pytest_sessionfinish(self, session: Any) -> None:
        if self.stream.isatty():
            self.stream.write("\n")
