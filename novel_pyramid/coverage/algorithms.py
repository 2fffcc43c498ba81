"""The two ways of building a learning set from keyed sentences: cover every listed word, or filter by share.

Pure functions over ``Candidate`` items (a sentence's index, its word keys and
its length in words), with no database and no language model, so they are
tested on hand-made instances and measured apart (``bench/coverage.py``).

- ``cover``: the fewest sentences that together hold every target key the
  candidates hold. Greedy set cover (the sentence adding the most uncovered
  keys first; ties to the shorter sentence, then the lower index) with a lazy
  priority queue: a candidate's gain only falls as keys get covered, so a popped
  entry whose gain is still current is the best, and a stale one is re-scored
  and pushed back. Then an improvement pass drops every chosen sentence made
  redundant by later picks (each of its keys is in another chosen sentence),
  longest first, reassigning its keys.
- ``filter_candidates``: sentences of ``len_min``..``len_max`` words whose share
  of listed words reaches a minimum (by default one per length, stricter for
  short sentences), best first: higher share, then more keys no earlier pick
  holds, then shorter; up to ``target_count``, one of each duplicate sentence.
"""

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# The minimum share of listed words, by sentence length: a short sentence must be made of listed words only.
MIN_SHARE_BY_LENGTH = {3: 0.99, 4: 0.99, 5: 0.9, 6: 0.8, 7: 0.7, 8: 0.65}
# For lengths the mapping does not name.
DEFAULT_MIN_SHARE = 0.6


@dataclass(frozen=True)
class Candidate:
    """A sentence that may join a learning set.

    ``keys``: its distinct word keys; ``length``: its number of words.
    ``words``: its words' keys in order, repeats included, when known: filter
    mode counts listed words with them (otherwise it counts distinct keys).
    ``signature``: what makes two candidates the same sentence for a learner
    (e.g. its text); filter mode picks one of each. Without one, candidates with
    the same ``words`` are the same sentence.
    """

    index: int
    keys: frozenset[str]
    length: int
    words: tuple[str, ...] = ()
    signature: str | None = None

    @classmethod
    def of(cls, index, word_keys, *, signature=None):
        """The candidate of a sentence whose words have the keys ``word_keys`` (in order)."""
        words = tuple(word_keys)
        return cls(index, frozenset(words), len(words), words, signature)


@dataclass(frozen=True)
class CoverResult:
    """``chosen``: candidate indexes in pick order; ``assignment``: target key → the chosen index it is taught by."""

    chosen: list[int]
    assignment: dict[str, int]
    uncovered: frozenset[str]


@dataclass(frozen=True)
class FilterPick:
    """A picked sentence: its candidate ``index``, ``share`` of listed words, ``length``, and listed keys it adds."""

    index: int
    share: float
    length: int
    new_keys: frozenset[str] = field(default_factory=frozenset)


def cover(candidates: Iterable[Candidate], targets: Iterable[str], *, max_length=None) -> CoverResult:
    """The fewest candidates covering every key of ``targets`` they hold; any over ``max_length`` words ignored."""
    targets = frozenset(targets)
    useful = {}
    for candidate in candidates:
        if max_length is not None and candidate.length > max_length:
            continue
        keys = candidate.keys & targets
        if keys:
            useful[candidate.index] = (keys, candidate.length)
    coverable = frozenset().union(*(keys for keys, _ in useful.values()))

    # (-gain, length, index): the best candidate pops first; gains are rescored lazily.
    queue = [(-len(keys), length, index) for index, (keys, length) in useful.items()]
    heapq.heapify(queue)
    covered = set()
    chosen = []
    assignment = {}
    while queue and len(covered) < len(coverable):
        stale_gain, length, index = heapq.heappop(queue)
        new = useful[index][0] - covered
        if not new:
            continue
        if len(new) < -stale_gain:
            heapq.heappush(queue, (-len(new), length, index))
            continue
        chosen.append(index)
        covered |= new
        for key in new:
            assignment[key] = index

    chosen, assignment = _drop_redundant(chosen, assignment, useful)
    return CoverResult(chosen, assignment, targets - coverable)


def _drop_redundant(chosen, assignment, useful):
    holders = {}  # key → chosen indexes holding it
    for index in chosen:
        for key in useful[index][0]:
            holders.setdefault(key, set()).add(index)
    kept = set(chosen)
    # The longest first, then the one teaching fewest keys: what is dropped should be what costs the learner most.
    taught = {index: 0 for index in chosen}
    for index in assignment.values():
        taught[index] += 1
    for index in sorted(chosen, key=lambda index: (-useful[index][1], taught[index], -index)):
        keys = useful[index][0]
        if all(len(holders[key]) > 1 for key in keys):
            kept.discard(index)
            for key in keys:
                holders[key].discard(index)
                if assignment[key] == index:
                    assignment[key] = min(holders[key], key=lambda other: (useful[other][1], other))
    return [index for index in chosen if index in kept], assignment


def min_share_for(length, min_share=MIN_SHARE_BY_LENGTH):
    """The minimum share of listed words a sentence of ``length`` words needs under ``min_share``."""
    if isinstance(min_share, Mapping):
        return float(min_share.get(length, DEFAULT_MIN_SHARE))
    return float(min_share)


def filter_candidates(
    candidates: Iterable[Candidate],
    targets: Iterable[str],
    *,
    len_min=3,
    len_max=8,
    min_share=MIN_SHARE_BY_LENGTH,
    target_count=500,
) -> list[FilterPick]:
    """Sentences of ``len_min``..``len_max`` words with enough listed words, best first, up to ``target_count``.

    ``min_share`` is a float or a mapping of length → share (lengths it does not
    name need ``DEFAULT_MIN_SHARE``). ``target_count`` 0 or None: no limit.
    """
    targets = frozenset(targets)
    eligible = {}
    for candidate in candidates:
        if not len_min <= candidate.length <= len_max or candidate.length <= 0:
            continue
        if candidate.words:
            listed = sum(1 for key in candidate.words if key in targets)
        else:
            listed = len(candidate.keys & targets)
        share = listed / candidate.length
        if share + 1e-9 < min_share_for(candidate.length, min_share):
            continue
        eligible[candidate.index] = (candidate, share, candidate.keys & targets)

    # (-share, -new keys, length, index); the count of new keys only falls, so stale entries are rescored on pop.
    queue = [(-share, -len(keys), c.length, index) for index, (c, share, keys) in eligible.items()]
    heapq.heapify(queue)
    limit = target_count or None
    seen = set()
    covered = set()
    picks = []
    while queue and (limit is None or len(picks) < limit):
        negative_share, stale_new, length, index = heapq.heappop(queue)
        candidate, share, keys = eligible[index]
        new = keys - covered
        if len(new) < -stale_new:
            heapq.heappush(queue, (negative_share, -len(new), length, index))
            continue
        identity = candidate.signature if candidate.signature is not None else candidate.words or None
        if identity is not None:
            if identity in seen:
                continue
            seen.add(identity)
        picks.append(FilterPick(index, share, length, frozenset(new)))
        covered |= new
    return picks
