"""A generated French novel with real syntax, to measure how the offline normaliser cuts.

Sentences are built from a small grammar: subjects with complements and
relative clauses, verbs in simple and compound tenses with clitic pronouns and
negation, subordinate clauses (``parce que``, ``bien que``, ``pendant que``),
completives, coordination, dialogue with inverted incises (``demanda-t-il``),
inversions (``Peut-être viendra-t-elle``), numbers (``3,5``, ``1848``) and the
abbreviations French prose is full of (``M.``, ``Mme``, ``Dr``, ``S.N.C.F.``,
``p. 42``). The same seed always gives the same text.
"""

import random
import re

# (noun phrase, gender, number): the verb forms below agree in number.
PEOPLE = [
    ("M. Dupont", "m", "s"),
    ("Mme Lefèvre", "f", "s"),
    ("le Dr Martin", "m", "s"),
    ("Mlle Roux", "f", "s"),
    ("Jean-Pierre", "m", "s"),
    ("la vieille Marthe", "f", "s"),
    ("le capitaine Morel", "m", "s"),
    ("l'abbé Faria", "m", "s"),
    ("la jeune femme aux cheveux gris", "f", "s"),
    ("le vieux pêcheur", "m", "s"),
    ("le chef de gare", "m", "s"),
    ("la servante du troisième étage", "f", "s"),
    ("M. et Mme Bertin", "m", "p"),
    ("les deux frères", "m", "p"),
    ("les enfants du voisin", "m", "p"),
    ("Me Garnier, l'avocat de la famille,", "m", "s"),
]
THINGS = [
    "le manteau que sa mère lui avait offert",
    "une enveloppe sans adresse",
    "le chapitre 3 du roman",
    "la lettre",
    "ses clés",
    "le journal du matin",
    "la vieille horloge du salon",
    "un billet de la S.N.C.F.",
    "les passants",
    "la porte de la cuisine",
    "le train de 8 h 15",
    "une tasse de café brûlant",
    "les photographies jaunies",
    "le carnet de notes",
    "la route qui menait au village",
    "un paquet de cigarettes",
    "les comptes de l'année 1848",
]
PLACES = [
    "à la terrasse du café",
    "dans l'escalier de service",
    "en face de la mairie",
    "dans la poche de son manteau",
    "depuis la fenêtre du salon",
    "sur le quai de la gare",
    "au bord de la rivière",
    "derrière la maison",
    "à 3,5 kilomètres du village",
    "devant l'église Saint-Pierre",
    "sous la pluie fine",
    "au fond du jardin",
    "près de la cheminée",
    "le long du canal",
]
TIMES = [
    "le lendemain matin",
    "vers midi",
    "depuis trois jours",
    "ce soir-là",
    "aujourd'hui",
    "pendant 2 heures",
    "le 14 juillet",
    "à la tombée de la nuit",
    "avant l'aube",
]
# Transitive verbs: (singular, plural); a clitic object may replace the object.
TRANSITIVE = [
    ("cherchait", "cherchaient"),
    ("observait", "observaient"),
    ("regarda", "regardèrent"),
    ("avait oublié", "avaient oublié"),
    ("a retrouvé", "ont retrouvé"),
    ("traversait", "traversaient"),
    ("relisait", "relisaient"),
    ("posa", "posèrent"),
    ("allait prendre", "allaient prendre"),
    ("voulait vendre", "voulaient vendre"),
    ("ne trouvait pas", "ne trouvaient pas"),
    ("n'avait jamais vu", "n'avaient jamais vu"),
]
INTRANSITIVE = [
    ("attendait", "attendaient"),
    ("dormait", "dormaient"),
    ("est parti", "sont partis"),
    ("s'arrêta", "s'arrêtèrent"),
    ("se promenait", "se promenaient"),
    ("était revenu", "étaient revenus"),
    ("hésita longtemps", "hésitèrent longtemps"),
    ("ne répondit rien", "ne répondirent rien"),
    ("s'en alla", "s'en allèrent"),
]
CLITIC_OBJECT = [
    ("le regardait", "le regardaient"),
    ("la lui tendit", "la lui tendirent"),
    ("les avait rangés", "les avaient rangés"),
    ("y pensait souvent", "y pensaient souvent"),
    ("en prit deux", "en prirent deux"),
    ("lui avait promis", "leur avaient promis"),
]
SUBORDINATORS = [
    "parce que",
    "pendant que",
    "tandis que",
    "lorsque",
    "quand",
    "puisque",
    "comme",
    "si bien que",
    "alors que",
]
SUBJUNCTIVE = [
    ("bien que", "il fût tard"),
    ("bien que", "elle eût très faim"),
    ("quoique", "la route fût longue"),
    ("avant que", "la nuit ne tombe"),
    ("avant que", "les invités arrivent"),
    ("pour que", "personne ne le remarque"),
    ("pour que", "sa fille puisse dormir"),
    ("sans que", "sa femme le sache"),
    ("afin que", "tout soit prêt à temps"),
    ("à moins que", "le vent ne tourne"),
]
INFINITIVES = [
    "avant de partir",
    "afin de ne pas réveiller les enfants",
    "pour acheter du pain",
    "sans dire un mot",
    "après avoir fermé la porte à clé",
    "en attendant le facteur",
    "en sifflant un vieil air",
]
SIMPLE_CLAUSES = [
    "le facteur était passé deux fois",
    "sa sœur lui avait écrit de Paris",
    "les volets claquaient dans le vent",
    "la boulangerie fermait à 19 heures",
    "il pleuvait depuis le matin",
    "la nuit tombait sur la ville",
    "le train avait 20 minutes de retard",
    "les cloches sonnaient",
    "elle n'avait rien mangé",
    "on entendait la mer au loin",
    "le vent s'était levé",
    "personne ne savait la vérité",
    "la température avait baissé de 3,5 degrés",
    "il l'attendait depuis des années",
]
COMPLETIVE_VERBS = ["pensait", "savait", "croyait", "se disait", "comprit", "avait appris"]
SPEECH = [
    "Je ne sais pas ce que tu veux dire",
    "Nous partirons demain à l'aube, quoi qu'il arrive",
    "Il faut se hâter ; la marée n'attendra pas",
    "C'est à la page 42 du registre",
    "Le train de la S.N.C.F. part à 7 h 30",
    "Tu aurais dû me le dire plus tôt",
    "Je l'ai vu hier soir près de la gare",
    "Elle ne reviendra pas avant dimanche",
    "On raconte que le vieux moulin est hanté",
]
QUESTIONS = [
    "Viens-tu avec nous ce soir",
    "Est-ce que tu l'as vu",
    "Qu'est-ce que tu racontes",
    "Où avez-vous mis la lettre",
    "Pourquoi ne m'as-tu rien dit",
    "Sais-tu seulement qui il est",
]
INCISES = [
    ("demanda-t-il", "demanda-t-elle"),
    ("répondit-il", "répondit-elle"),
    ("murmura-t-il", "murmura-t-elle"),
    ("dit-il", "dit-elle"),
    ("s'écria-t-il", "s'écria-t-elle"),
    ("ajouta-t-il", "ajouta-t-elle"),
]
INVERSIONS = [
    "Peut-être viendra-t-{pronoun} demain",
    "Sans doute avait-{pronoun} raison",
    "Aussi décida-t-{pronoun} de partir",
    "À peine était-{pronoun} arrivé{agreement} que la pluie commença",
]
# Relative clauses: (singular, plural) when the verb agrees with the antecedent.
RELATIVES = [
    ("qui habitait rue de Rivoli", "qui habitaient rue de Rivoli"),
    ("qui ne disait jamais rien", "qui ne disaient jamais rien"),
    ("que tout le monde connaissait", "que tout le monde connaissait"),
    ("dont on parlait dans le journal", "dont on parlait dans le journal"),
    ("qui avait travaillé 30 ans à la S.N.C.F.", "qui avaient travaillé 30 ans à la S.N.C.F."),
    ("que M. Dupont avait rencontré à Lyon", "que M. Dupont avait rencontrés à Lyon"),
]


_ELISION = re.compile(r"\b(que|puisque|lorsque) (il|elle|on)\b")


class FrenchNovel:
    """Paragraphs of a novel from a seeded grammar: ``FrenchNovel(seed).paragraphs(words)``."""

    def __init__(self, seed=1844):
        self.rng = random.Random(seed)

    def paragraphs(self, words):
        """Paragraphs holding about ``words`` words in all (whitespace-separated words)."""
        written = 0
        while written < words:
            paragraph = self.paragraph()
            written += len(paragraph.split())
            yield paragraph

    def paragraph(self):
        kind = self.rng.random()
        if kind < 0.25:
            return self.dialogue()
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 5)))

    # Narration

    def sentence(self):
        choice = self.rng.random()
        if choice < 0.2:
            text = f"{self.clause()}, {self.subordinate()}"
        elif choice < 0.35:
            text = f"{self.clause()} {self.subordinate()}"
        elif choice < 0.5:
            text = f"{self.time().capitalize()}, {self.clause(lower=True)}"
        elif choice < 0.6:
            text = f"{self.clause()}, et {self.clause(lower=True)}"
        elif choice < 0.7:
            text = f"{self.clause()} ; {self.clause(lower=True)}"
        elif choice < 0.8:
            person, _, number = self.person()
            verb = self.rng.choice(COMPLETIVE_VERBS)
            if number == "p":
                verb = {"pensait": "pensaient", "savait": "savaient", "croyait": "croyaient"}.get(verb, verb)
            text = f"{self.capital(person)} {verb} que {self.rng.choice(SIMPLE_CLAUSES)}"
        elif choice < 0.85:
            text = self.inversion()
        elif choice < 0.9:
            text = f"{self.clause()} {self.rng.choice(INFINITIVES)}"
        else:
            first, second = self.rng.choice(SUBJUNCTIVE)
            text = f"{self.capital(first)} {second}, {self.clause(lower=True)}"
        if self.rng.random() < 0.25:
            text += f" {self.adjunct()}"
        text = _ELISION.sub(lambda match: f"{match[1][:-1]}'{match[2]}", text)
        return text + self.rng.choice([".", ".", ".", ".", " !", "…"])

    def clause(self, lower=False):
        person, _, number = self.person()
        index = 1 if number == "p" else 0
        if self.rng.random() < 0.3:
            person = f"{person.rstrip(',')} {self.rng.choice(RELATIVES)[index]}"
        kind = self.rng.random()
        if kind < 0.5:
            predicate = f"{self.rng.choice(TRANSITIVE)[index]} {self.rng.choice(THINGS)}"
        elif kind < 0.75:
            predicate = self.rng.choice(INTRANSITIVE)[index]
        else:
            predicate = self.rng.choice(CLITIC_OBJECT)[index]
        text = f"{person} {predicate} {self.adjunct()}"
        return text if lower else self.capital(text)

    def subordinate(self):
        return f"{self.rng.choice(SUBORDINATORS)} {self.rng.choice(SIMPLE_CLAUSES)}"

    def inversion(self):
        _, gender, _ = self.person()
        pronoun = "il" if gender == "m" else "elle"
        template = self.rng.choice(INVERSIONS)
        return template.format(pronoun=pronoun, agreement="" if gender == "m" else "e")

    def adjunct(self):
        return self.rng.choice(PLACES) if self.rng.random() < 0.6 else self.time()

    def time(self):
        return self.rng.choice(TIMES)

    def person(self):
        return self.rng.choice(PEOPLE)

    # Dialogue

    def dialogue(self):
        _, gender, _ = self.person()
        incise = self.rng.choice(INCISES)[0 if gender == "m" else 1]
        style = self.rng.random()
        if style < 0.3:
            return f"« {self.rng.choice(QUESTIONS)} ? » {incise}."
        if style < 0.55:
            line = self.rng.choice(SPEECH)
            return f"— {line}, {incise} {self.adjunct()}."
        if style < 0.8:
            first, rest = self.rng.choice(SPEECH).split(" ", 1)
            person, _, _ = self.person()
            return f"« {first} {rest}, murmura {person}, et {self.rng.choice(SIMPLE_CLAUSES)}. »"
        return f"— {self.rng.choice(QUESTIONS)} ? {incise}. {self.rng.choice(SPEECH)}."

    @staticmethod
    def capital(text):
        return text[:1].upper() + text[1:]


def french_novel(words, seed=1844):
    """The paragraphs of a generated novel of about ``words`` words."""
    return list(FrenchNovel(seed).paragraphs(words))
