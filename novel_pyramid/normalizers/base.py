"""What every normaliser shares: the processing options, the sources of its sentences, the ``normalize`` wrapper.

A normaliser subclasses ``Normalizer`` and writes ``rewrite_each``: for each
sentence it is given, the sentences that replace it, and the model's usage.
``rewrite`` does the rest, the same way for every plugin:

- blank sentences are dropped (they hold no words);
- with ``ignore_dialogue``, sentences of dialogue are kept as they are and
  never handed to ``rewrite_each`` (so never sent to a model);
- ``min_sentence_length`` merges pieces shorter than it into a neighbour
  from the same sentence (``typography.merge_short_pieces``);
- ``preserve_formatting`` off writes every output sentence, dialogue
  included, in plain typography (``typography.plain_typography``);
- ``sources`` maps each output sentence to the index of its input sentence.
"""

from novel_pyramid.normalizers.results import Rewrite, Usage
from novel_pyramid.normalizers.typography import is_dialogue, merge_short_pieces, plain_typography
from novel_pyramid.pipeline.options import ProcessingOptions

DEFAULT_OPTIONS = ProcessingOptions()


class Normalizer:
    """Base class of the normalisers; subclasses set ``name`` and ``cache_key`` and write ``rewrite_each``."""

    def rewrite(self, sentences, limit, options=DEFAULT_OPTIONS, model=None):
        return rewrite_with_options(self.rewrite_each, sentences, limit, options, model)

    def rewrite_each(self, sentences, limit, model=None):
        """``(pieces, usage)``: ``pieces[i]`` the non-empty list of sentences that replace ``sentences[i]``."""
        raise NotImplementedError


def rewrite_with_options(rewrite_each, sentences, limit, options=DEFAULT_OPTIONS, model=None):
    """The ``Rewrite`` of a chunk: ``rewrite_each`` applied to the sentences the options let through, then shaped."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if not isinstance(options, ProcessingOptions):
        options = ProcessingOptions.from_mapping(options)  # a job's stored settings, or None
    sentences = list(sentences)
    kept = [index for index, sentence in enumerate(sentences) if sentence.strip()]
    unchanged = {index for index in kept if options.ignore_dialogue and is_dialogue(sentences[index])}
    handed = [index for index in kept if index not in unchanged]
    pieces, usage = rewrite_each([sentences[index] for index in handed], limit, model) if handed else ([], Usage())
    if len(pieces) != len(handed):
        raise RuntimeError(f"rewrite_each gave {len(pieces)} rewrites for {len(handed)} sentences")
    rewrites = dict(zip(handed, pieces, strict=True))
    output, sources = [], []
    for index in kept:
        if index in unchanged:
            group = [sentences[index]]
        else:
            group = merge_short_pieces(rewrites[index], sentences[index], limit, options.min_sentence_length)
        if not options.preserve_formatting:
            group = [plain for plain in map(plain_typography, group) if plain]
        output.extend(group)
        sources.extend([index] * len(group))
    return Rewrite(output, sources, usage.input_tokens, usage.output_tokens, usage.model_calls)
