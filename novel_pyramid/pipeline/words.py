"""How we count words: the one definition every limit check uses."""

import re

# A word is a run of characters holding at least one letter or digit; lone
# punctuation such as « — » or "…" separated by spaces is not a word.
_WORD = re.compile(r"\S*[\w]\S*")


def count_words(text):
    """Number of words in ``text`` ("l'homme" and "Jean-François" count once)."""
    return len(_WORD.findall(text))
