"""Badge tokens: round trip, and nothing but a genuine token ever resolves. Pure, no database."""
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.badge.tokens import MAX_TECHNICIAN_ID, MAX_VERSION, TOKEN_LENGTH, BadgeRef, decode_token, \
    derive_keys, encode_token

KEYS = derive_keys("the-server-secret")
OTHER_KEYS = derive_keys("another-secret")
# WeChat's rule for a mini-program code's scene: at most 32 of these characters.
SCENE = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$")
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

ids = st.integers(min_value=1, max_value=MAX_TECHNICIAN_ID)
versions = st.integers(min_value=1, max_value=MAX_VERSION)


@given(ids, versions)
def test_round_trip(technician_id, version):
    token = encode_token(KEYS, technician_id=technician_id, version=version)
    assert decode_token(KEYS, token) == BadgeRef(technician_id, version)


@given(ids, versions)
def test_short_url_safe_and_a_valid_scene(technician_id, version):
    token = encode_token(KEYS, technician_id=technician_id, version=version)
    assert len(token) == TOKEN_LENGTH <= 32
    assert SCENE.match(token)
    assert set(token) <= set(ALPHABET)       # URL-safe and QR alphanumeric mode


def test_opaque_neighbouring_ids_share_nothing_visible():
    a = encode_token(KEYS, technician_id=1, version=1)
    b = encode_token(KEYS, technician_id=2, version=1)
    c = encode_token(KEYS, technician_id=1, version=2)
    assert len({a, b, c}) == 3
    # No common prefix gives away the id or the version.
    assert a[:4] != b[:4] and a[:4] != c[:4]


@settings(max_examples=400)
@given(ids, versions, st.integers(min_value=0, max_value=TOKEN_LENGTH - 1),
       st.sampled_from(ALPHABET))
def test_any_altered_character_never_resolves(technician_id, version, position, char):
    token = encode_token(KEYS, technician_id=technician_id, version=version)
    altered = token[:position] + char + token[position + 1:]
    if altered != token:
        assert decode_token(KEYS, altered) is None


@given(ids, versions)
def test_another_secret_never_resolves(technician_id, version):
    token = encode_token(OTHER_KEYS, technician_id=technician_id, version=version)
    assert decode_token(KEYS, token) is None


@settings(max_examples=300)
@given(st.text(alphabet=ALPHABET, min_size=TOKEN_LENGTH, max_size=TOKEN_LENGTH))
def test_random_tokens_never_resolve(candidate):
    assert decode_token(KEYS, candidate) is None


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1],                      # truncated
    lambda t: t[:-2],
    lambda t: t + "A",                     # extended
    lambda t: t.lower(),                   # other spelling
    lambda t: t[:10] + "=" + t[11:],       # padding character
    lambda t: t[:5] + "é" + t[6:],         # non-ASCII
    lambda t: "",
    lambda t: t[:-1] + chr(ord(t[-1]) ^ 1) if t[-1] in ALPHABET else t,
])
def test_malformed_tokens_never_resolve(mangle):
    token = encode_token(KEYS, technician_id=42, version=3)
    mangled = mangle(token)
    if mangled != token:
        assert decode_token(KEYS, mangled) is None


def test_spare_bits_of_the_last_character_are_checked():
    token = encode_token(KEYS, technician_id=42, version=3)
    # The last base32 character carries 2 spare bits; other spellings of the same bytes are refused.
    last = ALPHABET.index(token[-1])
    for spare in (1, 2, 3):
        twin = token[:-1] + ALPHABET[last | spare]
        if twin != token:
            assert decode_token(KEYS, twin) is None


@pytest.mark.parametrize("technician_id,version", [(0, 1), (1, 0), (MAX_TECHNICIAN_ID + 1, 1),
                                                   (1, MAX_VERSION + 1)])
def test_out_of_range_values_are_refused(technician_id, version):
    with pytest.raises(ValueError):
        encode_token(KEYS, technician_id=technician_id, version=version)
