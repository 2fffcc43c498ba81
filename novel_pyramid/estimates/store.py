"""``ExtractionStore``: the chunks of whole books an estimate read, kept by extraction digest (``IExtractionStore``)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from zope.interface import implementer

from novel_pyramid.db.types import utcnow
from novel_pyramid.estimates.interfaces import IExtractionStore
from novel_pyramid.estimates.models import KeptExtraction
from novel_pyramid.pipeline import Chunk


@implementer(IExtractionStore)
@dataclass
class ExtractionStore:
    db: Session
    keep_days: int
    clock: Callable[[], datetime.datetime] = utcnow

    @classmethod
    def create_service(cls, context, request):
        return cls(request.dbsession, request.registry.settings["credits.estimate.keep_days"])

    def chunks(self, digest):
        row = self.db.execute(
            select(KeptExtraction.chunks).where(
                KeptExtraction.digest == digest, KeptExtraction.created_at >= self._oldest()
            )
        ).first()
        if row is None:
            return None
        return [Chunk(list(item["sentences"]), item["start_page"], item["end_page"]) for item in row.chunks]

    def keep(self, digest, chunks):
        stored = [
            {"sentences": list(chunk.sentences), "start_page": chunk.start_page, "end_page": chunk.end_page}
            for chunk in chunks
        ]
        values = {"digest": digest, "chunks": stored, "chunk_count": len(stored), "created_at": self.clock()}
        insert = postgresql.insert if self.db.get_bind().dialect.name == "postgresql" else sqlite.insert
        statement = insert(KeptExtraction).values(**values)
        # Two estimates of one book at once both keep it: the same chunks, the later date.
        self.db.execute(
            statement.on_conflict_do_update(
                index_elements=["digest"],
                set_={
                    "chunks": statement.excluded.chunks,
                    "chunk_count": statement.excluded.chunk_count,
                    "created_at": statement.excluded.created_at,
                },
            )
        )
        self.purge()

    def purge(self, now=None):
        return self.db.execute(
            delete(KeptExtraction)
            .where(KeptExtraction.created_at < self._oldest(now))
            .execution_options(synchronize_session=False)
        ).rowcount

    def _oldest(self, now=None):
        return (now or self.clock()) - datetime.timedelta(days=self.keep_days)
