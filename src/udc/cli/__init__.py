"""The ``udc`` command line: a thin wrapper over the Python API."""
