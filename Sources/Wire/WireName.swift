import Foundation

/// The names a gateway gives things on the wire: a worker (an alarm's
/// `subject`, a reading's `worker`), a device, a condition. They reach the
/// control room's screens, text messages and researchers' spreadsheets, so
/// each is bounded here, where a message is read (docs/wire.md, "Names"):
/// at most ``maxLength`` characters, letters and digits of any script (林,
/// José), marks, and `- _ . : @ + # /` and inner spaces; nothing that is only
/// white space, and no control or format character (ESC, or U+202E, which
/// turns the text after it around on a screen). A name is in Unicode's NFC,
/// the form keyboards type: `josé` has one spelling in the database, and the
/// collector compares the names in its paths and its config in that form.
/// Found: a 250 KB worker id made `/alerts` 782 KB; U+202E and ESC reached the
/// dashboard's worker list; raw HTML reached the words sent to webhooks.
public enum WireName {
    public static let maxLength = 64

    /// `name` in Unicode's canonical composition (NFC).
    public static func normalized(_ name: String) -> String { name.precomposedStringWithCanonicalMapping }

    /// Why `name` is not one, or nil when it is; `mayBeEmpty` for a condition (a fall has none).
    public static func problem(_ name: String, mayBeEmpty: Bool = false) -> String? {
        if name.isEmpty { return mayBeEmpty ? nil : "must not be empty" }
        // Most names are short ASCII (`chen`, `C0:FF:EE:00:01:01`, `H2S.high`): checked byte by byte, since
        // every reading of every telemetry message names its worker and device.
        if name.utf8.count <= maxLength, name.utf8.allSatisfy(isPlainASCII) { return nil }
        guard name.utf8.count <= maxLength * 4, name.count <= maxLength else { return "longer than \(maxLength) characters" }
        guard let first = name.unicodeScalars.first, let last = name.unicodeScalars.last,
            !first.properties.isWhitespace, !last.properties.isWhitespace
        else { return "begins or ends with white space" }
        for s in name.unicodeScalars where !allowed(s) {
            return "has U+\(String(s.value, radix: 16, uppercase: true)), which a name may not"
        }
        guard name.unicodeScalars.elementsEqual(normalized(name).unicodeScalars) else { return "is not in Unicode NFC" }
        return nil
    }

    /// The punctuation a name may hold besides letters, digits, marks and inner spaces.
    private static let punctuation = "-_.:@+#/"

    private static func isPlainASCII(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: punctuation.utf8.contains(b)
        }
    }

    private static func allowed(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return s == " " || punctuation.unicodeScalars.contains(s)
        }
    }
}
