"""PDF → the plain-text form, with PDFium (pypdfium2) alone: text, line geometry and ruled tables.

Why PDFium only: it reads ~600 pages/s and gives each line's position, font size and weight cheaply
when asked a few times per line rather than per character. pdfplumber was measured at ~330 ms per
table page (pdfminer re-parses the page in Python) and 1 GB on long files; ruled tables are instead
rebuilt here from PDFium's path segments and bounded text in ~2 ms a page.

From the lines and their geometry the extractor rebuilds what a reader sees: running headers and
footers (near the page edge and repeating on many pages, or carrying the page number, or
"Side 3 af 23") are dropped; a line that reaches the right margin continues in the next line at the
same x and font (one paragraph, one output line), with "Beskæftigel-" + "sesfremmende" joined but
"Erhvervs- og" kept; bold or larger lines become headings marked "#".."######" by size; a larger
vertical gap starts a new block (blank line); ruled tables and tab-aligned columns become TAB rows.

One step a module:
- `lines`: a page's glyphs → physical lines with their geometry and style (`Line`);
- `tables`: ruled tables from the page's drawing → rows of TAB-separated cells;
- `furniture`: running headers, footers and page numbers dropped;
- `assemble`: lines and tables → blocks → the text (paragraphs joined, headings marked);
- `document`: one whole PDF through these steps, its scanned pages sent to `referat.ingest.ocr`.

Everything here runs in a worker process (the dispatcher, `referat.ingest.load`, sends
`extract_pdf` there): PDFs are untrusted.
"""

from referat.ingest.pdf.document import extract_pdf

__all__ = ["extract_pdf"]
