"""Helpers for testing strategies and jqlite itself: tiny in-memory markets and a pytest plugin."""

from .builders import make_bars, tiny_store

__all__ = ["make_bars", "tiny_store"]
