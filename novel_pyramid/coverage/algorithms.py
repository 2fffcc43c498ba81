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
  longest first, and swaps several chosen sentences for one that holds every
  key only they hold, while one exists. The same is done with keys weighted by
  rarity (1 over the number of sentences holding them), and the smaller cover
  wins (the first on a tie): on a 100,000-word novel and a 2,000-word list, the
  count alone ends 4 to 13 % over the optimum, the weighted order 0.1 to 5 %
  (``bench/coverage.py``). Each key is assigned to the first chosen sentence
  (in pick order) that holds it.
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

    # Two greedy orders, each improved: by how many uncovered keys a sentence adds, and by how rare they are.
    # The second finds the sentences holding several rare keys, where the optimum differs from the first.
    chosen = _improve(_greedy(useful, len(coverable)), useful)
    weighted = _improve(_greedy(useful, len(coverable), _rarity_weights(useful)), useful)
    if len(weighted) < len(chosen):
        chosen = weighted
    # Each key is taught by the first chosen sentence holding it, so a learner meets it there first.
    assignment = {}
    for index in chosen:
        for key in useful[index][0]:
            assignment.setdefault(key, index)
    return CoverResult(chosen, assignment, targets - coverable)


# A key's weight in the rarity order: this over the number of sentences holding it (integers: exact sums).
RARITY_SCALE = 720_720


def _rarity_weights(useful):
    holding = {}
    for keys, _ in useful.values():
        for key in keys:
            holding[key] = holding.get(key, 0) + 1
    return {key: -(-RARITY_SCALE // count) for key, count in holding.items()}


def _greedy(useful, coverable_count, weights=None):
    """Greedy set cover: the sentence whose uncovered keys weigh most (each 1 without ``weights``) first.

    A lazy priority queue of (-gain, length, index): a sentence's gain only
    falls as keys get covered, so a popped entry whose gain is still current is
    the best (ties to the shorter sentence, then the lower index); a stale one
    is rescored and pushed back.
    """

    def gain(keys):
        return len(keys) if weights is None else sum(weights[key] for key in keys)

    queue = [(-gain(keys), length, index) for index, (keys, length) in useful.items()]
    heapq.heapify(queue)
    covered = set()
    chosen = []
    while queue and len(covered) < coverable_count:
        stale_gain, length, index = heapq.heappop(queue)
        new = useful[index][0] - covered
        if not new:
            continue
        current = gain(new)
        if current < -stale_gain:
            heapq.heappush(queue, (-current, length, index))
            continue
        chosen.append(index)
        covered |= new
    return chosen


def _improve(chosen, useful):
    return _swap_many_for_one(_drop_redundant(chosen, useful), useful)


def _holders(chosen, useful):
    holders = {}  # key → chosen indexes holding it
    for index in chosen:
        for key in useful[index][0]:
            holders.setdefault(key, set()).add(index)
    return holders


def _drop_redundant(chosen, useful):
    """``chosen`` without the sentences whose every key another chosen sentence holds, the longest tried first."""
    holders = _holders(chosen, useful)
    kept = set(chosen)
    for index in sorted(chosen, key=lambda index: (-useful[index][1], -index)):
        keys = useful[index][0]
        if all(len(holders[key]) > 1 for key in keys):
            kept.discard(index)
            for key in keys:
                holders[key].discard(index)
    return [index for index in chosen if index in kept]


def _swap_many_for_one(chosen, useful):
    """Replace two or more chosen sentences by one that holds every key only they hold, while one exists.

    A chosen sentence is needed for the keys no other chosen sentence holds
    (its own keys); an unchosen sentence holding the own keys of several chosen
    ones replaces them all, and the cover stays whole. Shorter replacements are
    tried first. Each swap removes at least one sentence, so this ends.
    """
    order = sorted(useful, key=lambda index: (useful[index][1], index))
    chosen = list(chosen)
    swapped = True
    while swapped:
        swapped = False
        holders, own_counts = _owners(chosen, useful)
        for candidate in order:
            if candidate in own_counts:
                continue
            held = {}
            for key in useful[candidate][0]:
                indexes = holders.get(key)
                if indexes is not None and len(indexes) == 1:
                    (owner,) = indexes
                    held[owner] = held.get(owner, 0) + 1
            replaced = {owner for owner, count in held.items() if count == own_counts[owner]}
            replaced = _keeping_the_cover(replaced, useful[candidate][0], holders, useful)
            if len(replaced) > 1:
                # The replacement takes the place of the earliest sentence it replaces.
                position = min(chosen.index(index) for index in replaced)
                chosen = [index for index in chosen if index not in replaced]
                chosen.insert(position, candidate)
                holders, own_counts = _owners(chosen, useful)
                swapped = True
    return chosen


def _keeping_the_cover(replaced, keys, holders, useful):
    """The part of ``replaced`` that a sentence holding ``keys`` may replace without losing a key.

    A key two replaced sentences share, which the replacement lacks, would be
    lost: one of them stays (the one holding most such keys, then the longest).
    """
    replaced = set(replaced)
    while len(replaced) > 1:
        lost = {}
        for index in replaced:
            for key in useful[index][0]:
                if key not in keys and holders[key] <= replaced:
                    lost[index] = lost.get(index, 0) + 1
        if not lost:
            break
        replaced.discard(max(lost, key=lambda index: (lost[index], useful[index][1], index)))
    return replaced


def _owners(chosen, useful):
    """Who holds each key among ``chosen``, and how many keys each chosen sentence alone holds."""
    holders = _holders(chosen, useful)
    own_counts = dict.fromkeys(chosen, 0)
    for indexes in holders.values():
        if len(indexes) == 1:
            own_counts[next(iter(indexes))] += 1
    return holders, own_counts


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
