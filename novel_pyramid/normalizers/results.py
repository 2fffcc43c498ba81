"""What a normaliser returns: the rewritten sentences, where each came from, and what the model used."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Usage:
    """Tokens a model read and wrote, and the calls made to it (a sum over every call, retries included).

    Thought tokens of a thinking model count as written: they are billed as output.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    model_calls: int = 0

    def __add__(self, other):
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.model_calls + other.model_calls,
        )

    @property
    def tokens(self):
        return self.input_tokens + self.output_tokens


@dataclasses.dataclass(frozen=True)
class Rewrite:
    """The result of ``INormalizer.rewrite`` for one chunk.

    ``sentences[k]`` came from the input sentence at index ``sources[k]``
    (indexes into the list given to ``rewrite``, blank ones counted); sources
    never decrease, and an input sentence may give several output sentences.
    """

    sentences: list
    sources: list
    input_tokens: int = 0
    output_tokens: int = 0
    model_calls: int = 0

    def __post_init__(self):
        if len(self.sentences) != len(self.sources):
            raise ValueError("a Rewrite needs one source index per output sentence")

    @property
    def usage(self):
        return Usage(self.input_tokens, self.output_tokens, self.model_calls)

    def pairs(self, inputs):
        """``[(output sentence, its input sentence)]`` given the ``inputs`` passed to ``rewrite``."""
        return [(sentence, inputs[source]) for sentence, source in zip(self.sentences, self.sources, strict=True)]
