"""Same benchmark, two dependency stacks, one command: the speed cost of a dependency move.

    python benchmarks/bench_stack.py --old-root /path/to/old/checkout --old-python /path/to/old/venv/bin/python
                                     [--rounds 3] [--flagship]

Runs ``benchmarks/bench_engine.py`` (momentum 1000 x 1250, warm median of 3 per process) from
each checkout with its own interpreter, alternating old/new ``--rounds`` times so that a busy
machine slows both alike, and prints the medians and the new/old ratio.  ``--flagship`` adds
``benchmarks/bench_flagship.py --repeat 1`` (the flagship year, cold + warm).  The old checkout is
e.g. ``git worktree add ../oldstack f682720`` with a venv made from that commit's pins.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _engine(python: str, root: Path) -> tuple[float, float]:
    """(warm wall s, warm CPU s) of this checkout's bench_engine.py script run against ``root``'s
    jqlite (the script itself is this checkout's, so both stacks time the same code path)."""
    env = dict(os.environ, PYTHONPATH=str(root))
    out = subprocess.run([python, str(HERE / "bench_engine.py"), "--repeat", "3"], cwd=root, env=env,
                         capture_output=True, text=True, check=True).stdout
    row = next(line for line in out.splitlines() if line.startswith("momentum"))
    cpu = next(line for line in out.splitlines() if line.startswith("warm cpu s"))
    return float(row.split()[2]), float(cpu.split(":")[1])


def _flagship(python: str, root: Path) -> tuple[float, float]:
    out = subprocess.run([python, "benchmarks/bench_flagship.py", "--repeat", "1"], cwd=root,
                         capture_output=True, text=True, check=True).stdout
    walls = {}
    for line in out.splitlines():
        m = re.match(r"(cold|warm)\s+([0-9.]+)", line)
        if m:
            walls[m.group(1)] = float(m.group(2))
    return walls.get("cold", float("nan")), walls.get("warm", float("nan"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--old-root", required=True, type=Path)
    ap.add_argument("--old-python", required=True)
    ap.add_argument("--new-python", default=sys.executable)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--flagship", action="store_true")
    a = ap.parse_args()
    stacks = {"old": (a.old_python, a.old_root), "new": (a.new_python, HERE.parent)}
    res: dict[str, dict[str, list[float]]] = {k: {"engine": [], "engine_cpu": [], "fl_cold": [], "fl_warm": []}
                                             for k in stacks}
    for r in range(a.rounds):
        for name, (py, root) in (stacks.items() if r % 2 == 0 else reversed(list(stacks.items()))):
            wall, cpu = _engine(py, root)
            res[name]["engine"].append(wall)
            res[name]["engine_cpu"].append(cpu)
            if a.flagship:
                c, w = _flagship(py, root)
                res[name]["fl_cold"].append(c)
                res[name]["fl_warm"].append(w)
            print(f"round {r + 1} {name}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in res[name].items() if v),
                  flush=True)
    for name, (py, _) in stacks.items():
        v = subprocess.run([py, "-c", "import sys, numpy, pandas, numba; print(sys.version.split()[0], "
                            "numpy.__version__, pandas.__version__, numba.__version__)"],
                           capture_output=True, text=True).stdout.strip()
        print(f"{name}: Python/numpy/pandas/numba {v}")
    print(f"{'case':<34}{'old s':>8}{'new s':>8}{'new/old':>9}")
    for key, label in (("engine", "momentum 1000x1250 warm"), ("engine_cpu", "momentum 1000x1250 warm, CPU s"),
                       ("fl_cold", "flagship year cold"),
                       ("fl_warm", "flagship year warm")):
        if not res["old"][key]:
            continue
        o, n = statistics.median(res["old"][key]), statistics.median(res["new"][key])
        print(f"{label:<34}{o:>8.2f}{n:>8.2f}{n / o:>9.2f}")
    print(f"(medians of {a.rounds} alternating rounds)")


if __name__ == "__main__":
    main()
