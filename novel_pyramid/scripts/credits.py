"""``novel-pyramid credits grant EMAIL N``: an administrator's change of a user's credits this month.

N may be negative, to take credits back, but never below a zero balance. The
change is an ``admin_adjustment`` entry of the ledger (``credits``), written in
a transaction of its own. The command runs with the application's settings:
the INI file given with ``--ini`` (or NOVEL_PYRAMID_INI), the environment winning.
"""

import os
import sys

from sqlalchemy import select

from novel_pyramid.accounts.models import User
from novel_pyramid.config import ConfigurationError, load_settings
from novel_pyramid.credits.errors import InsufficientCredits
from novel_pyramid.credits.pricing import HeuristicTokenCounter, PriceTable
from novel_pyramid.credits.services import CreditService
from novel_pyramid.db import make_engine, make_session_factory, own_transaction
from novel_pyramid.db.migrate import read_app_settings


def add_commands(groups):
    parser = groups.add_parser("credits", help="Users' credits.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")
    grant = commands.add_parser(
        "grant",
        help="Give a user N credits this month (negative N takes them back); an admin_adjustment entry.",
    )
    grant.add_argument("email", help="The user's email address.")
    grant.add_argument("credits", type=int, metavar="N", help="Credits to add (negative: to take).")
    grant.add_argument("--reason", default=None, help="Why, kept as the entry's description.")
    grant.add_argument(
        "--ini",
        metavar="FILE",
        default=None,
        help="Application INI file (default: $NOVEL_PYRAMID_INI). The environment overrides it.",
    )
    grant.set_defaults(run=run_grant)


def run_grant(arguments, environ=os.environ):
    try:
        settings = app_settings(arguments.ini, environ)
    except ConfigurationError as error:
        print(f"novel-pyramid: {error}", file=sys.stderr)
        return 2
    description = arguments.reason or "Adjustment by an administrator"
    engine = make_engine(settings)
    try:
        with own_transaction(make_session_factory(engine)) as (_, session):
            user_id = session.scalar(select(User.id).where(User.email == arguments.email))
            if user_id is None:
                print(f"novel-pyramid: no user has the email {arguments.email!r}.", file=sys.stderr)
                return 1
            service = CreditService(
                session,
                PriceTable.from_settings(settings),
                HeuristicTokenCounter.from_settings(settings),
                settings["credits.monthly_grant"],
            )
            entry = service.adjust(user_id, arguments.credits, description)
            balance = service.balance(user_id)
    except InsufficientCredits as error:
        print(f"novel-pyramid: {error.message} Nothing was changed.", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"{arguments.email}: {arguments.credits:+d} credits ({description}); balance of {entry.month}: {balance}")
    return 0


def app_settings(ini_option, environ):
    """The application's typed settings: the INI file's, if any, under the environment's."""
    ini_path = ini_option or environ.get("NOVEL_PYRAMID_INI")
    if ini_option and not os.path.isfile(ini_option):
        raise ConfigurationError(f"the INI file {ini_option!r} does not exist.")
    ini_settings = read_app_settings(ini_path) if ini_path and os.path.isfile(ini_path) else {}
    return load_settings(ini_settings, environ)
