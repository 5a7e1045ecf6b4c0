import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// sd_notify(3) without libsystemd: one datagram to `$NOTIFY_SOCKET`
/// (`READY=1`, `WATCHDOG=1`, `STOPPING=1`, `STATUS=…`). Outside systemd the
/// variable is unset and every call does nothing, so the daemons run the same
/// from a shell.
public struct SystemdNotifier: Sendable {
    private let socketPath: String?
    /// Half of `WatchdogSec` (systemd's `$WATCHDOG_USEC`), the interval sd_watchdog_enabled(3) advises; nil when off.
    public let watchdogInterval: Duration?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        let pidMatches = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        if pidMatches, let usec = environment["WATCHDOG_USEC"].flatMap(Int64.init), usec > 0 {
            watchdogInterval = .microseconds(usec / 2)
        } else {
            watchdogInterval = nil
        }
    }

    public func ready(status: String? = nil) { send("READY=1" + (status.map { "\nSTATUS=\($0)" } ?? "")) }
    public func stopping() { send("STOPPING=1") }
    public func watchdog() { send("WATCHDOG=1") }
    /// The one line `systemctl status` shows.
    public func status(_ text: String) { send("STATUS=\(text)") }

    /// Pings the watchdog while `healthy()` says so; a stalled process stops
    /// pinging and systemd restarts it.
    public func keepWatchdog(healthy: @Sendable () async -> Bool) async {
        guard let interval = watchdogInterval else { return }
        while !Task.isCancelled {
            if await healthy() { watchdog() }
            try? await Task.sleep(for: interval)
        }
    }

    private func send(_ message: String) {
        guard var path = socketPath else { return }
        // A leading '@' names an abstract socket (sd_notify(3)).
        if path.hasPrefix("@") { path = "\0" + path.dropFirst() }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        _ = message.withCString { text in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, text, strlen(text), Int32(MSG_NOSIGNAL), $0, length)
                }
            }
        }
    }
}
