import Foundation

/// One of the project's executables run as a real process, its output in
/// files the test reads. Stopped with SIGKILL when dropped.
public final class Daemon: @unchecked Sendable {
    public let name: String
    public let stdoutPath: String
    public let stderrPath: String
    private var pid: pid_t?

    /// `.build/debug/{name}` of this checkout (or `$CANARY_BIN_DIR/{name}`).
    public static func executable(_ name: String) -> String {
        if let dir = ProcessInfo.processInfo.environment["CANARY_BIN_DIR"] { return "\(dir)/\(name)" }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/\(name)").path
    }

    public init(_ name: String, _ arguments: [String], in directory: URL, label: String? = nil) throws {
        self.name = name
        let base = directory.appendingPathComponent(label ?? name).path
        stdoutPath = base + ".out"
        stderrPath = base + ".err"
        let out = open(stdoutPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        let err = open(stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        defer {
            close(out)
            close(err)
        }
        pid = try spawn([Self.executable(name)] + arguments, stdout: out, stderr: err)
    }

    deinit { kill(SIGKILL) }

    public var output: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    public var errors: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Waits until stdout has a line containing `text` and returns it; nil if
    /// the process exits first or `seconds` pass (a guard against a hang: the
    /// test goes on the moment the line is there).
    public func line(containing text: String, within seconds: Double) async -> String? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if let line = output.split(separator: "\n").first(where: { $0.contains(text) }) { return String(line) }
            if !isRunning { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// canary-collector's API port, from the `canary-collector: API on http://HOST:PORT/api/v1`
    /// (or `https://`) line it prints once it listens (docs/cli.md); throws if that line does not come.
    public func collectorAPIPort(within seconds: Double) async throws -> Int {
        guard let line = await line(containing: "API on http", within: seconds),
            let port = line.split(separator: ":").last.flatMap({ Int($0.split(separator: "/")[0]) })
        else {
            throw SpawnError(message: "the collector did not start: \(errors)")
        }
        return port
    }

    public var isRunning: Bool {
        guard let pid else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            self.pid = nil
            exitStatus = status
            return false
        }
        return true
    }

    public private(set) var exitStatus: Int32?

    public func kill(_ signal: Int32) {
        guard let pid else { return }
        _ = Glibc.kill(pid, signal)
        if signal == SIGKILL { reap() }
    }

    /// Waits for the process to exit (polling, bounded): its exit code, or nil if it is still running after `seconds`.
    public func exitCode(within seconds: Double) async -> Int32? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if !isRunning { return exitStatus.map { ($0 >> 8) & 0xff } }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    private func reap() {
        guard let pid else { return }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        exitStatus = status
        self.pid = nil
    }
}
