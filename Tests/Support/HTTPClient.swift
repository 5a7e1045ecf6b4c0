import Foundation

/// A minimal HTTP/1.1 client over a loopback socket, for the collector's API:
/// plain GETs, POSTs of JSON and a Server-Sent Events reader. Handles chunked responses.
public enum HTTPClient {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: String
    }

    public static func get(port: Int, _ path: String, headers: [String: String] = [:]) throws -> Response {
        try request("GET", port: port, path, headers: headers)
    }

    /// A POST with a JSON body.
    public static func post(port: Int, _ path: String, headers: [String: String] = [:], json: String = "") throws -> Response {
        try request("POST", port: port, path, headers: headers.merging(["Content-Type": "application/json"]) { $1 }, body: json)
    }

    public static func request(_ method: String, port: Int, _ path: String, headers: [String: String], body: String = "") throws -> Response {
        let connection = try Connection(method, port: port, path: path, headers: headers, body: body)
        defer { connection.close() }
        let (status, responseHeaders) = try connection.readHead()
        var body = Data()
        while let chunk = try connection.readBody() { body += chunk }
        return Response(status: status, headers: responseHeaders, body: String(decoding: body, as: UTF8.self))
    }

    /// One sample of a Prometheus text exposition at `/metrics` (`name` with its labels, as
    /// written there, e.g. `x_total{kind="a"}`); NaN when it is not there.
    public static func metric(port: Int, _ name: String) throws -> Double {
        let text = try get(port: port, "/metrics").body
        let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Double($0.split(separator: " ").last!) } ?? .nan
    }

    /// One Server-Sent Event.
    public struct Event: Sendable, Equatable {
        public var id: String?
        public var event: String?
        public var data: String
    }

    /// Events of an SSE stream as they arrive, read on a thread of its own;
    /// the stream ends when the server closes. `close()` to hang up.
    public final class EventStream: @unchecked Sendable {
        public let events: AsyncStream<Event>
        private let connection: Connection

        public init(port: Int, _ path: String, lastEventID: String? = nil, headers: [String: String] = [:]) throws {
            connection = try Connection("GET", port: port, path: path,
                                        headers: headers.merging(lastEventID.map { ["Last-Event-ID": $0] } ?? [:]) { $1 })
            let (status, _) = try connection.readHead()
            guard status == 200 else { throw SpawnError(message: "SSE status \(status)") }
            let (events, sink) = AsyncStream.makeStream(of: Event.self)
            self.events = events
            let connection = self.connection
            Thread.detachNewThread {
                var pending = Data(), current = Event(id: nil, event: nil, data: "")
                while let chunk = try? connection.readBody() {
                    pending += chunk
                    while let newline = pending.firstIndex(of: 0x0A) {
                        let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                        pending = Data(pending[(newline + 1)...])
                        if line.isEmpty {
                            if !current.data.isEmpty || current.id != nil { sink.yield(current) }
                            current = Event(id: nil, event: nil, data: "")
                        } else if line.hasPrefix("id: ") {
                            current.id = String(line.dropFirst(4))
                        } else if line.hasPrefix("event: ") {
                            current.event = String(line.dropFirst(7))
                        } else if line.hasPrefix("data: ") {
                            current.data += (current.data.isEmpty ? "" : "\n") + line.dropFirst(6)
                        }
                    }
                }
                sink.finish()
            }
        }

        public func close() { connection.close() }
    }

    final class Connection: @unchecked Sendable {
        private let fd: Int32
        private var buffer = Data()
        private var chunked = false
        private var remaining: Int?

        init(_ method: String, port: Int, path: String, headers: [String: String], body: String = "") throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard rc == 0 else {
                Glibc.close(fd)
                throw SpawnError(message: "connect to port \(port): \(String(cString: strerror(errno)))")
            }
            var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
            for (k, v) in headers { request += "\(k): \(v)\r\n" }
            if method != "GET" { request += "Content-Length: \(body.utf8.count)\r\n" }
            request += "\r\n" + body
            _ = request.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        }

        func close() { shutdown(fd, Int32(SHUT_RDWR)) }

        private func fill() throws -> Bool {
            var bytes = [UInt8](repeating: 0, count: 65_536)
            let n = recv(fd, &bytes, bytes.count, 0)
            if n <= 0 { return false }
            buffer += bytes[0..<n]
            return true
        }

        private func line() throws -> String? {
            while true {
                if let r = buffer.range(of: Data("\r\n".utf8)) {
                    let text = String(decoding: buffer[buffer.startIndex..<r.lowerBound], as: UTF8.self)
                    buffer = Data(buffer[r.upperBound...])
                    return text
                }
                guard try fill() else { return nil }
            }
        }

        func readHead() throws -> (Int, [String: String]) {
            guard let status = try line(), let code = Int(status.split(separator: " ").dropFirst().first ?? "") else {
                throw SpawnError(message: "no HTTP status line")
            }
            var headers: [String: String] = [:]
            while let l = try line(), !l.isEmpty {
                let parts = l.split(separator: ":", maxSplits: 1)
                if parts.count == 2 { headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
            }
            chunked = headers["transfer-encoding"]?.lowercased() == "chunked"
            remaining = headers["content-length"].flatMap(Int.init)
            return (code, headers)
        }

        /// The next piece of the body, or nil at its end.
        func readBody() throws -> Data? {
            if chunked {
                guard let size = try line().flatMap({ Int($0.split(separator: ";")[0], radix: 16) }), size > 0 else { return nil }
                while buffer.count < size + 2 { guard try fill() else { return nil } }
                let chunk = Data(buffer.prefix(size))
                buffer = Data(buffer.dropFirst(size + 2))
                return chunk
            }
            if let r = remaining, r <= 0 { return nil }
            if buffer.isEmpty { guard try fill() else { return nil } }
            var chunk = buffer
            buffer = Data()
            if let r = remaining {
                chunk = chunk.prefix(r)
                remaining = r - chunk.count
            }
            return chunk
        }

        deinit { Glibc.close(fd) }
    }
}
