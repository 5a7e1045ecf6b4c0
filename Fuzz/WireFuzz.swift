// libFuzzer entry point over the collector's message validation, compiled
// together with Sources/Wire by scripts/fuzz.sh. The first input byte picks
// the topic; the rest is the MQTT
// payload. Any crash, trap or out-of-bounds read is a finding: the parser
// reads through unsafe pointers, and every message a broker delivers goes
// through it.

let topics = ["canary/v1/s/g/telemetry", "canary/v1/s/g/events", "canary/v1/s/g/status"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    let payload = Array(bytes.dropFirst())
    if case .telemetry(let t)? = try? IncomingMessage.decode(topic: topics[Int(bytes[0]) % topics.count], payload: payload) {
        // What the store and the export read back must be JSON again.
        for r in t.readings {
            _ = r.numbers
            _ = try? JSONParser.parse(Array(r.values.utf8))
        }
    }
    _ = try? JSONParser.parse(payload)
    return 0
}
