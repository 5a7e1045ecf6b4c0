import Foundation

/// A real mosquitto broker on a free loopback port, for the tests: started
/// from the Debian package's binary, ready once it says it is running.
public final class Broker: @unchecked Sendable {
    public let port: Int
    private var pid: pid_t?
    private let directory: URL

    /// `extraConfig`: more mosquitto.conf lines (the benchmarks lift the queue limits).
    /// `logEveryPacket`: mosquitto's `log_type all`, which helps when a test fails; the
    /// benchmarks log as the production config does (mosquitto's default), since a log
    /// line per packet costs the broker, and the thread reading the log, real time.
    public init(extraConfig: String = "", logEveryPacket: Bool = true) throws {
        port = try freeLoopbackPort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("canary-broker-\(port)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try
            ("listener \(port) 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\n" + (logEveryPacket ? "log_type all\n" : "")
            + extraConfig)
            .write(to: directory.appendingPathComponent("mosquitto.conf"), atomically: true, encoding: .utf8)
        try start()
    }

    /// A broker whose whole mosquitto.conf is `config(port, directory)`: the directory is the
    /// broker's own, for its password file, ACL and persistence.
    public init(config: (Int, URL) throws -> String) throws {
        port = try freeLoopbackPort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("canary-broker-\(port)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try config(port, directory).write(to: directory.appendingPathComponent("mosquitto.conf"), atomically: true, encoding: .utf8)
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts mosquitto and returns once its log says the listener is open.
    public func start() throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw BrokerError.exited("pipe failed") }
        let child: pid_t
        do {
            child = try spawn(
                ["/usr/sbin/mosquitto", "-c", directory.appendingPathComponent("mosquitto.conf").path],
                stdout: fds[1], stderr: fds[1], closing: [fds[0]])
        } catch {
            close(fds[0])
            close(fds[1])
            throw error
        }
        close(fds[1])
        pid = child
        // "running" comes only after every listener is bound: a port taken meanwhile is an error, not a false start.
        try ServerLog(pipe: fds[0]).waitFor(" running")
    }

    public func stop() {
        guard let child = pid else { return }
        kill(child, SIGTERM)
        var status: Int32 = 0
        waitpid(child, &status, 0)
        pid = nil
    }

    enum BrokerError: Error { case exited(String) }
}

/// The first element of `stream` that satisfies `match`, failing after `seconds`
/// (a guard against a hang, not a synchronisation: the test proceeds the moment it arrives).
/// Generous, because the other suites keep both cores busy while this one waits.
public func first<S: AsyncSequence & Sendable>(
    _ stream: S, within seconds: Double,
    where match: @escaping @Sendable (S.Element) -> Bool
) async -> S.Element?
where S.Element: Sendable {
    await withTaskGroup(of: S.Element?.self) { group in
        group.addTask {
            do {
                for try await element in stream where match(element) { return element }
            } catch {}
            return nil
        }
        group.addTask {
            try? await Task.sleep(for: .seconds(seconds))
            return nil
        }
        let result = await group.next() ?? nil
        group.cancelAll()
        return result
    }
}
