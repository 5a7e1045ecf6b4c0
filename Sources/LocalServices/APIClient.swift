import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The collector's HTTP API on this machine, through AsyncHTTPClient: the
/// requests tests and benchmarks make, and the alert feed (Server-Sent
/// Events) as it arrives.
public enum APIClient {
    public struct Response: Sendable {
        public var status: Int
        /// Names in lower case.
        public var headers: [String: String]
        public var body: String
    }

    public static func get(port: Int, _ path: String, headers: [String: String] = [:]) async throws -> Response {
        try await request("GET", port: port, path, headers: headers)
    }

    /// A POST with a JSON body.
    public static func post(port: Int, _ path: String, headers: [String: String] = [:], json: String = "") async throws -> Response {
        try await request("POST", port: port, path, headers: headers.merging(["Content-Type": "application/json"]) { $1 }, body: json)
    }

    public static func request(
        _ method: String, port: Int, _ path: String, headers: [String: String],
        body: String = ""
    ) async throws -> Response {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = HTTPMethod(rawValue: method)
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        if method != "GET", method != "HEAD" { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = method == "HEAD" ? ByteBuffer() : try await response.body.collect(upTo: 256 << 20)
        return Response(
            status: Int(response.status.code),
            headers: Dictionary(response.headers.map { ($0.name.lowercased(), $0.value) }) { _, last in last },
            body: String(buffer: bytes))
    }

    /// One sample of the Prometheus text at `/metrics` (`name` with its labels, as
    /// written there, e.g. `x_total{kind="a"}`); NaN when it is not there.
    public static func metric(port: Int, _ name: String) async throws -> Double {
        let text = try await get(port: port, "/metrics").body
        let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Double($0.split(separator: " ").last!) } ?? .nan
    }

    /// One Server-Sent Event.
    public struct Event: Sendable, Equatable {
        public var id: String?
        public var event: String?
        public var data: String
    }

    /// The events of an SSE stream as they arrive; the sequence ends when the
    /// server closes the stream or ``close()`` hangs up. The response is read
    /// by a task of its own, so that the events wait for whoever takes them.
    public final class EventStream: Sendable {
        public let events: AsyncStream<Event>
        private let reader: Task<Void, Never>

        public init(port: Int, _ path: String, lastEventID: String? = nil, headers: [String: String] = [:]) async throws {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            for (k, v) in headers { request.headers.add(name: k, value: v) }
            if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
            let response = try await HTTPClient.shared.execute(request, timeout: .hours(1))
            guard response.status == .ok else { throw SpawnError(message: "SSE status \(response.status.code)") }
            let (events, sink) = AsyncStream.makeStream(of: Event.self)
            self.events = events
            reader = Task {
                var parser = Parser()
                do {
                    for try await chunk in response.body {
                        for event in parser.feed(chunk.readableBytesView) { sink.yield(event) }
                    }
                } catch {}
                sink.finish()
            }
        }

        /// Hangs up: the connection closes and the events end.
        public func close() { reader.cancel() }

        deinit { reader.cancel() }
    }

    /// Lines into events (the WHATWG "event stream" format, as much of it as the collector writes).
    struct Parser {
        private var pending: [UInt8] = []
        private var current = Event(id: nil, event: nil, data: "")

        mutating func feed(_ bytes: some Collection<UInt8>) -> [Event] {
            pending += bytes
            var out: [Event] = []
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                if line.isEmpty {
                    if !current.data.isEmpty || current.id != nil { out.append(current) }
                    current = Event(id: nil, event: nil, data: "")
                } else if line.hasPrefix("id: ") {
                    current.id = String(line.dropFirst(4))
                } else if line.hasPrefix("event: ") {
                    current.event = String(line.dropFirst(7))
                } else if line.hasPrefix("data: ") {
                    current.data += (current.data.isEmpty ? "" : "\n") + line.dropFirst(6)
                }
            }
            return out
        }
    }
}
