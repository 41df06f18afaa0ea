"""`make bench`: run every performance benchmark (bench/bench_*.py) in turn; each writes
evals/results/bench_<name>.json and .md (bench_llm writes llm_ttft.json/.md). A failing benchmark is reported and the
others still run. `--no-llm` skips bench_llm (the local model's time to first token vs raw llama.cpp)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path

from rich.console import Console

console = Console()


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    only = {a for a in args if not a.startswith("-")}
    skip = {"bench_llm"} if "--no-llm" in args else set()  # loads the 1.1 GB local model (minutes on 2 cores)
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    failed: list[str] = []
    for name in names:
        if only and name.removeprefix("bench_") not in only and name not in only:
            continue
        if name in skip:
            continue
        console.rule(f"[bold]{name}")
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
            rc = module.main([])
            if (
                isinstance(rc, int) and rc != 0
            ):  # some benchmarks return their results dict instead of an exit code
                failed.append(name)
        except Exception as exc:  # keep going: one broken benchmark must not hide the others
            console.print(f"[red]{name} failed: {exc!r}")
            failed.append(name)
        console.print(f"{name}: {time.perf_counter() - started:.1f} s")
    if failed:
        console.print(f"[red]failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
