"""Word keys of real French: sentences read with the shared spaCy pipeline, and word-list entries read alone."""

import pytest

from novel_pyramid.pipeline import lemmas
from novel_pyramid.pipeline.lemmas import Word, entry_keys, sentence_words


def keys(sentence, **options):
    return [word.key for word in sentence_words([sentence], **options)[0]]


class TestElisions:
    def test_an_elided_word_is_its_full_word(self):
        assert keys("L'homme qu'il a vu.") == ["le", "homme", "que", "il", "avoir", "voir"]
        assert keys("Je n'ai pas d'argent, c'est vrai.") == [
            "je",
            "ne",
            "avoir",
            "pas",
            "de",
            "argent",
            "ce",
            "être",
            "vrai",
        ]
        assert keys("Il m'a dit qu'il t'aimait.") == ["il", "me", "avoir", "dire", "que", "il", "te", "aimer"]

    def test_conjunctions_elided(self):
        assert keys("Lorsqu'il vint, c'était fini.") == ["lorsque", "il", "venir", "ce", "être", "finir"]
        assert keys("Il attendit jusqu'au soir, puisqu'elle dormait.")[2:4] == ["jusque", "à"]
        assert "puisque" in keys("Il attendit jusqu'au soir, puisqu'elle dormait.")

    def test_s_before_il_is_si_and_se_elsewhere(self):
        assert keys("S'il vient, qu'il entre.") == ["si", "il", "venir", "que", "il", "entrer"]
        assert keys("Elle s'assit.") == ["elle", "se", "asseoir"]

    def test_typographic_apostrophes_are_apostrophes(self):
        typographic = sentence_words(["Jusqu’à ce qu’elle parte, l’homme attendit."])[0]
        straight = sentence_words(["Jusqu'à ce qu'elle parte, l'homme attendit."])[0]
        assert [word.key for word in typographic] == [word.key for word in straight]
        assert [word.key for word in typographic][:4] == ["jusque", "à", "ce", "que"]
        # The surface is the text as the sentence has it.
        assert typographic[0] == Word("jusque", "Jusqu’")
        assert Word("le", "l’") in typographic

    def test_compounds_with_an_apostrophe_stay_one_word(self):
        assert keys("Quelqu'un a vu la presqu'île aujourd'hui.") == [
            "quelqu'un",
            "avoir",
            "voir",
            "le",
            "presqu'île",
            "aujourd'hui",
        ]


class TestVerbs:
    @pytest.mark.parametrize(
        ("sentence", "position", "verb"),
        [
            ("Nous mangeons des pommes.", 1, "manger"),  # présent
            ("Ils finissent tard.", 1, "finir"),
            ("Ils mangèrent en silence.", 1, "manger"),  # passé simple
            ("Il vint le soir.", 1, "venir"),
            ("Elle fut surprise.", 1, "être"),
            ("Il mangeait des pommes.", 1, "manger"),  # imparfait
            ("Nous étions seuls.", 1, "être"),
            ("Il viendra demain.", 1, "venir"),  # futur
            ("Il faudra partir.", 1, "falloir"),
            ("Elles seraient parties.", 1, "être"),  # conditionnel
            ("Il faut qu'ils viennent.", 4, "venir"),  # subjonctif
            ("Il faut qu'il fasse ses devoirs.", 4, "faire"),
            ("Il fallait qu'elle fût là.", 4, "être"),
            ("Il a vu la mer.", 2, "voir"),  # participe passé
            ("Ils ont été surpris.", 2, "être"),
            ("Ils ont été surpris.", 3, "surprendre"),
            ("Elle est allée au marché.", 2, "aller"),
            ("En marchant, il chantait.", 1, "marcher"),  # participe présent
        ],
    )
    def test_a_verbs_forms_are_its_infinitive(self, sentence, position, verb):
        assert keys(sentence)[position] == verb

    def test_inverted_subjects_are_the_verb_and_the_pronoun(self):
        assert keys("Entrez, dit-il.") == ["entrer", "dire", "il"]
        assert keys("Peut-être viendra-t-il.") == ["peut-être", "venir", "il"]
        assert keys("Que voulez-vous ?") == ["que", "vouloir", "vous"]
        assert keys("Rendez-vous demain, dit-on.") == ["rendez-vous", "demain", "dire", "on"]


class TestNounsAndAdjectives:
    def test_plurals_are_singular_and_adjectives_masculine(self):
        assert keys("Les chevaux étaient beaux.") == ["le", "cheval", "être", "beau"]
        assert keys("J'aime les belles maisons blanches.") == ["je", "aimer", "le", "beau", "maison", "blanc"]
        assert keys("Ses yeux brillaient.") == ["son", "oeil", "briller"]

    def test_a_word_after_a_determiner_is_no_verb(self):
        assert keys("L'été dernier, il a été malade.") == ["le", "été", "dernier", "il", "avoir", "être", "malade"]

    def test_ligatures_are_spelled_out(self):
        assert keys("Son cœur battait pour ses sœurs.") == ["son", "coeur", "battre", "pour", "son", "soeur"]

    def test_function_words_keep_their_own_key(self):
        assert keys("Elles parlaient, tu écoutais.") == ["elle", "parler", "tu", "écouter"]
        assert keys("Cette maison est à eux.") == ["ce", "maison", "être", "à", "lui"]


class TestHyphens:
    def test_compounds_the_lexicon_knows_are_one_word(self):
        assert keys("Peut-être, dit-il, que ma grand-mère viendra.") == [
            "peut-être",
            "dire",
            "il",
            "que",
            "mon",
            "grand-mère",
            "venir",
        ]
        assert "grand-mère" in keys("Est-ce qu'il y a des grands-mères ici ?")
        assert keys("C'est-à-dire qu'il a vu un arc-en-ciel.")[:1] == ["c'est-à-dire"]
        assert "arc-en-ciel" in keys("C'est-à-dire qu'il a vu un arc-en-ciel.")

    def test_other_hyphenated_forms_are_their_parts(self):
        assert keys("Va-t'en !") == ["aller", "te", "en"]
        assert keys("Il avait vingt-deux ans.") == ["il", "avoir", "vingt", "deux", "an"]
        words = sentence_words(["Donne-le-moi."])[0]
        assert [word.surface for word in words] == ["Donne", "le", "moi"]
        assert [word.key for word in words][1:] == ["le", "moi"]


class TestCapitalsAndNames:
    def test_a_capitalised_sentence_start_is_lower_cased_and_lemmatised(self):
        assert keys("Mangeons vite.") == ["manger", "vite"]
        assert keys("Chevaux et hommes couraient.") == ["cheval", "et", "homme", "courir"]
        assert keys("« Viens ! » cria-t-elle.") == ["venir", "crier", "elle"]

    def test_names_are_their_lower_cased_text(self):
        assert keys("Jean-Pierre resta à Paris avec Marie.") == ["jean-pierre", "rester", "à", "paris", "avec", "marie"]
        assert keys("Paris est belle.") == ["paris", "être", "beau"]
        assert keys("— Oui, répondit Marie-Claire.") == ["oui", "répondre", "marie-claire"]

    def test_words_in_capitals_are_words(self):
        assert keys("Il cria ALORS.") == ["il", "crier", "alors"]


class TestDroppedAndFolded:
    def test_punctuation_and_numbers_are_no_words(self):
        words = sentence_words(["En 1998, il avait 3,5 kilos… « Enfin ! »"])[0]
        assert [word.key for word in words] == ["en", "il", "avoir", "kilo", "enfin"]

    def test_diacritics_fold_only_when_asked(self):
        assert keys("L'été, l'élève était à Noël.") == ["le", "été", "le", "élève", "être", "à", "noël"]
        assert keys("L'été, l'élève était à Noël.", fold_diacritics=True) == [
            "le",
            "ete",
            "le",
            "eleve",
            "etre",
            "a",
            "noel",
        ]

    def test_sentences_keep_their_order_across_parse_slices(self, monkeypatch):
        monkeypatch.setattr(lemmas, "PARSE_SLICE", 2)
        sentences = [f"Il mangea {count} pommes." for count in ("deux", "trois", "quatre", "cinq", "six")]
        assert [[word.key for word in words] for words in sentence_words(sentences)] == [
            ["il", "manger", count, "pomme"] for count in ("deux", "trois", "quatre", "cinq", "six")
        ]

    def test_no_sentences(self):
        assert sentence_words([]) == []
        assert sentence_words(["", " … "]) == [[], []]


class TestEntryKeys:
    def test_lemmas_keep_themselves_and_forms_take_their_lemma(self):
        assert entry_keys(["être", "avoir", "été", "mangeons", "chevaux", "yeux", "belles"]) == [
            "être",
            "avoir",
            "été",
            "manger",
            "cheval",
            "oeil",
            "beau",
        ]

    def test_running_text_forms_of_auxiliaries_are_the_verb(self):
        assert entry_keys(["été", "est", "fait", "a", "sont"], forms=True) == ["être", "être", "faire", "avoir", "être"]
        assert entry_keys(["est", "fait"]) == ["est", "fait"]

    def test_elisions(self):
        assert entry_keys(
            ["l'homme", "l’arbre", "d'argent", "qu'il", "s'il", "lorsqu'elle", "j'ai", "c'est", "l'"]
        ) == [
            "homme",
            "arbre",
            "argent",
            "que",
            "si",
            "lorsque",
            "avoir",
            "être",
            "le",
        ]

    def test_names_and_capitals(self):
        assert entry_keys(["Paris", "Marie", "Jean-Pierre", "Chevaux", "Maison", "MAISON"]) == [
            "paris",
            "marie",
            "jean-pierre",
            "cheval",
            "maison",
            "maison",
        ]

    def test_compounds_and_junk(self):
        assert entry_keys(["peut-être", "grand-mère", "aujourd'hui", "quelqu'un", "dit-il", "pomme de terre"]) == [
            "peut-être",
            "grand-mère",
            "aujourd'hui",
            "quelqu'un",
            None,
            None,
        ]
        assert entry_keys(["", "   ", "123", "3e", "...", "—", "«maison»", " chat. "]) == [
            None,
            None,
            None,
            None,
            None,
            None,
            "maison",
            "chat",
        ]

    def test_fold_and_function_words(self):
        assert entry_keys(["été", "élève", "Noël", "cœur"], fold_diacritics=True) == ["ete", "eleve", "noel", "coeur"]
        assert entry_keys(["elle", "les", "au", "ses", "cette"]) == ["elle", "le", "à", "son", "ce"]
        assert entry_keys([]) == []

    def test_an_entry_and_its_words_in_a_sentence_share_a_key(self):
        entries = ["manger", "cheval", "grand-mère", "beau", "être", "venir", "Paris", "qu'"]
        sentence = set(keys("Qu'ils mangent : les chevaux de ma grand-mère étaient beaux et venaient de Paris."))
        assert set(entry_keys(entries)) <= sentence
