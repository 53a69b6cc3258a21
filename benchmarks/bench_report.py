"""Report size and open time: 10-year runs rendered to report.html, opened in headless Chromium.

    python benchmarks/bench_report.py [--repeat 3] [--real STORE] [--keep DIR]
                                      [--screenshot docs/report-sample.png]

Cases (each a real backtest, then ``render_report``):

* ``sample-readme``: the README's main command (``momentum_rotation.py``, 10 names,
  2015-01-05 → 2024-12-31) on the sample market;
* ``sample-full-market``: every 5 days the 100 best 20-day returns of all stocks, equal value,
  over the same 10 years of the sample market (800 stocks);
* ``real-full-market`` (with ``--real STORE``, a store written by ``jqlite data import``): the same
  strategy over the whole imported real market and span (``../shared/data/real``: 4,800 stocks,
  2015-01-05 → 2022-01-14).

For each: report size (MB), time to render it, and the open time in a fresh headless Chromium
(``/usr/bin/chromium`` + ``/usr/bin/chromedriver``, new profile each time, so nothing is cached):
navigation start → load event, and navigation start → every plotly chart drawn and every table's
first page rendered ("ready"), median of ``--repeat`` opens; also the renderer's main-thread CPU
time until ready (``Performance.getMetrics`` TaskDuration), which other load on the machine
changes less than the wall time.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

FULL_MARKET = '''
# Full-market momentum: every 5 trading days hold the 100 stocks with the best 20-day return.
from jqdata import *


def initialize(context):
    set_benchmark('000300.XSHG')
    set_option('use_real_price', True)
    g.days = 0
    run_daily(rebalance, time='9:30')


def rebalance(context):
    g.days += 1
    if (g.days - 1) % 5:
        return
    stocks = list(get_all_securities(['stock'], context.previous_date).index)
    current = get_current_data()
    stocks = [s for s in stocks if not current[s].paused and not current[s].is_st]
    prices = history(21, '1d', 'close', stocks)
    targets = list((prices.iloc[-1] / prices.iloc[0] - 1).dropna().sort_values(ascending=False).index[:100])
    for s in list(context.portfolio.positions.keys()):
        if s not in targets:
            order_target_value(s, 0)
    value = context.portfolio.total_value / max(len(targets), 1)
    for s in targets:
        if current[s].last_price < current[s].high_limit:
            order_target_value(s, value)
    log.info('rebalance: %d targets, %d positions', len(targets), len(context.portfolio.positions))
'''

# Resolves with timings once the page is loaded, every plotly chart has drawn and every table
# shows its first page.
READY_JS = """
const done = arguments[arguments.length - 1];
function check() {
  const want = document.querySelectorAll('div[id^=chart-]').length;
  const gds = [...document.querySelectorAll('.js-plotly-plot')];
  const ok = document.readyState === 'complete' && gds.length === want
    && gds.every(g => g._fullLayout && g.querySelector('.main-svg'))
    && [...document.querySelectorAll('[data-table]')].every(e => e.querySelector('tbody'));
  if (!ok) { setTimeout(check, 5); return; }
  const nav = performance.getEntriesByType('navigation')[0];
  done({ready: performance.now(), load: nav.loadEventEnd, dcl: nav.domContentLoadedEventEnd});
}
check();
"""


def chromium(width: int = 1400, height: int = 1000):
    """A headless Debian Chromium driven by selenium through /usr/bin/chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={width},{height}", "--hide-scrollbars"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=opts)
    drv.set_script_timeout(120)
    return drv


def open_report(path: Path) -> dict:
    """Open ``path`` in a fresh browser; timings in ms and the console errors."""
    drv = chromium()
    try:
        drv.execute_cdp_cmd("Performance.enable", {"timeDomain": "threadTicks"})
        drv.get(path.resolve().as_uri())
        t = drv.execute_async_script(READY_JS)
        m = {x["name"]: x["value"] for x in drv.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]}
        t["cpu"] = 1000 * m["TaskDuration"]  # renderer main-thread CPU time, not wall time
        t["errors"] = [e for e in drv.get_log("browser") if e.get("level") == "SEVERE"]
        return t
    finally:
        drv.quit()


def screenshot(path: Path, out: Path, width: int = 1280) -> None:
    """Screenshot of the top of the report: header, 收益概述 panel, returns, drawdown, daily P&L."""
    import base64

    drv = chromium(width, 1000)
    try:
        drv.get(path.resolve().as_uri())
        drv.execute_async_script(READY_JS)
        bottom = drv.execute_script(
            "const s = document.getElementById('pnl') || document.getElementById('drawdown');"
            "return Math.ceil(s.getBoundingClientRect().bottom + window.scrollY + 14);")
        png = drv.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": bottom, "scale": 1}})
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(base64.b64decode(png["data"]))
    finally:
        drv.quit()


def run_case(name: str, folder: Path, strategy: str | None, source: str | None, start: str, end: str,
             cash: float, data: str | None, repeat: int) -> dict:
    import jqlite
    from jqlite.analysis.report import render_report

    t0 = time.perf_counter()
    res = jqlite.run_backtest(strategy or f"{name}.py", start, end, cash, data=data, out=folder, source=source)
    t_run = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = render_report(folder)
    t_render = time.perf_counter() - t0
    opens = [open_report(report) for _ in range(repeat)]
    errors = [e["message"] for o in opens for e in o["errors"]]
    rows = {k: sum(1 for _ in open(folder / f"{k}.csv", encoding="utf-8")) - 1
            for k in ("orders", "trades", "positions") if (folder / f"{k}.csv").exists()}
    return {"case": name, "days": len(res.daily), "rows": rows,
            "run_s": t_run, "render_s": t_render, "mb": report.stat().st_size / 1e6,
            "load_ms": statistics.median(o["load"] for o in opens),
            "ready_ms": statistics.median(o["ready"] for o in opens),
            "ready_all": [round(o["ready"]) for o in opens], "cpu_ms": statistics.median(o["cpu"] for o in opens), "errors": errors, "report": report}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--real", help="store written by `jqlite data import` (adds the real-full-market case)")
    ap.add_argument("--real-start", help="default: the store's first date (meta.json)")
    ap.add_argument("--real-end", help="default: the store's last date")
    ap.add_argument("--keep", help="write the run folders here (default: a temporary folder)")
    ap.add_argument("--screenshot", help="also save a screenshot of the sample-readme report here")
    ap.add_argument("--only", help="comma-separated case names")
    a = ap.parse_args()

    root = Path(__file__).resolve().parent.parent
    base = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="jqlite-bench-report-"))
    cases = [
        ("sample-readme", str(root / "strategies/examples/momentum_rotation.py"), None,
         "2015-01-05", "2024-12-31", 1_000_000.0, None),
        ("sample-full-market", None, FULL_MARKET, "2015-01-05", "2024-12-31", 10_000_000.0, None),
    ]
    if a.real:
        import json

        meta = json.loads((Path(a.real) / "meta.json").read_text(encoding="utf-8"))
        cases.append(("real-full-market", None, FULL_MARKET, a.real_start or meta["first_date"],
                      a.real_end or meta["last_date"], 10_000_000.0, a.real))
    if a.only:
        keep = set(a.only.split(","))
        cases = [c for c in cases if c[0] in keep]

    print(f"# {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}; open = fresh headless Chromium, median of {a.repeat}")
    results = []
    for name, strategy, source, start, end, cash, data in cases:
        r = run_case(name, base / name, strategy, source, start, end, cash, data, a.repeat)
        results.append(r)
        if name == "sample-readme" and a.screenshot:
            screenshot(r["report"], Path(a.screenshot))
            print(f"screenshot: {a.screenshot} ({Path(a.screenshot).stat().st_size / 1e3:.0f} KB)")
    print()
    print("| case | days | trades / positions rows | report MB | render s | load ms | open (ready) ms "
          "| opens ms | main-thread CPU ms | console errors |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        rows = f"{r['rows'].get('trades', 0):,} / {r['rows'].get('positions', 0):,}"
        print(f"| {r['case']} | {r['days']} | {rows} | {r['mb']:.2f} | {r['render_s']:.1f} | {r['load_ms']:.0f} "
              f"| {r['ready_ms']:.0f} | {r['ready_all']} | {r['cpu_ms']:.0f} | {len(r['errors'])} |")
    for r in results:
        for e in r["errors"][:5]:
            print(f"{r['case']}: console error: {e}", file=sys.stderr)
    print(f"\nrun folders: {base}")


if __name__ == "__main__":
    main()
