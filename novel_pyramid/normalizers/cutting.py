"""Where to cut a long sentence: between constituents of its dependency tree, chosen by dynamic programming.

A cut may only fall on a space, so the units are the sentence's
whitespace-separated tokens (``count_words`` counts those holding a letter or
a digit). The parse (spaCy tokens, finer than units: ``qu'il`` is two) says
what each cut would separate:

- **illegal** cuts part a word from its head by a tight relation (det, case,
  aux, cop, fixed, flat, compound, expl, nummod, a clitic pronoun before its
  verb, a lone adjective after its noun, the negation ``ne``), leave a piece
  ending with a determiner, preposition, conjunction, auxiliary, clitic or
  relative pronoun that belongs to the next piece, or fall inside what French
  never parts whatever the parse says (``M. | Dupont``, ``8 h | 15``,
  ``parce | que``, ``tout | le monde``: ``grammar``);
- **costly** cuts part a subordinator or coordinator from the verb of its
  clause (``pendant que les marins | préparaient``), a lone adverb from its
  head, or the halves of a negation: legal, made only when the limit leaves
  nothing better;
- **legal** cuts cost less the higher they sit in the tree: sentence
  boundaries and clause boundaries (coordination, subordinate and relative
  clauses, parataxis) nothing, then the boundary between a subject and its
  predicate, before an adjunct phrase, before a complement, before an object;
  punctuation at the cut (``;``, ``:``, ``,``) makes it cheaper still.

Among the ways to cut the sentence into pieces of at most ``limit`` words,
the dynamic programme picks the one of least total cost: the cuts' costs plus
each piece's, which favours pieces that hold a verb and its subject and
pieces of balanced length. An illegal cut costs more than any legal plan, so
one is made only when the sentence offers no legal way to respect the limit
(a list of 40 nouns at limit 3): the limit and the words always come first.
"""

import bisect
import re

from novel_pyramid.normalizers.grammar import (
    AUXILIARY_VERB_FORMS,
    AVOIR_FORMS,
    BEFORE_QUE,
    CLAUSE_MARKERS,
    CLITICS,
    CLUSTER_FIRSTS,
    CLUSTER_SECONDS,
    COORDINATORS,
    ETRE_FORMS,
    FIXED_EXPRESSIONS,
    FUNCTION_POS,
    NEGATION,
    NEGATION_TAILS,
    NEVER_LAST,
    NUMBER,
    RELATIVES,
    SUBORDINATORS,
    TIGHT_POS,
    TIGHT_REACH,
    TIGHT_RELATIONS,
    TITLES,
)

_UNIT = re.compile(r"\S+")
_HAS_WORD = re.compile(r"\w")
_OPENER_ONLY = re.compile(r"[«“\"'(\[—–-]+")
_CLOSERS = "»”\"')]"

# What a cut costs by the relation of the word whose head lies across it.
CLAUSE_RELATIONS = frozenset(
    ("parataxis", "advcl", "acl", "ccomp", "csubj", "dislocated", "vocative", "discourse", "list", "reparandum")
)
RELATION_COSTS = {
    "nsubj": 2.0,
    "obl": 2.5,
    "advmod": 2.5,
    "xcomp": 2.5,
    "appos": 2.5,
    "nmod": 3.0,
    "obj": 3.5,
    "iobj": 3.5,
}
OTHER_RELATION_COST = 4.0
VIOLATION_COST = 1000.0
# Parting a clause's subordinator or coordinator from its verb, a lone adverb
# from its head, or the two halves of a negation.
SPLIT_CLAUSE_COST = 6.0
PIECE_COST = 1.0
NO_VERB_COST = 1.5
NO_SUBJECT_COST = 0.5
ONE_WORD_PIECE_COST = 1.5
# Strong punctuation at a cut makes it worth more than the piece it adds.
PUNCTUATION_BONUS = ((";", 3.0), (":", 3.0), ("?", 3.0), ("!", 3.0), (".", 3.0), ("…", 2.0), (",", 1.0))
CLAUSE_BOUNDARY_COST = 0.0


def _by_first_word(expressions):
    table = {}
    for expression in expressions:
        words = expression.split()
        table.setdefault(words[0], []).append(words)
    return table


_FIXED_BY_FIRST_WORD = _by_first_word(FIXED_EXPRESSIONS)


class _Token:
    """What the planner needs of a spaCy token, read once (attribute access on spaCy tokens is slow)."""

    __slots__ = ("unit", "head", "relation", "subtype", "pos", "folded", "is_punct", "is_leaf", "is_relative", "clitic")

    def __init__(self, token, unit, head):
        self.unit = unit
        self.head = head
        self.relation, _, self.subtype = token.dep_.partition(":")
        self.clitic = False
        self.pos = token.pos_
        self.folded = token.lower_
        self.is_punct = token.is_punct
        self.is_leaf = token.left_edge.i == token.i == token.right_edge.i
        self.is_relative = self.folded in RELATIVES and "Rel" in token.morph.get("PronType")

    @property
    def is_verb(self):
        return self.pos in ("VERB", "AUX")

    @property
    def opens_clause(self):
        return self.folded in SUBORDINATORS or self.pos == "SCONJ" or self.relation == "mark" or self.is_relative


def plan_pieces(sentence, doc, limit):
    """The pieces of ``sentence`` as ``(first unit, end unit)`` pairs, each holding 1 to ``limit`` words.

    ``doc`` is the spaCy parse of ``sentence``; units are the items of ``sentence.split()``.
    """
    return _Plan(sentence, doc, limit).best()


class _Plan:
    def __init__(self, sentence, doc, limit):
        matches = list(_UNIT.finditer(sentence))
        self.units = [match.group() for match in matches]
        self.limit = limit
        count = len(self.units)
        starts = [match.start() for match in matches]
        kept = [token for token in doc if not token.is_space]
        position = {token.i: index for index, token in enumerate(kept)}
        self.tokens = [
            _Token(token, bisect.bisect_right(starts, token.idx) - 1, position.get(token.head.i, index))
            for index, token in enumerate(kept)
        ]
        self._correct_clitics()
        self.fixed_inside = self._fixed_expression_boundaries()
        self.words_before = [0]
        for unit in self.units:
            self.words_before.append(self.words_before[-1] + bool(_HAS_WORD.search(unit)))
        # A cut before unit k falls before token first_token[k].
        self.first_token = [len(self.tokens)] * (count + 1)
        for index in range(len(self.tokens) - 1, -1, -1):
            self.first_token[self.tokens[index].unit] = index
        for unit in range(count - 1, -1, -1):
            self.first_token[unit] = min(self.first_token[unit], self.first_token[unit + 1])
        # The tagger sometimes misses a verb ("écrire" as an adjective); a word
        # with an object or a subject of its own is one all the same.
        verb_units = {token.unit for token in self.tokens if token.is_verb}
        verb_units.update(
            self.tokens[token.head].unit for token in self.tokens if token.relation in ("obj", "nsubj", "iobj", "aux")
        )
        self.verbs_before = [0]
        for unit in range(count):
            self.verbs_before.append(self.verbs_before[-1] + (unit in verb_units))
        self.subject_spans = [
            tuple(sorted((token.unit, self.tokens[token.head].unit)))
            for index, token in enumerate(self.tokens)
            if token.relation in ("nsubj", "csubj", "expl") and token.head != index
        ]
        self._sweep_arcs()
        self._sweep_clauses()
        self.cut_costs = [self._cut_cost(unit) for unit in range(count)]

    def _correct_clitics(self):
        """A clitic pronoun right before a verb (or another clitic) depends on that verb, whatever the parse says."""
        tokens = self.tokens
        for index in range(len(tokens) - 2, -1, -1):
            token = tokens[index]
            if token.folded not in CLITICS:
                continue
            following = tokens[index + 1]
            # In a cluster ("la lui tendit") the last clitic leans on the next word even when it is mistagged.
            in_cluster = token.folded in CLUSTER_SECONDS and index > 0 and tokens[index - 1].folded in CLUSTER_FIRSTS
            if not in_cluster and token.pos not in ("PRON", "DET", "PROPN", "NOUN"):
                continue
            if following.is_verb or (in_cluster and not following.is_punct):
                token.head, token.pos, token.clitic = index + 1, "PRON", True
            elif following.clitic:
                token.head, token.pos, token.clitic = following.head, "PRON", True

    def _fixed_expression_boundaries(self):
        """Units before which a cut would fall inside a fixed expression."""
        folded = [unit.casefold().strip(',;:.!?…«»"()') for unit in self.units]
        inside = set()
        for start, word in enumerate(folded):
            for words in _FIXED_BY_FIRST_WORD.get(word, ()):
                if folded[start : start + len(words)] == words:
                    inside.update(range(start + 1, start + len(words)))
        return inside

    def _sweep_arcs(self):
        """For each token boundary: the costliest relation crossing it, and whether a tight one does."""
        boundaries = len(self.tokens) + 1
        self.relation_cost_at = [0.0] * boundaries
        self.tight_at = [False] * boundaries
        self.loose_at = [False] * boundaries
        for index, token in enumerate(self.tokens):
            head = token.head
            if token.is_punct or head == index or self.tokens[head].is_punct:
                continue
            cost = self._relation_cost(token)
            if token.relation == "acl" and index > 0 and self.tokens[index - 1].folded == ",":
                cost = CLAUSE_BOUNDARY_COST  # ", assis sur le banc", ", acheter du pain": set off like a clause
            tight = self._tight(token, index)
            loose = token.relation in CLAUSE_MARKERS or (token.relation == "advmod" and token.is_leaf)
            for boundary in range(min(index, head) + 1, max(index, head) + 1):
                self.relation_cost_at[boundary] = max(self.relation_cost_at[boundary], cost)
                self.tight_at[boundary] = self.tight_at[boundary] or tight
                self.loose_at[boundary] = self.loose_at[boundary] or loose

    def _sweep_clauses(self):
        """For each token boundary: whether a clause has been opened before it and its verb comes after it.

        A cut there would part a subordinator, a relative pronoun, or a
        conjunction joining two clauses, from the verb of its clause, whatever
        the parser attached them to.
        """
        tokens = self.tokens
        boundaries = len(tokens) + 1
        pending = [False] * boundaries  # an opener without its verb yet, before the boundary
        open_clause = False
        seen_verb = False
        for index, token in enumerate(tokens):
            if token.opens_clause or (seen_verb and (token.folded in COORDINATORS or token.pos == "CCONJ")):
                open_clause = True
            elif token.is_verb:
                open_clause = False
            seen_verb = seen_verb or token.is_verb
            pending[index + 1] = open_clause
        verb_next = [False] * boundaries  # the next verb comes before the next opener
        verb_ahead = False
        for index in range(len(tokens) - 1, -1, -1):
            token = tokens[index]
            if token.is_verb:
                verb_ahead = True
            elif token.opens_clause or token.folded in COORDINATORS or token.pos == "CCONJ" or token.folded == ";":
                verb_ahead = False
            verb_next[index] = verb_ahead
        self.splits_clause_at = [pending[boundary] and verb_next[boundary] for boundary in range(boundaries)]

    # Cuts

    def _cut_cost(self, unit):
        """The cost of cutting before ``unit``, or None where punctuation forbids it."""
        if unit == 0:
            return 0.0
        before, after = self.units[unit - 1], self.units[unit]
        # Quotes and dashes stay with their words: no cut after an opening
        # mark, nor before closing punctuation standing alone.
        if _OPENER_ONLY.fullmatch(before) or not (_HAS_WORD.search(after) or _OPENER_ONLY.fullmatch(after)):
            return None
        boundary = self.first_token[unit]
        violations = self.tight_at[boundary] + self._lexical_violation(unit) + (unit in self.fixed_inside)
        last = self._last_word_before(boundary)
        if last is not None and self._dangles(last):
            violations += 1
        splits = self.loose_at[boundary] or self.splits_clause_at[boundary] or self._splits_negation(unit)
        cost = self.relation_cost_at[boundary] - self._punctuation_bonus(unit)
        return violations * VIOLATION_COST + splits * SPLIT_CLAUSE_COST + cost

    def _lexical_violation(self, unit):
        """Pairs of words that stay together whatever the parse says."""
        before = self.units[unit - 1].casefold()
        after = self.units[unit].casefold()
        if before in TITLES:
            return True
        if NUMBER.fullmatch(before):  # "20 | minutes", "8 | h 15"; "p. 42 | dans son carnet" is fine
            return self.tokens[self.first_token[unit]].pos in ("NOUN", "ADJ", "SYM", "PROPN", "NUM")
        if after.startswith(("que", "qu'")) and before in BEFORE_QUE:
            return True
        if not before[-1:].isalnum():
            return False
        last, first = self.tokens[self.first_token[unit] - 1], self.tokens[self.first_token[unit]]
        # A name after its title or common noun: "l'abbé | Faria", "l'église | Saint-Pierre".
        if self.units[unit][:1].isupper() and self.units[unit - 1][:1].islower() and last.pos == "NOUN":
            return True
        # A lone adjective or participle after its noun: "aux cheveux | gris".
        if last.pos in ("NOUN", "PROPN") and first.pos in ("ADJ", "VERB") and first.is_leaf:
            return True
        # "8 h 15", "1 200", "l'année 1848": a number stays with what it counts or names.
        if NUMBER.fullmatch(after):
            return bool(NUMBER.search(before)) or last.pos in ("NOUN", "PROPN")
        return False

    def _splits_negation(self, unit):
        if self.units[unit].casefold().rstrip(",;:.!?…") not in NEGATION_TAILS:
            return False
        return any(word.casefold().startswith(("ne", "n'")) for word in self.units[max(0, unit - 3) : unit])

    def _last_word_before(self, boundary):
        for index in range(boundary - 1, -1, -1):
            if not self.tokens[index].is_punct:
                return index
        return None

    def _dangles(self, index):
        token = self.tokens[index]
        if token.pos in FUNCTION_POS or token.folded in NEVER_LAST:
            return True
        if token.head > index:
            if token.pos == "AUX" and token.folded in AUXILIARY_VERB_FORMS:
                return True
            if self._tight(token, index) or token.folded in CLITICS:
                return True
        following = self.tokens[index + 1] if index + 1 < len(self.tokens) else None
        if following is None or following.is_punct:
            return False
        # A clitic before its verb, an auxiliary before its participle (also
        # inverted: "avez-vous | mis"), a relative before its clause.
        if token.folded in CLITICS and token.pos == "PRON" and (following.is_verb or following.folded in CLITICS):
            return True
        verb = index
        while verb > 0 and self.tokens[verb].folded.startswith("-") and self.tokens[verb].unit == token.unit:
            verb -= 1
        if self.tokens[verb].folded in ETRE_FORMS:
            return True
        if self.tokens[verb].folded in AVOIR_FORMS and following.pos in ("VERB", "ADV"):
            return True
        return token.is_relative

    @staticmethod
    def _tight(token, index):
        if token.relation in ("aux", "cop"):
            return token.folded.split("-")[0] in AUXILIARY_VERB_FORMS
        if abs(token.head - index) > TIGHT_REACH.get(token.relation, 6):
            return False  # These join near neighbours: a long one is a parse error.
        if token.relation in TIGHT_RELATIONS:
            return token.pos in TIGHT_POS.get(token.relation, (token.pos,))
        if token.folded in NEGATION or token.clitic:
            return True
        if token.folded in CLITICS and token.pos == "PRON" and index < token.head:
            return True
        return token.relation in ("amod", "acl") and token.is_leaf and token.pos in ("ADJ", "VERB")

    @staticmethod
    def _relation_cost(token):
        relation = token.relation
        if relation == "acl" and token.subtype != "relcl":
            return RELATION_COSTS["nmod"]  # "des choses | à faire": a complement, not a clause of its own
        if relation in CLAUSE_RELATIONS or (relation == "conj" and token.pos in ("VERB", "AUX")):
            return CLAUSE_BOUNDARY_COST
        if relation == "conj":
            return 2.5
        return RELATION_COSTS.get(relation, OTHER_RELATION_COST)

    def _punctuation_bonus(self, unit):
        before = self.units[unit - 1].rstrip(_CLOSERS) or self.units[unit - 1]
        for mark, bonus in PUNCTUATION_BONUS:
            if before.endswith(mark):
                return bonus
        if self.units[unit] in ("—", "–"):
            return 1.0
        return 0.0

    # Pieces

    def _piece_cost(self, first, end):
        words = self.words_before[end] - self.words_before[first]
        cost = PIECE_COST + (words / self.limit) ** 2 + ONE_WORD_PIECE_COST * (words == 1 and self.limit > 2)
        if self.verbs_before[end] == self.verbs_before[first]:
            cost += NO_VERB_COST
        elif not any(first <= low and high < end for low, high in self.subject_spans):
            cost += NO_SUBJECT_COST
        return cost

    def best(self):
        """The cheapest plan: dynamic programming over piece ends."""
        count, limit = len(self.units), self.limit
        best = [0.0] + [None] * count
        start_of = [0] * (count + 1)
        for end in range(1, count + 1):
            for first in range(end - 1, -1, -1):
                words = self.words_before[end] - self.words_before[first]
                if words > limit:
                    break
                if words == 0 or best[first] is None or self.cut_costs[first] is None:
                    continue
                total = best[first] + self.cut_costs[first] + self._piece_cost(first, end)
                if best[end] is None or total < best[end]:
                    best[end], start_of[end] = total, first
        pieces = []
        end = count
        while end > 0:
            pieces.append((start_of[end], end))
            end = start_of[end]
        return pieces[::-1]
