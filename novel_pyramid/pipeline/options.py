"""The processing options a learner chooses for a job, and what each one changes.

- ``fix_hyphenation`` (extraction): words cut by a hyphen at a line end are
  mended (``deman-`` / ``da`` -> ``demanda``); off, the hyphen stays as printed
  (``deman-da``).
- ``ignore_dialogue`` (normalisation): sentences of dialogue (opening with
  ``«``, ``“``, ``—``, ``–`` or ``"``) pass unchanged and are never sent to a model.
- ``min_sentence_length`` (normalisation): a piece of a rewritten sentence
  with fewer words than this is merged into a neighbour from the same
  sentence, when that stays within the word limit (1: no minimum).
- ``preserve_formatting`` (normalisation): off, the output is written in plain
  typography (straight quotes, no dialogue dashes, plain spaces, ``...``).

Stored with the job as plain JSON (``processing_settings``); read back with
``from_mapping``. ``key`` names them in the hashes that decide reuse.
"""

import dataclasses

_TRUE = frozenset(("true", "1", "yes", "on"))
_FALSE = frozenset(("false", "0", "no", "off", ""))


@dataclasses.dataclass(frozen=True)
class ProcessingOptions:
    ignore_dialogue: bool = False
    preserve_formatting: bool = True
    fix_hyphenation: bool = True
    min_sentence_length: int = 2  # words; 1 = no minimum

    def __post_init__(self):
        for field in ("ignore_dialogue", "preserve_formatting", "fix_hyphenation"):
            object.__setattr__(self, field, _as_bool(field, getattr(self, field)))
        object.__setattr__(self, "min_sentence_length", _as_length(self.min_sentence_length))

    @classmethod
    def from_mapping(cls, mapping=None):
        """Options from a dict such as a job's ``processing_settings``; missing keys default, unknown ones are ignored.

        Values may be JSON booleans and numbers or the strings a form sends
        (``"true"``, ``"3"``); anything else raises ``ValueError``.
        """
        mapping = mapping or {}
        known = {field.name for field in dataclasses.fields(cls)}
        return cls(**{name: value for name, value in mapping.items() if name in known and value is not None})

    def as_dict(self):
        return dataclasses.asdict(self)

    @property
    def key(self):
        """A stable name of these options for hashes: ``d0f1h1m2`` (dialogue, formatting, hyphenation, minimum)."""
        return (
            f"d{int(self.ignore_dialogue)}f{int(self.preserve_formatting)}"
            f"h{int(self.fix_hyphenation)}m{self.min_sentence_length}"
        )


def _as_bool(name, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"The option {name} must be true or false, not {value!r}.")


def _as_length(value):
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value)
    else:
        raise ValueError(f"The option min_sentence_length must be a whole number of words, not {value!r}.")
    if number < 1:
        raise ValueError("The option min_sentence_length must be at least 1 (1 means no minimum).")
    return number
