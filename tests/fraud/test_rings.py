"""`rating_ring` (FRAUDAR-style peeling) on a month built in memory: a ring is found even when its
members also rate other technicians' orders; families and carrier-NAT blocks are left alone."""
import dataclasses
import random
from datetime import timedelta

from app.fraud.detectors.rings import DenseGroup, dense_groups, peel, rating_ring
from tests.fraud.test_fraud_detectors import T0, assert_explains, rf

_accounts = iter(range(100_000, 1_000_000))


def _honest_month(rng, technicians=40, ratings=1200, first_user=10_000):
    """One rating per customer; each account's own user; technicians of uneven popularity."""
    out = []
    popularity = [rng.uniform(0.3, 3.0) for _ in range(technicians)]
    for i in range(ratings):
        t = rng.choices(range(technicians), popularity)[0]
        out.append(rf(technician_id=t, employee_no=f"ZW{t:04d}", user_id=first_user + i,
                      account_no=f"A{next(_accounts)}",
                      rated_at=T0 + timedelta(minutes=rng.randint(0, 40_000))))
    return out


def _ring(rng, target=3, users=(1, 2, 3, 4, 5), per_user=5, camouflage=0, technicians=40):
    out = []
    for u in users:
        for _ in range(per_user):
            out.append(rf(technician_id=target, employee_no=f"ZW{target:04d}", user_id=u,
                          account_no=f"A{next(_accounts)}"))
        for _ in range(camouflage):
            t = rng.choice([t for t in range(technicians) if t != target])
            out.append(rf(technician_id=t, employee_no=f"ZW{t:04d}", user_id=u,
                          account_no=f"A{next(_accounts)}"))
    return out


def test_peeling_finds_the_planted_clique():
    edges = {(("u", u), ("t", 1)): 1.0 for u in range(4)}
    edges.update({(("u", 10 + u), ("t", 2 + u)): 1.0 for u in range(20)})
    block, density = peel(edges)
    assert block == {("u", 0), ("u", 1), ("u", 2), ("u", 3), ("t", 1)}
    assert density == 4 / 5


def test_plain_ring_is_one_group():
    rng = random.Random(1)
    ring = _ring(rng)
    groups = dense_groups(_honest_month(rng) + ring)
    assert len(groups) == 1 and set(groups[0].rating_ids) == {r.rating_id for r in ring}


def test_camouflaged_ring_is_found_and_its_own_ratings_flagged():
    rng = random.Random(2)
    ring = _ring(rng, camouflage=5)        # as many ratings elsewhere as on the target
    found = rating_ring(_honest_month(rng) + ring, label="2026-10")
    targeted = {r.rating_id for r in ring if r.technician_id == 3}
    assert targeted <= set(found)
    result = found[next(iter(targeted))]
    assert_explains(result)
    assert result.evidence["group"].startswith("ring:2026-10:")
    assert len({found[i].evidence["group"] for i in targeted}) == 1     # one case
    assert result.evidence["density_ratio"] >= 1.5 and len(result.evidence["users"]) == 5
    assert "倍" in result.detail_zh and "ZW0003" in result.detail_zh


def test_group_key_is_stable_across_rescans():
    rng = random.Random(3)
    month = _honest_month(rng) + _ring(rng, camouflage=3)
    first = {r.evidence["group"] for r in rating_ring(month, label="2026-10").values()}
    again = {r.evidence["group"] for r in rating_ring(list(reversed(month)), label="2026-10").values()}
    assert first == again and len(first) == 1


def test_family_sharing_one_wechat_across_two_accounts_is_not_a_ring():
    rng = random.Random(4)
    month = _honest_month(rng)
    families = []
    for f in range(30):                   # 30 families, two accounts each, often one technician
        t = rng.randrange(40)
        for _ in range(2):
            families.append(rf(technician_id=t, employee_no=f"ZW{t:04d}", user_id=500 + f,
                               account_no=f"F{f}-{next(_accounts)}"))
    assert rating_ring(month + families) == {}


def test_carrier_nat_apartment_block_is_not_a_ring():
    rng = random.Random(5)
    month = _honest_month(rng)
    block = [rf(technician_id=7, employee_no="ZW0007", user_id=900 + i, client_ip="100.64.0.1",
                account_no=f"N{i}", account_address=f"幸福小区3号楼{i}室") for i in range(40)]
    # A few of the block's households have two lines and one WeChat.
    block += [rf(technician_id=7, employee_no="ZW0007", user_id=900 + i, client_ip="100.64.0.1",
                 account_no=f"N{i}b") for i in range(4)]
    assert rating_ring(month + block) == {}


def test_presence_weakens_a_ring_rating():
    rng = random.Random(6)
    ring = _ring(rng, per_user=4)
    ring[0] = dataclasses.replace(ring[0], rating_id=999_999, presence=True)
    found = rating_ring(_honest_month(rng) + ring)
    assert found[999_999].score < found[ring[1].rating_id].score
    assert found[ring[1].rating_id].evidence["without_presence"] == len(ring) - 1


def test_density_ratio_is_against_the_background():
    g = DenseGroup(frozenset({1}), frozenset({2}), frozenset({"A"}), (1,), 1.5, 0.5)
    assert g.ratio == 3.0


def test_small_camouflaged_ring_of_three_is_found():
    rng = random.Random(7)
    ring = _ring(rng, users=(1, 2, 3), per_user=3, camouflage=3)
    found = rating_ring(_honest_month(rng) + ring)
    assert {r.rating_id for r in ring if r.technician_id == 3} <= set(found)
