import Foundation
import LocalServices
import TestSupport
import Testing

/// The API against clients that misbehave or listen in: TLS on the API
/// itself, connections that never finish a request, one client holding
/// many connections (docs/collector.md, "Access").
@Suite struct HTTPHardeningTests {
    /// A raw TCP connection to the API that sends what it is given and nothing more.
    final class RawConnection {
        let fd: Int32

        init(port: Int, sending text: String = "") throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            // Reads give up after 30 s: a server that never closes fails the test instead of hanging it.
            var timeout = timeval(tv_sec: 30, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard rc == 0 else { throw SpawnError(message: "connect: \(String(cString: strerror(errno)))") }
            if !text.isEmpty { send(text) }
        }

        func send(_ text: String) { _ = text.withCString { Glibc.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) } }

        /// What the server sent until it closed the connection (or the read timed out).
        func answer() -> String {
            var out: [UInt8] = [], buffer = [UInt8](repeating: 0, count: 4_096)
            while case let n = recv(fd, &buffer, buffer.count, 0), n > 0 { out += buffer[0..<n] }
            return String(decoding: out, as: UTF8.self)
        }

        /// Whether the server has closed the connection by now (without waiting; what it answered is read past).
        func closedYet() -> Bool {
            var buffer = [UInt8](repeating: 0, count: 4_096)
            while true {
                let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                if n == 0 { return true }
                if n < 0 { return false }
            }
        }

        /// Whether the server closed the connection (rather than answering, or the read timing out).
        func closedByServer() -> Bool {
            var byte: UInt8 = 0
            return recv(fd, &byte, 1, 0) == 0
        }

        deinit { close(fd) }
    }

    /// A refused request is audited by the address its connection came from, taken when the connection was
    /// accepted (``ClientAddressTests``: it outlives the connection); a client cannot name another.
    @Test func aRefusalIsAuditedByTheAddressItCameFromNotOneItClaims() async throws {
        let site = try Worksite()
        try await site.startCollector()
        let probe = try RawConnection(
            port: site.apiPort,
            sending: "GET /api/v1/alerts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer stolen\r\nCanary-Client-Address: 6.6.6.6\r\n\r\n")
        #expect(probe.answer().hasPrefix("HTTP/1.1 401"))
        var audit = ""
        try await site.eventually {
            audit = try await site.get("/api/v1/audit", token: "admin-token").body
            return audit.contains(#""route":"\/api\/v1\/alerts""#)
        }
        #expect(
            audit.contains(
                #""action":"token-refused","actor":"","address":"127.0.0.1","detail":{"reason":"unknown token","requests":"1","route":"\/api\/v1\/alerts"}"#
            ), "\(audit)")
        #expect(!audit.contains("6.6.6.6"), "\(audit)")
    }

    @Test func halfSentRequestsAreClosedAndOneClientCannotHoldEveryConnection() async throws {
        let site = try Worksite(collectorConfig: "")
        try site.setHTTP("idle_timeout: 1s, max_connections_per_client: 3")
        try await site.startCollector()
        // A request head that never ends (slowloris) is closed after the idle timeout.
        let halfSent = try RawConnection(port: site.apiPort, sending: "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        #expect(halfSent.closedByServer())
        // Three connections from this address are the most it gets: a fourth is closed at once, and counted.
        let held = try (0..<3).map { _ in try RawConnection(port: site.apiPort) }
        let fourth = try RawConnection(port: site.apiPort)
        #expect(fourth.closedByServer())
        withExtendedLifetime(held) {}
        // The held ones go idle and are closed too; the API answers again.
        #expect(held.allSatisfy { $0.closedByServer() })
        #expect(try await site.get("/healthz", token: nil).status == 200)
        #expect(try await site.metric("canary_collector_http_connections_refused_total") >= 1)
    }

    /// A body trickled a byte at a time is closed once the request is older than the idle timeout, however
    /// often a byte comes; a body over the API's limit and a body on a GET are refused before they are read.
    @Test func aTrickledOrOversizedBodyIsRefused() async throws {
        let site = try Worksite(collectorConfig: "")
        try site.setHTTP("idle_timeout: 1s")
        try await site.startCollector()
        let trickled = try RawConnection(
            port: site.apiPort, sending: "POST /api/v1/alerts/1/acknowledge HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n")
        var closed = false
        // A byte every 200 ms (each resets the idle timer), for at most 10 s: the trickle is the test's input.
        for _ in 0..<50 where !closed {
            trickled.send("x")
            try await Task.sleep(for: .milliseconds(200))
            closed = trickled.closedYet()
        }
        #expect(closed, "a trickled body held its connection")

        let huge = try RawConnection(
            port: site.apiPort, sending: "POST /api/v1/alerts/1/acknowledge HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\nx")
        #expect(huge.answer().hasPrefix("HTTP/1.1 413"))
        let getWithBody = try RawConnection(
            port: site.apiPort, sending: "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello")
        #expect(getWithBody.answer().hasPrefix("HTTP/1.1 400"))
        // The API answers as before.
        #expect(try await site.get("/healthz", token: nil).status == 200)
        #expect(try await site.post("/api/v1/alerts/999/acknowledge", token: "night-token").status == 404)
    }

    /// A collector whose API speaks TLS with a certificate made for it, with `http` settings besides; the certificate's path.
    func tlsSite(_ http: String = "") async throws -> (site: Worksite, cert: String) {
        let site = try Worksite()
        let key = site.directory.appendingPathComponent("api.key").path, cert = site.directory.appendingPathComponent("api.pem").path
        #expect(
            try runToEnd([
                "/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1",
            ]) == 0)
        chmod(key, 0o600)
        try site.setHTTP("tls: {cert_file: \(cert), key_file: \(key)}" + http)
        try await site.startCollector()
        return (site, cert)
    }

    @Test func theAPISpeaksTLSItself() async throws {
        let (site, cert) = try await tlsSite()
        let url = "https://127.0.0.1:\(site.apiPort)"
        let body = site.directory.appendingPathComponent("body").path
        func curl(_ path: String, _ extra: [String] = []) throws -> Int32 {
            try runToEnd(["/usr/bin/curl", "-sS", "--fail", "--max-time", "30", "--cacert", cert, "-o", body] + extra + [url + path])
        }
        #expect(try curl("/healthz") == 0)
        #expect(try String(contentsOfFile: body, encoding: .utf8).contains(#""status":"ok""#))
        #expect(try curl("/api/v1/alerts", ["-H", "Authorization: Bearer night-token"]) == 0)
        #expect(try String(contentsOfFile: body, encoding: .utf8).hasPrefix(#"{"alerts":["#))
        #expect(try curl("/api/v1/alerts") == 22, "401 over TLS too")
        // Plain HTTP gets no answer from the TLS port.
        #expect((try? await APIClient.get(port: site.apiPort, "/healthz")) == nil)
    }

    /// The trickled body of ``aTrickledOrOversizedBodyIsRefused`` over TLS: closed as well (openssl's client ends when it is).
    @Test func aTrickledBodyOverTLSIsClosedToo() async throws {
        let (site, cert) = try await tlsSite(", idle_timeout: 1s")
        // The client's input is a socket, written with MSG_NOSIGNAL: a write after it exited must not kill the test.
        var ends: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0)
        defer { close(ends[0]) }
        func send(_ text: String) { _ = text.withCString { Glibc.send(ends[0], $0, strlen($0), Int32(MSG_NOSIGNAL)) } }
        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        client.arguments = ["s_client", "-quiet", "-CAfile", cert, "-verify_return_error", "-connect", "127.0.0.1:\(site.apiPort)"]
        client.standardInput = FileHandle(fileDescriptor: ends[1], closeOnDealloc: true)
        client.standardOutput = FileHandle.nullDevice
        client.standardError = FileHandle.nullDevice
        try client.run()
        defer { if client.isRunning { client.terminate() } }
        send("POST /api/v1/alerts/1/acknowledge HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n")
        // A byte every 200 ms, for at most 10 s, as in the plain test; openssl's client exits when the server closes.
        for _ in 0..<50 where client.isRunning {
            send("x")
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(!client.isRunning, "a trickled body held its TLS connection")
        let body = site.directory.appendingPathComponent("body").path
        #expect(
            try runToEnd([
                "/usr/bin/curl", "-sS", "--fail", "--max-time", "30", "--cacert", cert, "-o", body, "https://127.0.0.1:\(site.apiPort)/healthz",
            ]) == 0)
    }
}
