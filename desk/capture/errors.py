"""Why an input was refused: a message key (desk/i18n/capture.toml) plus its parameters."""

from __future__ import annotations

from desk.i18n import Refusal


class InputRefused(Refusal):
    """A file that is not a readable image or PDF, or is too large; carries a clerk-readable reason."""


class WorkerDied(InputRefused):
    """The worker process died under the job (killed, out of memory); its pool has been replaced.

    A refusal like any other for the caller (a message, nothing kept), except that trying the same
    input again may well succeed.
    """

    def __init__(self) -> None:
        super().__init__("capture.failed.worker_died")
