"""Live badge tokens and their time rules: pure, no database, no sleeping (times are arguments)."""
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from app.badge.live import LIVE_TOKEN_LENGTH, LiveRef, LiveSettings, accepted, decode_live_token, \
    derive_live_keys, encode_live_token, is_live_token, seconds_accepted, seconds_to_next_step, \
    step_at
from app.badge.tokens import MAX_TECHNICIAN_ID, MAX_VERSION, decode_token, derive_keys, encode_token

SECRET = "the-server-secret"
KEYS = derive_live_keys(SECRET)
STATIC_KEYS = derive_keys(SECRET)
SCENE = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$")
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
DEFAULT = LiveSettings(step_seconds=30, ahead_seconds=20)      # 30 s steps, servers ±10 s

ids = st.integers(min_value=1, max_value=MAX_TECHNICIAN_ID)
versions = st.integers(min_value=1, max_value=MAX_VERSION)
steps = st.integers(min_value=0, max_value=2**32 - 1)
# Any instant of a realistic era, to the millisecond.
instants = st.integers(min_value=1_700_000_000_000, max_value=2_500_000_000_000).map(
    lambda ms: ms / 1000)


def token_at(at: float, *, technician_id=7, version=1, settings_=DEFAULT) -> str:
    return encode_live_token(KEYS, technician_id=technician_id, version=version,
                             step=step_at(at, settings_))


def accepted_at(token: str, at: float, settings_=DEFAULT) -> bool:
    ref = decode_live_token(KEYS, token)
    return ref is not None and accepted(ref.step, at, settings_)


@given(ids, versions, steps)
def test_round_trip(technician_id, version, step):
    token = encode_live_token(KEYS, technician_id=technician_id, version=version, step=step)
    assert decode_live_token(KEYS, token) == LiveRef(technician_id, version, step)


@given(ids, versions, steps)
def test_fits_a_mini_program_scene_and_the_qr_alphanumeric_mode(technician_id, version, step):
    token = encode_live_token(KEYS, technician_id=technician_id, version=version, step=step)
    assert len(token) == LIVE_TOKEN_LENGTH <= 32
    assert SCENE.match(token) and set(token) <= set(ALPHABET)
    assert is_live_token(token)
    assert not is_live_token(encode_token(STATIC_KEYS, technician_id=technician_id,
                                          version=version))


@given(ids, versions)
def test_static_and_live_keys_never_sign_for_each_other(technician_id, version):
    static = encode_token(STATIC_KEYS, technician_id=technician_id, version=version)
    live = encode_live_token(KEYS, technician_id=technician_id, version=version, step=1)
    assert decode_live_token(KEYS, static) is None
    assert decode_token(STATIC_KEYS, live) is None
    # A live token sealed with the static badge's keys is worthless too.
    from app.badge.tokens import seal
    import struct
    impostor = seal(STATIC_KEYS, struct.pack(">IHI", technician_id, version, 1))
    assert decode_live_token(KEYS, impostor) is None


@settings(max_examples=400)
@given(ids, versions, steps, st.integers(min_value=0, max_value=LIVE_TOKEN_LENGTH - 1),
       st.sampled_from(ALPHABET))
def test_any_altered_character_never_resolves(technician_id, version, step, position, char):
    token = encode_live_token(KEYS, technician_id=technician_id, version=version, step=step)
    altered = token[:position] + char + token[position + 1:]
    if altered != token:
        assert decode_live_token(KEYS, altered) is None


@settings(max_examples=200)
@given(ids, ids, steps, st.integers(min_value=0, max_value=30))
def test_no_token_for_another_technician_or_a_later_step_is_made_from_ones_own(
        mine, theirs, step, later):
    """Knowing one's own token and what it says, flip the masked bits to say something else: the
    MAC, over the whole payload, refuses it (the mask alone would let a forger steer the bytes)."""
    import base64
    import struct
    if (theirs, later) == (mine, 0):
        return
    token = encode_live_token(KEYS, technician_id=mine, version=1, step=step)
    raw = bytearray(base64.b32decode(token))
    wanted = struct.pack(">IHI", theirs, 1, (step + later) % 2**32)
    have = struct.pack(">IHI", mine, 1, step)
    for i, (a, b) in enumerate(zip(have, wanted)):
        raw[i] ^= a ^ b
    forged = base64.b32encode(bytes(raw)).decode()
    assert decode_live_token(KEYS, forged) is None


def test_another_secret_or_a_live_badge_secret_of_its_own():
    token = token_at(1_800_000_000)
    assert decode_live_token(derive_live_keys("another-secret"), token) is None
    assert decode_live_token(derive_live_keys(SECRET), token) is not None


# -- time: current and previous step, never older; skew ahead tolerated --------------------------

@given(instants)
def test_accepted_for_its_own_step_and_the_next(at):
    token = token_at(at)
    step_start = step_at(at, DEFAULT) * 30
    assert accepted_at(token, at)
    assert accepted_at(token, step_start + 30)              # the next step: offline grace
    assert accepted_at(token, step_start + 59.999)
    assert not accepted_at(token, step_start + 60)          # two steps on: gone


@given(instants)
def test_a_token_from_two_steps_ago_is_refused_at_every_phase(at):
    two_steps_ago = token_at(at - 60)
    assert not accepted_at(two_steps_ago, at)
    assert not accepted_at(token_at(at - 61), at)


@given(instants)
def test_a_screenshot_opened_90_seconds_later_is_refused(at):
    assert not accepted_at(token_at(at), at + 90)


@given(instants, st.floats(min_value=-10, max_value=10), st.floats(min_value=-10, max_value=10))
def test_servers_up_to_10_seconds_off_accept_each_others_fresh_tokens(at, mint_off, check_off):
    """A token minted by a server `mint_off` seconds off true time is accepted right away by one
    `check_off` off: 10 s ahead minting for 10 s behind, and the other way round."""
    token = token_at(at + mint_off)
    assert accepted_at(token, at + check_off)


@given(instants)
def test_skew_never_buys_an_older_step(at):
    """However the clocks disagree, the checking server never accepts a step older than its
    previous one, so skew cannot stretch a screenshot's life backwards."""
    cur = step_at(at, DEFAULT)
    token = encode_live_token(KEYS, technician_id=7, version=1, step=cur - 2)
    assert not accepted_at(token, at)


@given(instants)
def test_too_far_in_the_future_is_refused(at):
    """A step more than the skew allowance ahead can only come from a clock far off: refused."""
    assert not accepted_at(token_at(at + 61), at)


def test_ahead_allowance_is_the_only_future_slack():
    no_slack = LiveSettings(step_seconds=30, ahead_seconds=0)
    at = 1_800_000_025.0        # 25 s into a step (1_800_000_000 is a step boundary)
    ahead_token = token_at(at + 10, settings_=no_slack)     # minted by a server 10 s ahead
    assert not accepted_at(ahead_token, at, no_slack)
    assert accepted_at(ahead_token, at, DEFAULT)


def test_refresh_and_grace_times():
    at = 1_800_000_012.5        # 12.5 s into a step
    assert seconds_to_next_step(at, DEFAULT) == 17.5
    step = step_at(at, DEFAULT)
    assert seconds_accepted(step, at, DEFAULT) == 47.5
    assert seconds_accepted(step, at + 100, DEFAULT) == 0
