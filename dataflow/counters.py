"""Per-step counters that always reconcile: ``in + added = out + errors + filtered``.

Units are records wherever a step touches records (a formatter counts the records it wrote into files, a parser
the rows it read), files otherwise; ``filesIn``/``filesOut`` count files for the steps that handle them.
``added`` is how many more records a step emitted than it received (one-to-many steps such as
``field.array.extract``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Counters:
    in_: int = 0
    out: int = 0
    errors: int = 0
    filtered: int = 0
    added: int = 0
    files_in: int = 0
    files_out: int = 0

    def settle(self, received: int, emitted: int, rejected: int) -> None:
        """Account for one call that took ``received`` items and emitted ``emitted`` with ``rejected`` failures."""
        self.in_ += received
        self.out += emitted
        self.errors += rejected
        balance = received - emitted - rejected
        if balance >= 0:
            self.filtered += balance
        else:
            self.added -= balance

    def add(self, counts: dict[str, int]) -> None:
        """Add counters reported as ``as_dict`` gives them (a partition's, merged into the job's)."""
        self.in_ += counts.get("in", 0)
        self.out += counts.get("out", 0)
        self.errors += counts.get("errors", 0)
        self.filtered += counts.get("filtered", 0)
        self.added += counts.get("added", 0)
        self.files_in += counts.get("filesIn", 0)
        self.files_out += counts.get("filesOut", 0)

    def reconciles(self) -> bool:
        return self.in_ + self.added == self.out + self.errors + self.filtered

    def as_dict(self, with_files: bool = False) -> dict[str, int]:
        data = {
            "in": self.in_,
            "out": self.out,
            "errors": self.errors,
            "filtered": self.filtered,
            "added": self.added,
        }
        if with_files:
            data["filesIn"] = self.files_in
            data["filesOut"] = self.files_out
        return data
