"""Events passed to ``on_event(context, event)`` (spec §7.5)."""

from __future__ import annotations


class DividendsEvent:
    """A held security's dividend / bonus-share event: ``dividends`` is a list of dicts with
    ``date``, ``scale_factor`` and ``bonus_pre_tax`` (yuan per 10 shares)."""

    name = "Dividends"

    def __init__(self, security: str, dividends: list[dict]):
        self.security, self.dividends = security, dividends
        self.pindex, self.side = 0, "long"


class ForcedLiquidationEvent:
    name = "ForcedLiquidation"

    def __init__(self, security: str, amount: int):
        self.security, self.amount = security, amount
        self.pindex, self.side = 0, "long"
