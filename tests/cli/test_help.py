"""Every command explains itself (--help text) and is in the command reference (docs/cli.md), and the reference
names no command that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

import click
import typer

from cli_runner import udc
from udc.cli.main import app

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def commands() -> list[tuple[str, click.Command]]:
    found = []

    def walk(command: click.Command, path: list[str]) -> None:
        found.append((" ".join(path), command))
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])

    walk(typer.main.get_command(app), ["udc"])
    return found[1:]


def test_every_command_has_help_and_is_documented() -> None:
    documented = set(re.findall(r"^## `(udc[^`]*)`", REFERENCE.read_text(encoding="utf-8"), flags=re.M))
    names = {name for name, _ in commands()}
    assert len(names) >= 45
    assert not [name for name, command in commands() if not (command.help or "").strip()], "commands without help"
    assert names - documented == set(), "run scripts/cli-reference"
    assert documented - names == set(), "the reference lists commands that no longer exist"


def test_help_runs_for_every_group() -> None:
    for name, command in commands():
        if isinstance(command, click.Group):
            out = udc(*name.split()[1:], "--help").stdout
            assert all(sub in out for sub in command.commands), name
