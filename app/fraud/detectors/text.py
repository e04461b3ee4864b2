"""`duplicate_comment`: near-duplicate comments on different accounts of one technician.

Comments are compared as sets of character bigrams (Chinese has no spaces to split words on)
by Jaccard similarity. Short or common praise ("很好", "WiFi信号好多了") and its near variants are
written independently by thousands of customers, so a shared text is weighed by how much it says:
its bits under a character-bigram model of the month's comments (`CommentCorpus`: −log2 of the
chance of writing it, character after character, with the shared copies themselves left out).
Stock praise is a chain of likely characters and says little, even strung three together; a
specific sentence, or six stock phrases in one fixed order, is a chain nobody writes twice by
chance. Without a corpus (one rating at submission) length stands in. A text written for many
technicians' orders is also a stock phrase (`is_stock`).
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

from app.fraud.detectors.base import DetectorResult, RatingFacts, clamp, rating_evidence

ID = "duplicate_comment"
SIMILAR = 0.7
INFORMATIVE_CHARS = 12
COMMON_TECHNICIANS = 3     # written for this many technicians' orders → maybe a stock phrase
LONG_CHARS = 20
EVERYWHERE_TECHNICIANS = 8
QUIET_BITS = 150.0         # three short praises strung together say up to ~150 bits
LOUD_BITS = 230.0          # a specific sentence nobody repeats by chance says far more
SMOOTHING = 0.5
ALPHABET = 6000            # characters in everyday use: what an unseen next character is one of
_NOISE = re.compile(r"[\W_]+", re.UNICODE)


@lru_cache(maxsize=1 << 16)      # stock praise recurs thousands of times in a month
def normalize(text: str) -> str:
    """Width-folded, lower-case, without spaces, punctuation or emoji."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text or "").lower())


def shingles(text: str, k: int = 2) -> frozenset[str]:
    if len(text) <= k:
        return frozenset([text]) if text else frozenset()
    return frozenset(text[i:i + k] for i in range(len(text) - k + 1))


def jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


@dataclass(frozen=True)
class CommentCorpus:
    """Character counts of the month's normalized comments: first characters, characters followed
    by another, and those pairs."""

    comments: int
    firsts: Counter
    contexts: Counter
    pairs: Counter

    def bits(self, norm: str, leave_out: Iterable[str] = ()) -> float:
        """−log2 P(`norm`) under the add-½ smoothed bigram model, the `leave_out` texts (the
        copies being judged) taken out of the counts first so they do not vouch for themselves."""
        if not norm:
            return 0.0
        firsts, contexts, pairs = Counter(), Counter(), Counter()
        for text in leave_out:
            if text:
                firsts[text[0]] += 1
                contexts.update(text[:-1])
                pairs.update(a + b for a, b in zip(text, text[1:]))
        others = max(self.comments - sum(firsts.values()), 0)
        said = -math.log2((self.firsts[norm[0]] - firsts[norm[0]] + SMOOTHING)
                          / (others + SMOOTHING * ALPHABET))
        for a, b in zip(norm, norm[1:]):
            said -= math.log2((self.pairs[a + b] - pairs[a + b] + SMOOTHING)
                              / (self.contexts[a] - contexts[a] + SMOOTHING * ALPHABET))
        return said


def comment_corpus(comments: Iterable[str]) -> CommentCorpus:
    """The character counts of a window's comments (raw texts; empty ones are skipped)."""
    firsts, contexts, pairs = Counter(), Counter(), Counter()
    count = 0
    # A month's praise repeats: each distinct text is counted once, times its copies.
    for text, copies in Counter(comments).items():
        norm = normalize(text)
        if norm:
            count += copies
            firsts[norm[0]] += copies
            for char in norm[:-1]:
                contexts[char] += copies
            for a, b in zip(norm, norm[1:]):
                pairs[a + b] += copies
    return CommentCorpus(count, firsts, contexts, pairs)


def is_stock(norm: str, technicians_writing_it: int) -> bool:
    """A phrase many customers write on their own: short and seen for several technicians, or
    seen nearly everywhere. A long text on a few technicians' orders is a template handed round
    (a team leader's), which is exactly the signal, so it is not excused."""
    return technicians_writing_it >= COMMON_TECHNICIANS and (
        len(norm) < LONG_CHARS or technicians_writing_it >= EVERYWHERE_TECHNICIANS)


def informativeness(norm: str, technicians_writing_it: int, corpus: CommentCorpus | None = None,
                     copies: Iterable[str] = ()) -> float:
    """0..1: how much a shared text says. Common praise and stock phrases say little."""
    if corpus is not None and corpus.comments >= 50:
        said = clamp((corpus.bits(norm, copies) - QUIET_BITS) / (LOUD_BITS - QUIET_BITS))
    else:
        said = min(1.0, len(norm) / INFORMATIVE_CHARS)
    return said * (0.15 if is_stock(norm, technicians_writing_it) else 1.0)


def duplicate_comment(ratings: list[RatingFacts], *, text_technicians: dict[str, int],
                      corpus: CommentCorpus | None = None,
                      similar: float = SIMILAR) -> dict[int, DetectorResult]:
    """`ratings`: one technician's ratings; `text_technicians`: normalized comment → number of
    distinct technicians whose orders carried it in the window; `corpus`: the window's bigram
    frequencies (fewer than 50 comments: length stands in)."""
    items = [(r, normalize(r.comment)) for r in ratings]
    items = [(r, n, shingles(n)) for r, n in items if len(n) >= 4]
    # Union-find over similar pairs of different accounts: a cluster is one pasted text.
    parent = {r.rating_id: r.rating_id for r, _, _ in items}

    def root(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    best: dict[int, float] = {}
    for (a, na, sa), (b, nb, sb) in combinations(items, 2):
        if a.account_no == b.account_no:
            continue
        if min(len(na), len(nb)) < similar * max(len(na), len(nb)):
            continue           # lengths too different for the Jaccard bound to be reached
        sim = jaccard(sa, sb)
        if sim >= similar:
            parent[root(a.rating_id)] = root(b.rating_id)
            best[a.rating_id] = max(best.get(a.rating_id, 0), sim)
            best[b.rating_id] = max(best.get(b.rating_id, 0), sim)

    clusters: dict[int, list] = {}
    for r, n, _ in items:
        if r.rating_id in best:
            clusters.setdefault(root(r.rating_id), []).append((r, n))
    results = {}
    for members in clusters.values():
        accounts = sorted({r.account_no for r, _ in members})
        size = 0.6 if len(accounts) == 2 else 1.0
        rows = [rating_evidence(r, comment=r.comment) for r, _ in
                sorted(members, key=lambda m: m[0].rated_at)]
        copies = [n for _, n in members]
        for r, n in members:
            weight = informativeness(n, text_technicians.get(n, 1), corpus, copies)
            score = clamp(best[r.rating_id] * size * weight)
            if score <= 0.05:
                continue
            stock = is_stock(n, text_technicians.get(n, 1)) or weight < 0.5
            bits = round(corpus.bits(n, copies), 1) if corpus else None
            results[r.rating_id] = DetectorResult(
                ID, score,
                f"装维人员 {r.employee_no} 名下 {len(accounts)} 个不同账号的评价内容几乎相同"
                f"（相似度 {best[r.rating_id]:.0%}）：“{r.comment[:60]}”"
                f"{'；这是常见套话，已降权' if stock else ''}。",
                f"Ratings of {len(accounts)} different accounts of technician {r.employee_no} carry "
                f"nearly the same comment (similarity {best[r.rating_id]:.0%}): \"{r.comment[:60]}\""
                f"{'; a stock phrase, down-weighted' if stock else ''}.",
                {"accounts": accounts, "similarity": round(best[r.rating_id], 3),
                 "stock_phrase": stock, "information_bits": bits, "ratings": rows})
    return results
