"""Python 2 ``string`` module names: ``string.letters`` / ``lowercase`` / ``uppercase`` ->
``ascii_*`` (their values in Python 2's default C locale), ``string.maketrans`` ->
``str.maketrans``."""

from fissix import fixer_base
from fissix.fixer_util import Name

_MAP = {"letters": "ascii_letters", "lowercase": "ascii_lowercase", "uppercase": "ascii_uppercase"}


class FixStringConsts(fixer_base.BaseFix):
    """fissix fixer: ``string.letters`` -> ``string.ascii_letters`` & co., ``string.maketrans`` -> ``str.maketrans``."""

    BM_compatible = True
    PATTERN = """power< mod='string' trailer< '.' name=any > any* >"""

    def transform(self, node, results):
        name = results["name"]
        if name.value not in _MAP and name.value != "maketrans":
            return None
        if name.value == "maketrans":
            results["mod"].replace(Name("str", prefix=results["mod"].prefix))
        else:
            name.replace(Name(_MAP[name.value], prefix=name.prefix))
