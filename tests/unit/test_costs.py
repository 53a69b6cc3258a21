"""Slippage and cost settings (spec §5, test vectors T1/T5)."""

import pytest

from jqlite.execution.costs import (DEFAULT_SLIPPAGE, CostBook, FixedSlippage, OrderCost, PerTrade,
                                    PriceRelatedSlippage, StepRelatedSlippage)


def test_t1_slippage_vectors():
    assert 10.0 + FixedSlippage(0.02).half_spread(10.0) == pytest.approx(10.01)
    assert 10.0 - FixedSlippage(0.02).half_spread(10.0) == pytest.approx(9.99)
    assert 10.0 + PriceRelatedSlippage(0.002).half_spread(10.0) == pytest.approx(10.01)
    assert 3000 + StepRelatedSlippage(2).half_spread(3000, tick=1) == 3001
    assert 3000 - StepRelatedSlippage(3).half_spread(3000, tick=1) == 2999
    assert 10.0 + DEFAULT_SLIPPAGE.half_spread(10.0) == pytest.approx(10.0123)


def test_cost_resolution_and_mmf_never_slips():
    book = CostBook()
    assert book.cost_for("600000.XSHG", "stock").close_tax == 0.001       # JoinQuant default
    assert book.cost_for("510300.XSHG", "etf").close_tax == 0.0           # tax is stock-only
    special = OrderCost(0, 0.0005, 0.0001, 0.0001, 0, 1)
    book.set_cost(special, "stock", "600000.XSHG")
    assert book.cost_for("600000.XSHG", "stock") is special
    assert book.cost_for("600001.XSHG", "stock").min_commission == 5
    book.set_slippage(FixedSlippage(0.02))
    assert book.slippage_for("511880.XSHG", "mmf") is None
    assert isinstance(book.slippage_for("600000.XSHG", "stock"), FixedSlippage)


def test_per_trade_maps_to_commission_including_stamp():
    c = PerTrade(buy_cost=0.0003, sell_cost=0.0013, min_cost=5).to_order_cost()
    assert (c.open_commission, c.close_commission, c.min_commission, c.close_tax) == (0.0003, 0.0013, 5.0, 0.0)
