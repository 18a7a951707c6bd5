"""Case numbers in the index: a number is stored with all its KLE prefixes, so a pasted prefix
("15.00.00-P05") is one term look-up, the same on every engine."""

from __future__ import annotations

from functools import lru_cache

from referat.index.analysis import case_terms


@lru_cache(maxsize=65536)
def _cached(case_number: str) -> tuple[str, ...]:
    return tuple(case_terms(case_number))


def case_field_terms(case_number: str | None) -> list[str]:
    return list(_cached(case_number)) if case_number else []
