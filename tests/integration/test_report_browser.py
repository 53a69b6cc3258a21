"""The report of a real run, opened in a real headless Chromium.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them with apt) and
selenium (the ``test`` extra); skips with the reason when either is missing.  The browser is
driven through ``/usr/bin/chromedriver`` (override with ``$CHROMIUM`` / ``$CHROMEDRIVER``), so
nothing is downloaded.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    pytest.skip(f"needs Debian's chromium + chromium-driver ({CHROMIUM}, {CHROMEDRIVER}); "
                "`.ci/run` installs them with apt-get", allow_module_level=True)

# Resolves once the page is loaded, every plotly chart has drawn and every table has a body.
READY_JS = """
const done = arguments[arguments.length - 1];
const t0 = Date.now();
function check() {
  const want = document.querySelectorAll('div[id^=chart-]').length;
  const gds = [...document.querySelectorAll('.js-plotly-plot')];
  const ok = document.readyState === 'complete' && gds.length === want
    && gds.every(g => g._fullLayout && g.querySelector('.main-svg'))
    && [...document.querySelectorAll('[data-table]')].every(e => e.querySelector('tbody'));
  if (ok) done({ready: performance.now()});
  else if (Date.now() - t0 > 20000) done({timeout: true});
  else setTimeout(check, 10);
}
check();
"""

# What each plotly chart holds and drew.
CHARTS_JS = """
const n = v => (v && v.length !== undefined) ? v.length : 0;
return [...document.querySelectorAll('.js-plotly-plot')].map(gd => ({
  id: gd.id,
  traces: gd.data.length,
  points: gd.data.map(t => Math.max(n(t.x), n(t.y), n(t.z))),
  visiblePoints: gd._fullData.filter(t => t.visible === true)
                             .reduce((s, t) => s + Math.max(n(t.x), n(t.y), n(t.z)), 0),
  // lines, fills and bars are <path>s inside a trace group; a heatmap is an <image>
  drawn: [...gd.querySelectorAll('.trace path')].filter(p => (p.getAttribute('d') || '').length > 8).length
         + gd.querySelectorAll('.hm image').length,
}));
"""

TABLES_JS = """
return [...document.querySelectorAll('[data-table]')].map(el => ({
  key: el.dataset.table,
  heads: el.querySelectorAll('thead th').length,
  rows: el.querySelectorAll('tbody tr').length,
  info: (el.querySelector('.ctl span') || {}).textContent || '',
}));
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    import jqlite
    from jqlite.data import ensure_default_store

    store = ensure_default_store(progress=False)
    out = tmp_path_factory.mktemp("report-run") / "run"
    jqlite.run_backtest(ROOT / "strategies/examples/momentum_rotation.py", "2023-01-03", "2023-03-31",
                        1_000_000, store=store, out=out, storage=out.parent / "storage")
    assert (out / "report.html").exists()
    return out


@pytest.fixture
def browser():
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", "--hide-scrollbars"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.set_script_timeout(30)
    yield drv
    drv.quit()


def test_report_renders_in_chromium(run_dir, browser, tmp_path):
    browser.get((run_dir / "report.html").as_uri())
    state = browser.execute_async_script(READY_JS)
    assert not state.get("timeout"), "charts/tables never finished rendering"

    # screenshot of the rendered page
    shot = tmp_path / "report.png"
    assert browser.save_screenshot(str(shot))
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, len(data)

    # every chart holds traces with data and drew them as SVG
    charts = browser.execute_script(CHARTS_JS)
    ids = [c["id"] for c in charts]
    assert {"chart-returns", "chart-drawdown", "chart-pnl", "chart-turnover"} <= set(ids), ids
    for c in charts:
        assert c["traces"] > 0 and all(p > 0 for p in c["points"]), c
        assert c["visiblePoints"] > 0 and c["drawn"] > 0, c
    returns = next(c for c in charts if c["id"] == "chart-returns")
    days = len((run_dir / "daily.csv").read_text().splitlines()) - 1
    assert days > 50 and max(returns["points"]) == days  # one point per trading day

    # the 收益概述 panel and the tables (trades, orders, daily positions, log) rendered rows
    assert len(browser.find_elements("css selector", "#overview .metric")) >= 20
    assert len(browser.find_elements("css selector", "#monthly table.mr tr")) >= 2  # header + 2023
    tables = {t["key"]: t for t in browser.execute_script(TABLES_JS)}
    assert {"trades", "orders", "positions", "log"} <= set(tables), tables
    for t in tables.values():
        assert t["heads"] >= 3 and t["rows"] > 0, t
    assert browser.find_element("css selector", "#log h2").text.startswith("日志")

    # the page works: log level filter and the linear/log toggle of the returns chart
    before = tables["log"]["info"]
    browser.execute_script("const s=document.querySelector('#log select[data-f]'); s.value='ERROR';"
                           "s.dispatchEvent(new Event('change'));")
    after = browser.execute_script("return document.querySelector('#log .ctl span').textContent")
    assert after != before
    browser.execute_script("document.querySelectorAll('#chart-returns .updatemenu-button')[1]"
                           ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    ytype = browser.execute_script("return document.getElementById('chart-returns')._fullLayout.yaxis.type")
    assert ytype == "log"

    # no console errors (uncaught exceptions and console.error both come as SEVERE)
    logs = browser.get_log("browser")
    errors = [e for e in logs if e.get("level") == "SEVERE"]
    assert not errors, errors


def test_long_run_charts_render_in_chromium(run_dir, browser, tmp_path, monkeypatch):
    # Runs longer than _BARS_MAX days draw the daily P&L and buy/sell charts as filled step
    # lines instead of bars; force that path on the short run and check it draws too.
    from jqlite.analysis import report as R

    long_dir = tmp_path / "run"
    shutil.copytree(run_dir, long_dir)
    monkeypatch.setattr(R, "_BARS_MAX", 10)
    browser.get(R.render_report(long_dir).as_uri())
    assert not browser.execute_async_script(READY_JS).get("timeout")
    charts = {c["id"]: c for c in browser.execute_script(CHARTS_JS)}
    for cid in ("chart-pnl", "chart-turnover"):
        c = charts[cid]
        assert c["visiblePoints"] > 0 and c["drawn"] >= 2, c  # filled step lines
    assert browser.execute_script("return document.getElementById('chart-pnl').data[0].type") == "scatter"
    assert not [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]


def test_factor_report_renders_in_chromium(browser, tmp_path):
    """``jqlite factor-report``'s tear sheet: every chart draws, no console error."""
    import numpy as np
    import pandas as pd

    from jqlite.analysis.factor import FactorAnalyzer
    from jqlite.analysis.factor_report import render_factor_report

    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2024-01-01", periods=80)
    cols = [f"S{i:02d}" for i in range(40)]
    prices = pd.DataFrame(100 * np.exp(np.cumsum(rng.normal(0, 0.02, (80, 40)), axis=0)), index=dates, columns=cols)
    factor = pd.DataFrame(rng.normal(size=(55, 40)), index=dates[:55], columns=cols)
    far = FactorAnalyzer(factor, prices, groupby={c: f"g{i % 4}" for i, c in enumerate(cols)}, quantiles=5,
                         periods=(1, 5, 10, 20))
    page = render_factor_report(far, tmp_path / "factor.html")
    browser.get(page.as_uri())
    state = browser.execute_async_script(READY_JS)
    assert not state.get("timeout"), "charts never finished rendering"
    charts = browser.execute_script(CHARTS_JS)
    assert {"chart-ic", "chart-ic_hist", "chart-decay", "chart-quantile", "chart-cumulative",
            "chart-turnover"} == {c["id"] for c in charts}
    for c in charts:
        assert c["traces"] > 0 and c["drawn"] > 0, c
    assert not [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
