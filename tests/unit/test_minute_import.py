"""Minute-bar import: common layouts, start/end labels, and a check of real JoinQuant
5-minute bars (000338.XSHE, via zvt) against real daily bars (xbx)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jqlite.data.ingest_minute import import_minute_bars
from jqlite.testing import make_bars, tiny_store

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"
FIVE = REAL / "minute" / "zvt_joinquant_000338_5m_qfq_2007_2020.parquet"


def _start_labelled_csv(path: Path) -> None:
    """600000 on 2024-01-02 as a start-labelled 1-minute CSV (date + HHMM time, lots, a 09:25
    auction row): closes 10.00 + 0.01 * k for the k-th continuous minute."""
    rows = [("2024-01-02", "0925", "600000.SH", 9.90, 9.90, 9.90, 9.90, 50, 49500.0)]
    mins = list(range(9 * 60 + 30, 11 * 60 + 30)) + list(range(13 * 60, 15 * 60))
    for k, m in enumerate(mins):
        c = round(10.0 + 0.01 * k, 2)
        rows.append(("2024-01-02", f"{m // 60:02d}{m % 60:02d}", "600000.SH", c, c + 0.01, c - 0.01, c, 10, c * 1000))
    pd.DataFrame(rows, columns=["date", "time", "ts_code", "open", "high", "low", "close", "vol", "amount"]).to_csv(path, index=False)


def test_start_labelled_one_minute_csv_becomes_end_labelled(tmp_path, monkeypatch):
    st = tiny_store(tmp_path / "s", {"600000.XSHG": [12.39]}, opens={"600000.XSHG": [9.90]},
                    highs={"600000.XSHG": [12.40]}, lows={"600000.XSHG": [9.90]})
    f = tmp_path / "m.csv"
    _start_labelled_csv(f)
    # read as end labels, 09:25 / 09:30 are not JoinQuant labels: the day is refused, not guessed
    r = import_minute_bars(st.path, [f], freq="1m", label="end", volume_unit="lot")
    assert r["days"] == 0 and "is --minute-label right?" in r["skipped"][0][3]
    r = import_minute_bars(st.path, [f], freq="1m", label="start", volume_unit="lot")
    assert (r["days"], r["skipped"]) == (1, [])
    monkeypatch.setenv("JQLITE_DATA", str(st.path))
    from jqlite.data.store import open_store
    from jqdata import get_price
    df = get_price("600000.XSHG", "2024-01-02 09:00", "2024-01-02 15:00", frequency="1m",
                   fields=["open", "close", "volume"], fq=None)
    assert len(df) == 240
    assert df.index[0] == pd.Timestamp("2024-01-02 09:31") and df.index[-1] == pd.Timestamp("2024-01-02 15:00")
    # 09:25 auction folded into 09:31: open 9.90, volume (50 + 10) lots = 6,000 shares
    assert (df["open"].iloc[0], df["close"].iloc[0], df["volume"].iloc[0]) == (9.90, 10.0, 6000.0)
    assert df["close"].iloc[-1] == pytest.approx(12.39) and df.index[120] == pd.Timestamp("2024-01-02 13:01")
    assert open_store(st.path).minute_bars() is not None


@pytest.mark.skipif(not FIVE.exists(), reason="real 5-minute bars absent")
def test_real_5m_bars_agree_with_real_daily_bars(tmp_path, monkeypatch):
    xbx = pd.read_parquet(REAL / "daily" / "xbx" / "xbx_stock_daily_2020.parquet")
    xbx["date"] = pd.to_datetime(xbx["date"])
    d = xbx[(xbx.code == "000338.XSHE") & (xbx.date >= "2020-06-01") & (xbx.date <= "2020-06-17")].sort_values("date")
    days = pd.DatetimeIndex(pd.to_datetime(d.date))
    bars = make_bars("000338.XSHE", (d.close / 100).to_numpy(), days, opens=(d.open / 100).to_numpy(),
                     highs=(d.high / 100).to_numpy(), lows=(d.low / 100).to_numpy(),
                     volumes=d.volume.to_numpy(dtype=float), pre_closes=(d.pre_close / 100).to_numpy())
    st = tiny_store(tmp_path / "r", {"000338.XSHE": bars}, start="2020-06-01")
    r = import_minute_bars(st.path, [FIVE], freq="5m", label="end")
    assert r["days"] == len(days) == 13
    assert st.minute_bars() is None and st.minute_bars(5) is not None
    monkeypatch.setenv("JQLITE_DATA", str(st.path))
    from jqdata import get_price
    m = get_price("000338.XSHE", "2020-06-01", "2020-06-17 15:00", frequency="5m", fq=None)
    assert len(m) == 13 * 48
    g = m.groupby(m.index.normalize())
    # after 2019-10-25 the zvt prices are unadjusted (SOURCES.md): a day's 5-minute bars
    # open at the daily open, close at the daily close and stay inside the daily range.  The
    # real bars do not always touch the daily high / low (06-02: 13.71 vs 13.73, 06-05: 13.90
    # vs 13.93 -- the vendor's bars miss the extreme ticks), so only most days are exact.
    assert np.allclose(g["open"].first().to_numpy(), d.open.to_numpy() / 100)
    assert np.allclose(g["close"].last().to_numpy(), d.close.to_numpy() / 100)
    hi, lo = g["high"].max().to_numpy(), g["low"].min().to_numpy()
    assert (hi <= d.high.to_numpy() / 100 + 1e-9).all() and (lo >= d.low.to_numpy() / 100 - 1e-9).all()
    assert np.isclose(hi, d.high.to_numpy() / 100).sum() >= 8 and np.isclose(lo, d.low.to_numpy() / 100).sum() >= 8
    assert np.allclose(g["volume"].sum().to_numpy(), d.volume.to_numpy(), rtol=0.02)
    # 30-minute bars from 5-minute ones: sliding windows of 6 counted back from 15:00
    m30 = get_price("000338.XSHE", end_date="2020-06-17 15:00", count=2, frequency="30m", fq=None)
    last12 = m.iloc[-12:]
    assert list(m30.index) == [pd.Timestamp("2020-06-17 14:30"), pd.Timestamp("2020-06-17 15:00")]
    assert m30["volume"].iloc[-1] == last12["volume"].iloc[6:].sum()
    assert m30["high"].iloc[0] == last12["high"].iloc[:6].max()
    with pytest.raises(Exception, match="5-minute bars only"):
        get_price("000338.XSHE", end_date="2020-06-17 15:00", count=2, frequency="1m")
