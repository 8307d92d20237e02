"""udc — Urban Data Center toolkit.

The Python API is the product (:func:`open` gives a store as :class:`udc.api.Udc`); the ``udc`` command line only
wraps it.
"""

import typing as _typing

from udc.errors import UdcError

if _typing.TYPE_CHECKING:
    from udc.api import Udc, open
    from udc.store import Store

__all__ = ["Store", "Udc", "UdcError", "__version__", "open"]
__version__ = "0.1.0"

_LAZY = {"Udc": "udc.api", "open": "udc.api", "Store": "udc.store"}


def __getattr__(name: str) -> _typing.Any:
    """``udc.open``, ``udc.Udc`` and ``udc.Store`` are imported on first use (PEP 562): the facade pulls in pandas,
    Ibis, SciPy and DuckDB — seconds — which ``udc --help``, a usage error or a command's own module never need."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'udc' has no attribute {name!r}")
