"""The normaliser contract: rewrite a chunk of sentences so none exceeds a word limit."""

from zope.interface import Attribute, Interface


class INormalizer(Interface):
    """Rewrites French sentences longer than a word limit into shorter ones.

    Implementations are registered by name through the
    ``novel_pyramid.normalizers`` entry-point group; the entry point's value is
    a factory ``factory(settings) -> INormalizer`` taking the typed settings
    dict. One instance serves many requests and tasks, so it must be
    thread-safe and keep no per-call state.
    """

    name = Attribute("The plugin name, as written in NOVEL_NORMALIZER.")
    cache_key = Attribute(
        "A string naming everything besides the input that shapes the output "
        "(normaliser name, model, prompt version), used to reuse results."
    )

    def normalize(sentences, limit):
        """Return the rewritten sentences of one chunk, in order.

        ``sentences`` is a list of str (whole sentences of one chunk);
        ``limit`` the maximum number of words per output sentence. Sentences
        at or under the limit pass through unchanged. Every output sentence
        is non-empty and has at most ``limit`` words. Raises
        ``novel_pyramid.errors.UpstreamError`` when an external model fails
        after its retries.
        """
