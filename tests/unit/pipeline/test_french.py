"""The shared French resources: one pipeline per process, lemmas only for whoever asks, the lexicon."""

import subprocess
import sys

from novel_pyramid.pipeline import french


def test_lemmas_are_loaded_only_when_asked_for():
    # A fresh interpreter: whether the lemmatizer is loaded depends on what the process asked before.
    code = (
        "from novel_pyramid.pipeline import french\n"
        "french.parse(['Les chevaux mangeaient.'])\n"
        "print(french.LEMMATIZER in french.pipeline().pipe_names)\n"
        "print(' '.join(token.lemma_ for token in french.parse(['Les chevaux mangeaient.'], lemmas=True)[0]))\n"
        "print(repr(french.parse(['Les chevaux mangeaient.'])[0][1].lemma_))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["False", "le cheval manger .", "''"]


def test_parse_keeps_the_order_of_a_batch():
    texts = [f"Il compta jusqu'à {number}." for number in range(100)]
    docs = french.parse(texts, batch_size=16)
    assert [doc.text for doc in docs] == texts
    assert all(doc.has_annotation("DEP") for doc in docs)


def test_the_lexicon_knows_inflected_forms_and_compounds_case_folded():
    lexicon = french.lexicon()
    assert len(lexicon) > 300_000
    assert all(word in lexicon for word in ("demanda", "Chevaux", "peut-être", "grand-mère", "pourtant"))
    assert not any(word in lexicon for word in ("deman", "schtroumpfa", "demanda-t-il"))
