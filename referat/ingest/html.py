"""HTML → the plain-text form: a block-aware walk over a real parse tree (selectolax/lexbor).

Municipal meeting pages wrap the minutes in navigation, cookie banners, breadcrumbs and footers;
the parsers must see only the minutes. So the walk prefers <main>/<article>, skips page furniture,
and emits block structure the way the PDF extractor does: headings and paragraphs as blocks
separated by blank lines, list items as "- item" / "3. item", table rows with TAB between cells,
<br> as a line break. The walk is iterative (no recursion), so deep nesting cannot overflow the
stack, and linear in the number of nodes.

Pages come from sites referat does not control, so the markup is bounded before lexbor sees it:
HTML tree construction looks through the stack of open elements for every start tag, so a page of
N nested <div> costs O(N²) in any conforming parser (100 000 levels took 31 s in lexbor, 1 000 000
would take an hour). `cap_depth` flattens nesting beyond `MAX_DEPTH` levels in one linear pass,
as browsers do (Chromium stops nesting at 512): the text of deeper elements is kept, their tags
are dropped. Whatever is still too costly is stopped by the worker's time and memory limits.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from referat.errors import ExtractionError
from referat.ingest.text import normalize_text

# Deeper elements lose their tags (not their text); Chromium's HTML parser nests at most 512 deep.
# Elements the walk reads structure from (tables, lists, headings, paragraphs) may nest further, up
# to twice MAX_DEPTH, so the minutes inside a page of 12 000 unclosed <div> keep their tables.
MAX_DEPTH = 512
_STRUCTURE = frozenset(
    "table caption thead tbody tfoot tr td th ul ol li dl dt dd p h1 h2 h3 h4 h5 h6 pre main article".split()
)
# Never flattened: raw text (its content is not markup: a script must stay a script) and links (a
# crawl reads a listing page's links wherever they are). They do not count as a level either.
_KEPT = frozenset("script style textarea title xmp iframe noembed noframes noscript plaintext a area".split())
# Elements whose start tag has no end tag: they never open a level.
_VOID = frozenset("area base br col embed hr img input keygen link meta param source track wbr".split())
# Elements a repeated start tag closes ("<li>a<li>b", "<p>a<p>b"): siblings, not one level deeper.
_SELF_CLOSING_SIBLINGS = frozenset("p li dt dd td th tr option thead tbody tfoot rt rp".split())
# A tag as a tokenizer sees it; `[^<>]*` stops at the next "<", so a missing ">" costs nothing extra.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^<>]*>")

# Never content: code, styling, interactive widgets and embedded objects.
_SKIP_ALWAYS = frozenset(
    "script style noscript template head title meta link form select option input textarea "
    "iframe svg canvas object embed audio video map dialog nav menu".split()
)
# Page furniture when it belongs to the page rather than to the main content.
_SKIP_OUTSIDE_MAIN = frozenset({"header", "footer", "aside"})
_BLOCKS = frozenset(
    "p div section article main body html blockquote address figure figcaption dl dt dd center "
    "details summary fieldset legend hgroup button".split()
)
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
# id/class words of page furniture. Matched per token part ("main-nav" → "main", "nav"), so that a
# committee class like "udvalg-social-sundhed" or an item "share-capital" is not taken for it.
_FURNITURE = re.compile(
    r"cookie|consent|gdpr|banner|breadcrumb|skip-?link|skip-?to|navbar|site-?header|site-?footer"
    r"|share-?(?:buttons|links|bar|tools)|social-?(?:share|links|media|icons)|print-?only|visually-?hidden"
    r"|sr-only|screen-?reader",
    re.IGNORECASE,
)
_FURNITURE_PARTS = frozenset({"nav", "menu", "navigation", "sidebar", "toolbar", "pagination"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_HEADING_MARK = "\x01"  # marks the "#" the walk itself adds, until the escaping in _finish
_WS = re.compile(r"\s+")  # \s includes NBSP, which &nbsp; becomes


def html_to_text(markup: str, source: str = "web page", max_elements: int = 0) -> str:
    """The plain-text form of an HTML page's main content; ExtractionError naming `source` when it
    has more than `max_elements` elements (0: no limit)."""
    markup, elements = cap_depth(markup)
    if max_elements and elements > max_elements:
        raise ExtractionError(source, f"the web page has {elements:,} elements, more than the limit of {max_elements:,}")
    try:
        tree = LexborHTMLParser(markup)
    except Exception as error:  # noqa: BLE001 - lexbor says only "Can't parse HTML", mostly when out of memory
        raise ExtractionError(
            source, f"the HTML parser gave up ({error}): the page is damaged or needs more memory than the limit"
        ) from None
    root = _main_content(tree)
    if root is None:
        return ""
    out = _Writer()
    _walk(root, out, inside_main=root.tag in ("main", "article") or _is_main_role(root))
    return _finish(out)


def cap_depth(markup: str, max_depth: int = MAX_DEPTH) -> tuple[str, int]:
    """`markup` with the tags of elements nested deeper than `max_depth` removed (twice that for
    the elements in _STRUCTURE; never those in _KEPT), and the number of elements
    kept. One pass over the tags, linear in the size of the page.

    The depth is a tokenizer's estimate (void elements, "/>" and repeated <p>/<li>/<td> handled;
    an end tag closes what it matches among the innermost 64 open elements), so on sloppy
    markup a few tags more than needed may be flattened: their text is never lost.
    """
    if markup.count("<") <= max_depth:
        return markup, markup.count("<")
    stack: list[str] = []
    dropped: dict[str, int] = {}
    kept = 0

    def tag(match: re.Match[str]) -> str:
        nonlocal kept
        closing, name = match.group(1), match.group(2).lower()
        if name in _VOID or name in _KEPT:
            kept += not closing
            return match.group(0)
        if closing:
            if dropped.get(name):
                dropped[name] -= 1
                return ""
            for i in range(len(stack) - 1, max(len(stack) - 65, -1), -1):
                if stack[i] == name:
                    del stack[i:]
                    break
            return match.group(0)
        if match.group(0).endswith("/>"):
            return match.group(0)
        if name in _SELF_CLOSING_SIBLINGS and stack and stack[-1] == name:
            stack.pop()
        if len(stack) >= (max_depth * 2 if name in _STRUCTURE else max_depth):
            dropped[name] = dropped.get(name, 0) + 1
            return ""
        stack.append(name)
        kept += 1
        return match.group(0)

    return _TAG.sub(tag, markup), kept


def _is_main_role(node: LexborNode) -> bool:
    return (node.attributes.get("role") or "").lower() == "main"


def _main_content(tree: LexborHTMLParser) -> LexborNode | None:
    """<main>, else role=main, else the article holding the most text, else <body>."""
    for selector in ("main", "[role=main]"):
        node = tree.css_first(selector)
        if node is not None and (node.text(deep=True) or "").strip():
            return node
    articles = tree.css("article")
    if articles:
        best = max(articles, key=lambda a: len(a.text(deep=True) or ""))
        body_text = len((tree.body.text(deep=True) if tree.body else "") or "")
        # Several sibling articles (one per agenda item) are all content: then use their parent.
        if len(articles) > 1 and all(a.parent is not None and a.parent.mem_id == best.parent.mem_id for a in articles):
            return best.parent
        if len(best.text(deep=True) or "") > 0.3 * body_text:
            return best
    return tree.body or tree.root


def _skipped(node: LexborNode, inside_main: bool) -> bool:
    tag = node.tag
    if tag in _SKIP_ALWAYS or (tag in _SKIP_OUTSIDE_MAIN and not inside_main):
        return True
    attrs = node.attributes
    if tag == "button" and not _is_disclosure(node, attrs):
        return True  # "Print", "Del", "Læs mere": controls, not content
    if not attrs:
        return False
    role = (attrs.get("role") or "").lower()
    if role in ("navigation", "banner", "contentinfo", "dialog", "alertdialog", "search"):
        return True
    # Hidden elements outside the main content are widgets; inside it they are usually collapsed
    # accordion panels holding an agenda item, which must not be lost.
    if not inside_main and (
        "hidden" in attrs
        or (attrs.get("aria-hidden") or "").lower() == "true"
        or _HIDDEN_STYLE.search((attrs.get("style") or "")[:500])
    ):
        return True
    # Huge attributes from hostile markup: only the start can name a cookie banner.
    names = " ".join(((attrs.get("id") or "")[:200], (attrs.get("class") or "")[:300])).lower()
    if not names.strip():
        return False
    if _FURNITURE.search(names):
        return True
    return any(part in _FURNITURE_PARTS for token in names.split() for part in re.split(r"[-_]", token))


def _is_disclosure(node: LexborNode, attrs: dict) -> bool:
    """An accordion toggle: its text is the heading of the panel it opens."""
    return bool(attrs) and ("aria-expanded" in attrs or "aria-controls" in attrs) or (
        node.css_first("h1, h2, h3, h4, h5, h6") is not None
    )


class _Writer:
    """Collects inline text into lines, lines into blocks; blocks are joined by blank lines."""

    def __init__(self) -> None:
        self.blocks: list[list[str]] = []
        self.lines: list[str] = []
        self.line: list[str] = []

    def add(self, s: str) -> None:
        self.line.append(s)

    def newline(self) -> None:
        line = "".join(self.line)
        self.line = []
        if "\t" in line:
            line = "\t".join(_WS.sub(" ", cell).strip() for cell in line.split("\t"))
            if not line.strip("\t"):
                return
        else:
            line = _WS.sub(" ", line).strip()
        if line and line not in ("-", "•") and line.strip("# " + _HEADING_MARK):
            self.lines.append(line)

    def end_block(self) -> None:
        self.newline()
        if self.lines:
            self.blocks.append(self.lines)
            self.lines = []

    def result(self) -> str:
        self.end_block()
        return "\n\n".join("\n".join(lines) for lines in self.blocks)


_EXIT = object()


def _walk(root: LexborNode, out: _Writer, inside_main: bool) -> None:
    """Iterative pre/post-order walk; the stack holds (node, state) pairs."""
    list_depth = 0
    cell_depth = 0
    pre_depth = 0
    main_depth = 1 if inside_main else 0  # open <main>/<article> elements around the current node
    counters: list[int | None] = []  # per open list: next number (ol) or None (ul)
    cells_in_row: list[int] = []
    stack: list[tuple[LexborNode, object]] = [(root, None)]
    while stack:
        node, state = stack.pop()
        tag = node.tag
        if state is _EXIT:
            if tag in ("main", "article") and node is not root:
                main_depth -= 1
            if tag in _HEADINGS:
                if cell_depth or list_depth:
                    out.add(" ")
                else:
                    out.end_block()
            elif tag in ("ul", "ol"):
                counters.pop()
                list_depth -= 1
                if cell_depth:
                    out.add(" ")
                elif list_depth == 0:
                    out.end_block()
                else:
                    out.newline()
            elif tag == "li":
                if not cell_depth:
                    out.newline()
            elif tag in ("td", "th"):
                cell_depth -= 1
            elif tag == "tr":
                cells_in_row.pop()
                if not cell_depth:
                    out.newline()
            elif tag == "table":
                if not cell_depth:
                    out.end_block()
            elif tag == "pre":
                pre_depth -= 1
                out.end_block()
            elif tag in _BLOCKS:
                if cell_depth or list_depth:
                    out.add(" ")
                else:
                    out.end_block()
            continue

        if tag == "-text":
            s = node.text_content or ""
            if pre_depth:
                parts = s.split("\n")
                for i, part in enumerate(parts):
                    if i:
                        out.newline()
                    out.add(part.replace("\t", " "))
            else:
                out.add(s.replace("\t", " "))
            continue
        if tag is None or tag.startswith("-") or tag.startswith("#") or tag.startswith("!"):
            continue  # comments, doctype
        if _skipped(node, main_depth > 0):
            continue

        # Entering an element.
        if tag in ("main", "article") and node is not root:
            main_depth += 1
        if tag == "br":
            if cell_depth:
                out.add(" ")
            else:
                out.newline()
            continue
        if tag == "hr":
            if not cell_depth:
                out.end_block()
            continue
        if tag in ("img",):
            continue
        if tag in _HEADINGS:
            if cell_depth or list_depth:
                out.add(" ")
            else:
                out.end_block()
                out.add(_HEADING_MARK + "#" * int(tag[1]) + " ")  # the parsers read Markdown-ish levels
        elif tag in ("ul", "ol"):
            if cell_depth:
                out.add(" ")
            elif list_depth == 0:
                out.end_block()
            else:
                out.newline()
            list_depth += 1
            start = None
            if tag == "ol":
                try:
                    start = int((node.attributes.get("start") or "1").strip())
                except ValueError:
                    start = 1
            counters.append(start)
        elif tag == "li":
            if cell_depth:
                out.add(" ")
            else:
                out.newline()
                if counters and counters[-1] is not None:
                    out.add(f"{counters[-1]}. ")
                    counters[-1] += 1
                else:
                    out.add("- ")
        elif tag == "table":
            if not cell_depth:
                out.end_block()
        elif tag == "tr":
            if not cell_depth:
                out.newline()
            cells_in_row.append(0)
        elif tag in ("td", "th"):
            if cell_depth:
                out.add(" ")
            elif cells_in_row:
                if cells_in_row[-1]:
                    out.add("\t")
                cells_in_row[-1] += 1
            cell_depth += 1
        elif tag == "pre":
            out.end_block()
            pre_depth += 1
        elif tag in _BLOCKS:
            if cell_depth or list_depth:
                out.add(" ")
            else:
                out.end_block()

        stack.append((node, _EXIT))
        children = []
        child = node.child
        while child is not None:
            children.append(child)
            child = child.next
        for child in reversed(children):
            stack.append((child, None))


def _finish(out: _Writer) -> str:
    text = normalize_text(out.result())
    # List items that already carry a bullet glyph: "- • item" → "- item" (before trailing spaces go).
    text = re.sub(r"(?m)^- [•·\-–] ?", "- ", text)
    # A literal "#" starting a line of text ("# comment") is escaped; only <h1>-<h6> become headings.
    lines = [("\\" + line if line.startswith("#") else line).replace(_HEADING_MARK, "").rstrip(" ")
             for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    return text + "\n" if text else ""
