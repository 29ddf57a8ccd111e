"""The verifier: round trips, each way a header is wrong, skew and replay edges."""

from __future__ import annotations

import random
import string
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auth_plugin import AuthError, ErrorCode, parse_header, sign_request
from auth_plugin.signing import new_date
from hmac_verifier import ReplayCache, Verifier

KEYS = {"NCSXXXXXXXXXXXXX": "YOUR_API_SECRET", "NCSMEMBERXXXXXXX": "MEMBER_SECRET"}
#: The contract's number (openapi.yaml: "more than 15 minutes"), written here
#: rather than imported from the code under test, so that a changed window fails.
CONTRACT_WINDOW = timedelta(minutes=15)
NOW = datetime(2026, 4, 23, 8, 15, 30, tzinfo=UTC)
SEOUL = timezone(timedelta(hours=9))

salts = st.text(alphabet=string.ascii_letters + string.digits, min_size=12, max_size=64)
offsets = st.integers(min_value=-900_000, max_value=900_000)  # milliseconds within ±15 min
date_forms = st.sampled_from(["ms", "seconds", "offset"])


def format_date(moment: datetime, form: str) -> str:
    if form == "ms":
        return new_date(moment)
    if form == "seconds":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.astimezone(SEOUL).isoformat(timespec="milliseconds")


def make_verifier(now: datetime = NOW, cache: ReplayCache | None = None) -> Verifier:
    return Verifier(
        KEYS.get, clock=lambda: now, replay_cache=cache if cache is not None else ReplayCache()
    )


def refusal(verifier: Verifier, header: str | None) -> ErrorCode:
    with pytest.raises(AuthError) as caught:
        verifier.verify(header)
    return caught.value.error_code


@given(salt=salts, offset_ms=offsets, form=date_forms, key=st.sampled_from(sorted(KEYS)))
def test_sign_then_verify_round_trips(salt: str, offset_ms: int, form: str, key: str) -> None:
    moment = NOW + timedelta(milliseconds=offset_ms)
    date = format_date(moment.replace(microsecond=0) if form != "ms" else moment, form)
    header = sign_request(key, KEYS[key], date=date, salt=salt)
    assert make_verifier().verify(header).api_key == key


@given(salt=salts, other=salts)
def test_changed_salt_is_refused(salt: str, other: str) -> None:
    header = sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=new_date(NOW), salt=salt)
    tampered = header.replace(f"salt={salt}", f"salt={other}")
    if other == salt:
        return
    assert refusal(make_verifier(), tampered) is ErrorCode.SIGNATURE_DOES_NOT_MATCH


@given(salt=salts, delta_ms=st.integers(min_value=1, max_value=899_000))
def test_changed_date_is_refused(salt: str, delta_ms: int) -> None:
    date = new_date(NOW)
    header = sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=date, salt=salt)
    other = new_date(NOW + timedelta(milliseconds=delta_ms))
    if other == date:
        return
    tampered = header.replace(f"date={date}", f"date={other}")
    assert refusal(make_verifier(), tampered) is ErrorCode.SIGNATURE_DOES_NOT_MATCH


@given(salt=salts, position=st.integers(min_value=0, max_value=63), data=st.data())
def test_changed_signature_is_refused(salt: str, position: int, data: st.DataObject) -> None:
    header = sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=new_date(NOW), salt=salt)
    head, signature = header.rsplit("signature=", 1)
    replacement = data.draw(
        st.sampled_from([c for c in "0123456789abcdef" if c != signature[position]])
    )
    tampered_signature = signature[:position] + replacement + signature[position + 1 :]
    assert (
        refusal(make_verifier(), f"{head}signature={tampered_signature}")
        is ErrorCode.SIGNATURE_DOES_NOT_MATCH
    )


@given(
    salt=salts,
    key=st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1, max_size=20),
)
def test_unknown_key_is_refused(salt: str, key: str) -> None:
    if key in KEYS:
        return
    header = sign_request(key, "YOUR_API_SECRET", date=new_date(NOW), salt=salt)
    assert refusal(make_verifier(), header) is ErrorCode.INVALID_API_KEY


@given(salt=salts)
def test_key_signed_with_another_keys_secret_is_refused(salt: str) -> None:
    header = sign_request("NCSMEMBERXXXXXXX", "YOUR_API_SECRET", date=new_date(NOW), salt=salt)
    assert refusal(make_verifier(), header) is ErrorCode.SIGNATURE_DOES_NOT_MATCH


@pytest.mark.parametrize("sign", [1, -1])
def test_skew_boundary_is_exactly_fifteen_minutes(sign: int) -> None:
    edge = NOW + sign * CONTRACT_WINDOW
    inside = sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=new_date(edge))
    assert make_verifier().verify(inside).api_key == "NCSXXXXXXXXXXXXX"
    beyond = sign_request(
        "NCSXXXXXXXXXXXXX",
        "YOUR_API_SECRET",
        date=new_date(edge + sign * timedelta(milliseconds=1)),
    )
    assert refusal(make_verifier(), beyond) is ErrorCode.REQUEST_TIME_TOO_SKEWED


def test_sixteen_minutes_old_is_refused_with_offset_dates_too() -> None:
    old = (NOW - timedelta(minutes=16)).astimezone(SEOUL)
    header = sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=old.isoformat())
    assert refusal(make_verifier(), header) is ErrorCode.REQUEST_TIME_TOO_SKEWED


def test_replay_is_refused_until_the_window_closes() -> None:
    cache = ReplayCache()
    header = sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=new_date(NOW))
    make_verifier(NOW, cache).verify(header)
    # Replayed at the last instant the date is still inside the window.
    assert (
        refusal(make_verifier(NOW + CONTRACT_WINDOW, cache), header)
        is ErrorCode.DUPLICATED_SIGNATURE
    )
    # One millisecond later the date is out of the window: skew refuses it,
    # and the cache may forget the entry.
    later = NOW + CONTRACT_WINDOW + timedelta(milliseconds=1)
    assert refusal(make_verifier(later, cache), header) is ErrorCode.REQUEST_TIME_TOO_SKEWED
    make_verifier(later, cache).verify(
        sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=new_date(later))
    )
    # Expired entries go within a second (the cache's bucket): memory follows the window.
    second_later = NOW + CONTRACT_WINDOW + timedelta(seconds=1)
    make_verifier(second_later, cache).verify(
        sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=new_date(second_later))
    )
    assert len(cache) == 2


def test_refused_signature_is_not_remembered() -> None:
    cache = ReplayCache()
    header = sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=new_date(NOW))
    assert (
        refusal(make_verifier(NOW + 2 * CONTRACT_WINDOW, cache), header)
        is ErrorCode.REQUEST_TIME_TOO_SKEWED
    )
    assert make_verifier(NOW, cache).verify(header).api_key == "NCSXXXXXXXXXXXXX"


def test_replay_is_refused_until_a_fractional_date_leaves_the_window() -> None:
    # Expiry 08:30:30.900 lies inside its bucket's second: the bucket must not
    # go at 08:30:30.000 + 1 s rounding the wrong way, nor at 08:30:30.
    cache = ReplayCache()
    signed_at = NOW + timedelta(milliseconds=900)
    header = sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=new_date(signed_at))
    make_verifier(NOW, cache).verify(header)
    for replay_at in (
        signed_at + CONTRACT_WINDOW - timedelta(milliseconds=1),
        signed_at + CONTRACT_WINDOW,
    ):
        assert refusal(make_verifier(replay_at, cache), header) is ErrorCode.DUPLICATED_SIGNATURE


def test_a_key_over_its_budget_gets_retry_after_and_other_keys_do_not_notice() -> None:
    cache = ReplayCache(max_per_key=3)
    owner = make_verifier(NOW, cache)
    for _ in range(3):
        owner.verify(sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=new_date(NOW)))
    with pytest.raises(AuthError) as caught:
        owner.verify(sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=new_date(NOW)))
    assert caught.value.error_code is ErrorCode.TOO_MANY_REQUESTS
    # The oldest signature (dated NOW) expires at NOW + 15 min: the whole window.
    assert caught.value.retry_after == 901
    for _ in range(3):
        owner.verify(sign_request("NCSMEMBERXXXXXXX", "MEMBER_SECRET", date=new_date(NOW)))
    # A replay is still a replay, not a budget question.
    replayed = sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=new_date(NOW))
    fresh_cache = ReplayCache(max_per_key=1)
    make_verifier(NOW, fresh_cache).verify(replayed)
    assert refusal(make_verifier(NOW, fresh_cache), replayed) is ErrorCode.DUPLICATED_SIGNATURE


def test_the_budget_comes_back_as_signatures_expire() -> None:
    cache = ReplayCache(max_per_key=2)
    early, late = NOW - timedelta(minutes=10), NOW
    make_verifier(NOW, cache).verify(
        sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=new_date(early))
    )
    make_verifier(NOW, cache).verify(
        sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=new_date(late))
    )
    with pytest.raises(AuthError) as caught:
        make_verifier(NOW, cache).verify(
            sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=new_date(NOW))
        )
    # The early one leaves the window five minutes from now.
    assert caught.value.retry_after == 301
    after = NOW + timedelta(seconds=301)
    make_verifier(after, cache).verify(
        sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=new_date(after))
    )
    assert len(cache) == 2


def test_refusals_before_the_signature_is_verified_take_no_slot() -> None:
    cache = ReplayCache(max_per_key=1)
    verifier = make_verifier(NOW, cache)
    bad = [
        None,
        "Bearer token",
        sign_request("NCSXXXXXXXXXXXXX", "WRONG_SECRET", date=new_date(NOW)),
        sign_request("NCSUNKNOWNXXXXXX", "YOUR_API_SECRET", date=new_date(NOW)),
        sign_request(
            "NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=new_date(NOW - timedelta(hours=1))
        ),
    ]
    for header in bad:
        refusal(verifier, header)
    assert len(cache) == 0
    verifier.verify(sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=new_date(NOW)))


def test_replay_cache_is_thread_safe() -> None:
    cache = ReplayCache()
    verifier = make_verifier(NOW, cache)
    header = sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=new_date(NOW))
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def attempt() -> None:
        barrier.wait()
        try:
            verifier.verify(header)
            outcomes.append("accepted")
        except AuthError as error:
            outcomes.append(error.error_code.value)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["DuplicatedSignature"] * 7 + ["accepted"]


@pytest.mark.parametrize(
    ("salt", "accepted"),
    [("a" * 11, False), ("a" * 12, True), ("a" * 64, True), ("a" * 65, False)],
)
def test_salt_length_bounds(salt: str, accepted: bool) -> None:
    header = sign_request("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date=new_date(NOW), salt=salt)
    if accepted:
        make_verifier().verify(header)
    else:
        with pytest.raises(AuthError, match="salt must be 12 to 64 characters"):
            make_verifier().verify(header)


# --- 10,000+ random and malformed header values --------------------------------

VALID = sign_request(
    "NCSXXXXXXXXXXXXX", "YOUR_API_SECRET", date="2026-04-23T08:15:30.000Z", salt="0" * 32
)
EXPECTED_CODES = {
    ErrorCode.UNAUTHORIZED,
    ErrorCode.INVALID_API_KEY,
    ErrorCode.SIGNATURE_DOES_NOT_MATCH,
    ErrorCode.REQUEST_TIME_TOO_SKEWED,
}


def mutate(rng: random.Random, value: str) -> str:
    operation = rng.randrange(7)
    position = rng.randrange(len(value) + 1)
    alphabet = string.printable + "가나다\x00\u200b,=="
    if operation == 0:  # insert
        return value[:position] + rng.choice(alphabet) + value[position:]
    if operation == 1:  # delete a span
        return value[:position] + value[position + rng.randrange(1, 12) :]
    if operation == 2:  # replace
        return value[:position] + rng.choice(alphabet) + value[position + 1 :]
    if operation == 3:  # duplicate a field
        part = rng.choice(value.split(", "))
        return f"{value}, {part}"
    if operation == 4:  # shuffle the fields
        scheme, rest = value.split(" ", 1) if " " in value else (value, "")
        fields = rest.split(", ")
        rng.shuffle(fields)
        return f"{scheme} {', '.join(fields)}"
    if operation == 5:  # truncate
        return value[:position]
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 200)))


def test_ten_thousand_malformed_headers_are_refused_with_a_specific_code() -> None:
    rng = random.Random(20260423)
    verifier = make_verifier(datetime(2026, 4, 23, 8, 15, 30, tzinfo=UTC))
    codes: dict[ErrorCode, int] = {}
    checked = 0
    for _ in range(12_000):
        value = VALID
        for _ in range(rng.randrange(1, 4)):
            value = mutate(rng, value)
        if value == VALID:
            continue
        try:
            verifier.verify(value)
        except AuthError as error:
            codes[error.error_code] = codes.get(error.error_code, 0) + 1
            # A shuffled-but-valid header seen before is a replay.
            assert error.error_code in EXPECTED_CODES | {ErrorCode.DUPLICATED_SIGNATURE}
            assert error.message
            checked += 1
            continue
        # Accepted: only a header that says exactly what VALID says (its four
        # parts unchanged, e.g. fields reordered or the scheme's case changed)
        # may pass; any other change must have been refused above.
        assert parse_header(value) == parse_header(VALID), value
        assert refusal(verifier, value) is ErrorCode.DUPLICATED_SIGNATURE
        checked += 1
    assert checked >= 10_000
    # Every family of refusal was exercised.
    assert set(codes) >= {ErrorCode.UNAUTHORIZED, ErrorCode.SIGNATURE_DOES_NOT_MATCH}


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_arbitrary_text_never_escapes_the_verifier(value: str) -> None:
    with pytest.raises(AuthError) as caught:
        make_verifier().verify(value)
    assert caught.value.error_code in EXPECTED_CODES
