"""The normaliser contract: rewrite a chunk of sentences so none exceeds a word limit."""

from zope.interface import Attribute, Interface

from novel_pyramid.pipeline.options import ProcessingOptions


class INormalizer(Interface):
    """Rewrites French sentences longer than a word limit into shorter ones.

    Implementations are registered by name through the
    ``novel_pyramid.normalizers`` entry-point group; the entry point's value is
    a factory ``factory(settings) -> INormalizer`` taking the typed settings
    dict. One instance serves many requests and tasks, so it must be
    thread-safe and keep no per-call state. Subclassing
    ``novel_pyramid.normalizers.base.Normalizer`` gives ``rewrite`` with the
    options handled and ``normalize``; a plugin then writes ``rewrite_each``.
    """

    name = Attribute("The plugin name, as written in NOVEL_NORMALIZER.")
    cache_key = Attribute(
        "A string naming everything besides the input, the model chosen per job and the options "
        "that shapes the output (normaliser name, configured model, prompt version), used to reuse results."
    )

    def rewrite(sentences, limit, options=ProcessingOptions(), model=None):
        """Return the ``results.Rewrite`` of one chunk: its sentences, their sources, the model's usage.

        ``sentences`` is a list of str (whole sentences of one chunk);
        ``limit`` the maximum number of words per output sentence; ``options``
        the job's ``ProcessingOptions``; ``model`` the model the job chose
        (None: the normaliser's configured one; a normaliser without models
        ignores it). Sentences at or under the limit pass through unchanged.
        Every output sentence is non-empty and has at most ``limit`` words,
        except the dialogue ``options.ignore_dialogue`` keeps as it is.
        ``sources[k]`` is the index in ``sentences`` of the sentence output
        ``k`` came from. Raises ``novel_pyramid.errors.UpstreamError`` when an
        external model fails after its retries; its ``usage`` attribute (a
        ``results.Usage``) then holds what the failed calls used.
        """
