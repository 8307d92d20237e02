"""Progress of a long command phase by phase, on stderr: a bar on a terminal, one line per phase with its seconds
elsewhere (logs, CI, a captured run) — ``udc demo`` takes minutes and should never look hung."""

from __future__ import annotations

import sys
import time
from types import TracebackType

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class PhaseReport:
    """A progress callback (:data:`udc.demo.Progress`): a phase's name (str) starts that phase, a year (int) is one
    more simulated year. Used as a context manager; ``quiet`` shows nothing at all."""

    def __init__(self, command: str, phases: tuple[str, ...], *, quiet: bool = False) -> None:
        self.command, self.phases, self.quiet = command, phases, quiet
        self.current: str | None = None
        self.started = time.perf_counter()
        self.bar: Progress | None = None
        if not quiet and sys.stderr.isatty():
            self.bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(file=sys.stderr),
                transient=True,
            )
            self.task = self.bar.add_task(command, total=len(phases))

    def __enter__(self) -> PhaseReport:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.bar is not None:
            self.bar.stop()
        elif error is None:
            self._line()  # the last phase done; a failure is reported by the error itself

    def __call__(self, step: int | str) -> None:
        if self.quiet:
            return
        if isinstance(step, int):
            self._year(step)
            return
        if self.bar is not None:
            done = self.phases.index(step) if step in self.phases else 0
            self.bar.update(self.task, completed=done, description=f"{self.command}: {step}")
        elif self.current is not None:
            self._line()
        self.current, self.started = step, time.perf_counter()

    def _year(self, year: int) -> None:
        """A year simulated: the bar says which; a log gets a line (a year takes minutes at national scale)."""
        if self.bar is not None:
            self.bar.update(self.task, description=f"{self.command}: {self.current} ({year} simulated)")
        else:
            click.echo(f"{self.command}: {self.current}: {year} simulated ({self._seconds()})", err=True)

    def _line(self) -> None:
        if not self.quiet and self.current is not None:
            click.echo(f"{self.command}: {self.current} ({self._seconds()})", err=True)

    def _seconds(self) -> str:
        return f"{time.perf_counter() - self.started:.1f} s"
