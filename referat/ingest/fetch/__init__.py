"""Getting originals from the web, politely and safely; what is fetched goes on to the pipeline.

One job a module, each depending only on the ones above it:
- `robots`: robots.txt as RFC 9309 defines it (`RobotsRules`);
- `http`: one URL at a time per host: `Fetcher` with its `FetchSettings` and `FetchCache`, what it
  returns (`Fetched`) and what it refuses on purpose (`FetchRefused`); `open_fetcher` for the archive;
- `sources`: a municipality's source file (`load_source`) and the bounded `crawl` over its site.

Nothing is re-exported here: importers name the module they use (`referat.ingest.fetch.http`,
`referat.ingest.fetch.sources`), so importing one does not import the others.
"""
