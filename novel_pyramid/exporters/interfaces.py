"""The exporter contract: turn a job's numbered sentences into a spreadsheet, a file, or anything else."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from zope.interface import Attribute, Interface

RESULT_URL = "url"
RESULT_FILE = "file"


@dataclass(frozen=True)
class SentenceRow:
    """One output line: its 1-based number, the sentence, and the sentence it came from.

    ``original`` is the source sentence on the first row rewritten from it, an
    empty string on the rows that follow from the same source, and None when the
    source is unknown (v1 exports receive bare sentences).
    """

    index: int
    sentence: str
    original: str | None = None


@dataclass(frozen=True)
class ExportSource:
    """What is exported: a title, how many rows, and the rows in order.

    ``rows`` is a callable so a source can be read more than once and lazily:
    a job's rows are read chunk by chunk from the database, never all at once.
    """

    title: str
    sentence_count: int
    rows: Callable[[], Iterator[SentenceRow]]
    has_originals: bool = False
    job_id: str | None = None


@dataclass(frozen=True)
class ExportResult:
    """A URL (``RESULT_URL`` exporters) or a streamed file (``RESULT_FILE`` exporters)."""

    url: str | None = None
    body: Iterable[bytes] | None = None
    content_type: str | None = None
    filename: str | None = None
    details: dict = field(default_factory=dict)


class IExporter(Interface):
    """Writes an ``ExportSource`` somewhere and says where it went.

    Implementations are registered by name through the ``novel_pyramid.exporters``
    entry-point group; the entry point's value is a factory
    ``factory(settings) -> IExporter`` taking the typed settings dict. One
    instance serves every request and task, so it keeps no per-call state.
    """

    name = Attribute("The plugin name, as written in the v2 request (``exporter``) and URLs.")
    result_kind = Attribute("RESULT_URL (the export lives elsewhere) or RESULT_FILE (a download).")
    options_schema = Attribute(
        "A colander mapping node (a StrictMapping: unknown keys are errors) that "
        "validates and fills in the options of one export."
    )

    def export(source, options, owner):
        """Export ``source`` with the validated ``options`` for the ``owner`` (a User).

        Returns an ``ExportResult``. A file exporter must stream: ``body`` is an
        iterable of bytes produced while the rows are read. Failures are raised as
        ``novel_pyramid.errors`` domain errors (``Forbidden`` when the owner's
        grant is missing or revoked, ``UpstreamError`` when a remote service fails
        after retries). An exporter may update the owner's stored credentials
        (a refreshed access token); the caller's transaction saves them.
        """


class IExportService(Interface):
    """The exports of the API and of the background export task; per request (or per task run).

    Works in the request's transaction (a task's own, ``tasks.task_request``),
    except two reads and writes apart from it: a job's rows are read in short
    transactions of their own while a download streams, after the request has
    ended; a revoked Google grant is forgotten even when the export that
    found it fails.
    """

    def export_sentences_to_sheet(user, body):
        """Export the sentences of a v1 ``/export-to-sheet`` body; the spreadsheet's URL."""

    def available():
        """``[(name, exporter)]`` of every installed exporter, by name."""

    def finished_job(user_id, job_id):
        """The user's job, which must be completed (``Conflict`` otherwise; ``NotFound`` for another user's)."""

    def start_job_export(user, job_id, exporter_name, raw_options):
        """Export a finished job with a URL exporter now, or queue it for a worker; its public status."""

    def export_status(user_id, export_id):
        """The public status of one of the user's background exports (``NotFound`` otherwise)."""

    def export_job(user, job_id, exporter_name, raw_options):
        """Run a URL exporter on a finished job; its ``ExportResult``."""

    def export_in_background(export_id, user_id, job_id, exporter_name, raw_options):
        """The background task's run: export, and return the fields that end its status (None if settled already).

        The caller records them with ``record_outcome`` once its transaction has committed.
        """

    def record_outcome(export_id, outcome):
        """Write how a background export ended into its status."""

    def download_job(user, job_id, exporter_name, raw_options):
        """Run a file exporter on a finished job; the ``ExportResult``'s body streams."""
