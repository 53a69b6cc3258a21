"""``from kuanke.user_space_api import *`` in user library files: the same API as jqdata."""

from jqdata import *  # noqa: F401,F403
from jqdata import __all__  # noqa: F401
