#!/usr/bin/env python3
"""A canonical text dump of an xlsx, for comparing two writers' outputs.

    python3 scripts/xlsx_canon.py a.xlsx > a.txt
    python3 scripts/xlsx_canon.py --diff before.xlsx after.xlsx

What a reader of the workbook sees is kept; what only differs in how the
file spells it is made equal:
- a shared string (`t="s"`) and an inline string (`t="inlineStr"`) become
  the text itself;
- a cell's (and a column's) style index becomes the style it stands for (number
  format, font, fill, border, alignment, protection spelled out), so the
  order in which formats were registered does not matter;
- `spans` on rows (a hint for readers) and the creation time are dropped;
- comments are listed per cell with their text, author and VML size.
Everything else (merges, columns, row heights, print setup, page header and
footer, defined names, freeze panes, autofilter, validations, charts) is
compared as written.
"""

import re
import sys
import zipfile
import xml.etree.ElementTree as ET

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
M = "{%s}" % NS["m"]
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def canon_xml(el):
    """Element as a stable one-line string (attributes sorted)."""
    tag = el.tag.split("}")[-1]
    attrs = " ".join(
        f'{k.split("}")[-1]}="{v}"' for k, v in sorted(el.attrib.items())
    )
    inner = "".join(canon_xml(c) for c in el)
    text = (el.text or "").strip() if len(el) == 0 else ""
    return f"<{tag}{' ' + attrs if attrs else ''}>{text}{inner}</{tag}>"


def styles(z):
    root = ET.fromstring(z.read("xl/styles.xml"))
    numfmts = {
        n.get("numFmtId"): n.get("formatCode")
        for n in root.findall("m:numFmts/m:numFmt", NS)
    }
    fonts = [canon_xml(f) for f in root.findall("m:fonts/m:font", NS)]
    fills = [canon_xml(f) for f in root.findall("m:fills/m:fill", NS)]
    borders = [canon_xml(f) for f in root.findall("m:borders/m:border", NS)]
    out = []
    for xf in root.findall("m:cellXfs/m:xf", NS):
        nid = xf.get("numFmtId", "0")
        parts = [
            "num=" + numfmts.get(nid, "builtin" + nid),
            "font=" + fonts[int(xf.get("fontId", "0"))],
            "fill=" + fills[int(xf.get("fillId", "0"))],
            "border=" + borders[int(xf.get("borderId", "0"))],
        ]
        parts += [canon_xml(c) for c in xf]
        out.append(" ".join(parts))
    return out


def sst(z):
    if "xl/sharedStrings.xml" not in z.namelist():
        return []
    root = ET.fromstring(z.read("xl/sharedStrings.xml"))
    return ["".join(t.text or "" for t in si.iter(M + "t")) for si in root]


def rels(z, part):
    d, f = part.rsplit("/", 1)
    p = f"{d}/_rels/{f}.rels"
    if p not in z.namelist():
        return {}
    root = ET.fromstring(z.read(p))
    out = {}
    for r in root:
        target = r.get("Target")
        if not target.startswith("/"):
            parts = (d + "/" + target).split("/")
            stack = []
            for x in parts:
                if x == "..":
                    stack.pop()
                else:
                    stack.append(x)
            target = "/".join(stack)
        else:
            target = target[1:]
        out[r.get("Id")] = target
    return out


def dump(path):
    z = zipfile.ZipFile(path)
    xfs = styles(z)
    strings = sst(z)
    lines = []
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    wbrels = rels(z, "xl/workbook.xml")
    for dn in wb.findall("m:definedNames/m:definedName", NS):
        lines.append("definedName " + canon_xml(dn))
    for sh in wb.findall("m:sheets/m:sheet", NS):
        name = sh.get("name")
        part = wbrels[sh.get(R + "id")]
        lines.append(f"== sheet {name} ({sh.get('state', 'visible')})")
        root = ET.fromstring(z.read(part))
        for child in root:
            tag = child.tag.split("}")[-1]
            if tag == "sheetData":
                for row in child:
                    ra = dict(row.attrib)
                    ra.pop("spans", None)
                    lines.append(
                        "row " + " ".join(f"{k}={v}" for k, v in sorted(ra.items()))
                    )
                    for c in row:
                        t = c.get("t", "n")
                        s = xfs[int(c.get("s", "0"))]
                        f = c.find("m:f", NS)
                        v = c.find("m:v", NS)
                        if t == "s":
                            val, t = strings[int(v.text)], "str"
                        elif t == "inlineStr":
                            val = "".join(x.text or "" for x in c.iter(M + "t"))
                            t = "str"
                        else:
                            val = v.text if v is not None else None
                        ftxt = canon_xml(f) if f is not None else ""
                        lines.append(
                            f"  {c.get('r')} t={t} v={val!r} f={ftxt} style={s}"
                        )
            elif tag == "cols":
                # A column's format by what it is, not by its number.
                for col in child:
                    ca = dict(col.attrib)
                    if "style" in ca:
                        ca["style"] = xfs[int(ca["style"])]
                    lines.append(
                        "col " + " ".join(f"{k}={v}" for k, v in sorted(ca.items()))
                    )
            elif tag in ("legacyDrawing", "drawing"):
                lines.append(tag)
            else:
                lines.append(canon_xml(child))
        srels = rels(z, part)
        for target in sorted(srels.values()):
            if "comments" in target:
                c = ET.fromstring(z.read(target))
                authors = [a.text for a in c.iter(M + "author")]
                for cm in c.iter(M + "comment"):
                    text = "".join(t.text or "" for t in cm.iter(M + "t"))
                    lines.append(
                        f"comment {cm.get('ref')} author={authors[int(cm.get('authorId'))]} {text!r}"
                    )
            elif "vmlDrawing" in target:
                vml = z.read(target).decode()
                # Shape ids are numbered across the workbook; the rest is what shows.
                vml = re.sub(r'(o:spid|id)="_x0000_s\d+"', "", vml)
                vml = re.sub(r'data="\d+"', "", vml)
                lines.append("vml " + re.sub(r"\s+", " ", vml))
            elif "drawings/" in target:
                lines.append("drawing " + z.read(target).decode())
                for t2 in sorted(rels(z, target).values()):
                    lines.append("chart " + z.read(t2).decode())
            else:
                lines.append("rel " + target)
    for part in ("docProps/custom.xml",):
        if part in z.namelist():
            lines.append(part + " " + z.read(part).decode())
    return lines


def main():
    if sys.argv[1] == "--diff":
        a, b = dump(sys.argv[2]), dump(sys.argv[3])
        if a == b:
            print(f"same ({len(a)} lines)")
            return
        # Lines only in one of the two (order kept), the first 60 of each.
        sa, sb = set(a), set(b)
        only_a = [x for x in a if x not in sb]
        only_b = [x for x in b if x not in sa]
        for x in only_a[:60]:
            print("- " + x[:400])
        for x in only_b[:60]:
            print("+ " + x[:400])
        print(f"DIFFERENT ({len(a)} vs {len(b)} lines; {len(only_a)} only before, {len(only_b)} only after)")
        sys.exit(1)
    else:
        print("\n".join(dump(sys.argv[1])))


if __name__ == "__main__":
    main()
