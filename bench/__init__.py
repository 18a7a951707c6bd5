"""`make bench`: measured figures beside the targets the issues set. Not part of `make test`.

Each module has `run(report)`; `report(area, what, value, target, ok=None)` prints one line.
Run all with `python -m bench`, or some with `python -m bench parse extract`.
"""

from __future__ import annotations

import importlib
import sys

MODULES = ["parse", "extract", "ingest", "search", "links", "web", "feeds", "watches", "export"]


def main(argv: list[str] | None = None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or MODULES
    failed = []

    def report(area: str, what: str, value: float, target: str | None, ok: bool | None = None) -> None:
        mark = "" if ok is None else ("  ok" if ok else "  BELOW TARGET")
        shown = f"{value:,.1f}" if isinstance(value, float) else str(value)
        print(f"{area:<8} {what:<62} {shown:>12}   {('target ' + target) if target else '':<18}{mark}", flush=True)
        if ok is False:
            failed.append(f"{area}: {what}")

    for name in names:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"bench.{name}":
                continue  # that benchmark does not exist yet
            raise
        module.run(report)
    if failed:
        print(f"\n{len(failed)} figure(s) below target: " + "; ".join(failed))
    return 0
