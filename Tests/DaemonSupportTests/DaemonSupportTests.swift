import DaemonSupport
import Foundation
import Testing

@Suite struct DaemonSupportTests {
    @Test func durationsAndSizesTakeUnits() throws {
        let s = try ConfigSection.parse("a: 250ms\nb: 30s\nc: 7d\nd: 512MiB\ne: 2048\n", file: "f.yaml")
        #expect(try s.durationMs("a", default: 0, in: 0...Int64.max) == 250)
        #expect(try s.durationMs("b", default: 0, in: 0...Int64.max) == 30_000)
        #expect(try s.durationMs("c", default: 0, in: 0...Int64.max) == 7 * 86_400_000)
        #expect(try s.bytes("d", default: 0, in: 0...Int.max) == 512 << 20)
        #expect(try s.bytes("e", default: 0, in: 0...Int.max) == 2048)
        #expect(try s.durationMs("missing", default: 9, in: 0...10) == 9)
        #expect(throws: ConfigError.self) { try s.durationMs("d", default: 0, in: 0...Int64.max) }
        try s.finish()
    }

    @Test func unknownKeysAreRefusedInNestedSectionsToo() throws {
        let s = try ConfigSection.parse("outer:\n  known: 1\n  typo: 2\n", file: "f.yaml")
        let outer = try s.section("outer")
        _ = try outer.int("known", default: 0, in: 0...9)
        #expect(throws: ConfigError(file: "f.yaml", line: 3, key: "outer.typo", message: "unknown key (known here: known)")) {
            try s.finish()
        }
    }

    @Test func aMissingFileSaysSo() {
        #expect(throws: ConfigError.self) { try ConfigSection.load(file: "/nonexistent/canary.yaml") }
    }

    /// sd_notify over a real Unix datagram socket, as systemd listens.
    @Test func notifierSendsReadyWatchdogAndStatusToTheNotifySocket() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8))").path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer {
            close(fd)
            unlink(path)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "4000000"])
        #expect(notifier.watchdogInterval == .seconds(2))
        notifier.ready(status: "up")
        notifier.watchdog()
        var buffer = [UInt8](repeating: 0, count: 256)
        let n1 = recv(fd, &buffer, buffer.count, 0)
        #expect(String(decoding: buffer[0..<max(0, n1)], as: UTF8.self) == "READY=1\nSTATUS=up")
        let n2 = recv(fd, &buffer, buffer.count, 0)
        #expect(String(decoding: buffer[0..<max(0, n2)], as: UTF8.self) == "WATCHDOG=1")
        notifier.status("outbox 0 alarms")
        let n3 = recv(fd, &buffer, buffer.count, 0)
        #expect(String(decoding: buffer[0..<max(0, n3)], as: UTF8.self) == "STATUS=outbox 0 alarms")
        #expect(SystemdNotifier(environment: [:]).watchdogInterval == nil)
    }
}
