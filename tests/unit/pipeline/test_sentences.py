"""French sentence splitting: abbreviations, dialogue, ellipses and incises."""

import pytest

from novel_pyramid.pipeline.sentences import split_sentences


def whole(sentence):
    """A case whose text stays one sentence."""
    return sentence, [sentence]


CASES = [
    # Plain sentence ends.
    ("Il pleut. Elle sort.", ["Il pleut.", "Elle sort."]),
    ("Il pleut ! Elle sort ? Non.", ["Il pleut !", "Elle sort ?", "Non."]),
    # Titles and abbreviations.
    ("M. Dupont arriva. Il salua.", ["M. Dupont arriva.", "Il salua."]),
    whole("MM. Durand et Martin partirent."),
    ("Mme. Bovary rêvait. Mlle. Rouault aussi.", ["Mme. Bovary rêvait.", "Mlle. Rouault aussi."]),
    ("Le Dr. Rieux soignait. Le Pr. Martin aussi.", ["Le Dr. Rieux soignait.", "Le Pr. Martin aussi."]),
    whole("Il habitait rue St. Jacques, près de Ste. Anne."),
    ("Voir p. 12 et pp. 30-34. Puis lire.", ["Voir p. 12 et pp. 30-34.", "Puis lire."]),
    whole("Il cite Hugo (cf. Les Misérables) souvent."),
    whole("Des fruits, par ex. Pommes et poires."),
    whole("En 52 av. J.-C. César vainquit."),
    whole("Vers 300 apr. J.-C. Rome déclina."),
    ("Des pommes, des poires, etc. Puis il partit.", ["Des pommes, des poires, etc.", "Puis il partit."]),
    whole("Des pommes, etc. et du pain."),
    # Initials and acronyms.
    whole("Il lisait J. Verne le soir."),
    whole("Il travaillait à la S.N.C.F. Depuis vingt ans."),
    # Numbers.
    ("Pi vaut 3.14 environ. Il le sait.", ["Pi vaut 3.14 environ.", "Il le sait."]),
    ("Il gagnait 1.000 francs. C'était peu.", ["Il gagnait 1.000 francs.", "C'était peu."]),
    # Dialogue: incises after ? and !, closing quotes kept with their sentence.
    whole("« Viens-tu ? demanda-t-il."),
    ("« Viens-tu ? » demanda-t-il. Elle sourit.", ["« Viens-tu ? » demanda-t-il.", "Elle sourit."]),
    whole("« Quelle horreur ! » s'écria-t-elle."),
    ("« Je viens, dit-il, ce soir. » Elle sourit.", ["« Je viens, dit-il, ce soir. »", "Elle sourit."]),
    ("— Oui, dit-il. — Non ! répondit-elle.", ["— Oui, dit-il.", "— Non ! répondit-elle."]),
    ("Il dit : « Non. » Puis il partit.", ["Il dit : « Non. »", "Puis il partit."]),
    # A quotation of several sentences is split like any text; the marks stay with their words.
    ("« Je viens. Attends-moi. » Il partit.", ["« Je viens.", "Attends-moi. »", "Il partit."]),
    whole("“Tu viens ?” demanda-t-elle."),
    # Ellipses: a lowercase word continues the sentence.
    whole("Il hésita… puis il entra."),
    whole("Il hésita... puis il entra."),
    ("Il attendit… Personne ne vint.", ["Il attendit…", "Personne ne vint."]),
    ("Il attendit... Personne ne vint.", ["Il attendit...", "Personne ne vint."]),
    ("Il attendit… — Qui est là ?", ["Il attendit…", "— Qui est là ?"]),
    # Whitespace is normalised.
    ("  Il   pleut.\n Elle\tsort.  ", ["Il pleut.", "Elle sort."]),
    whole("Sans point final"),
]


@pytest.mark.parametrize(("paragraph", "expected"), CASES)
def test_split_sentences(paragraph, expected):
    assert list(split_sentences([paragraph])) == expected


def test_sentences_never_span_paragraphs():
    paragraphs = ["Il marchait sans", "fin. Puis il s'arrêta", "", "   "]
    assert list(split_sentences(paragraphs)) == ["Il marchait sans", "fin.", "Puis il s'arrêta"]


def test_split_sentences_is_lazy():
    def endless():
        while True:
            yield "Une phrase. Une autre."

    sentences = split_sentences(endless())
    assert [next(sentences) for _ in range(3)] == ["Une phrase.", "Une autre.", "Une phrase."]


@pytest.mark.parametrize(
    "paragraph",
    [
        "« Tu aurais dû me le dire, murmura-t-il, et les cloches sonnaient. »",
        "« Viens. » ",
        "Il partit. » )",
    ],
)
def test_closing_marks_left_at_the_end_stay_with_their_sentence(paragraph):
    sentences = list(split_sentences([paragraph]))
    assert sentences == [" ".join(paragraph.split())]
