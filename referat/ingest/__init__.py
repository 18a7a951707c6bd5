from referat.ingest.load import extract  # noqa: F401 - temporary until the ingest layout lands
