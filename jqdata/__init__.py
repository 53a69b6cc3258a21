"""``jqdata``: JoinQuant's strategy/research API, served locally by jqlite.

``from jqdata import *`` gives the whole API.  Fundamentals (``query``, ``valuation``, ...)
and ``get_factor_values`` are added when their modules are present.
"""

from jqlite.api import *  # noqa: F401,F403
from jqlite.api import __all__ as _api_all

__all__ = list(_api_all)

try:  # point-in-time fundamentals (jqlite.api.fundamentals)
    from jqlite.api import fundamentals as _f

    for _n in getattr(_f, "__all__", []):
        globals()[_n] = getattr(_f, _n)
        __all__.append(_n)
except ImportError:  # pragma: no cover - optional during development
    pass

try:  # jqfactor names JoinQuant also exposes through jqdata
    from jqfactor import get_factor_values  # noqa: F401

    __all__.append("get_factor_values")
except ImportError:  # pragma: no cover
    pass
