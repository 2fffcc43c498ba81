"""Offline pipeline benchmark: extraction, splitting, chunking and the local normaliser.

Run by hand from the repository root::

    .venv/bin/python bench/pipeline_offline.py [--words 102000] [--repeat 3] [--regenerate]

It typesets a French novel of about 100,000 words (some 300 A5 pages) with fpdf2 (generated
sentences with dialogue, soft-hyphenated long words, a running header and page
numbers), caches it under bench/results/, then prints the figures. Targets:
extraction of 300 pages in at most 5 s; the local normaliser (spaCy's parser)
handling the 100,000 words in under 15 s on one core, its start-up (the lexicon,
which imports spaCy, and ``fr_core_news_sm``, each printed apart) excluded; the process,
which does a worker's whole job, under 600 MB of peak RSS. Timings are the best
and the median of ``--repeat`` runs, as other work on a shared machine adds
noise; the load average is printed beside them. The book is typeset in a child
process so that the peak RSS printed is the pipeline's, not fpdf2's.
"""

import argparse
import collections
import io
import os
import pathlib
import random
import re
import resource
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from novel_pyramid.normalizers.local import LocalNormalizer  # noqa: E402
from novel_pyramid.pipeline import french  # noqa: E402
from novel_pyramid.pipeline.chunking import chunk_sentences  # noqa: E402
from novel_pyramid.pipeline.extract import inspect_pdf, iter_paragraphs  # noqa: E402
from novel_pyramid.pipeline.sentences import split_sentences  # noqa: E402
from novel_pyramid.pipeline.words import count_words  # noqa: E402

RESULTS = ROOT / "bench" / "results"
FONT = pathlib.Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")

SUBJECTS = [
    "Le capitaine",
    "La jeune femme",
    "M. Morrel",
    "Le vieil homme",
    "Mme Danglars",
    "Jean-François",
    "L'abbé Faria",
    "Le marin",
    "Mlle Valentine",
    "Le procureur du roi",
    "Son frère",
    "La servante",
    "Le Dr Villefort",
    "Edmond",
    "Notre héros",
]
VERBS = [
    "regardait",
    "attendait",
    "traversa",
    "observait",
    "quitta",
    "retrouva",
    "contemplait",
    "rejoignit",
    "découvrit",
    "imaginait",
    "parcourait",
    "admirait",
]
OBJECTS = [
    "la mer immense",
    "le port de Marseille",
    "la vieille maison de son père",
    "les lettres jaunies par le temps",
    "l'horizon extraordinairement calme",
    "le jardin abandonné",
    "la foule des curieux",
    "le navire qui entrait lentement dans la rade",
    "la forteresse d'If",
    "les quais encombrés de marchandises",
    "une silhouette mystérieuse",
]
CLAUSES = [
    "pendant que les marins préparaient les voiles",
    "parce que la tempête approchait",
    "tandis que le soleil disparaissait derrière les collines",
    "et il pensait à tout ce qu'il avait perdu",
    "mais personne ne semblait le remarquer",
    "qui l'attendait depuis de longues années",
    "lorsque la cloche de l'église sonna midi",
    "car il savait que le temps pressait",
    "dont il avait si souvent rêvé",
    "puis il se souvint de la promesse faite autrefois",
]
ADVERBS = ["lentement", "longtemps", "silencieusement", "peut-être", "aujourd'hui", "toujours", "encore"]
SPEECH = [
    ("Viens-tu avec nous ce soir ?", "demanda-t-il"),
    ("Je ne sais pas ce que tu veux dire.", "répondit-elle"),
    ("Quelle horreur !", "s'écria-t-elle"),
    ("Nous partirons demain à l'aube, quoi qu'il arrive.", "dit le capitaine"),
    ("Est-ce vraiment toi ?", "murmura-t-il"),
    ("Il faut se hâter ; la marée n'attendra pas.", "ajouta M. Morrel"),
]


def generate_paragraph(rng):
    """A paragraph of narration, or a line of dialogue in one of the French styles."""
    kind = rng.random()
    if kind < 0.15:
        line, incise = rng.choice(SPEECH)
        if line.endswith(("?", "!")):
            return f"« {line} » {incise}."
        return f"— {line[:-1]}, {incise}."
    if kind < 0.22:
        line, incise = rng.choice(SPEECH)
        return f"— {line} Puis il se tut… Personne ne répondit."
    sentences = []
    for _ in range(rng.randint(2, 6)):
        parts = [rng.choice(SUBJECTS), rng.choice(ADVERBS), rng.choice(VERBS), rng.choice(OBJECTS)]
        for _ in range(rng.randint(0, 3)):
            parts.append(("," if rng.random() < 0.5 else "") + " " + rng.choice(CLAUSES))
        sentence = " ".join(parts[:4]) + "".join(parts[4:])
        sentences.append(sentence.replace(" ,", ",") + rng.choice([".", ".", ".", " !", "…"]))
    return " ".join(sentences)


def soft_hyphenate(text):
    """Allow fpdf2 to hyphenate long words, as a typesetter would, at a vowel-consonant boundary."""

    def hyphenate(match):
        word = match.group()
        breaks = [
            index
            for index in range(3, len(word) - 3)
            if word[index - 1] in "aeiouéèêàâôûy" and word[index] not in "aeiouéèêàâôûy"
        ]
        for index in reversed(breaks):
            word = word[:index] + "\u00ad" + word[index:]
        return word

    return re.sub(r"\b[^\W\d_]{8,}\b", hyphenate, text)


def typeset_book(path, target_words):
    """Write a novel of about ``target_words`` words to ``path`` (runs in a child process).

    At 9.5 pt on A5 a page holds some 330 words, as in a pocket novel.
    """
    from fpdf import FPDF

    class Novel(FPDF):
        def header(self):
            if self.page_no() % 2:
                self.set_font("book", size=8)
                self.cell(0, 6, "LE RETOUR DU PHARAON", align="C", new_x="LMARGIN", new_y="NEXT")
            else:
                self.set_font("book", size=8)
                self.cell(0, 6, "Alexandre Pastiche", align="C", new_x="LMARGIN", new_y="NEXT")
            self.ln(3)

        def footer(self):
            self.set_y(-12)
            self.set_font("book", size=8)
            self.cell(0, 6, str(self.page_no()), align="C")

    source = []  # the paragraphs as written, to check the extraction against
    rng = random.Random(1844)
    pdf = Novel(format=(148, 210))
    pdf.set_margins(15, 12, 15)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_font("book", fname=str(FONT))
    pdf.add_page()
    words = 0
    chapter = 0
    while words < target_words:
        if words >= chapter * target_words / 24:
            chapter += 1
            pdf.set_font("book", size=14)
            pdf.multi_cell(0, 12, f"Chapitre {chapter}", align="C", new_x="LMARGIN", new_y="NEXT")
            source.append(f"Chapitre {chapter}")
        paragraph = generate_paragraph(rng)
        source.append(paragraph)
        words += count_words(paragraph)
        pdf.set_font("book", size=9.5)
        pdf.multi_cell(0, 4.6, soft_hyphenate(paragraph), align="J", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    pdf.output(str(path))
    path.with_suffix(".txt").write_text("\n".join(source) + "\n", encoding="utf-8")


def _words(text):
    return re.findall(r"\w+", text)


def _rss_mb():
    status = pathlib.Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) / 1024


def timed(function, repeat):
    """``(result, best wall seconds, median wall seconds, best CPU seconds)`` over ``repeat`` calls.

    CPU time is printed beside wall time because it is far less sensitive to
    other processes competing for the same cores.
    """
    seconds = []
    cpu_seconds = []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = function()
        seconds.append(time.perf_counter() - started)
        cpu_seconds.append(time.process_time() - cpu_started)
    return result, min(seconds), statistics.median(seconds), min(cpu_seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=102_000)
    parser.add_argument("--limit", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--typeset-only", type=pathlib.Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.typeset_only:
        typeset_book(options.typeset_only, options.words)
        return

    RESULTS.mkdir(parents=True, exist_ok=True)
    book = RESULTS / f"novel-{options.words}w.pdf"
    if options.regenerate or not book.exists():
        started = time.perf_counter()
        command = [sys.executable, __file__, "--words", str(options.words), "--typeset-only", str(book)]
        subprocess.run(command, check=True)
        print(f"typeset {book.name} in {time.perf_counter() - started:.1f} s (fpdf2, child process)")
    data = book.read_bytes()

    # The layout's lexicon loads on the first hyphen at a line end: its start-up is reported apart.
    started = time.perf_counter()
    french.lexicon()
    lexicon_seconds, rss_with_lexicon_mb = time.perf_counter() - started, _rss_mb()
    pages, inspect_seconds, _, _ = timed(lambda: inspect_pdf(io.BytesIO(data)), options.repeat)
    paragraphs, extract_best, extract_median, extract_cpu = timed(
        lambda: list(iter_paragraphs(io.BytesIO(data))), options.repeat
    )

    started = time.perf_counter()
    sentences = list(split_sentences(paragraphs))
    chunks = list(chunk_sentences(sentences))
    split_seconds = time.perf_counter() - started
    words = sum(count_words(sentence) for sentence in sentences)

    rss_before_model_mb = _rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    normalizer = LocalNormalizer()
    normalizer.warm_up()
    startup_seconds, startup_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    rss_after_model_mb = _rss_mb()
    long_words = sum(count_words(sentence) for sentence in sentences if count_words(sentence) > options.limit)
    output, normalize_best, normalize_median, normalize_cpu = timed(
        lambda: [piece for chunk in chunks for piece in normalizer.rewrite(chunk, options.limit).sentences],
        options.repeat,
    )
    too_long = sum(count_words(piece) > options.limit for piece in output)

    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"machine              {os.cpu_count()} cores, load average {load}")
    print(f"file                 {len(data) / 1e6:.1f} MB, {pages} pages")
    print(f"inspect_pdf          {inspect_seconds:.3f} s")
    print(
        f"extraction           best {extract_best:.2f} s, median {extract_median:.2f} s, CPU {extract_cpu:.2f} s "
        f"({extract_best / pages * 1000:.1f} ms/page; target <= 5 s for 300 pages)"
    )
    source = book.with_suffix(".txt").read_text(encoding="utf-8").splitlines()
    exact = sum((collections.Counter(source) & collections.Counter(paragraphs)).values())
    same_words = _words(" ".join(source)) == _words(" ".join(paragraphs))
    print(
        f"paragraphs           {len(paragraphs)} extracted, {len(source)} typeset; "
        f"{exact} identical; every word back in order: {same_words}"
    )
    print(f"words                {words}")
    print(f"sentences            {len(sentences)}  (split + chunk {split_seconds:.2f} s)")
    print(f"chunks (default)     {len(chunks)}")
    print(f"lexicon start-up     {lexicon_seconds:.2f} s (RSS {rss_with_lexicon_mb:.0f} MB after)")
    print(
        f"model start-up       {startup_seconds:.2f} s (CPU {startup_cpu:.2f} s): load {french.MODEL} "
        "(spaCy imported with the lexicon); "
        f"RSS {rss_before_model_mb:.0f} -> {rss_after_model_mb:.0f} MB"
    )
    print(
        f"local normaliser     best {normalize_best:.2f} s, median {normalize_median:.2f} s, "
        f"CPU {normalize_cpu:.2f} s for {words} "
        f"words at limit {options.limit} ({words / normalize_best:,.0f} words/s; "
        f"{long_words} words in sentences over the limit, parsed; target < 15 s)"
    )
    print(f"output sentences     {len(output)}  (over the limit: {too_long})")
    print(f"peak RSS             {peak_rss_mb:.0f} MB (target < 600 MB)")


if __name__ == "__main__":
    main()
