"""Run ``udc`` as a user would: in-process through Typer's runner (fast, the default), or as a real subprocess
(exit codes, stderr and the entry point itself) for a few smoke tests."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


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
        from typer.testing import CliRunner

        from udc.cli.main import app
        from udc.errors import UdcError

        ran = CliRunner().invoke(app, list(args), env=env, catch_exceptions=True)
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
