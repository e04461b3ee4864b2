"""Which flags belong in one case (案件). Pure: plain values in, plain values out.

Flags go together when they share a technician and a month (one finding, SPEC flow 5) or an
evidence group — the `evidence["group"]` key a detector gives every rating of one ring, burst,
comment cluster or device cluster — whatever the reason carrying it. Grouping is transitive.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class FlagFacts:
    flag_id: int
    technician_id: int
    month: str | None
    keys: frozenset[str]
    case_id: int | None = None


def group_keys(reasons: list | None) -> frozenset[str]:
    """The evidence group keys a flag's reasons carry."""
    keys = set()
    for reason in reasons or []:
        evidence = reason.get("evidence") if isinstance(reason, dict) else None
        key = evidence.get("group") if isinstance(evidence, dict) else None
        if isinstance(key, str) and key:
            keys.add(key)
    return frozenset(keys)


def components(flags: list[FlagFacts]) -> list[list[FlagFacts]]:
    """Connected groups of flags, each by flag id, largest first (ties: lowest flag id)."""
    parent = {f.flag_id: f.flag_id for f in flags}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first_with: dict[object, int] = {}
    for flag in flags:
        for link in ((flag.technician_id, flag.month), *(("group", k) for k in flag.keys)):
            other = first_with.setdefault(link, flag.flag_id)
            a, b = find(flag.flag_id), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[FlagFacts]] = {}
    for flag in sorted(flags, key=lambda f: f.flag_id):
        groups.setdefault(find(flag.flag_id), []).append(flag)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0].flag_id))


def assign_cases(groups: list[list[FlagFacts]]) -> list[tuple[int | None, list[int]]]:
    """Each group keeps the existing case holding most of its flags (ties: the older case), so
    a case an auditor has open keeps its number; a case is given to one group only; None means
    a new case."""
    taken: set[int] = set()
    out = []
    for group in groups:
        counts = Counter(f.case_id for f in group if f.case_id is not None)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        case_id = next((cid for cid, _ in ranked if cid not in taken), None)
        if case_id is not None:
            taken.add(case_id)
        out.append((case_id, [f.flag_id for f in group]))
    return out
