"""Typed exceptions. Library code raises these; only the CLI turns them into messages and exit codes.

`str(error)` is always a complete, one-line message a user can act on.
"""


class ReferatError(Exception):
    """Base of every error referat reports to a user."""


class InputError(ReferatError):
    """One input (file, URL, document) could not be used; names the input and the problem."""

    def __init__(self, source: str, problem: str):
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


class ExtractionError(InputError):
    """Bytes could not be turned into text (corrupt, encrypted, image-only, too large, ...)."""


class FetchError(InputError):
    """A URL could not be fetched (HTTP error, disallowed host, too large, ...)."""


class StoreError(ReferatError):
    """The archive could not be opened or written."""


class ArchiveBusy(StoreError):
    """Another process is writing to the archive."""
