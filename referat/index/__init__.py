"""The store, the search index and the links derived from it (see archive.py for the library face)."""

# A file in the data folder that exists while a writer may owe index entries or links (the owed-work
# table is the truth; this is its hint to `referat search`, which answers from the index alone and
# must go through the archive, which finishes the work, when the index may lack documents).
OWED_MARKER = "owed-work"
