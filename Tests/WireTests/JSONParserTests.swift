import Foundation
import Testing
import Wire

/// The collector's JSON parser against RFC 8259 and against Foundation's JSONSerialization.
@Suite struct JSONParserTests {
    @Test func parsesWhatJSONAllows() throws {
        let v = try JSONParser.parse(
            Array(#" {"a": [1, -2.5e3, 0.125, true, false, null], "b\u00e9\n": "x\"\\\/\u263A\ud83d\ude00", "c": {}} "#.utf8))
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

/// The hand-written telemetry JSON reads back as the same event, and as JSONEncoder's would.
@Suite struct JSONWriterTests {
    @Test func telemetryRoundTripsAndMatchesTheGenericEncoding() throws {
        let topics = try Topics(site: "s", gateway: "g")
        var e = CloudEvent(
            id: "1767254400000-telemetry-ab", source: topics.source, type: EventTypes.telemetry, timeMs: 1_767_254_400_000,
            data: TelemetryBatch(readings: [
                .init(
                    worker: "chen \"the\" \\ one\n", device: "C0:FF:EE:00:01:01", kind: "gas", time_ms: 1_767_254_400_000,
                    values: ["o2": 20.9, "h2s": 0.000012, "battery": 80, "co": -1.5e20]),
                .init(worker: "lin", device: "D", kind: "position", time_ms: 1_767_254_400_500, values: [:]),
            ]))
        e.subject = "x"
        let fast = e.json()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let generic = try encoder.encode(e)
        #expect(try JSONDecoder().decode(CloudEvent<TelemetryBatch>.self, from: fast) == e)
        #expect(try JSONParser.parse(fast) == JSONParser.parse(generic))
        // A worker named with a quote, a backslash and a newline is written right, and refused at the wire (docs/wire.md, "Names").
        #expect(throws: WireError.self) { try IncomingMessage.decode(topic: topics.telemetry, payload: fast) }
        var plain = e
        plain.data.readings[0].worker = "chen"
        #expect(try IncomingMessage.decode(topic: topics.telemetry, payload: plain.json()) == .telemetry(TelemetryMessage(plain)))
    }

    @Test func ackMatchesTheGenericEncoding() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for ids in [[], ["1767254400000-telemetry-ab", "0000000001000-lin-fall-alarm", "odd \"id\"/\\"]] {
            let ack = CloudEvent(id: "ack-1", source: "canary-collector", type: EventTypes.ack, timeMs: 1_767_254_400_000, data: Ack(ids: ids))
            #expect(ack.json() == (try encoder.encode(ack)))
        }
    }
}
