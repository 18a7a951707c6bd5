"""The full-text index: derived from the store and always rebuildable from it.

- `analysis`: Danish tokens, lemmas and folding ("aa" = "å") shared by every engine;
- `query`: the query language (words, "phrases", -exclusions, case numbers) as a plan;
- `records`: what the index holds (one `SearchRecord` per item, budget point, document section);
- `engines/`: tantivy (default) and Whoosh, embedded in the data folder, and PostgreSQL, in the
  store's database, behind one `Engine` interface;
- `search`: answering a query: a request, its plan, the engine's hits, snippets (`snippets`),
  facets, and the records behind the hits (`hits`: the embedded engines' hit store);
- `search_index`: the index's life: opening and checking it, rebuilding, keeping it in step.

Nothing here reads the store's tables or imports SQLAlchemy (but the PostgreSQL engine, which
keeps its own tables): the records come from `referat.store.records`, asked with the database
handle `db` and imported only when needed, so a search answered from an embedded index and its
hit store never loads SQLAlchemy.
"""
