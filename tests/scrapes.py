"""Reading a Prometheus scrape in tests: one sample's value by name and labels."""

from prometheus_client.parser import text_string_to_metric_families


def samples(text):
    """``{(sample name, frozenset of label pairs): value}`` of an exposition text."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(text, name, **labels):
    """The sample's value, 0.0 when the scrape has no such sample."""
    return samples(text).get((name, frozenset(labels.items())), 0.0)


def total(text, name, **labels):
    """The sum of every sample of ``name`` whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(v for (sample, pairs), v in samples(text).items() if sample == name and wanted <= pairs)


def names(text):
    return {sample for sample, _ in samples(text)}
