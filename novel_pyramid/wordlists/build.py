"""Writing the shipped French 2K list (data/french_2k.txt) from wordfreq's French frequencies, reproducibly.

wordfreq's French list is of running-text forms ("est", "ont", "l"), most
frequent first. Each form is keyed with ``entry_keys(..., forms=True)`` (a form
of an auxiliary counts as the verb), and the first ``size`` distinct keys are
kept, skipping junk (no key) and what the French lexicon of the spaCy model
does not know unless it is a function or stop word: most names ("france",
"michel"), English ("the", "of") and spellings without their accents ("etre",
"meme"); a letter alone is dropped too. The model's lexicon is not perfect: it
knows a few first names ("david") and English words ("man"), which stay.
wordfreq splits an elision from its word and drops the apostrophe
("l", "qu"); the apostrophe is put back so the elided word gets its key.

The same wordfreq data, model and keying give the same file, byte for byte;
the header's ``# version:`` goes up by one when the keys change.
"""

import importlib.metadata

from novel_pyramid.wordlists.defaults import DEFAULT_NAME, parse_shipped

DEFAULT_SIZE = 2000
# Enough of wordfreq's list that junk, names and merged forms still leave ``size`` keys.
CANDIDATES_PER_KEY = 3
LICENCE_NOTICE = """\
Source: the French word frequencies of wordfreq {wordfreq_version} (Robyn Speer,
https://github.com/rspeer/wordfreq, https://doi.org/10.5281/zenodo.7199437),
lemmatised with {model} {model_version} (novel_pyramid.pipeline.lemmas, keying version {keying_version}).

wordfreq's data is redistributable under the Creative Commons
Attribution-ShareAlike 4.0 license (https://creativecommons.org/licenses/by-sa/4.0/);
this list, derived from it, is shared under the same licence. wordfreq contains
data extracted from Google Books Ngrams (http://books.google.com/ngrams) and
Google Books Syntactic Ngrams; data derived from the Leeds Internet Corpus
(University of Leeds Centre for Translation Studies, http://corpus.leeds.ac.uk/list.html),
Wikipedia (http://www.wikipedia.org) and ParaCrawl (https://paracrawl.eu);
data from OPUS OpenSubtitles 2018 (http://opus.nlpl.eu/OpenSubtitles.php),
originating from the OpenSubtitles project (http://www.opensubtitles.org/);
and the SUBTLEX word lists by Marc Brysbaert et al.
(http://crr.ugent.be/programs-data/subtitle-frequencies), which are freely
available data.

One key a line, most frequent first. Regenerate with:
novel-pyramid wordlists build-default"""


def french_candidates(count):
    """wordfreq's ``count`` most frequent French forms, elisions given back their apostrophe."""
    import wordfreq

    from novel_pyramid.pipeline.lemmas import ELIDED

    return [f"{form}'" if form in ELIDED else form for form in wordfreq.top_n_list("fr", count)]


def known_to_french():
    """``is_known(key)``: in the model's French lexicon, or a function or stop word."""
    from spacy.lang.fr.stop_words import STOP_WORDS

    from novel_pyramid.pipeline import french
    from novel_pyramid.pipeline.lemmas import FUNCTION_WORDS

    lexicon = french.lexicon()
    function_words = set(FUNCTION_WORDS) | set(FUNCTION_WORDS.values())

    def is_known(key):
        if key in function_words:
            return True
        # A letter alone ("x", "p") is an abbreviation or a list mark; a capital is a title ("Monsieur").
        return len(key) > 1 and key == key.lower() and (key in STOP_WORDS or key in lexicon)

    return is_known


def most_frequent_keys(keys, is_known, size):
    """The first ``size`` distinct known keys, in order (None, a form's missing key, is skipped)."""
    chosen = {}
    for key in keys:
        if key is not None and key not in chosen and is_known(key):
            chosen[key] = None
            if len(chosen) == size:
                break
    return list(chosen)


def build_default_text(size=DEFAULT_SIZE, previous_text=None):
    """The file's text: the header (licence, sources, version) and ``size`` keys."""
    from novel_pyramid.pipeline import french
    from novel_pyramid.pipeline.lemmas import KEYING_VERSION, entry_keys

    forms = french_candidates(size * CANDIDATES_PER_KEY)
    keys = most_frequent_keys(entry_keys(forms, forms=True), known_to_french(), size)
    if len(keys) < size:
        raise RuntimeError(f"wordfreq gave only {len(keys)} usable French keys; {size} were asked for")
    version = _version_after(previous_text, keys)
    notice = LICENCE_NOTICE.format(
        wordfreq_version=importlib.metadata.version("wordfreq"),
        model=french.MODEL,
        model_version=importlib.metadata.version(french.MODEL.replace("_", "-")),
        keying_version=KEYING_VERSION,
    )
    header = [f"# {DEFAULT_NAME}: the {size:,} most frequent French lemmas.", "#"]
    header += [f"# {line}".rstrip() for line in notice.splitlines()]
    header += ["#", f"# version: {version}"]
    return "\n".join(header + keys) + "\n"


def _version_after(previous_text, keys):
    """The previous file's version if its keys are these, else one more (1 for a first file)."""
    if not previous_text:
        return 1
    try:
        previous = parse_shipped(previous_text)
    except ValueError:
        return 1
    return previous.version if list(previous.keys) == keys else previous.version + 1
