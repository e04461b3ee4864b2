"""`rating_ring`: a dense group of WeChat users rating the same technicians' orders, found the way
FRAUDAR (Hooi et al., KDD 2016) finds one: greedy peeling of the densest block of a bipartite graph.

Rows are WeChat users; columns are technicians and broadband accounts; each rating is an edge from
its rater to its order's technician and to its order's account. An edge into a column is worth
`1 / log(deg + 5)` (deg: the column's ratings in the month), so a popular technician's many
honest raters add little. The density of a set S of nodes is the weight of its edges over |S|;
peeling removes the node contributing least until nothing is left and keeps the densest set seen.
Edges a ring adds elsewhere (camouflage: its members also rate other technicians' orders) lie
outside the block and cannot lower its density, which is why this holds where a per-rater share
(`multi_account_rater`) does not.

Honest look-alikes: a family sharing one WeChat across two accounts rates two orders; the flats
of a carrier-NAT block are rated by one user each. So a ring's members are raters of at least
`MIN_MEMBER` of its technicians' orders, and a ring needs `MIN_USERS` members rating on average
`MIN_PER_USER` of its orders and a density `MIN_RATIO` times the month's background.
A ring rating given without the live badge's presence (`RatingFacts.presence`) counts fully; with
presence the rater stood next to the technician, which an honest customer does, so it counts less.
"""
from __future__ import annotations

import hashlib
import heapq
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import groupby

from app.fraud.detectors.base import DetectorResult, RatingFacts, clamp, rating_evidence

ID = "rating_ring"
COLUMN_C = 5.0
MIN_USERS = 2
MIN_PER_USER = 2.5
MIN_MEMBER = 3
MIN_RATIO = 1.25          # 3 members × 3 ratings of one technician already reach ~1.3
LOUD_RATIO = 4.0
MAX_GROUPS = 200
MAX_IDLE_ROUNDS = 3        # blocks in a row that are no ring (families, a landlord): stop
PRESENCE_FACTOR = 0.7


@dataclass(frozen=True)
class DenseGroup:
    users: frozenset[int]
    technicians: frozenset[int]
    accounts: frozenset[str]
    rating_ids: tuple[int, ...]
    density: float
    background: float

    @property
    def ratio(self) -> float:
        return self.density / self.background if self.background else 0.0


def _repeats(keys) -> tuple[dict, int]:
    """How often each key that repeats is seen, and how many keys are seen once: a month's
    accounts and raters are nearly all seen once, and a Counter of a million of them is 40 MB
    (a sorted list of references is a fifth of that)."""
    repeated, once = {}, 0
    for key, same in groupby(sorted(keys)):
        count = sum(1 for _ in same)
        if count > 1:
            repeated[key] = count
        else:
            once += 1
    return repeated, once


class ColumnWeights:
    """`1 / log(deg + c)` of every column, from month-wide degrees kept as plain counters (a
    million-rating month has a million accounts, nearly all rated once: only the others are
    kept, with how many were rated once)."""

    def __init__(self, ratings: list[RatingFacts]):
        accounts, self.single_accounts = _repeats(r.account_no for r in ratings)
        self.degree = {"t": Counter(r.technician_id for r in ratings), "a": accounts}

    def __getitem__(self, column: tuple) -> float:
        # Every column asked about is one of the ratings': an account not kept was rated once.
        return 1.0 / math.log(self.degree[column[0]].get(column[1], 1) + COLUMN_C)

    def background(self, users: int) -> float:
        """The density of the whole month's graph: every edge's weight over every node."""
        total = sum(deg / math.log(deg + COLUMN_C)
                    for side in self.degree.values() for deg in side.values())
        total += self.single_accounts / math.log(1 + COLUMN_C)
        columns = sum(len(side) for side in self.degree.values()) + self.single_accounts
        return total / max(users + columns, 1)


def _column_weights(ratings: list[RatingFacts]) -> ColumnWeights:
    return ColumnWeights(ratings)


def _edges(ratings, weight):
    """(user node, column node) → summed weight, one entry per rating per column."""
    edges: dict[tuple, float] = defaultdict(float)
    for r in ratings:
        user = ("u", r.user_id)
        for col in (("t", r.technician_id), ("a", r.account_no)):
            edges[(user, col)] += weight[col]
    return edges


def peel(edges: dict[tuple, float]) -> tuple[set, float]:
    """FRAUDAR's greedy peeling: the densest node set found and its density (edge weight / nodes).

    A heap of nodes by their weight inside the current set, with stale entries skipped: O(E log V).
    """
    adjacent: dict[tuple, dict[tuple, float]] = defaultdict(dict)
    for (a, b), w in edges.items():
        adjacent[a][b] = adjacent[a].get(b, 0.0) + w
        adjacent[b][a] = adjacent[b].get(a, 0.0) + w
    inside = {node: sum(nbrs.values()) for node, nbrs in adjacent.items()}
    total = sum(edges.values())
    alive = set(inside)
    heap = [(w, node) for node, w in inside.items()]
    heapq.heapify(heap)
    best, best_at, removed = total / max(len(alive), 1), 0, []
    while alive:
        w, node = heapq.heappop(heap)
        if node not in alive or abs(w - inside[node]) > 1e-12:
            continue
        alive.discard(node)
        removed.append(node)
        total -= inside[node]
        for other, ew in adjacent[node].items():
            if other in alive:
                inside[other] -= ew
                heapq.heappush(heap, (inside[other], other))
        if alive and total / len(alive) > best:
            best, best_at = total / len(alive), len(removed)
    return set(inside) - set(removed[:best_at]), best


def dense_groups(ratings: list[RatingFacts], *, max_groups: int = MAX_GROUPS,
                 min_users: int = MIN_USERS, min_per_user: float = MIN_PER_USER,
                 min_ratio: float = MIN_RATIO) -> list[DenseGroup]:
    """Dense blocks of raters × (technicians, accounts), densest first, each `min_ratio` times the
    month's density. Found blocks' ratings leave the graph and peeling runs again."""
    weight = _column_weights(ratings)
    per_user, single_users = _repeats(r.user_id for r in ratings)
    background = weight.background(len(per_user) + single_users)
    # A rater with one rating adds at most one column weight and one node: below any dense
    # block's density, the first thing peeling would remove. Leaving them out is the same answer
    # on a far smaller graph (and column weights keep their month-wide degrees).
    left = [r for r in ratings if r.user_id in per_user]
    groups: list[DenseGroup] = []
    idle = 0
    for _ in range(max_groups):
        if not left or idle >= MAX_IDLE_ROUNDS:
            break
        block, density = peel(_edges(left, weight))
        if not block or density < min_ratio * background:
            break
        users = {n[1] for n in block if n[0] == "u"}
        techs = {n[1] for n in block if n[0] == "t"}
        # The peeled block may hold several rings of similar density (they are found in one
        # round), and greedy peeling is approximate: with two rings touching through a
        # camouflage rating it drops the weaker members of one. So a block names technicians,
        # and its members are everyone who rated at least MIN_MEMBER of one such technician's
        # orders; members and technicians linked that way form one group each.
        strong = Counter((r.user_id, r.technician_id) for r in left if r.technician_id in techs)
        links = [link for link, n in strong.items() if n >= MIN_MEMBER]
        taken = {r.rating_id for r in left if r.user_id in users and r.technician_id in techs}
        idle += 1
        of_user = defaultdict(list)
        for r in left:
            if r.technician_id in techs:
                of_user[r.user_id].append(r)
        for members, targets in _linked(links):
            inside = [r for u in members for r in of_user[u] if r.technician_id in targets]
            taken.update(r.rating_id for r in inside)
            own = sum(weight[("t", r.technician_id)] for r in inside) / (len(members) + len(targets))
            if len(members) < min_users or len(inside) / len(members) < min_per_user \
                    or own < min_ratio * background:
                continue
            idle = 0
            groups.append(DenseGroup(
                frozenset(members), frozenset(targets), frozenset(r.account_no for r in inside),
                tuple(sorted(r.rating_id for r in inside)), round(own, 4), round(background, 4)))
        if not taken:
            break
        left = [r for r in left if r.rating_id not in taken]
    return sorted(groups, key=lambda g: -g.density)


def _linked(links: list[tuple[int, int]]) -> list[tuple[set, set]]:
    """Connected (users, technicians) parts of user–technician links."""
    by_user, by_tech = defaultdict(set), defaultdict(set)
    for user, tech in links:
        by_user[user].add(tech)
        by_tech[tech].add(user)
    parts, seen = [], set()
    for user in by_user:
        if user in seen:
            continue
        users, techs, stack = {user}, set(), [user]
        while stack:
            for tech in by_user[stack.pop()]:
                if tech not in techs:
                    techs.add(tech)
                    for other in by_tech[tech] - users:
                        users.add(other)
                        stack.append(other)
        seen |= users
        parts.append((users, techs))
    return parts


def group_key(label: str, group: DenseGroup) -> str:
    digest = hashlib.sha1(",".join(map(str, sorted(group.users))).encode()).hexdigest()[:10]
    return f"ring:{label}:{digest}"


def rating_ring(ratings: list[RatingFacts], *, label: str = "",
                **options) -> dict[int, DetectorResult]:
    """Every rating of every dense group, explained; `label` (the month) prefixes group keys."""
    groups = dense_groups(ratings, **options)
    wanted = {rating_id for group in groups for rating_id in group.rating_ids}
    by_id = {r.rating_id: r for r in ratings if r.rating_id in wanted}
    results: dict[int, DetectorResult] = {}
    for group in groups:
        members = sorted((by_id[i] for i in group.rating_ids), key=lambda r: r.rated_at)
        strength = clamp(0.6 + 0.4 * (group.ratio - MIN_RATIO) / (LOUD_RATIO - MIN_RATIO))
        employees = sorted({r.employee_no for r in members})
        key = group_key(label, group)
        evidence = {
            "group": key, "users": sorted(group.users), "accounts": sorted(group.accounts),
            "technicians": employees, "ratings_count": len(members),
            "density": group.density, "background_density": group.background,
            "density_ratio": round(group.ratio, 2),
            "without_presence": sum(1 for r in members if not r.presence),
            "ratings": [rating_evidence(r, presence=r.presence) for r in members]}
        for r in members:
            score = strength * (PRESENCE_FACTOR if r.presence else 1.0)
            results[r.rating_id] = DetectorResult(
                ID, clamp(score),
                f"{len(group.users)} 个微信用户本期共评价了装维人员 {'、'.join(employees)} 名下 "
                f"{len(group.accounts)} 个宽带账号的 {len(members)} 张工单，彼此关联的紧密程度是"
                f"本月一般水平的 {group.ratio:.1f} 倍（即使这些用户也评价其他装维人员的工单）；"
                f"其中 {evidence['without_presence']} 条评价没有在场扫码。",
                f"{len(group.users)} WeChat users rated {len(members)} orders of "
                f"{len(group.accounts)} broadband accounts of technician(s) {', '.join(employees)} "
                f"this month: a group {group.ratio:.1f}× as dense as the month's background "
                f"(whatever else they rated); {evidence['without_presence']} without presence.",
                evidence)
    return results
