"""Word keys: the French words of sentences and of word-list entries, each reduced to one comparable key.

A key is what a word list and a sentence have in common when they share a word:
the lower-cased lemma ("mangeons", "mangèrent" → "manger"; "chevaux" →
"cheval"; "belles" → "beau"), the elided form's full word ("l'" → "le",
"qu'" → "que", "s'" before "il" → "si"), ligatures spelled out as the
lemmatizer's tables spell them ("cœur" → "coeur"), and diacritics folded
("été" → "ete") only when asked.

The lemmas come from the shared spaCy pipeline (``french.parse(..., lemmas=True, syntax=False)``),
corrected with the lemmatizer's own tables where ``fr_core_news_sm``'s tagger
guesses a part of speech its tables do not support (it tags "mangeait" as a
noun, "tu" as an adjective): a lemma the tables list for the tagged part of
speech wins, otherwise the form's lookup lemma. Function words (articles,
pronouns, possessives...) have fixed keys ("elle" stays "elle", where spaCy
says "lui").

Decisions, each tested in ``tests/unit/pipeline/test_lemmas.py``:

- Compounds the lexicon knows stay one word ("peut-être", "grand-mère",
  "grands-mères" → "grand-mère", "aujourd'hui", "rendez-vous"); other hyphenated
  forms are their parts ("dit-il" → "dire" + "il"; the euphonic "t" of
  "viendra-t-il" is no word). A hyphenated name stays one ("Jean-Pierre").
- Names: a capitalised word inside a sentence is a name, keyed by its
  lower-cased text ("Paris" → "paris", never "pari"); the first word of a
  sentence (or of a quotation or a line of dialogue) is a name only when the
  tagger says so and it is no verb form ("Entrez" is "entrer"; so "Marie" there
  is "marier": a known limit), otherwise it is lower-cased and lemmatised.
- Numbers written with digits are no words; spelled ones are ("deux").
- Word-list entries (``entry_keys``) have no sentence around them: an entry that
  is a lemma in its own right keeps itself ("être", "avoir", and "été" the
  season), other forms take their lookup lemma ("mangeons" → "manger"). With
  ``forms=True`` (a frequency list's running-text forms) a form of an auxiliary
  or modal verb counts as the verb ("été", "est" → "être"; "fait" → "faire").
  An article's elision goes ("l'homme" → "homme"); a conjunction elided before
  a subject pronoun is the entry ("qu'il" → "que", "s'il" → "si"); after an
  elided pronoun the verb is ("j'ai" → "avoir", "c'est" → "être"). A
  capitalised entry is a name when the tagger, reading it alone, says so.
  Junk (nothing, digits, punctuation only, several words that are no known
  compound) is None.

Raise ``KEYING_VERSION`` whenever a change here can change some key: sentence
keys kept under the old version are then computed again.
"""

import unicodedata
from dataclasses import dataclass

from novel_pyramid.pipeline import french

KEYING_VERSION = 2

# Sentences are parsed this many at a time, so a long book's parsed documents never sit in memory together.
PARSE_SLICE = 1000

# One character for one, so that offsets into the parsed text are offsets into the original.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2032": "'"})
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})

# An elided word (without its apostrophe) → its full word.
ELIDED = {
    "l": "le",
    "d": "de",
    "j": "je",
    "m": "me",
    "t": "te",
    "s": "se",
    "n": "ne",
    "c": "ce",
    "qu": "que",
    "jusqu": "jusque",
    "lorsqu": "lorsque",
    "puisqu": "puisque",
    "quoiqu": "quoique",
    "presqu": "presque",
    "quelqu": "quelque",
}
# Before these, the elided word of an entry is a pronoun and a verb follows ("j'ai", "c'est").
_ELIDED_PRONOUNS = {"j", "m", "t", "s", "n", "c"}
SUBJECT_PRONOUNS = frozenset({"il", "ils", "elle", "elles", "on"})


def _table(groups):
    return {form: key for key, forms in groups.items() for form in forms.split()}


# Closed-class words whose key does not depend on the tagger's guess.
FUNCTION_WORDS = _table(
    {
        "le": "le la les",
        "un": "un une",
        "de": "de du",
        "à": "à au aux",
        "je": "je",
        "me": "me",
        "moi": "moi",
        "tu": "tu",
        "te": "te",
        "toi": "toi",
        "il": "il ils",
        "elle": "elle elles",
        "on": "on",
        "nous": "nous",
        "vous": "vous",
        "se": "se",
        "soi": "soi",
        "lui": "lui eux",
        "leur": "leur leurs",
        "y": "y",
        "en": "en",
        "mon": "mon ma mes",
        "ton": "ton ta tes",
        "son": "son sa ses",
        "notre": "notre nos",
        "votre": "votre vos",
        "ce": "ce cet cette ces",
        "celui": "celui celle ceux celles",
        "ça": "ça",
        "cela": "cela",
        "ceci": "ceci",
        "qui": "qui",
        "que": "que",
        "quoi": "quoi",
        "dont": "dont",
        "où": "où",
        "lequel": "lequel laquelle lesquels lesquelles",
        "quel": "quel quelle quels quelles",
        "tout": "tout toute tous toutes",
        "aucun": "aucun aucune",
        "quelque": "quelque quelques",
        "ne": "ne",
        "et": "et",
        "ou": "ou",
        "mais": "mais",
        "si": "si",
    }
)
# Compounds the lemmatizer's tables lack.
_EXTRA_COMPOUNDS = {"quelqu'un": "quelqu'un", "quelqu'une": "quelqu'un"}

_TAGGED = {"NOUN": "noun", "VERB": "verb", "AUX": "aux", "ADJ": "adj", "ADV": "adv"}
_CLOSED = {"DET", "ADP", "PRON", "SCONJ", "CCONJ"}
# A capitalised word after one of these starts a sentence, a quotation or a line of dialogue.
_OPENERS = set('«“"—–([.!?…:')


@dataclass(frozen=True)
class Word:
    """One word of a sentence: its ``key`` and its ``surface``, the text as the sentence has it."""

    key: str
    surface: str


def sentence_words(texts, *, fold_diacritics=False):
    """The ``Word`` items of each sentence of ``texts``, in order; punctuation, spaces and numbers dropped."""
    results = []
    for start in range(0, len(texts), PARSE_SLICE):
        originals = list(texts[start : start + PARSE_SLICE])
        docs = french.parse([text.translate(_APOSTROPHES) for text in originals], lemmas=True, syntax=False)
        tables = _tables.get()
        results.extend(
            _doc_words(doc, original, tables, fold_diacritics) for doc, original in zip(docs, originals, strict=True)
        )
    return results


def entry_keys(entries, *, fold_diacritics=False, forms=False):
    """The key of each word-list entry (str), in order; None for junk. See the module's docstring."""
    tables = _tables.get() if entries else None
    keys = []
    names = []  # (position, text) of capitalised entries, for the tagger
    for position, entry in enumerate(entries):
        text = _clean_entry(entry)
        if text is None:
            keys.append(None)
            continue
        if text[0].isupper() and not text.isupper() and " " not in text and "'" not in text:
            names.append((position, text))
            keys.append(None)
            continue
        keys.append(_entry_key(text.lower(), tables, forms))
    if names:
        docs = french.parse([text for _, text in names], lemmas=True, syntax=False)
        for (position, text), doc in zip(names, docs, strict=True):
            if len(doc) == 1 and doc[0].pos_ == "PROPN" or ("-" in text and tables.compound(text.lower()) is None):
                keys[position] = text.lower()
            else:
                keys[position] = _entry_key(text.lower(), tables, forms)
    return [None if key is None else _finish(key, fold_diacritics) for key in keys]


def _clean_entry(entry):
    text = " ".join(str(entry).translate(_APOSTROPHES).split())
    # Spreadsheets quote and punctuate cells; an elided entry ("l'") keeps its apostrophe.
    text = text.strip('"«»“”()[]{}.,;:!?*•-–— ')
    text = text.lstrip("'")
    if not text or not any(char.isalpha() for char in text) or any(char.isdigit() for char in text):
        return None
    return text


def _entry_key(form, tables, forms):
    compound = tables.compound(form)
    if compound is not None:
        return compound
    if " " in form:
        return None
    if "'" in form:
        elided, _, rest = form.partition("'")
        full = ELIDED.get(elided)
        if full is None:
            return tables.headword(form, forms=forms)
        if not rest:
            return full
        if rest in SUBJECT_PRONOUNS:
            return "si" if elided == "s" and rest.startswith("il") else full
        if "'" in rest or "-" in rest:
            return tables.compound(rest)
        return tables.headword(rest, forms=forms, verb_first=elided in _ELIDED_PRONOUNS)
    if "-" in form:
        return None
    return tables.headword(form, forms=forms)


def fold_key(key):
    """``key`` with its diacritics folded ("été" → "ete"): what a key computed with ``fold_diacritics=True`` is."""
    decomposed = unicodedata.normalize("NFD", key)
    return unicodedata.normalize("NFC", "".join(char for char in decomposed if not unicodedata.combining(char)))


def _finish(key, fold):
    key = key.translate(_LIGATURES)
    return fold_key(key) if fold else key


def _is_punctuation(text):
    return not any(char.isalnum() for char in text)


def _doc_words(doc, original, tables, fold_diacritics):
    tokens = list(doc)
    words = []
    at_start = True
    after_determiner = False
    position = 0
    while position < len(tokens):
        token = tokens[position]
        text = token.text
        if token.is_space or _is_punctuation(text):
            # A hyphen joining two words starts nothing; a dialogue dash (followed by a space) does.
            if any(char in _OPENERS for char in text) or (text == "-" and token.whitespace_):
                at_start = True
            position += 1
            continue
        end = _compound_end(tokens, position, original, tables)
        if end is not None:
            last = tokens[end - 1]
            surface = original[token.idx : last.idx + len(last)]
            key = tables.compound(surface.translate(_APOSTROPHES).lower())
            words.append(Word(_finish(key, fold_diacritics), surface))
            position = end
        else:
            following = tokens[position + 1] if position + 1 < len(tokens) else None
            surface = original[token.idx : token.idx + len(token)]
            keys = _token_keys(token, surface, following, at_start, tables, after_determiner)
            for key, part in keys:
                words.append(Word(_finish(key, fold_diacritics), part))
            position += 1
        after_determiner = tokens[position - 1].pos_ == "DET"
        at_start = False
    return words


def _compound_end(tokens, position, original, tables):
    """The end (exclusive) of the longest run of tokens from ``position`` forming a compound the lexicon knows."""
    if tokens[position].whitespace_:
        return None
    last = position
    while last + 1 < len(tokens) and last - position < 7 and not tokens[last].whitespace_:
        last += 1
    start = tokens[position].idx
    for end in range(last + 1, position + 1, -1):
        final = tokens[end - 1]
        if _is_punctuation(final.text):
            continue
        text = original[start : final.idx + len(final)].translate(_APOSTROPHES).lower()
        if ("-" in text or "'" in text) and tables.compound(text) is not None:
            return end
    return None


def _token_keys(token, surface, following, at_start, tables, after_determiner=False):
    """(key, surface) pairs of one token: usually one, none for a number, several for a hyphenated form."""
    text = token.text
    if any(char.isdigit() for char in text):
        return []
    inverted = text.startswith("-")  # "-il" of "dit-il": the parser's lemma and tag of "-il" are unreliable
    stripped = text.strip("-")
    if not stripped:
        return []
    offset = len(text) - len(text.lstrip("-"))
    surface = surface[offset : offset + len(stripped)]
    if inverted and stripped.lower() == "t":
        return []
    if stripped.endswith("'"):
        return [(_elided_key(stripped, following, tables), surface)]
    if "-" in stripped or "'" in stripped:
        compound = tables.compound(stripped.lower())
        if compound is not None:
            return [(compound, surface)]
    if "-" in stripped:
        if _is_name(token, stripped, at_start, tables):
            return [(stripped.lower(), surface)]
        pairs = []
        cursor = 0
        for part in surface.split("-"):
            if part and part.lower() != "t":
                part_text = part.translate(_APOSTROPHES)
                key = (
                    _elided_key(part_text, None, tables)
                    if part_text.endswith("'")
                    else tables.headword(part_text.lower())
                )
                pairs.append((key, surface[cursor : cursor + len(part)]))
            cursor += len(part) + 1
        return pairs
    if _is_name(token, stripped, at_start, tables):
        return [(stripped.lower(), surface)]
    form = stripped.lower()
    if inverted:
        return [(tables.headword(form), surface)]
    return [(tables.lemma(form, token.pos_, token.lemma_, after_determiner=after_determiner), surface)]


def _elided_key(text, following, tables):
    elided = text[:-1].lower()
    if elided == "s" and following is not None and following.text.lower() in ("il", "ils"):
        return "si"
    full = ELIDED.get(elided)
    return full if full is not None else tables.headword(elided)


def _is_name(token, text, at_start, tables):
    if not text[0].isupper():
        return False
    lower = text.lower()
    if lower in FUNCTION_WORDS:
        return False
    if text.isupper() and len(text) > 1 and token.pos_ != "PROPN":
        return False  # a word in capitals, not a name
    if not at_start:
        return True
    # The tagger calls many imperatives at a sentence's start names ("Entrez, dit-il.").
    return token.pos_ == "PROPN" and not tables.is_verb_form(lower)


class LemmaTables:
    """The lemmatizer's tables of ``fr_core_news_sm``, asked the questions keying needs."""

    def __init__(self, lookups):
        self._lookup = lookups.get_table("lemma_lookup")
        exceptions = lookups.get_table("lemma_exc")
        # The tables are keyed by the hash of each part of speech's name.
        names = ("noun", "verb", "adj", "adv", "aux", "adp", "det", "pron", "sconj", "cconj")
        self._exceptions = {name: exceptions.get(name, {}) for name in names}
        index = lookups.get_table("lemma_index")
        self._index = {name: frozenset(index.get(name, ())) for name in ("noun", "verb", "adj", "adv")}
        self._index["aux"] = self._index["verb"]
        self._any_index = frozenset().union(*self._index.values())

    def lookup(self, form):
        found = self._lookup.get(form)
        if isinstance(found, list):
            return found[0] if found else None
        return found

    def exception(self, pos, form):
        found = self._exceptions.get(pos, {}).get(form)
        return found[0] if found else None

    def is_lemma(self, form, pos):
        """Whether ``form`` is a lemma of ``pos`` ("noun", "verb", "adj" or "adv") in the tables."""
        return form.translate(_LIGATURES) in self._index[pos]

    def is_verb_form(self, form):
        """Whether ``form`` is an inflected form of a verb."""
        form = form.translate(_LIGATURES)
        if form in self._exceptions["verb"] or form in self._exceptions["aux"]:
            return True
        # Regular verbs' forms are in no exception table, only in the lookup.
        lemma = self.lookup(form)
        return lemma is not None and lemma != form and lemma in self._index["verb"]

    def compound(self, form):
        """The key of ``form`` if it is a compound the tables know ("peut-être", "aujourd'hui"), else None."""
        form = form.translate(_LIGATURES)
        if not any(char in form for char in "-' "):
            return None
        if form in _EXTRA_COMPOUNDS:
            return _EXTRA_COMPOUNDS[form]
        if (
            form in self._any_index
            or self.lookup(form) is not None
            or any(form in table for table in self._exceptions.values())
        ):
            return self.headword(form)
        return None

    def headword(self, form, *, forms=False, verb_first=False):
        """The key of ``form`` read without context: a lemma keeps itself, other forms take their lookup lemma."""
        form = form.translate(_LIGATURES)
        if form in FUNCTION_WORDS:
            return FUNCTION_WORDS[form]
        if forms or verb_first:
            for pos in ("aux", "verb") if verb_first else ("aux",):
                lemma = self.exception(pos, form)
                if lemma is not None:
                    return lemma
        if form in self._any_index:
            return form
        lemma = self.lookup(form)
        if lemma is not None:
            return lemma
        for pos in ("aux", "verb", "noun", "adj", "adv", "pron", "det", "adp", "sconj", "cconj"):
            lemma = self.exception(pos, form)
            if lemma is not None:
                return lemma
        return form

    def lemma(self, form, pos, parsed_lemma, *, after_determiner=False):
        """The key of ``form`` tagged ``pos`` (a universal tag) in a sentence, given the parser's ``parsed_lemma``.

        ``after_determiner``: the word before is a determiner, so a form tagged
        as a verb is the noun it can also be ("l'été", never "être").
        """
        form = form.translate(_LIGATURES)
        if form in FUNCTION_WORDS:
            return FUNCTION_WORDS[form]
        tagged = _TAGGED.get(pos)
        if after_determiner and tagged in ("verb", "aux") and form in self._index["noun"]:
            return form
        if tagged is not None:
            index = self._index[tagged]
            if form in index:
                return form
            looked = self.lookup(form)
            if looked is not None and looked in index:
                return looked
            lemma = self.exception(tagged, form) or (self.exception("verb", form) if tagged == "aux" else None)
            if lemma is not None:
                return lemma
            parsed = parsed_lemma.lower().translate(_LIGATURES)
            if parsed in index:
                return parsed
            # Mistagged forms of être, avoir and the modals ("fût" as an adjective).
            lemma = self.exception("aux", form)
            if lemma is not None:
                return lemma
        elif pos in _CLOSED:
            # "Est-ce" comes tagged as a pronoun; a form of an auxiliary is the auxiliary.
            lemma = self.exception("aux", form)
            if lemma is not None:
                return lemma
            parsed = parsed_lemma.lower().translate(_LIGATURES)
            if parsed and parsed[0].isalpha():
                return parsed
        return self.headword(form)


def _load_tables():
    # The lemmatizer joins the shared pipeline on the first parse with lemmas; its tables are the ones it uses.
    french.parse([], lemmas=True, syntax=False)
    return LemmaTables(french.pipeline().get_pipe(french.LEMMATIZER).lookups)


_tables = french.PerProcess(_load_tables, "the lemma tables of the shared pipeline")


def tables():
    """The shared ``LemmaTables``, loaded on first use (with the pipeline's lemmatizer)."""
    return _tables.get()
