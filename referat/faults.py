"""Named moments of a write at which the fault suite stops this process (tests/test_faults_*.py).

`REFERAT_FAULT=kill@document-stored:3` sends this process SIGKILL the third time it stores a
document; `stop@links-written` sends it SIGSTOP there, so a test can take the database server
away before letting it go on (SIGCONT). A kill timed in milliseconds lands somewhere different on
every machine; a named moment lands in the same place every run, which is what makes a kill test
repeatable. Unset (always, outside tests) each point costs one dictionary look-up.

The moments, in the order an ingest passes them: `raw-kept` (the original is in raw/, the
document not yet committed), `document-written` (inside its transaction), `document-stored`
(committed), `hits-added` and `engine-committed` (inside the search index's commit: the hit store
has the new records, then the engine has them, before the manifest vouches for both), `index-synced` (the search index has the documents, the links are not made),
`links-written` (inside the links' transaction), `links-committed`; a reparse passes
`document-reparsed` for each document.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV = "REFERAT_FAULT"
_reached: Counter[str] = Counter()


def point(name: str) -> None:
    """Stop or kill this process here if `REFERAT_FAULT` names this moment (and this is its n-th time)."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    action, _, where = spec.partition("@")
    step, _, nth = where.partition(":")
    if step != name:
        return
    _reached[name] += 1
    if _reached[name] != int(nth or 1):
        return
    os.kill(os.getpid(), signal.SIGKILL if action == "kill" else signal.SIGSTOP)
