import Foundation

/// A server's log, read from the pipe it writes to: ``waitFor(_:)`` returns once
/// the log says `text` (the server is up), and then a thread keeps draining the
/// pipe, so the server never blocks on a full one.
struct ServerLog {
    let pipe: Int32

    /// The log so far when the server exits (the pipe closes) before saying `text`.
    struct EndedEarly: Error, CustomStringConvertible {
        var log: String
        var description: String { "the server ended before it was ready: \(log)" }
    }

    func waitFor(_ text: String) throws {
        let log = FileHandle(fileDescriptor: pipe, closeOnDealloc: true)
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains(text) {
            let chunk = log.availableData
            if chunk.isEmpty { throw EndedEarly(log: String(decoding: seen, as: UTF8.self)) }
            seen += chunk
        }
        let drain = Thread { while !log.availableData.isEmpty {} }
        drain.start()
    }
}
