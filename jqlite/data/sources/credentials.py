"""Credentials of the data sources: from environment variables or the OS keyring, never stored.

Looked up in this order for each key: the environment variables listed in :data:`SPEC`,
then the OS keyring (``keyring`` package; service ``jqlite-SOURCE``, user name = the key,
set once with ``keyring set jqlite-tushare token``).  Nothing here writes a credential
anywhere; :class:`Secret` hides its value from ``repr``/``str``/f-strings, and
:func:`redact` removes the values from any message before it is printed or logged.
"""

from __future__ import annotations

import os
from typing import Mapping

from .base import CredentialError

#: source -> key -> (environment variables, required?).  The variable names are the client
#: libraries' own where they have one (tushare reads TUSHARE_TOKEN/TS_TOKEN, jqdatasdk
#: JQDATA_USERNAME/JQDATA_PASSWORD).
SPEC: dict[str, dict[str, tuple[tuple[str, ...], bool]]] = {
    "tushare": {"token": (("TUSHARE_TOKEN", "TS_TOKEN"), True)},
    "jqdatasdk": {"username": (("JQDATA_USERNAME", "JQDATASDK_USERNAME"), True),
                  "password": (("JQDATA_PASSWORD", "JQDATASDK_PASSWORD"), True)},
    # baostock works anonymously; an account is optional
    "baostock": {"user": (("BAOSTOCK_USER",), False), "password": (("BAOSTOCK_PASSWORD",), False)},
    "akshare": {},
}


class Secret(str):
    """A credential value: a ``str`` whose ``repr``/``str``/format show ``'***'``.

    ``secret.reveal()`` gives the value, to hand to the client library only.
    """

    def reveal(self) -> str:
        """The value itself."""
        return str.__str__(self)

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __format__(self, spec: str) -> str:
        return "***"


def _keyring_get(service: str, key: str) -> str | None:
    try:
        import keyring
        import keyring.errors
    except ImportError:
        return None
    try:
        return keyring.get_password(service, key)
    except Exception:  # no backend (headless Linux), locked store: treat as absent
        return None


def resolve(source: str, env: Mapping[str, str] | None = None, keyring_get=_keyring_get) -> dict[str, Secret]:
    """The credentials of ``source`` from the environment or the keyring.

    Parameters
    ----------
    source : str
        A :data:`SPEC` key.
    env : mapping, optional
        Environment (default ``os.environ``).
    keyring_get : callable
        ``(service, key) -> str | None``; default the ``keyring`` package.

    Returns
    -------
    dict of str -> Secret
        Only the keys found.

    Raises
    ------
    CredentialError
        A required key is nowhere, naming the variables to set (never a value).
    """
    env = os.environ if env is None else env
    out: dict[str, Secret] = {}
    for key, (names, required) in SPEC.get(source, {}).items():
        val = next((env[n] for n in names if env.get(n)), None)
        if val is None:
            val = keyring_get(f"jqlite-{source}", key)
        if val:
            out[key] = Secret(val)
        elif required:
            raise CredentialError(
                f"--source {source}: no {key}; set {' or '.join(names)} in the environment, or store it "
                f"in the OS keyring: keyring set jqlite-{source} {key}")
    return out


def redact(text: str, secrets: Mapping[str, str] | None) -> str:
    """``text`` with every credential value replaced by ``***`` (for messages from sources)."""
    for v in (secrets or {}).values():
        raw = v.reveal() if isinstance(v, Secret) else str(v)
        if raw and len(raw) >= 3:
            text = text.replace(raw, "***")
    return text
