"""udc — Urban Data Center toolkit.

The Python API is the product (:func:`open` gives a store as :class:`udc.api.Udc`); the ``udc`` command line only
wraps it.
"""

from udc.api import Udc, open
from udc.errors import UdcError
from udc.store import Store

__all__ = ["Store", "Udc", "UdcError", "__version__", "open"]
__version__ = "0.1.0"
