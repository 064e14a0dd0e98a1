#!/usr/bin/env python3
"""Build vectors.tsv: inputs -> Mono's XmlConvert.EncodeLocalName (the oracle, encode.exe),
then check the Python re-implementation (tools/ref_encode.py + tables.rs) against it."""
import os, random, subprocess, sys
HERE = os.path.dirname(os.path.abspath(__file__)); ROOT = os.path.join(HERE, "..")
sys.path.insert(0, HERE)
import ref_encode

NAMED = [
    # examples from the brief
    "First name", "Date of birth", "1st", "-x", "a:b", "€ price", "Due date", "_x0020_", "a_x0020_b",
    "_x0020_x0020_", "a_X12345678_b", "a_x123_b", "_", "__x", "Ü-Wert", "Straße", "Länge (m)", "Ærø",
    "日本語", "Ωμέγα", "Кириллица", "naïve", "a.b", ".start", "·x", "x·y", "©", "°C", "emoji 😀",
    "Tab\there", "ÿ", "٣", "٣a", "a٣", "a٣b", "\u0301a", "a\u0301", "ǅ", "ª", "µ", "ß", "ȡ", "Ꙁ",
    "한국어", "한", "ᄀ", "ภาษาไทย", "ไทย", "עברית", "שָׁלוֹם", "العربية", "ـa", "aـ",
    # empty / whitespace / punctuation
    "", " ", "  ", " a", "a ", "a  b", "a\tb", "a\nb", "a\r\nb", "\u0000", "a\u0000b", "\u007f", "a\u0085b",
    "a\\b", "\\", "a/b", "a-b", "a--b", "-", ".", "..", "a.", "a-", "a_", "_a", "__", "___",
    ":", "::", ":a", "a:", "xml:lang", "xmlns:x", "a:b:c", "a%b", "a&b", "a<b>", "\"q\"", "'q'", "a=b",
    "a,b", "a;b", "a?b", "a!b", "a#b", "a$b", "a@b", "a^b", "a`b", "a{b}", "a|b", "a~b", "a+b", "a*b",
    "(x)", "[x]", "100%", "50/50", "3.14", "-1", "+1", "0", "007", "1_000", "x1", "x_1", "x-1", "x.1",
    # _xHHHH_ / _xHHHHHHHH_ handling
    "_x0020", "x0020_", "_x002_", "_x002G_", "_x00200_", "_x0020_x", "_x0020__x0020_", "_x0020_x0020_x0020_",
    "__x0020_", "_x_x0020_", "a__x0020_", "a_x0020__", "_X0020_", "_Xabcd_", "_xABCD_", "_xabcd_", "_xAbCd_",
    "_x00200020_", "_x0001F600_", "_x12345678_", "_x1234567_", "_x123456789_", "_x1234_5678_", "_x12345678",
    "_x0000_", "_xFFFF_", "_xD800_", "_xFFFFFFFF_", "a_x0041_", "A_x0041_B", "x_x_x0041_",
    "_x0020_abc", "abc_x0020_", "_y0020_", "_x 0020_", "_x0020_ _x0020_", "1_x0020_", ":_x0020_",
    "_x0020_1", "_x00e9_", "_x00E9_", "é_x00E9_é", "_x12345678_x1234_", "_x1234_x12345678_",
    "_xABCDEF12_", "_xabcdef12_", "_x1_", "_x12_", "_x123_", "_x12345_", "_x123456_", "_x1234567_",
    # scripts & categories
    "Ελληνικά", "ς", "Ѐ", "ѐ", "ё", "Ё", "ѝ", "Ґ", "ґ", "Ԁ", "ԱԲԳ", "ქართული", "Ⴀ", "ᏣᎳᎩ", "ᚠᚢᚦ",
    "ŉ", "ſ", "ǀ", "Ǆ", "ǆ", "ĳ", "Ĳ", "ŀ", "Ŀ", "ʼ", "ʻ", "ˆ", "ǰ", "Ǳ", "ȷ", "ɐ", "ʨ", "ʩ",
    "ー", "ーa", "aー", "々", "〇", "〆", "ゝ", "ゞ", "ヽ", "カタカナ", "ひらがな", "ｶﾀｶﾅ", "ａｂｃ", "Ａ",
    "漢字", "㐀", "鿦", "鿿", "豈", "ㄅ", "ㄭ", "가", "힣", "힤", "ힰ",
    "हिन्दी", "क़", "বাংলা", "ਪੰਜਾਬੀ", "ગુજરાતી", "ଓଡ଼ିଆ", "தமிழ்", "తెలుగు", "ಕನ್ನಡ", "മലയാളം", "සිංහල",
    "ລາວ", "བོད་", "မြန်မာ", "ខ្មែរ", "ᠮᠣᠩᠭᠣᠯ", "ʿArabī", "fi", "ﬁ", "Ⅳ", "ⅳ", "½", "²", "x²", "₂", "ℌ",
    "ℵ", "℃", "Ω", "Ω", "K", "Å", "℮", "ↀ", "№", "™", "®", "§", "¶", "†", "‰", "←", "∑", "√", "∞",
    "★", "♥", "☃", "✓", "♠x", "x♠", "\u200b", "a\u200bb", "\u200c", "a\u200db", "a\u00adb", "a\u2060b",
    "‿", "a‿b", "⁀", "a\u20d0", "\u20d0", "a\u20e1", "a\u20e2", "a\u3099", "\u309a", "a\u302a", "a\u0345",
    "a\u0346", "a\u0360", "a\u0362", "a\u036f", "a\u0483", "a\u0487", "e\u0301", "n\u0303", "Å",
    # astral
    "😀", "a😀", "😀a", "😀😀", "a😀b", "𝒜", "a𝒜", "𐐀", "𐐨", "𝟎", "a𝟎", "𠀀", "a𠀀b", "🇩🇪", "👍🏽",
    "👨‍👩‍👧", "\U0010FFFF", "a\U0010FFFF", "\U00010000", "\U000E0001", "a\U000E0041", "_x0001F600_😀",
    "😀_x0020_", "_😀", "😀_", "emoji😀name",
    # realistic column headers
    "Customer ID", "E-mail address", "Phone #", "Amount ($)", "Price (€)", "Qty.", "%", "Total:",
    "2023", "Q1 2023", "Start/End", "First-Name", "last_name", "LastName", "ÄÖÜ", "äöü", "Größe",
    "Œuvre", "œ", "Ð", "ð", "Þ", "þ", "×", "÷", "a×b", "a÷b", "¿Qué?", "¡Hola!", "«x»", "„x“",
    "naïve café", "résumé", "coöperate", "Zürich", "São Paulo", "Kraków", "Reykjavík", "İstanbul",
    "ı", "ğ", "ş", "Ș", "ș", "Ț", "ț", "ạ", "Ả", "ỹ", "Ỳ", "ẞ", "ẛ", "ẜ", "ᴀ", "ᵃ", "ⱥ", "Ɐ",
]

def escape(s):
    out = []
    for ch in s:
        c = ord(ch)
        if ch == "\\": out.append("\\\\")
        elif c < 0x20 or 0x7F <= c <= 0x9F or c in (0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF) or 0xD800 <= c <= 0xDFFF:
            out.append("\\u%04X" % c)
        else: out.append(ch)
    return "".join(out)

def unescape(s):
    out = []; i = 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            if s[i+1] == "\\": out.append("\\"); i += 2; continue
            if s[i+1] == "u": out.append(chr(int(s[i+2:i+6], 16))); i += 6; continue
        out.append(s[i]); i += 1
    return "".join(out)

def code_points():
    T = ref_encode.T
    cps = set(range(0x00, 0x100))
    for table in T.values():
        for lo, hi in table:
            cps.update({lo - 1, lo, hi, hi + 1})
    cps.update([0x0221, 0xA640, 0x3400, 0x4DB5, 0x9FA6, 0x9FFF, 0xFF21, 0xFF41, 0xFF10, 0x01C5, 0x00AA, 0x00B5,
                0x2160, 0x2070, 0x200C, 0x200D, 0x203F, 0x2040, 0xFB01, 0xFFFD, 0xFFFE, 0xFFFF, 0xFEFF, 0x2028,
                0x2029, 0xE000, 0xF8FF, 0xF900, 0xFA2D, 0xFA30, 0x1D00, 0x0370, 0x037E, 0x037F, 0x1E9E, 0x2C00,
                0x3001, 0x3005, 0x3006, 0x30FB, 0x0E2F, 0x0E31, 0x0E46, 0x0E4F, 0x0F00, 0x1200, 0x13A0, 0x1780,
                0x1820, 0x0710, 0x0780, 0x07C0, 0x0800, 0x0840, 0x08A0, 0x0D80, 0x1000, 0x1100, 0x11FA, 0x1160])
    rnd = random.Random(20240601)
    while sum(1 for c in cps if 0x100 <= c <= 0xFFFF) < 1400:  # boundary points + random BMP fill
        c = rnd.randrange(0x100, 0x10000)
        if not 0xD800 <= c <= 0xDFFF: cps.add(c)
    astral = {0x10000, 0x10FFFF, 0x1F600, 0x1D49C, 0x20000, 0x2A6D6, 0x2A6D7, 0xE0001, 0xF0000, 0x1F1E6,
              0x10400, 0x10428, 0x1D7CE, 0x1D400, 0x1F3FD, 0x1FFFE, 0x1FFFF, 0x2F800, 0x30000, 0x100000}
    while len(astral) < 120:
        astral.add(rnd.randrange(0x10000, 0x110000))
    cps |= astral
    return sorted(c for c in cps if 0 <= c <= 0x10FFFF and not 0xD800 <= c <= 0xDFFF)

def main():
    inputs, seen = [], set()
    def add(s):
        if s not in seen: seen.add(s); inputs.append(s)
    for s in NAMED: add(s)
    cps = code_points()
    for c in cps:
        add("a" + chr(c)); add(chr(c) + "a")
    esc_in = [escape(s) for s in inputs]
    assert all(unescape(e) == s for e, s in zip(esc_in, inputs))
    exe = os.path.join(ROOT, "encode.exe")
    res = subprocess.run(["mono", exe], input="\n".join(esc_in) + "\n", capture_output=True, text=True,
                         encoding="utf-8", check=True)
    outs = res.stdout.split("\n")
    assert outs[-1] == "" and len(outs) - 1 == len(inputs), (len(outs), len(inputs))
    outs = [unescape(o) for o in outs[:-1]]
    mism = 0
    with open(os.path.join(ROOT, "vectors.tsv"), "w", encoding="utf-8", newline="\n") as f:
        for s, e, o in zip(inputs, esc_in, outs):
            assert escape(o) == o, ("output needs escaping", s, o)
            f.write(e + "\t" + o + "\n")
            r = ref_encode.encode_local_name(s)
            if r != o:
                mism += 1
                if mism <= 20: print("MISMATCH", repr(s), "mono=", repr(o), "ref=", repr(r))
    print("vectors:", len(inputs), "named:", len(NAMED), "code points:", len(cps),
          "(BMP %d, astral %d)" % (sum(c < 0x10000 for c in cps), sum(c >= 0x10000 for c in cps)),
          "ref-vs-mono mismatches:", mism)

if __name__ == "__main__":
    main()
