"""udc — Urban Data Center toolkit.

The Python API is the product; the ``udc`` command line only wraps it.
"""

from udc.errors import UdcError
from udc.store import Store

__all__ = ["Store", "UdcError", "__version__"]
__version__ = "0.1.0"
