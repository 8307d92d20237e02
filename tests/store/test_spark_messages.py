"""What udc says when Spark fails: one line naming the master and the kind of failure — never Spark's own text, since a
task's failure message can quote the row it failed on (microdata). No JVM needed: the errors are built here."""

from __future__ import annotations

from typing import Any

import pytest
from py4j.protocol import Py4JJavaError

from udc.errors import Unavailable
from udc.store import spark


class _JavaClass:
    def getName(self) -> str:
        return "org.apache.spark.SparkException"


class _JavaError:
    def getClass(self) -> _JavaClass:
        return _JavaClass()

    def __str__(self) -> str:
        return 'Job aborted: Lost task 0.3 (executor 1): NumberFormatException: For input string: "BSN 123456782"'


class _Failing:
    def execute(self, expr: Any) -> Any:
        error = Py4JJavaError.__new__(Py4JJavaError)  # as py4j raises it, without a gateway to build it through
        error.args, error.java_exception = ("An error occurred while calling o42.collectToPython.\n",), _JavaError()
        raise error


class _Context:
    def cancelAllJobs(self) -> None:
        raise AssertionError("not cancelled: the job failed by itself")


def test_a_failed_spark_job_is_one_line_without_spark_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spark, "backend", lambda: _Failing())
    monkeypatch.setitem(spark._STATE, "session", type("S", (), {"sparkContext": _Context()})())
    with pytest.raises(Unavailable) as raised:
        spark.execute(object(), seconds=60)  # type: ignore[arg-type]
    message = str(raised.value)
    assert message == "the Spark job failed on local[2]: org.apache.spark.SparkException (the executors' logs say why)"
    assert "BSN" not in message and "\n" not in message


def test_our_own_bugs_are_not_dressed_up_as_spark_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def execute(self, expr: Any) -> Any:
            raise KeyError("a bug of ours")

    monkeypatch.setattr(spark, "backend", lambda: Broken())
    monkeypatch.setitem(spark._STATE, "session", type("S", (), {"sparkContext": _Context()})())
    with pytest.raises(KeyError):
        spark.execute(object(), seconds=60)  # type: ignore[arg-type]
