"""sweep.html of a real (small) sweep, opened in headless Chromium: the heat map and the best
curves draw, the task table lists every task.  Skips like test_report_browser.py when Debian's
chromium / chromium-driver or selenium are missing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("distributed")
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    pytest.skip(f"needs Debian's chromium + chromium-driver ({CHROMIUM}, {CHROMEDRIVER})", allow_module_level=True)

STRATEGY = """\
AMOUNT = 100


def initialize(context):
    set_benchmark('000001.XSHE')
    g.extra = 0
    run_daily(trade, time='9:30')


def trade(context):
    if context.current_dt.day % 2:
        order('000001.XSHE', AMOUNT + g.extra)
    else:
        order_target('000001.XSHE', 0)
"""
CLOSES = [10.0, 10.2, 10.1, 10.4, 10.6, 10.3, 10.8, 11.0, 10.9, 11.2, 11.5, 11.3]

READY_JS = """
const done = arguments[arguments.length - 1];
const t0 = Date.now();
function check() {
  const want = document.querySelectorAll('div[id^=chart-]').length;
  const gds = [...document.querySelectorAll('.js-plotly-plot')];
  if (document.readyState === 'complete' && gds.length === want
      && gds.every(g => g._fullLayout && g.querySelector('.main-svg'))) done({ready: true});
  else if (Date.now() - t0 > 20000) done({timeout: true});
  else setTimeout(check, 10);
}
check();
"""

CHARTS_JS = """
const n = v => (v && v.length !== undefined) ? v.length : 0;
return [...document.querySelectorAll('.js-plotly-plot')].map(gd => ({
  id: gd.id, traces: gd.data.length,
  points: gd.data.map(t => n(t.z) || n(t.y)),
  drawn: [...gd.querySelectorAll('.trace path')].filter(p => (p.getAttribute('d') || '').length > 8).length
         + gd.querySelectorAll('.hm image').length,
}));
"""


def test_sweep_html_renders_in_chromium(tmp_path):
    from selenium.webdriver.chrome.service import Service

    from jqlite.sweep import build_tasks, run_sweep
    from jqlite.sweep.report import render_sweep
    from jqlite.testing import tiny_store

    store = tiny_store(tmp_path / "store", {"000001.XSHE": CLOSES})
    strat = tmp_path / "toy.py"
    strat.write_text(STRATEGY, encoding="utf-8")
    grid = {"AMOUNT": [100, 200, 300], "g.extra": [0, 100]}
    tasks = build_tasks(STRATEGY, grid, [("2024-01-02", "2024-01-17")], [0], data_version=store.version)
    out = tmp_path / "sweep"
    run_sweep(strat, tasks, out, data=store.path, workers=0, meta={"params": list(grid)})
    page = render_sweep(out, metric="total_returns", top=3)

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", "--hide-scrollbars"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.set_script_timeout(30)
    try:
        drv.get(page.as_uri())
        state = drv.execute_async_script(READY_JS)
        assert not state.get("timeout")
        charts = {c["id"]: c for c in drv.execute_script(CHARTS_JS)}
        assert set(charts) == {"chart-heatmap", "chart-best"}, charts
        assert charts["chart-heatmap"]["points"] == [2] and charts["chart-heatmap"]["drawn"] > 0   # 2 rows x 3 cols
        assert charts["chart-best"]["traces"] == 3 and charts["chart-best"]["drawn"] >= 3
        rows = drv.find_elements("css selector", "#tasks table tr")
        assert len(rows) == 1 + 6
        shot = tmp_path / "sweep.png"
        assert drv.save_screenshot(str(shot)) and shot.read_bytes()[:4] == b"\x89PNG"
        assert not [e for e in drv.get_log("browser") if e["level"] == "SEVERE"]
    finally:
        drv.quit()
