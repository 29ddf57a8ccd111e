"""Cost of signing and verifying, and memory of the replay cache.

Run: ``nox -s bench -- auth``. Reported as ratios against a bare
``hmac.new(secret, msg, sha256).hexdigest()`` measured in the same run.
"""

from __future__ import annotations

import hashlib
import hmac
import timeit
import tracemalloc
from datetime import UTC, datetime, timedelta

from auth_plugin import RequestSigner, sign_request
from auth_plugin.signing import new_date
from hmac_verifier import ReplayCache, Verifier

KEY, SECRET = "NCSXXXXXXXXXXXXX", "YOUR_API_SECRET"
DATE, SALT = "2026-04-23T08:15:30.123Z", "0123456789abcdef0123456789abcdef"


def best_per_call(statement: object, number: int = 20_000, repeat: int = 7) -> float:
    return min(timeit.repeat(statement, number=number, repeat=repeat)) / number  # type: ignore[arg-type]


def main() -> None:
    secret, message = SECRET.encode(), (DATE + SALT).encode()
    bare = best_per_call(lambda: hmac.new(secret, message, hashlib.sha256).hexdigest())
    fixed = best_per_call(lambda: sign_request(KEY, SECRET, date=DATE, salt=SALT))
    fresh = best_per_call(lambda: sign_request(KEY, SECRET))
    signer = RequestSigner(KEY, SECRET)
    reused = best_per_call(lambda: signer.header(date=DATE, salt=SALT))
    reused_fresh = best_per_call(signer.header)
    print(f"bare hmac.new(...).hexdigest():      {bare * 1e6:7.2f} us")
    print(
        f"sign_request (given date and salt):  {fixed * 1e6:7.2f} us  ratio {fixed / bare:.2f}x (target <= 3x)"
    )
    print(f"sign_request (fresh date and salt):  {fresh * 1e6:7.2f} us  ratio {fresh / bare:.2f}x")
    print(
        f"RequestSigner.header (as HmacAuth):  {reused * 1e6:7.2f} us  ratio {reused / bare:.2f}x"
        f"; with a fresh date and salt {reused_fresh * 1e6:.2f} us"
    )

    now = datetime(2026, 4, 23, 8, 15, 30, tzinfo=UTC)
    headers = [sign_request(KEY, SECRET, date=new_date(now)) for _ in range(50_000)]
    verifier = Verifier({KEY: SECRET}.get, clock=lambda: now, replay_cache=ReplayCache(200_000))
    iterator = iter(headers)
    verify = best_per_call(lambda: verifier.verify(next(iterator)), number=5_000, repeat=5)
    print(
        f"Verifier.verify (accepting):         {verify * 1e6:7.2f} us  ratio {verify / bare:.2f}x"
    )

    # A key's full budget would take a while to fill; a million signatures
    # spread over the window's 900 seconds, as a steady load leaves them,
    # gives the per-signature cost the budget is documented with.
    entries = 1_000_000
    cache = ReplayCache(max_per_key=entries)
    signatures = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(entries)]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i, signature in enumerate(signatures):
        signed_at = now + timedelta(seconds=i * 900 // entries)
        cache.remember(KEY, signature, expires=signed_at + timedelta(minutes=15), now=signed_at)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    print(
        f"ReplayCache, one key, {len(cache):,} entries over 15 min: "
        f"{(after - before) / 2**20:7.2f} MiB ({(after - before) / len(cache):.1f} B/entry)"
    )


if __name__ == "__main__":
    main()
