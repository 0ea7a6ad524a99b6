#!/usr/bin/env python3
"""md2man.py: one of docs/*.md as a man page, so the pages and the docs are
one source (docs/DISTRIBUTION.md, "Man pages").

usage: md2man.py SRC.md OUT NAME SECTION "one-line description" [SEE-ALSO...]

Handles the Markdown the docs use: '#' headings ('##' -> .SH, '###' ->
.SS; the first '#' is the page title), paragraphs, fenced code blocks,
'-' and '1.' lists (with indented continuation lines), tables (each row a
tagged paragraph: the first cell bold, the others after it), `code`,
**bold**, *emphasis* and [links](target) (the text only). Anything else is
text. The output needs no preprocessor (no tbl)."""
import re
import sys


def esc(s):
    s = s.replace("\\", "\\e")
    return s


def inline(s):
    s = esc(s)
    s = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"\1", s)
    s = re.sub(r"`([^`]+)`", lambda m: "\\fB" + m.group(1) + "\\fR", s)
    s = re.sub(r"\*\*([^*]+)\*\*", r"\\fB\1\\fR", s)
    s = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"\\fI\1\\fR", s)
    return s


def line_out(out, s):
    """A text line; one starting with '.' or "'" would be a request."""
    if s[:1] in (".", "'"):
        s = "\\&" + s
    out.append(s)


def cells(row):
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    parts = re.split(r"(?<!\\)\|", row)
    return [p.strip().replace("\\|", "|") for p in parts]


def convert(src, name, section, desc, see_also):
    out = ['.TH "%s" "%s" "" "fairlist" "fairlist"' % (name.upper(), section),
           ".SH NAME", "%s \\- %s" % (name, esc(desc))]
    lines = open(src, encoding="utf-8").read().split("\n")
    i, titled, para = 0, False, False
    while i < len(lines):
        ln = lines[i]
        if ln.startswith("```"):
            out += [".PP", ".RS 4", ".nf"]
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                line_out(out, esc(lines[i]))
                i += 1
            out += [".fi", ".RE"]
            i += 1
            para = False
            continue
        m = re.match(r"^(#+)\s+(.*)$", ln)
        if m:
            level, text = len(m.group(1)), m.group(2)
            if level == 1 and not titled:
                titled = True
            elif level <= 2:
                out.append('.SH "%s"' % inline(text).upper().replace('"', "'"))
            else:
                out.append('.SS "%s"' % inline(text).replace('"', "'"))
            para = False
            i += 1
            continue
        if ln.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(cells(lines[i]))
                i += 1
            head, body = rows[0], [r for r in rows[1:]
                                   if not all(re.fullmatch(r":?-+:?", c) for c in r)]
            for r in body:
                out.append(".TP")
                out.append("\\fB" + inline(r[0]).replace("\\fB", "").replace("\\fR", "") + "\\fR")
                rest = []
                for h, c in zip(head[1:], r[1:]):
                    if c:
                        rest.append(c if len(head) <= 2 or h in ("meaning", "what it is")
                                    else h + ": " + c)
                line_out(out, inline("; ".join(rest)) if rest else "")
            para = False
            continue
        m = re.match(r"^(\s*)(-|\d+\.)\s+(.*)$", ln)
        if m:
            depth = len(m.group(1))
            tag = "\\(bu" if m.group(2) == "-" else m.group(2)
            if depth:
                out.append(".RS 4")
            out.append('.IP "%s" 4' % tag)
            text = [m.group(3)]
            i += 1
            while i < len(lines) and lines[i].startswith(" " * (depth + 2)) \
                    and lines[i].strip() and not re.match(r"^\s*(-|\d+\.)\s", lines[i]):
                text.append(lines[i].strip())
                i += 1
            line_out(out, inline(" ".join(text)))
            if depth:
                out.append(".RE")
            para = True
            continue
        if not ln.strip():
            para = False
            i += 1
            continue
        if not para:
            out.append(".PP")
            para = True
        # A paragraph is one line, so `code` may span the source's lines.
        text = []
        while i < len(lines) and lines[i].strip() and not re.match(
                r"^(```|#+\s|\||\s*(-|\d+\.)\s)", lines[i]):
            text.append(lines[i].strip())
            i += 1
        line_out(out, inline(" ".join(text)))
    if see_also:
        out += [".SH \"SEE ALSO\"", ", ".join("\\fB%s\\fR" % s for s in see_also)]
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__.split("\n\n")[1])
    src, dst, name, section, desc = sys.argv[1:6]
    text = convert(src, name, section, desc, sys.argv[6:])
    with open(dst, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
