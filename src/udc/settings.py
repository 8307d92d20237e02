"""Settings: where the store is, which operational database holds users and the audit log, where secrets come
from — resolved once per process from flags, then the environment, then defaults.

=====================  ==========================  ====================================================
setting                environment                 default
=====================  ==========================  ====================================================
store                  ``UDC_STORE``               ``./udc-data``
database_url           ``UDC_DATABASE_URL``        ``sqlite:///STORE/operational.sqlite``
audit key              ``UDC_AUDIT_KEY``           ``STORE/audit.key`` (created once, mode 0600)
audit anchor           ``UDC_AUDIT_ANCHOR``        ``STORE/audit.anchor``
audit witness          ``UDC_AUDIT_WITNESS``       none (an append-only file elsewhere: catches a rolled-back anchor)
web session secret     ``UDC_WEB_SECRET``          ``STORE/web-secret`` (created once)
pseudonym key          ``UDC_PSEUDONYM_KEY``       a key file given to ``udc import --key-file``
lock_wait              ``UDC_LOCK_WAIT``           15 seconds (waiting for another process's hold on the store)
Open311 key rate       ``UDC_OPEN311_KEY_RATE``    1200 service requests per API key per minute
Spark hand-over        ``UDC_SPARK_KEEP``          removed after each job (``1``: kept, for repeated runs)
=====================  ==========================  ====================================================

Everything the process creates in the store is private to its account (umask 077, see :mod:`udc.store.db`).
The disclosure policy is not a setting: it is versioned inside the store (``udc policy``), so every release records
the policy it was protected under.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from udc.errors import UdcError
from udc.privacy import audit
from udc.store.db import LOCK_WAIT, default_store_path


@dataclass(frozen=True)
class Settings:
    store: Path
    database_url: str
    audit_anchor: Path
    lock_wait: float = LOCK_WAIT
    audit_witness: Path | None = None

    @classmethod
    def resolve(cls, store: str | os.PathLike[str] | None = None) -> Settings:
        """The ``--store`` flag first, then ``UDC_*`` variables, then the defaults above."""
        path = Path(store) if store is not None else default_store_path()
        raw_wait = os.environ.get("UDC_LOCK_WAIT")
        try:
            wait = float(raw_wait) if raw_wait else LOCK_WAIT
        except ValueError:
            raise UdcError(f"UDC_LOCK_WAIT '{raw_wait}': expected a number of seconds") from None
        return cls(path, audit.operational_url(path), audit.anchor_for(path), wait, audit.witness_for())

    def describe(self) -> dict[str, Any]:
        """What ``udc settings`` prints: values and where secrets come from — never a secret itself."""
        url = self.database_url
        if "@" in url:  # user:password@host → user:***@host
            head, _, tail = url.rpartition("@")
            scheme, _, credentials = head.partition("://")
            url = f"{scheme}://{credentials.split(':')[0]}:***@{tail}"
        return {
            "store": str(self.store),
            "database_url": url,
            "audit_key": "UDC_AUDIT_KEY" if os.environ.get(audit.KEY_ENV) else str(self.store / "audit.key"),
            "audit_anchor": str(self.audit_anchor),
            "audit_witness": str(self.audit_witness) if self.audit_witness else "none (UDC_AUDIT_WITNESS not set)",
            "web_secret": "UDC_WEB_SECRET" if os.environ.get("UDC_WEB_SECRET") else str(self.store / "web-secret"),
            "lock_wait": self.lock_wait,
        }
