"""The full-text index: derived from the store and always rebuildable from it.

- `analysis`: Danish tokens, lemmas and folding ("aa" = "å") shared by every engine;
- `query`: the query language (words, "phrases", -exclusions, case numbers) as a plan;
- `records`: what the index holds (one `SearchRecord` per item, budget point, document section);
- `engines/`: tantivy (default), Whoosh and PostgreSQL behind one `Engine` interface;
- `search`: answering a query: a request, its plan, the engine's hits, snippets (`snippets`),
  facets, and the records behind the hits (`hits`: the embedded engines' hit store);
- `search_index`: the index's life on disk: opening and checking it, rebuilding, keeping it in step.
"""
