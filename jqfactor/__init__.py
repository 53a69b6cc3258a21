"""``jqfactor`` -- JoinQuant's factor module, backed by :mod:`jqlite.factors`.

``from jqfactor import get_factor_values, get_all_factors, Factor, calc_factors, winsorize_med,
standardlize, neutralize`` works as on the JoinQuant platform; values are computed locally
from the jqlite data store.
"""

from jqlite.factors import (Factor, calc_factors, factor_availability, get_all_factors, get_factor_values,
                            neutralize, set_industry_source, standardize, standardlize, winsorize, winsorize_med)

__all__ = ["get_factor_values", "get_all_factors", "Factor", "calc_factors", "winsorize", "winsorize_med",
           "standardlize", "standardize", "neutralize", "set_industry_source", "factor_availability"]
