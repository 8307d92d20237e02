"""Run ``udc`` as a user would: in-process through Typer's runner (fast, the default), or as a real subprocess
(exit codes, stderr and the entry point itself) for a few smoke tests."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from dataclasses import dataclass

import click


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@functools.cache
def _command() -> click.Command:
    """The click command Typer builds from ``udc.cli.main.app`` — built once: Typer's runner rebuilt it (every
    command's signature read again) on each call, 0.15 s an invocation."""
    import typer.main

    from udc.cli.main import app

    return typer.main.get_command(app)


def udc(*args: str, check: bool = True, env: dict[str, str] | None = None, subprocess_: bool = False) -> Ran:
    """``udc ARGS``; a user error is one line on stderr with exit code 1, exactly as ``udc.cli.main.main`` does."""
    if subprocess_:
        done = subprocess.run(
            [sys.executable, "-m", "udc", *args],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, **(env or {})},
        )
        result = Ran(done.returncode, done.stdout, done.stderr)
    else:
        from click.testing import CliRunner  # Typer's runner would build the command again

        from udc.errors import UdcError

        ran = CliRunner().invoke(_command(), list(args), env=env, catch_exceptions=True)
        stderr = ran.stderr
        code = ran.exit_code
        if isinstance(ran.exception, UdcError):
            stderr += f"udc: error: {ran.exception}\n"
            code = 1
        elif ran.exception is not None and not isinstance(ran.exception, SystemExit):
            raise ran.exception
        result = Ran(code, ran.stdout, stderr)
    if check and result.returncode != 0:
        raise AssertionError(f"udc {' '.join(args)} failed: {result.stderr}")
    return result
