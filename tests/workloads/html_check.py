"""Checks of perftop's HTML report page, for the e2e tests.

check_page(text): the page as written is strictly structured (every
element closed in order, known elements only, unique ids, every #link
resolves) and self-contained (no script, nothing it could fetch).
parse_dom(text): a small element tree of a page (or of Chromium's
--dump-dom), to look elements up by tag, class and attributes.
"""
import calendar
import re
from html.parser import HTMLParser

VOID = {"meta", "br", "hr", "img", "input", "link", "area", "base", "col",
        "embed", "source", "track", "wbr"}
HTML = {"html", "head", "body", "title", "style", "meta", "header", "footer",
        "section", "nav", "article", "figure", "figcaption", "h1", "h2", "h3",
        "p", "dl", "dt", "dd", "ul", "ol", "li", "span", "strong", "code",
        "a", "table", "thead", "tbody", "tr", "th", "td", "br"}
SVG = {"svg", "defs", "pattern", "rect", "line", "circle", "path", "g",
       "text", "title", "desc"}
# Elements and attributes that load something.
FETCHING = {"script", "link", "img", "iframe", "object", "embed", "audio",
            "video", "source", "frame", "base", "form", "image", "use"}


class Element:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children, self.parts = [], []

    def get(self, k, default=None):
        return self.attrs.get(k, default)

    def __getitem__(self, k):
        return self.attrs[k]

    @property
    def text(self):
        return "".join(p if isinstance(p, str) else p.text for p in self.parts)

    def ancestor(self, tag):
        e = self.parent
        while e is not None and e.tag != tag:
            e = e.parent
        return e

    @property
    def parent_section(self):
        e = self.parent
        while e is not None and e.tag != "section":
            e = e.parent
        return e.get("id") if e is not None else None


class Tree(HTMLParser):
    def __init__(self, strict):
        super().__init__(convert_charrefs=True)
        self.strict, self.root = strict, Element("#root", {}, None)
        self.cur, self.all, self.errors = self.root, [], []

    def where(self):
        return "line %d col %d" % self.getpos()

    def handle_starttag(self, tag, attrs):
        if self.strict and tag not in HTML | SVG:
            self.errors.append("%s: unknown element <%s>" % (self.where(), tag))
        e = Element(tag, attrs, self.cur)
        self.all.append(e)
        self.cur.children.append(e)
        self.cur.parts.append(e)
        if tag not in VOID:
            self.cur = e

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.cur = self.cur.parent

    def handle_endtag(self, tag):
        if tag in VOID:
            if self.strict:
                self.errors.append("%s: end tag of void <%s>" % (self.where(), tag))
            return
        if self.cur.tag != tag:
            self.errors.append("%s: </%s> closes <%s>" % (self.where(), tag, self.cur.tag))
            e = self.cur
            while e is not None and e.tag != tag:
                e = e.parent
            if e is None:
                return
            self.cur = e
        self.cur = self.cur.parent

    def handle_data(self, data):
        self.cur.parts.append(data)

    # a document built from the page: lookups
    @property
    def tags(self):
        n = {}
        for e in self.all:
            n[e.tag] = n.get(e.tag, 0) + 1
        return n

    def find(self, tag):
        return [e for e in self.all if e.tag == tag]


def parse_dom(text, strict=False):
    t = Tree(strict)
    t.feed(text)
    t.close()
    return t


def check_page(text):
    """Raise AssertionError naming what is wrong with the page."""
    assert text.startswith("<!DOCTYPE html>\n"), "no HTML5 doctype first"
    t = parse_dom(text, strict=True)
    if t.cur is not t.root:
        t.errors.append("end of file inside <%s>" % t.cur.tag)
    assert not t.errors, "\n".join(t.errors[:10])
    metas = t.find("meta")
    assert any(m.get("charset") == "utf-8" for m in metas), "no charset"
    csp = [m.get("content", "") for m in metas
           if m.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0], "no fetch-forbidding CSP"
    ids = [e.get("id") for e in t.all if e.get("id")]
    dup = {i for i in ids if ids.count(i) > 1}
    assert not dup, "duplicate ids: %s" % sorted(dup)[:5]
    for e in t.all:
        assert e.tag not in FETCHING, "<%s> would load something" % e.tag
        for k, v in e.attrs.items():
            v = v or ""
            if k == "xmlns":
                assert v in ("http://www.w3.org/1999/xhtml",
                             "http://www.w3.org/2000/svg"), v
                continue
            assert not k.startswith("on"), "event handler %s" % k
            assert k not in ("src", "srcset", "action", "formaction",
                             "background", "poster", "xlink:href"), k
            if k == "href":
                assert v.startswith("#") and v[1:] in ids, "link %r" % v
    css = "".join(s.text for s in t.find("style"))
    css += "".join(e.get("style", "") or "" for e in t.all)
    for u in re.findall(r"url\(([^)]*)\)", css):
        assert u.startswith("#") and u[1:] in ids, "CSS url(%s)" % u
    assert "@import" not in css, "CSS @import"
    return t


def rfc3339_s(s):
    """'2026-12-02T07:43:14.879Z' as Unix seconds."""
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?Z", s)
    assert m, "not RFC 3339 UTC: %r" % s
    y, mo, d, h, mi, sec = (int(x) for x in m.groups()[:6])
    frac = float("0." + m.group(7)) if m.group(7) else 0.0
    return calendar.timegm((y, mo, d, h, mi, sec, 0, 0, 0)) + frac
