import DaemonSupport
import Logging
import Synchronization
import Testing

/// What comes from outside cannot forge log lines.
@Suite struct EscapingLogHandlerTests {
    final class Events: Sendable {
        let list = Mutex<[LogEvent]>([])
    }

    /// Keeps the events it is given.
    struct Recorder: LogHandler {
        let events: Events
        var metadata: Logger.Metadata = [:]
        var metadataProvider: Logger.MetadataProvider?
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { events.list.withLock { $0.append(event) } }
    }

    @Test func controlCharactersFromOutsideAreEscaped() {
        let events = Events()
        let recorder = Recorder(events: events)
        let logger = Logger(label: "test") { _ in EscapingLogHandler(recorder) }
        let forged = "tw.canary.weather\n2026-01-01T00:00:00+0000 critical canary-collector: gas alarm cleared"
        logger.warning("refused a message: \(forged)", metadata: ["why": "\(forged)", "list": .array(["a\rb"]), "esc": "\u{1B}[31m"])
        let event = events.list.withLock { $0[0] }
        #expect(
            event.message.description
                == #"refused a message: tw.canary.weather\n2026-01-01T00:00:00+0000 critical canary-collector: gas alarm cleared"#)
        #expect(event.metadata?["why"]?.description == #"tw.canary.weather\n2026-01-01T00:00:00+0000 critical canary-collector: gas alarm cleared"#)
        #expect(event.metadata?["list"] == .array([.string(#"a\rb"#)]))
        #expect(event.metadata?["esc"]?.description == #"\u{1B}[31m"#)
        #expect(EscapingLogHandler<Recorder>.escaped("gw-01 陳 ok") == "gw-01 陳 ok", "what is printable stays as it is")
    }
}
