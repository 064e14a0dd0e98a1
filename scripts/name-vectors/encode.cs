// Oracle: reads names (one per line, UTF-8) from stdin and prints
// System.Xml.XmlConvert.EncodeLocalName(name) per line (UTF-8, LF).
// Input lines may use the escape \uXXXX, \UXXXXXXXX and \\ (see NOTES.md) so that
// lone surrogates / control chars can be fed; output escapes only '\\' and
// non-printables the same way (EncodeLocalName never emits them anyway, except
// when it leaves a name unchanged).
using System;
using System.IO;
using System.Text;
using System.Xml;

class Encode {
    static string Unescape(string s) {
        var sb = new StringBuilder();
        for (int i = 0; i < s.Length; i++) {
            if (s[i] == '\\' && i + 1 < s.Length) {
                char n = s[i + 1];
                if (n == '\\') { sb.Append('\\'); i++; continue; }
                if (n == 'u' && i + 5 < s.Length) {
                    sb.Append((char)Convert.ToInt32(s.Substring(i + 2, 4), 16)); i += 5; continue;
                }
                if (n == 'U' && i + 9 < s.Length) {
                    sb.Append(char.ConvertFromUtf32(Convert.ToInt32(s.Substring(i + 2, 8), 16))); i += 9; continue;
                }
            }
            sb.Append(s[i]);
        }
        return sb.ToString();
    }
    static string Escape(string s) {
        var sb = new StringBuilder();
        for (int i = 0; i < s.Length; i++) {
            char c = s[i];
            if (c == '\\') sb.Append("\\\\");
            else if (c < 0x20 || c == 0x7F || char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                     && !(char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(s[i - 1])))
                sb.AppendFormat("\\u{0:X4}", (int)c);
            else sb.Append(c);
        }
        return sb.ToString();
    }
    static void Main(string[] args) {
        bool raw = args.Length > 0 && args[0] == "--raw";
        var stdin = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
        var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false));
        stdout.NewLine = "\n";
        string line;
        while ((line = stdin.ReadLine()) != null) {
            string name = raw ? line : Unescape(line);
            string enc = XmlConvert.EncodeLocalName(name);
            stdout.WriteLine(raw ? enc : Escape(enc));
        }
        stdout.Flush();
    }
}
