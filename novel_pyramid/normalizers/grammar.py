"""French word classes and dependency relations the splitter (``cutting``) reasons with.

The parser (``fr_core_news_sm``) is right most of the time and wrong in
predictable ways on long sentences; these lists let the splitter check what it
says against what French words always do.
"""

import re

# Relations that bind a function word or a tight dependent to its head.
TIGHT_RELATIONS = frozenset(("det", "case", "aux", "cop", "fixed", "flat", "compound", "expl", "nummod", "goeswith"))
# The parser errs on long sentences ("puisque" as a numeral modifier): a tight
# relation counts only when the dependent's part of speech fits it.
TIGHT_POS = {
    "det": ("DET", "PRON", "NUM", "ADJ"),
    "case": ("ADP",),
    "nummod": ("NUM",),
    "expl": ("PRON",),
    "flat": ("PROPN", "NOUN", "X", "NUM", "ADJ"),
}
# How far a tight dependent may stand from its head before the arc is taken for a parse error.
TIGHT_REACH = {"fixed": 3, "flat": 3, "compound": 3, "goeswith": 3, "nummod": 2, "det": 4, "case": 5}
# Expressions whose words never part, whatever the parse.
FIXED_EXPRESSIONS = (
    "tout le monde", "tout à coup", "tout de suite", "tout à fait", "tout de même", "tout le temps",
    "tout à l'heure", "peu à peu", "à peu près", "à la fois", "de nouveau", "quelque chose", "à travers",
    "d'abord", "il y a", "y a-t-il", "sans doute", "peut-être que", "à peine", "en effet", "bien sûr",
    "tant pis", "tant mieux", "ce soir-là", "ce jour-là", "grâce à", "quant à",
    "au lieu de", "au lieu du", "à cause de", "à cause du", "en face de", "en face du", "près de", "près du",
    "loin de", "loin du", "au bord de", "au bord du", "le long de", "le long du", "au fond de", "au fond du",
    "autour de", "autour du", "à côté de", "à côté du", "au milieu de", "au milieu du",
)  # fmt: skip
# Subordinators and coordinators belong with the verb of their clause; a cut
# between them is legal (the subject of a subordinate clause may end a piece)
# but costly.
CLAUSE_MARKERS = frozenset(("mark", "cc"))
FUNCTION_POS = frozenset(("DET", "ADP", "CCONJ", "SCONJ"))
CLITICS = frozenset(
    (
        "je", "j'", "tu", "il", "ils", "elle", "elles", "on", "me", "m'", "te", "t'", "se", "s'",
        "le", "la", "les", "l'", "lui", "leur", "y", "en", "nous", "vous", "ce", "c'",
    )
)  # fmt: skip
NEGATION = frozenset(("ne", "n'"))
CLUSTER_FIRSTS = frozenset(("me", "m'", "te", "t'", "se", "s'", "nous", "vous", "le", "la", "les", "l'", "lui", "leur"))
CLUSTER_SECONDS = frozenset(("le", "la", "les", "lui", "leur", "y", "en"))
# Words that never end a French sentence on their own, whatever a parser
# makes of them: a safety net for the parser's mistakes.
NEVER_LAST = frozenset(
    (
        "le", "la", "les", "l'", "du", "des", "au", "aux", "ce", "cet", "cette", "ces",
        "mon", "ton", "son", "ma", "ta", "sa", "mes", "tes", "ses", "notre", "votre", "nos", "vos", "chaque",
        "à", "de", "d'", "dans", "sur", "sous", "par", "chez", "vers", "entre", "et", "ou", "mais", "ni",
        "que", "qu'", "lorsque", "lorsqu'", "puisque", "puisqu'", "quoique", "quoiqu'", "parce",
        "je", "j'", "tu", "me", "m'", "te", "t'", "se", "s'", "ne", "n'", "il", "ils", "on", "y", "en", "leur",
        "si", "qui", "dont", "lequel", "laquelle", "lesquels", "lesquelles", "auquel", "duquel",
    )
)  # fmt: skip
# Words that head a clause (subordinators, relative pronouns): with no verb
# between such a word and a cut, the cut parts it from its verb.
SUBORDINATORS = frozenset(
    (
        "que", "qu'", "quand", "lorsque", "lorsqu'", "comme", "si", "puisque", "puisqu'", "quoique", "quoiqu'",
        "qui", "dont", "où", "lequel", "laquelle", "lesquels", "lesquelles", "auquel", "duquel",
    )
)  # fmt: skip
RELATIVES = frozenset(
    ("qui", "que", "qu'", "dont", "où", "lequel", "laquelle", "lesquels", "lesquelles", "auquel", "duquel", "quoi")
)
COORDINATORS = frozenset(("et", "ou", "mais", "car", "donc", "puis", "ni", "or"))
# "parce que", "si bien que", "pendant que": the first word never ends a piece before "que".
BEFORE_QUE = frozenset(
    (
        "parce", "bien", "alors", "pendant", "tandis", "avant", "pour", "sans", "afin", "dès", "depuis", "sorte",
        "moins", "ainsi", "tant", "lors", "après", "même", "sauf", "maintenant", "vu", "attendu", "encore",
    )
)  # fmt: skip
# The second half of a negation stays with its "ne".
NEGATION_TAILS = frozenset(("pas", "jamais", "guère", "point", "rien", "plus", "personne", "aucun", "aucune", "nul"))
# Verbs that may be auxiliaries: "avoir", "être", "aller" (futur proche), "faire" (causative).
ALLER_FAIRE_FORMS = frozenset(
    (
        "va", "vas", "vais", "allons", "allez", "vont", "allait", "allais", "allions", "alliez", "allaient",
        "aller", "allant", "alla", "allèrent", "fait", "fais", "faisons", "faites", "font", "faisait", "faisaient",
        "fit", "firent", "faire", "fera", "feront", "ferait", "feraient",
    )
)  # fmt: skip
# Forms of "avoir", an auxiliary before a participle, and of "être", an
# auxiliary or a copula before whatever follows it.
AVOIR_FORMS = frozenset(
    (
        "a", "as", "ai", "avons", "avez", "ont", "avait", "avais", "avions", "aviez", "avaient", "eut", "eus",
        "eurent", "aura", "auras", "aurai", "aurons", "aurez", "auront", "aurait", "aurais", "auraient", "ait",
        "aient", "eût", "avoir", "ayant",
    )
)  # fmt: skip
ETRE_FORMS = frozenset(
    (
        "est", "es", "suis", "sommes", "êtes", "sont", "était", "étais", "étions", "étiez", "étaient", "fut",
        "fus", "furent", "sera", "seras", "serai", "serons", "serez", "seront", "serait", "serais", "seraient",
        "soit", "sois", "soient", "fût", "être", "étant", "été",
    )
)  # fmt: skip
# Abbreviations that announce the next word or number: "M. | Dupont", "p. | 42" never part.
TITLES = frozenset(
    (
        "m.", "mm.", "mme", "mmes", "mlle", "mlles", "me", "mgr", "dr", "pr", "st", "ste", "saint", "sainte",
        "p.", "pp.", "n°", "no", "nº", "vol.", "chap.", "art.", "fig.", "t.", "h",
    )
)  # fmt: skip
AUXILIARY_VERB_FORMS = AVOIR_FORMS | ETRE_FORMS | ALLER_FAIRE_FORMS
NUMBER = re.compile(r"\d+(?:[,.]\d+)*")
