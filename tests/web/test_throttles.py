"""Sign-in throttling and rate limits (udc.web.security): nobody is locked out from a handful of addresses, a name
attacked from many addresses is slowed down rather than locked, and the tables stay bounded without ever being
cleared wholesale (which would also clear the locks of the attacker flooding them)."""

from __future__ import annotations

from udc.web.security import RateLimit, Throttle


def test_a_name_failed_from_many_addresses_is_slowed_down_not_locked() -> None:
    throttle = Throttle()
    for i in range(4):
        for _ in range(throttle.limit):
            throttle.fail(f"10.4.0.{i}", "beheer")
        assert throttle.blocked(f"10.4.0.{i}", "beheer")  # the pair
    assert not throttle.blocked("10.4.0.9", "beheer") and throttle.delay("10.4.0.9", "beheer") == 0
    for i in range(throttle.spread):
        throttle.fail(f"10.5.0.{i}", "beheer")
    assert not throttle.blocked("10.4.0.9", "beheer")  # never a hard lock for the name
    assert 0 < throttle.delay("10.4.0.9", "beheer") <= throttle.max_delay
    for i in range(10 * throttle.spread):
        throttle.fail(f"10.6.{i // 200}.{i % 200}", "beheer")
    assert throttle.delay("10.4.0.9", "beheer") == throttle.max_delay
    assert throttle.delay("10.4.0.9", "iemand-anders") == 0


def test_throttle_tables_evict_the_oldest_keys_instead_of_clearing_everything() -> None:
    """A flood of made-up names from many addresses fills the table; the pair locked a moment ago stays locked."""
    throttle = Throttle()
    for i in range(33_300):
        throttle.fail(f"10.{i // 62_500}.{i // 250 % 250}.{i % 250}", f"naam{i}")
    for _ in range(throttle.limit):
        throttle.fail("10.9.9.9", "slachtoffer")
    assert throttle.blocked("10.9.9.9", "slachtoffer")
    for i in range(200):
        throttle.fail(f"10.8.{i // 250}.{i % 250}", f"meer{i}")
    assert throttle.blocked("10.9.9.9", "slachtoffer")
    assert len(throttle.failures) <= 100_000


def test_rate_limits_evict_the_oldest_keys_instead_of_clearing_everything() -> None:
    limit = RateLimit(2, 600.0)
    for i in range(99_999):
        limit.allow(f"key{i}")
    assert limit.allow("10.9.9.9") and limit.allow("10.9.9.9") and not limit.allow("10.9.9.9")
    for i in range(500):
        limit.allow(f"more{i}")
    assert not limit.allow("10.9.9.9")  # a wholesale reset above 100 000 keys would let it through again
    assert len(limit.events) <= 100_000
