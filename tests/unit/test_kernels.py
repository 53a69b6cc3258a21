"""Matching and fee kernels, jitted and as plain Python (spec §4-5)."""

import math

import pytest
from hypothesis import given, settings, strategies as st

from jqlite.execution import nb

KERNELS = [nb.match_market_nb, nb.match_market_nb.py_func]
FEES = [nb.fee_nb, nb.fee_nb.py_func]


@pytest.mark.parametrize("fee", FEES)
def test_fee_min_commission_and_tax(fee):
    # 1,000 shares at 10 yuan = 10,000 yuan: 0.0003 -> 3.00 < 5 minimum; stamp 0.001 -> 10.00
    assert fee(10000.0, 0.0003, 0.001, 5.0) == (5.0, 10.0)
    # spec T2: 49,344 yuan at 0.0003 -> 14.8032 -> 14.80
    assert fee(49344.0, 0.0003, 0.0, 5.0) == (14.8, 0.0)
    assert fee(0.0, 0.0003, 0.001, 5.0) == (0.0, 0.0)


@pytest.mark.parametrize("k", KERNELS)
def test_market_buy_fills_at_price_plus_half_spread(k):
    # default PriceRelatedSlippage(0.00246): half spread on 10.00 = 0.0123 -> 10.0123 (T1)
    st_, q, px, c, t = k(True, 1000, 10.0, 10.0 * 0.00246 / 2, 11.0, 9.0, 1e6, 1.0, 1e6, 0, 100, 100, 100,
                         0.0003, 0.0, 5.0)
    assert st_ == nb.FILLED and q == 1000
    assert px == pytest.approx(10.0123)
    assert c == pytest.approx(5.0)  # 10,012.3 * 0.0003 = 3.00 -> min 5


@pytest.mark.parametrize("k", KERNELS)
def test_market_buy_at_limit_up_is_rejected(k):
    # latest 10.99 + 0.01 slippage reaches the 11.00 limit-up -> cancelled (spec §4.2)
    st_, q, *_ = k(True, 100, 10.99, 0.01, 11.0, 9.0, 1e6, 1.0, 1e6, 0, 100, 100, 100, 0.0003, 0.0, 5.0)
    assert st_ == nb.REJECT_LIMIT and q == 0
    # a sell at limit-down likewise
    st_, q, *_ = k(False, 100, 9.0, 0.0, 11.0, 9.0, 1e6, 1.0, 1e6, 100, 100, 100, 100, 0.0003, 0.001, 5.0)
    assert st_ == nb.REJECT_LIMIT


@pytest.mark.parametrize("k", KERNELS)
def test_buy_is_capped_by_cash_with_fees_reserved(k):
    # 10,000 yuan at 10.00: 1,000 shares cost 10,000 + 5 fee > cash -> 900 shares
    st_, q, px, c, t = k(True, 2000, 10.0, 0.0, 11.0, 9.0, 1e6, 1.0, 10000.0, 0, 100, 100, 100, 0.0003, 0.0, 5.0)
    assert st_ == nb.PARTIAL and q == 900 and c == 5.0


@pytest.mark.parametrize("k", KERNELS)
def test_volume_cap_uses_day_volume_times_ratio(k):
    # day volume 1,250 shares, ratio 0.5 -> 625 -> lot-rounded 600
    st_, q, *_ = k(True, 1000, 10.0, 0.0, 11.0, 9.0, 1250.0, 0.5, 1e6, 0, 100, 100, 100, 0.0003, 0.0, 5.0)
    assert st_ == nb.PARTIAL and q == 600
    st_, q, *_ = k(True, 1000, 10.0, 0.0, 11.0, 9.0, 0.0, 1.0, 1e6, 0, 100, 100, 100, 0.0003, 0.0, 5.0)
    assert st_ == nb.REJECT_VOLUME and q == 0


@pytest.mark.parametrize("k", KERNELS)
def test_sell_limited_to_closeable(k):
    st_, q, *_ = k(False, 500, 10.0, 0.0, 11.0, 9.0, 1e6, 1.0, 0.0, 300, 100, 100, 100, 0.0003, 0.001, 5.0)
    assert q == 300 and st_ == nb.PARTIAL


@pytest.mark.parametrize("rl", [nb.round_lot_nb, nb.round_lot_nb.py_func])
def test_lot_rounding_main_board_and_star(rl):
    assert rl(250.0, 100, 100, 100) == 200
    assert rl(99.0, 100, 100, 100) == 0
    assert rl(150.0, 200, 200, 1) == 0      # STAR: below the 200 minimum
    assert rl(201.0, 200, 200, 1) == 201    # STAR: single shares above 200


@settings(max_examples=200, deadline=None)
@given(amount=st.integers(1, 1000).map(lambda x: x * 100), price=st.floats(1.0, 300.0), cash=st.floats(0.0, 2e6),
       vol=st.floats(0.0, 1e7), hl_gap=st.floats(0.0, 0.1))
def test_invariants_cash_never_negative_without_slippage_and_no_buy_at_limit_up(amount, price, cash, vol, hl_gap):
    hl = round(price * (1 + hl_gap), 2)
    st_, q, px, c, t = nb.match_market_nb(True, amount, price, 0.0, hl, 0.5 * price, vol, 1.0, cash, 0,
                                          100, 100, 100, 0.0003, 0.0, 5.0)
    if q > 0:
        assert q * px + c + t <= cash + 1e-6        # cash never goes negative at zero slippage
        assert px < hl                              # no buy fills at the limit-up price
        assert q % 100 == 0 and q <= amount and q <= vol
