"""Sessions: the factory of the process, and sessions joined to a transaction manager."""

import zope.sqlalchemy
from sqlalchemy.orm import sessionmaker


def make_session_factory(engine):
    return sessionmaker(bind=engine, expire_on_commit=False)


def tm_session(session_factory, transaction_manager):
    """A session whose commit and rollback follow ``transaction_manager``."""
    session = session_factory()
    zope.sqlalchemy.register(session, transaction_manager=transaction_manager)
    return session
