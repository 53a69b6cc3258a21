"""jqlite against the engines its users would otherwise pick, measured side by side.

    python benchmarks/peers/run.py                      # all engines, 50x750 300x750 1000x1250
    python benchmarks/peers/run.py --quick              # jqlite alone, 50x750 (seconds; no network)
    python benchmarks/peers/run.py --engines jqlite,vectorbt --scales 1000x1250 --repeat 5
    python benchmarks/peers/run.py --engines jqlite,vectorbt --real   # + real full market

Run it with jqlite's venv (``.venv/bin/python``).  Each peer gets its own virtual environment
under ``benchmarks/peers/.venvs/<engine>`` (git-ignored), installed from PyPI with the pins in
``requirements/<engine>.txt`` on first use.  The bars are generated once per scale (``bars.py``)
and every engine runs in a subprocess of its own venv (``adapters/run_<engine>.py``), which
times itself with ``time.perf_counter`` and reports peak RSS via ``resource.getrusage``.
Fairness rules and per-engine caveats: ``README.md`` next to this file.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bars as _bars  # noqa: E402

ENGINES = ["jqlite", "vectorbt", "rqalpha", "zipline", "backtrader", "bullet_trade"]
DEFAULT_SCALES = ["50x750", "300x750", "1000x1250"]
PIP_NAMES = {"vectorbt": "vectorbt", "rqalpha": "rqalpha", "zipline": "zipline-reloaded",
             "backtrader": "backtrader", "bullet_trade": "bullet-trade"}
THREAD_ENV = {"OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "OPENBLAS_NUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}


def venv_python(engine: str, venvs: Path) -> Path:
    if engine == "jqlite":
        return Path(sys.executable)
    return venvs / engine / "bin" / "python"


def ensure_venv(engine: str, venvs: Path, base_python: str, log) -> Path:
    """Create / update ``venvs/engine`` from ``requirements/engine.txt`` (skipped when up to date)."""
    py = venv_python(engine, venvs)
    if engine == "jqlite":
        return py
    req = HERE / "requirements" / f"{engine}.txt"
    marker = venvs / engine / ".installed"
    if py.exists() and marker.exists() and marker.read_text() == req.read_text():
        return py
    log(f"[setup] creating {venvs / engine} from {req.name} (PyPI; one-off, ~1-2 min)")
    subprocess.run([base_python, "-m", "venv", str(venvs / engine)], check=True)
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    subprocess.run([str(py), "-m", "pip", "install", "-q", "-r", str(req)], check=True)
    marker.write_text(req.read_text())
    return py


def pip_version(py: Path, engine: str) -> str:
    if engine == "jqlite":
        import jqlite
        return jqlite.__version__
    try:
        out = subprocess.run([str(py), "-m", "pip", "show", PIP_NAMES[engine]], capture_output=True, text=True,
                             timeout=60).stdout
        return next((ln.split(":", 1)[1].strip() for ln in out.splitlines() if ln.startswith("Version:")), "?")
    except Exception:  # noqa: BLE001
        return "?"


def make_bars(n: int, days: int, cache: Path, seed: int = 7) -> Path:
    from jqlite.data.calendar import xshg_trading_days

    path = cache / f"bars_{n}x{days}_s{seed}.npz"
    if path.exists():
        return path
    dates = xshg_trading_days("2018-01-02", "2025-12-31")[:days]
    if len(dates) < days:
        raise SystemExit(f"at most {len(dates)} days available from 2018-01-02")
    cal = xshg_trading_days("2017-01-01", "2025-12-31")
    b = _bars.make(dates.values.astype("datetime64[D]"), n, seed)
    return _bars.write_npz(path, dates.values, _bars.codes_for(n), b, cal.values, kind="synthetic", seed=seed)


def real_store(src: Path, dest: Path, log) -> Path:
    """``jqlite data import`` of the real full market into ``dest`` (outside the repo), once."""
    if (dest / "meta.json").exists():
        return dest
    log(f"[real] jqlite data import {src} -> {dest} (once, ~1 min)")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "jqlite", "data", "import", "--src", str(src), "--out", str(dest)], check=True)
    log(f"[real] import took {time.perf_counter() - t0:.1f}s")
    return dest


def real_bars(store_path: Path, cache: Path) -> Path:
    """The real market's stock bars as the shared npz (NaN where a stock has no bar)."""
    import numpy as np
    from jqlite.data.store import Store

    path = cache / f"bars_real_{Store(store_path).version[:12]}.npz"
    if path.exists():
        return path
    st = Store(store_path)
    stock = (st.securities.reindex(st.codes)["type"] == "stock").to_numpy()
    f = {k: np.asarray(st.field(k), dtype=float)[:, stock] for k in _bars.FIELDS}
    paused = np.asarray(st.field("paused"))[:, stock] > 0
    for k in f:
        f[k][paused] = np.nan
    codes = [str(c) for c in np.asarray(st.codes)[stock]]
    dates = st.dates.values.astype("datetime64[D]")
    return _bars.write_npz(path, dates, codes, f, dates, kind="real")


def run_engine(engine, py, npz, out_json, a, extra=()):
    env = dict(os.environ, **THREAD_ENV)
    if a.keep_jit_cache and engine == "jqlite":
        pass  # jqlite's own on-disk numba cache (warm after any earlier jqlite run)
    else:
        env["NUMBA_CACHE_DIR"] = str(a.cache / "numba" / engine)
        if not a.keep_jit_cache:  # first run = JIT compile from scratch, as on a fresh install
            shutil.rmtree(env["NUMBA_CACHE_DIR"], ignore_errors=True)
    env["PYTHONWARNINGS"] = "ignore"
    cmd = [str(py), str(HERE / "adapters" / f"run_{engine}.py"), str(npz), str(out_json),
           "--repeat", str(a.repeat), "--budget", str(a.budget), *extra]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=a.timeout)
    except subprocess.TimeoutExpired:
        return {"engine": engine, "error": f"timeout after {a.timeout:.0f}s"}
    wall = time.perf_counter() - t0
    if p.returncode != 0 or not Path(out_json).exists():
        tail = (p.stderr or p.stdout).strip().splitlines()[-15:]
        return {"engine": engine, "error": f"exit {p.returncode}", "stderr_tail": tail}
    r = json.loads(Path(out_json).read_text())
    r["process_wall_s"] = wall
    return r


def fmt_s(x):
    if x is None:
        return "—"
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 100 else f"{x:.0f}"


def table(rows) -> str:
    hdr = ["engine", "universe × days", "import s", "data load s", "first run s", "warm run s",
           "bars/s", "peak MB", "trades", "final value", "time ÷ jqlite"]
    lines = ["| " + " | ".join(hdr) + " |", "|" + "---|" * len(hdr)]
    jq = {r["scale"]: r for r in rows if r["engine"] == "jqlite" and not r.get("error")}
    for r in rows:
        name = r["engine"] + (f" {r['version']}" if r.get("version") else "")
        if r.get("error"):
            lines.append(f"| {name} | {r['scale']} | " + " | ".join(["—"] * 8) + f" | {r['error']} |")
            continue
        t = r["warm_s"] if r.get("warm_s") is not None else r["first_s"]
        mark = "" if r.get("warm_s") is not None else " ¹"
        ref = jq.get(r["scale"])
        reft = None if ref is None else (ref["warm_s"] if ref.get("warm_s") is not None else ref["first_s"])
        ratio = "—" if reft is None else f"{t / reft:.2f}×" + mark
        lines.append(f"| {name} | {r['scale']} | {fmt_s(r.get('import_s'))} | {fmt_s(r.get('load_s'))} | "
                     f"{fmt_s(r['first_s'])} | {fmt_s(r.get('warm_s'))}{mark if r.get('warm_s') is None else ''} | "
                     f"{r['bars'] / t:,.0f} | {r['peak_rss_mb']:,.0f} | {r['trades']:,} | {r['final_value']:,.0f} | "
                     f"{ratio} |")
    return "\n".join(lines)


def machine() -> str:
    cpu = "?"
    try:
        cpu = next(ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name"))
    except Exception:  # noqa: BLE001
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()}, {_dt.date.today().isoformat()}, "
            f"load avg at start {os.getloadavg()[0]:.2f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="jqlite alone at 50x750, one warm run, numba cache kept (CI smoke; no network)")
    ap.add_argument("--engines", default=None, help=f"comma list of {','.join(ENGINES)} (default all)")
    ap.add_argument("--scales", default=None, help="comma list of NxD (default 50x750,300x750,1000x1250)")
    ap.add_argument("--repeat", type=int, default=3, help="warm runs per engine and scale (median taken)")
    ap.add_argument("--budget", type=float, default=150.0,
                    help="per engine and scale: no further warm run once this many seconds are spent")
    ap.add_argument("--timeout", type=float, default=900.0, help="kill an engine's subprocess after this")
    ap.add_argument("--real", action="store_true", help="also run the real full market (engines that can)")
    ap.add_argument("--real-src", default=os.environ.get("JQLITE_REAL_SRC", "/work/shared/data/real"))
    ap.add_argument("--real-store", default=os.environ.get("JQLITE_PEERS_REAL_STORE", "/tmp/jqlite-peers-real-store"))
    ap.add_argument("--keep-jit-cache", action="store_true",
                    help="keep numba's on-disk cache between invocations (default: wipe, so first run = compile)")
    ap.add_argument("--setup-only", action="store_true", help="create the venvs, run nothing")
    ap.add_argument("--base-python", default=os.environ.get("PEERS_PYTHON", "python3.11"),
                    help="interpreter the peer venvs are created from")
    ap.add_argument("--venvs", default=str(HERE / ".venvs"))
    ap.add_argument("--cache", default=str(HERE / ".cache"))
    ap.add_argument("--out", default=None, help="results folder (default .cache/results; --save: results/)")
    ap.add_argument("--save", action="store_true", help="write results.json / results.md into results/")
    a = ap.parse_args(argv)
    if a.quick:
        a.engines = a.engines or "jqlite"
        a.scales = a.scales or "50x750"
        a.repeat = 1
        a.keep_jit_cache = True
    engines = (a.engines or ",".join(ENGINES)).replace("-", "_").split(",")
    bad = [e for e in engines if e not in ENGINES]
    if bad:
        ap.error(f"unknown engine(s) {bad}; choose from {ENGINES}")
    scales = [tuple(int(v) for v in s.lower().split("x")) for s in (a.scales or ",".join(DEFAULT_SCALES)).split(",")]
    a.cache = Path(a.cache)
    venvs = Path(a.venvs)
    out_dir = Path(a.out) if a.out else (HERE / "results" if a.save else a.cache / "results")
    out_dir.mkdir(parents=True, exist_ok=True)

    def log(s):
        print(s, file=sys.stderr, flush=True)

    pys, versions = {}, {}
    for e in engines:
        pys[e] = ensure_venv(e, venvs, a.base_python, log)
        versions[e] = pip_version(pys[e], e)
    if a.setup_only:
        log("venvs ready: " + ", ".join(f"{e} {versions[e]}" for e in engines))
        return 0

    rows = []
    work = a.cache / "work"
    jobs = [(f"{n}x{d}", lambda n=n, d=d: make_bars(n, d, a.cache), ()) for n, d in scales]
    if a.real:
        rs = Path(a.real_store)
        jobs.append(("real", lambda: real_bars(real_store(Path(a.real_src), rs, log), a.cache), ("--store", str(rs))))
    for scale, mk, real_extra in jobs:
        t0 = time.perf_counter()
        npz = mk()
        log(f"[bars] {scale}: {npz.name} ({time.perf_counter() - t0:.1f}s)")
        for e in engines:
            if scale == "real" and e not in REAL_OK:
                rows.append({"engine": e, "scale": scale, "version": versions[e],
                             "error": "not run on the real market (see README)"})
                continue
            extra = real_extra if e == "jqlite" else ()
            log(f"[run] {e} {scale} ...")
            r = run_engine(e, pys[e], npz, work / f"{e}_{scale}.json", a, extra)
            r.update(scale=scale, version=versions[e])
            if scale == "real" and not r.get("error"):
                r["scale"] = f"real {r['n']}×{r['days']}"
            rows.append(r)
            if r.get("error"):
                log(f"[run] {e} {scale}: {r['error']} {' / '.join(r.get('stderr_tail', [])[-3:])}")
            else:
                warm = "—" if r["warm_s"] is None else f"{r['warm_s']:.3f}s"
                log(f"[run] {e} {scale}: first {r['first_s']:.2f}s warm {warm} trades {r['trades']} "
                    f"final {r['final_value']:,.0f}")
    md = (f"Machine: {machine()}.\n"
          f"Threads pinned: {', '.join(f'{k}={v}' for k, v in THREAD_ENV.items())}. "
          f"Warm = median of up to {a.repeat} runs after the first in the same process.\n\n" + table(rows) +
          "\n\n¹ no warm run within the time budget: the first run is used for bars/s and the ratio "
          "(these engines have no JIT, so first ≈ warm).\n")
    print(md)
    (out_dir / "results.json").write_text(json.dumps({"machine": machine(), "rows": rows}, indent=1, default=str))
    (out_dir / "results.md").write_text(md)
    return 0 if not any(r.get("error") and "not run" not in r["error"] for r in rows) else 1


REAL_OK = {"jqlite", "vectorbt"}

if __name__ == "__main__":
    sys.exit(main())
