"""Keyed pseudonyms: the same person gets the same pseudonym in every source; the identifier never enters the store.

HMAC-SHA-256 under a secret key held outside the store (``UDC_PSEUDONYM_KEY`` or a key file). Without the key a
pseudonym cannot be recomputed from a BSN, so a leaked table does not reveal who is in it.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import numpy as np

from udc.errors import InputError, UdcError
from udc.settings import Settings, current

KEY_ENV = "UDC_PSEUDONYM_KEY"  # named in messages; read by udc.settings


def bsn_valid(bsn: str) -> bool:
    """The BSN 11-check: 9 digits, Σ digit·weight (9,8,…,2,−1) divisible by 11, not all zeros."""
    digits = bsn.strip()
    if len(digits) == 8:
        digits = "0" + digits  # leading zero lost in a spreadsheet
    if len(digits) != 9 or not digits.isdigit() or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True))
    return total % 11 == 0


def load_key(key_file: Path | None = None, store_path: Path | None = None, settings: Settings | None = None) -> bytes:
    """The secret key from ``key_file`` or ``UDC_PSEUDONYM_KEY`` (``settings``: the caller's, default the
    process's); refused when it lies inside the store."""
    if key_file is not None:
        if store_path is not None and key_file.resolve().is_relative_to(store_path.resolve()):
            raise UdcError(f"the pseudonym key {key_file} lies inside the store; keep it outside")
        try:
            key = key_file.read_bytes().strip()
        except OSError as exc:
            raise UdcError(f"cannot read the pseudonym key {key_file}: {exc.strerror}") from None
    else:
        key = ((settings or current()).pseudonym_key or "").encode()
    if len(key) < 16:
        raise UdcError(f"no pseudonym key: set {KEY_ENV} or pass --key-file (at least 16 characters)")
    return key


def pseudonymise(
    values: list[str], key: bytes, *, check_bsn: bool = True, file: str | None = None, field: str | None = None
) -> list[str]:
    """Pseudonyms for identifiers; a BSN failing the 11-check is an error naming its row."""
    out = []
    for row, value in enumerate(values, start=2):
        text = str(value).strip()
        if check_bsn:
            if len(text) == 8:
                text = "0" + text
            if not bsn_valid(text):
                raise InputError(f"'{value}' is not a valid BSN (11-check)", file=file, row=row, field=field)
        out.append(hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32])
    return out


def synthetic_bsn(n: int, seed: int) -> np.ndarray:
    """``n`` distinct, 11-check-valid, fictional BSNs for the synthetic population, the same for a seed.

    Person *i* gets the *i*-th valid number of a seeded permutation of 8-digit prefixes (plus check digit), so
    adding persons never changes the numbers of those already there.
    """
    modulus = 89_999_999  # prime to the multiplier: i → prefix is a bijection
    candidates = np.arange(int(n * 1.2) + 100, dtype=np.int64)
    prefix = 10_000_000 + (candidates * 7919 + seed * 104_729) % modulus
    weighted = np.zeros_like(prefix)  # digit by digit: no n × 8 matrix (20 million persons would need 1.3 GB)
    for k, weight in enumerate((9, 8, 7, 6, 5, 4, 3, 2)):
        weighted += (prefix // 10 ** (7 - k)) % 10 * weight
    check = weighted % 11  # Σ − check ≡ 0 (mod 11)
    valid = prefix[check < 10] * 10 + check[check < 10]
    if len(valid) < n:
        raise UdcError(f"cannot make {n} synthetic BSNs")
    return valid[:n]


def pseudonymise_many(values: np.ndarray, key: bytes) -> np.ndarray:
    """Pseudonyms for many (already valid) identifiers, e.g. synthetic BSNs; same function as the import."""
    new = hmac.new
    digest = hashlib.sha256
    return np.array([new(key, f"{v:09d}".encode(), digest).hexdigest()[:32] for v in values.tolist()], dtype=object)
