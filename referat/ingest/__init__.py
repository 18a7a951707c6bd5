"""Ingest: from what the user names (files, folders, URLs) to the one plain-text form the parsers read.

The rooms, each importing only those listed above it:
- `text`: the plain-text form and what every extractor shares: `ExtractLimits`, `Extracted`,
  `normalize_text`, `join_wrapped`, decoding of text files and web pages. Imports no other room.
- `sniff`: what kind of bytes these are (PDF, HTML, text, image, Office, ZIP), from the content alone.
- `html`, `pdf/` (steps: `lines`, `tables`, `furniture`, `assemble`, `document`), `ocr`: the
  extractors, bytes of one kind → text. They import `text`, never the dispatcher.
- `worker`: a warm child process that runs one extraction under time and memory limits.
- `load`: the dispatcher: `extract` sniffs the bytes and runs the matching extractor in a worker
  (`run_limited`). Only the pipeline, the crawl and this face import it.
- `fetch/`: originals from the web (`robots`, `http`, `sources`).
- `pipeline`: arguments → originals → extracted and parsed documents, in parallel; storing them is
  `referat.archive`'s job.

The face, for `referat parse` and other callers outside ingest: `extract`, `Extracted`, `ExtractLimits`.
"""

from referat.ingest.load import extract
from referat.ingest.text import Extracted, ExtractLimits

__all__ = ["extract", "Extracted", "ExtractLimits"]
