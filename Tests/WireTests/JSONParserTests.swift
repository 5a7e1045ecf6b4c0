import Foundation
import Testing
import Wire

/// The collector's JSON parser against RFC 8259 and against Foundation's JSONSerialization.
@Suite struct JSONParserTests {
    @Test func parsesWhatJSONAllows() throws {
        let v = try JSONParser.parse(Array(#" {"a": [1, -2.5e3, 0.125, true, false, null], "b\u00e9\n": "x\"\\\/\u263A\ud83d\ude00", "c": {}} "#.utf8))
        #expect(v["a"] == .array([.number(1), .number(-2500), .number(0.125), .bool(true), .bool(false), .null]))
        #expect(v["bé\n"] == .string("x\"\\/☺😀"))
        #expect(v["c"] == .object([]))
        #expect(try JSONParser.parse(Array("1767254462580".utf8)) == .number(1_767_254_462_580))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "+1", "\"\\x\"", "\"\u{01}\"", "\"\\ud83d\"",
        "nul", "[1] 2", "{\"a\" 1}", "{1: 2}", "\"abc", "1e999", String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
    ])
    func refusesWhatJSONDoesNot(_ text: String) {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    /// The same numbers as Foundation reads, on the shapes the wire carries.
    @Test func agreesWithFoundationOnNumbers() throws {
        for text in ["20.9", "1e-05", "-0.000123", "123456789012345678", "0", "-0", "3.141592653589793", "1E+2"] {
            let ours = try JSONParser.parse(Array(text.utf8))
            let theirs = try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed) as! NSNumber
            #expect(ours == .number(theirs.doubleValue), "\(text)")
        }
    }
}
