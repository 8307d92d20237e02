"""``python -m udc`` — the same as the ``udc`` command."""

from udc.cli.main import main

main()
