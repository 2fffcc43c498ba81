"""Validation messages in plain words, for people rather than for Python programmers.

Colander's own messages quote Python values (``"{'a': 1}" is not a mapping
type: Does not implement dict-like functionality.``). Cornice reports them
through the request's localizer, so the app installs one that words Colander's
messages from the values they carry, and leaves every other message (ours are
already plain) as written. Code that validates outside a request's validators
turns its ``colander.Invalid`` into details with ``field_details``.
"""

from pyramid.i18n import Localizer

# The only language the API answers in; a client's _LOCALE_ must not pick another.
API_LOCALE = "en"
SHOWN_CHOICES = 12


def _choices(values):
    values = [str(value) for value in values]
    shown = ", ".join(values[:SHOWN_CHOICES])
    return shown + (f" (and {len(values) - SHOWN_CHOICES} more)" if len(values) > SHOWN_CHOICES else "")


# Colander's message ids, and how each is said instead.
PLAIN_WORDS = {
    "Required": lambda _: "This field is required",
    "${val} is less than minimum value ${min}": lambda m: f"Must be at least {m['min']}",
    "${val} is greater than maximum value ${max}": lambda m: f"Must be at most {m['max']}",
    "Shorter than minimum length ${min}": lambda m: f"Must have a length of at least {m['min']}",
    "Longer than maximum length ${max}": lambda m: f"Must have a length of at most {m['max']}",
    '"${val}" is not one of ${choices}': lambda m: f"Must be one of: {m['choices']}",
    '"${val}" must not be one of ${choices}': lambda m: f"Must not be one of: {m['choices']}",
    "One or more of the choices you made was not acceptable": lambda _: "Contains a value that is not allowed",
    "Invalid email address": lambda _: "Must be a valid e-mail address",
    "String does not match expected pattern": lambda _: "Is not in the expected form",
    '"${val}" is not a mapping type: ${err}': lambda _: "Must be a JSON object",
    'Unrecognized keys in mapping: "${val}"': lambda m: "Unknown fields: " + _choices(sorted(map(str, m["val"]))),
    '"${val}" is not iterable': lambda _: "Must be a list",
    "${cstruct} is not iterable": lambda _: "Must be a list",
    '"${val}" has an incorrect number of elements (expected ${exp}, was ${was})': lambda m: (
        f"Must have exactly {m['exp']} items"
    ),
    '"${val}" is not a number': lambda _: "Must be a number",
    '"${val}" is not a string': lambda _: "Must be a string",
    "${val} is not a string": lambda _: "Must be a string",
    "${val} is not a string: ${err}": lambda _: "Must be a string",
    '"${val}" is neither in (${false_choices}) nor in (${true_choices})': lambda _: "Must be true or false",
    "Invalid date": lambda _: "Must be a date in ISO 8601 form",
    "Invalid time": lambda _: "Must be a time in ISO 8601 form",
    "Invalid UUID string": lambda _: "Must be a UUID",
    "Must be a URL": lambda _: "Must be a URL",
    "Invalid value": lambda _: "Is not an accepted value",
}


class PlainWordsLocalizer(Localizer):
    def translate(self, tstring, domain=None, mapping=None):
        if getattr(tstring, "domain", None) == "colander":
            say = PLAIN_WORDS.get(str(tstring))
            if say is not None:
                return say({**(getattr(tstring, "mapping", None) or {}), **(mapping or {})})
            # A Colander message without plain words must not show a Python value either.
            return "Is not an accepted value"
        return super().translate(tstring, domain=domain, mapping=mapping)


plain_words = PlainWordsLocalizer(API_LOCALE, None).translate

# How a failure of a whole request part is named in the message.
LOCATION_NAMES = {
    "body": "Request body",
    "querystring": "Query string",
    "path": "URL path",
    "header": "Headers",
    "request": "Request",
    "options": "Options",
}


def field_details(invalid, whole="request"):
    """``colander.Invalid`` as ``{field: [messages]}``; errors of the whole value are filed under ``whole``."""
    return {name or whole: [message] for name, message in invalid.asdict(translate=plain_words).items()}


def validation_message(details):
    """One sentence for people: the first field and what is wrong with it, and how many more problems."""
    field, messages = next(iter(details.items()), ("request", ["Invalid request"]))
    message = f"{LOCATION_NAMES.get(field, field)}: {messages[0]}"
    others = sum(len(each) for each in details.values()) - 1
    if others:
        message += f" (and {others} more {'problem' if others == 1 else 'problems'}, listed in details)"
    return message
