#!/usr/bin/env python3
"""Reference re-implementation of .NET/Mono XmlConvert.EncodeLocalName driven by ../tables.rs.
NOT an oracle: used only to check that NOTES.md's algorithm + tables.rs reproduce Mono's output.
Works on UTF-16 code units exactly like the C# code (so lone surrogates are handled too)."""
import re, os
HERE = os.path.dirname(os.path.abspath(__file__))

def load_tables():
    src = open(os.path.join(HERE, "..", "tables.rs"), encoding="utf-8").read()
    t = {}
    for name, body in re.findall(r"pub const (\w+): &\[\(u32, u32\)\] = &\[(.*?)\];", src, re.S):
        t[name] = [(int(a, 16), int(b, 16)) for a, b in re.findall(r"\(0x([0-9A-F]+), 0x([0-9A-F]+)\)", body)]
    return t

T = load_tables()
def _in(cp, table):
    lo, hi = 0, len(table)
    while lo < hi:
        mid = (lo + hi) // 2
        a, b = table[mid]
        if cp < a: hi = mid
        elif cp > b: lo = mid + 1
        else: return True
    return False

def is_letter(u): return _in(u, T["BASE_CHAR"]) or _in(u, T["IDEOGRAPHIC"])
def is_start(u): return is_letter(u) or u == 0x5F                      # IsStartNCNameCharXml4e
def is_ncname(u):                                                       # IsNCNameCharXml4e
    return (is_letter(u) or _in(u, T["DIGIT"]) or u in (0x2E, 0x2D, 0x5F)
            or _in(u, T["COMBINING_CHAR"]) or _in(u, T["EXTENDER"]))

PATTERN = re.compile(r"(?<=_)[Xx](?:[0-9a-fA-F]{4}|[0-9a-fA-F]{8})_")   # same as Mono's c_EncodeCharPattern

def to_units(s):
    b = s.encode("utf-16-le", "surrogatepass")
    return [int.from_bytes(b[i:i+2], "little") for i in range(0, len(b), 2)]

def from_units(units):
    return b"".join(u.to_bytes(2, "little") for u in units).decode("utf-16-le", "surrogatepass")

def encode_local_name(name):
    if name is None or name == "": return name
    u = to_units(name)
    n = len(u)
    ustr = "".join(chr(x) for x in u)          # one Python char per UTF-16 unit, for the regex
    out = []
    def esc(pos):
        hi_ = 0xD800 <= u[pos] <= 0xDBFF
        if pos + 1 < n and hi_ and 0xDC00 <= u[pos+1] <= 0xDFFF:
            cp = ((u[pos] - 0xD800) << 10 | (u[pos+1] - 0xDC00)) + 0x10000
            out.extend(ord(c) for c in "_x%08X_" % cp); return 2
        out.extend(ord(c) for c in "_x%04X_" % u[pos]); return 1
    first_us = ustr.find("_")
    matches = iter([m.start() - 1 for m in PATTERN.finditer(ustr, first_us)] if first_us >= 0 else [])
    match_pos = next(matches, -1)
    pos = 0
    if not is_start(u[0]) or match_pos == 0:
        pos += esc(0)
        if match_pos == 0: match_pos = next(matches, -1)
    while pos < n:
        if not is_ncname(u[pos]) or match_pos == pos:
            if match_pos == pos: match_pos = next(matches, -1)
            pos += esc(pos)
        else:
            out.append(u[pos]); pos += 1
    return from_units(out)

if __name__ == "__main__":
    import sys
    for line in sys.stdin:
        print(encode_local_name(line.rstrip("\n")))
