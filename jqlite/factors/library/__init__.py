"""Factor definitions by category; importing this package registers them all."""

from . import basics, emotion, growth, momentum, pershare, quality, risk, style, technical  # noqa: F401
