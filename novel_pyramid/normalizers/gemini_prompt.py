"""What we ask Gemini: the French instructions, the request payload and the answer schema.

Every change to the wording here changes the model's output, so it must come
with a new ``PROMPT_VERSION``: the version is part of the normaliser's
``cache_key``, and results cached under the old prompt then stop being reused.
"""

import json

# 2: one list of sentences per input sentence, so each output knows its source.
PROMPT_VERSION = "2"

# The model must answer with exactly this shape. Sent as ``responseJsonSchema``
# so the API constrains decoding to it; we still validate the answer ourselves,
# since a schema cannot express "as many lists as sentences", "non-empty" or
# "at most N words".
ANSWER_SCHEMA = {
    "type": "object",
    "properties": {
        "rewrites": {
            "type": "array",
            "description": (
                "Une entrée par phrase reçue, dans le même ordre : la liste des phrases qui la remplacent "
                "(la phrase elle-même, seule, si elle est assez courte)."
            ),
            "items": {"type": "array", "items": {"type": "string"}},
        }
    },
    "required": ["rewrites"],
    "additionalProperties": False,
}

_SYSTEM_PROMPT = """\
Tu aides des apprenants de français à lire des romans français. Tu reçois un \
extrait de roman sous la forme d'un objet JSON {{"limit": N, "sentences": [...]}} \
qui donne la liste ordonnée de ses phrases. Ici, N = {limit}.

Règles :
1. Toute phrase de plus de {limit} mots est réécrite en plusieurs phrases \
françaises courtes, complètes et grammaticales, de {limit} mots au plus chacune.
2. Garde exactement le sens. Réutilise les mots du texte original ; n'ajoute que \
les mots que la grammaire exige (par exemple un sujet ou un verbe repris).
3. Ne résume pas, n'omets rien, n'ajoute aucune idée, n'explique rien.
4. Ne traduis pas : tout reste en français.
5. Une phrase de {limit} mots ou moins est recopiée telle quelle, sans aucun changement.
6. Garde l'ordre du texte.
7. Dans les dialogues, garde la ponctuation du dialogue (guillemets « », tirets \
—, points de suspension) : les phrases courtes tirées d'une réplique restent \
dans cette réplique.
8. Un mot est une suite de caractères sans espace qui contient au moins une \
lettre ou un chiffre : « l'homme » et « Jean-François » comptent chacun pour un \
mot ; la ponctuation seule ne compte pas.

Réponds uniquement par un objet JSON {{"rewrites": [[...], [...], ...]}} : une \
liste par phrase reçue, autant de listes que de phrases reçues et dans le même \
ordre ; chaque liste contient, dans l'ordre, la ou les phrases qui remplacent \
cette phrase (la phrase elle-même, seule, si elle a {limit} mots ou moins), \
sans phrase vide."""

_REWRITE_REQUEST = "Réécris cet extrait : aucune phrase ne doit dépasser {limit} mots."

_CORRECTION_REQUEST = """\
Ces phrases ont encore plus de {limit} mots. Coupe chacune d'elles en phrases \
courtes et grammaticales de {limit} mots au plus, en gardant ses mots et son \
sens, et réponds par une liste par phrase, dans l'ordre."""


def system_prompt(limit):
    """The standing rules, stated for this word limit."""
    return _SYSTEM_PROMPT.format(limit=limit)


def rewrite_request(sentences, limit):
    """The user turn for a chunk: the request in words, then the sentences as JSON.

    The payload is a separate part so sentence boundaries are unambiguous and
    the fake server in the tests can read it back.
    """
    return [_REWRITE_REQUEST.format(limit=limit), payload(sentences, limit)]


def correction_request(offending, limit):
    """The user turn asking, once, to cut the sentences of an answer that still break the limit."""
    return [_CORRECTION_REQUEST.format(limit=limit), payload(offending, limit)]


def payload(sentences, limit):
    return json.dumps({"limit": limit, "sentences": list(sentences)}, ensure_ascii=False)
