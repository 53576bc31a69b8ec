#!/usr/bin/env python3
"""Strict checker for the HTML report of `relapse report` (Python standard library only).

Usage: html_check.py FILE.html   → exit 0 and no output if the file passes, else one line per
problem and exit 1.

It checks the HTML5 rules whose breach changes how a browser builds the page, plus the
report's own promise of a self-contained file:
  * `<!DOCTYPE html>` first, `<html lang>`, one `<head>`, `<title>`, `<body>`, and
    `<meta charset="utf-8">` in the first 1024 bytes;
  * every element known (HTML5 element names; any name inside inline `<svg>`), every non-void
    element closed in order, no end tag for a void element, no `/>` on a non-void HTML element;
  * content models the parser would otherwise repair: `tr` in `thead`/`tbody`/`tfoot`/`table`,
    `td`/`th` in `tr`, `li` in `ul`/`ol`, `dt`/`dd` in `dl`, no block element inside `p`;
  * no duplicate attribute, no duplicate `id`, no bare `<` or `&` in text or attribute values;
  * self-contained: no `script`, `link`, `img`, `iframe`, `object`, `embed`, no `src`, no
    `href` other than `#…`, no `url(` or `@import` in CSS, no `http(s)://` except XML namespaces.
The W3C Nu validator was not used: it needs a Java runtime and a jar that Debian does not
package, too heavy for CI; this file runs wherever python3 does.
"""
import re
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
KNOWN = VOID | {
    "html", "head", "body", "title", "style", "main", "section", "header", "footer", "nav",
    "article", "aside", "h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "span", "a", "code",
    "pre", "em", "strong", "b", "i", "small", "sub", "sup", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "colgroup", "figure",
    "figcaption", "details", "summary", "abbr", "time", "svg",
}
FORBIDDEN = {"script", "link", "img", "iframe", "object", "embed", "frame", "frameset", "base"}
BLOCK = {"address", "article", "aside", "div", "dl", "figure", "footer", "h1", "h2", "h3", "h4",
         "h5", "h6", "header", "hr", "main", "nav", "ol", "p", "pre", "section", "table", "ul"}
PARENTS = {
    "tr": {"thead", "tbody", "tfoot", "table"},
    "td": {"tr"}, "th": {"tr"},
    "thead": {"table"}, "tbody": {"table"}, "tfoot": {"table"},
    "li": {"ul", "ol"}, "dt": {"dl"}, "dd": {"dl"},
    "figcaption": {"figure"},
}
NAMESPACES = ("http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink")


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.stack = []
        self.errors = []
        self.ids = set()
        self.seen = {}
        self.doctype = False
        self.first = True

    def error_at(self, message):
        line, col = self.getpos()
        self.errors.append(f"{line}:{col + 1}: {message}")

    def in_svg(self):
        return "svg" in self.stack

    def handle_decl(self, decl):
        if self.first and decl.lower() == "doctype html":
            self.doctype = True
        else:
            self.error_at(f"unexpected declaration <!{decl}>")
        self.first = False

    def starttag(self, tag, attrs, closed):
        if self.first:
            self.error_at("the document does not start with <!DOCTYPE html>")
            self.first = False
        self.seen[tag] = self.seen.get(tag, 0) + 1
        svg = self.in_svg()
        if not svg and tag not in KNOWN:
            self.error_at(f"unknown or forbidden element <{tag}>")
        if tag in FORBIDDEN:
            self.error_at(f"<{tag}> makes the report depend on something outside it")
        parents = PARENTS.get(tag)
        if parents and not svg and (not self.stack or self.stack[-1] not in parents):
            parent = self.stack[-1] if self.stack else "(root)"
            self.error_at(f"<{tag}> inside <{parent}>, expected inside one of {sorted(parents)}")
        if tag in BLOCK and not svg and "p" in self.stack:
            self.error_at(f"<{tag}> inside <p> (the parser would close the paragraph)")
        names = [name for name, _ in attrs]
        for name in set(names):
            if names.count(name) > 1:
                self.error_at(f"duplicate attribute `{name}` on <{tag}>")
        for name, value in attrs:
            value = value or ""
            self.check_text(value, f"attribute `{name}` of <{tag}>")
            if name == "id":
                if value in self.ids:
                    self.error_at(f"duplicate id `{value}`")
                self.ids.add(value)
            if name == "src" or (name.endswith("href") and not value.startswith("#")):
                self.error_at(f"<{tag} {name}=\"{value}\"> refers outside the file")
            if re.search(r"https?://", value) and value not in NAMESPACES:
                self.error_at(f"<{tag} {name}> names a URL: {value}")
        if tag == "meta" and ("charset", "utf-8") in [(n, (v or "").lower()) for n, v in attrs]:
            if self.rawdata.find("<meta charset") > 1024:
                self.error_at("<meta charset> is not within the first 1024 bytes")
            self.seen["charset"] = 1
        if tag == "html" and "lang" not in names:
            self.error_at("<html> has no lang attribute")
        if closed:
            if not svg and tag not in VOID and tag != "svg":
                self.error_at(f"self-closing syntax on non-void element <{tag}/>")
            return
        if tag not in VOID:
            self.stack.append(tag)

    def handle_starttag(self, tag, attrs):
        self.starttag(tag, attrs, False)

    def handle_startendtag(self, tag, attrs):
        self.starttag(tag, attrs, True)

    def handle_endtag(self, tag):
        if tag in VOID and not self.in_svg():
            self.error_at(f"end tag for void element </{tag}>")
            return
        if not self.stack:
            self.error_at(f"</{tag}> closes nothing")
        elif self.stack[-1] != tag:
            self.error_at(f"</{tag}> closes <{self.stack[-1]}>")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
        else:
            self.stack.pop()

    def check_text(self, text, where):
        if "<" in text:
            self.error_at(f"unescaped `<` in {where}")
        if "&" in text:
            self.error_at(f"bare `&` in {where} (write &amp;)")

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "style":
            if "url(" in data or "@import" in data:
                self.error_at("CSS loads something from outside the file (url( or @import)")
            if "</" in data:
                self.error_at("`</` inside <style>")
            return
        if self.first and data.strip():
            self.error_at("text before <!DOCTYPE html>")
        self.check_text(data, "text")
        if re.search(r"https?://", data) and not self.in_svg():
            pass  # a URL in prose is text, not a load

    def handle_entityref(self, name):
        if name not in {"amp", "lt", "gt", "quot", "apos", "nbsp"}:
            self.error_at(f"unknown entity &{name};")

    def handle_pi(self, data):
        self.error_at(f"processing instruction <?{data}> (not allowed in HTML)")

    def finish(self):
        self.close()
        if not self.doctype:
            self.errors.append("no <!DOCTYPE html>")
        for tag in ("html", "head", "title", "body"):
            if self.seen.get(tag) != 1:
                self.errors.append(f"expected exactly one <{tag}>, found {self.seen.get(tag, 0)}")
        if "charset" not in self.seen:
            self.errors.append('no <meta charset="utf-8">')
        for tag in reversed(self.stack):
            self.errors.append(f"<{tag}> is never closed")
        return self.errors


def main():
    if len(sys.argv) != 2:
        print("usage: html_check.py FILE.html", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    checker = Checker()
    checker.feed(text)
    errors = checker.finish()
    for e in errors:
        print(f"{sys.argv[1]}:{e}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
