"""Small parsers that turn the strings of INI files and the environment into typed values.

Each raises ``ValueError`` with a message that finishes the sentence
"<setting> must be ...", so that start-up errors read naturally.
"""

from urllib.parse import urlparse

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def as_str(value):
    value = str(value).strip()
    if not value:
        raise ValueError("a non-empty string")
    return value


def as_bool(value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("true or false")


def as_int(minimum=None, maximum=None):
    def parse(value):
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError("a whole number") from None
        if minimum is not None and number < minimum:
            raise ValueError(f"at least {minimum}")
        if maximum is not None and number > maximum:
            raise ValueError(f"at most {maximum}")
        return number

    return parse


def as_float(minimum=0.0):
    def parse(value):
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValueError("a number") from None
        if number < minimum:
            raise ValueError(f"at least {minimum}")
        return number

    return parse


def as_choice(*choices):
    def parse(value):
        text = str(value).strip().lower()
        if text not in choices:
            raise ValueError("one of " + ", ".join(choices))
        return text

    return parse


def as_list(value):
    if isinstance(value, (list, tuple)):
        return [str(item).strip() for item in value if str(item).strip()]
    return [item.strip() for item in str(value).replace("\n", ",").split(",") if item.strip()]


def as_object(value):
    """A Python object handed in by code (an engine...); text from INI or the environment cannot be one."""
    if isinstance(value, str):
        raise ValueError("an object handed in by code, not text")
    return value


def as_url(*schemes):
    def parse(value):
        text = as_str(value)
        scheme = urlparse(text).scheme
        if schemes and not any(scheme == s or scheme.startswith(s + "+") for s in schemes):
            raise ValueError("a URL starting with " + " or ".join(f"{s}://" for s in schemes))
        return text

    return parse
