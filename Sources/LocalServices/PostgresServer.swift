import Foundation

/// A private PostgreSQL cluster for the tests and benchmarks: `initdb` in a
/// temporary directory, the server on a free loopback port, not the system's
/// service. PostgreSQL refuses to run as root, so as root (CI) the cluster
/// belongs to the Debian package's `postgres` user and runs as that user
/// (`setpriv`).
///
/// The server runs under a small shell that holds the read end of a pipe
/// whose write end only this process has: when this process ends, however it
/// ends, the pipe closes, and the shell stops the server and removes the
/// cluster. No server outlives the tests that started it. ``stop()`` writes
/// `stop` down the pipe instead: the server stops and the cluster stays, for
/// ``start()`` to start again.
///
/// Every caller gets a database of its own (``createDatabase(_:)``), so tests
/// running in parallel share one cluster without seeing each other's rows.
public final class PostgresServer: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    /// The superuser `initdb` made; local connections are trusted (a test cluster on loopback).
    public let user = "canary"
    /// The shell's pid, and the pipe's write end that keeps it waiting.
    private var running: (pid: pid_t, keepAlive: Int32)?
    private let lock = NSLock()

    /// Where Debian's PostgreSQL 15 is (the `postgresql` package).
    static let binaries = URL(fileURLWithPath: "/usr/lib/postgresql/15/bin")

    public init() throws {
        port = try freeLoopbackPort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("canary-postgres-\(port)")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if geteuid() == 0 { _ = try runToEnd(["/bin/chown", "postgres:postgres", directory.path]) }
        let initdb = try run(
            Self.asOwner([
                Self.binaries.appendingPathComponent("initdb").path, "-D", directory.appendingPathComponent("data").path,
                "-U", user, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
            ]), input: "")
        guard initdb.status == 0 else { throw PostgresServerError.failed("initdb: \(initdb.errors)") }
        try start()
    }

    /// Stops the server; the shell removes the cluster.
    deinit {
        lock.lock()
        defer { lock.unlock() }
        guard let (child, keepAlive) = running else { return }
        close(keepAlive)
        var status: Int32 = 0
        waitpid(child, &status, 0)
    }

    /// One cluster for the whole test process, started on first use: tests share it, each in
    /// databases of its own (``freshDatabase()``).
    public static let shared = Result { try PostgresServer() }

    /// A new, empty database with a name nobody else uses, and its URL (without TLS: loopback).
    public func freshDatabase() throws -> String {
        try createDatabase("t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()) + "?sslmode=disable"
    }

    /// A `postgres://` URL of database `name` on this server.
    public func url(database name: String) -> String { "postgres://\(user)@127.0.0.1:\(port)/\(name)" }

    /// Makes an empty database and returns its URL.
    public func createDatabase(_ name: String) throws -> String {
        let result = try psql("CREATE DATABASE \"\(name)\"")
        guard result.status == 0 else { throw PostgresServerError.failed("CREATE DATABASE \(name): \(result.errors)") }
        return url(database: name)
    }

    /// Runs `sql` with psql against database `database`; the exit code and what it printed (unaligned, tuples only).
    public func psql(_ sql: String, database: String = "postgres") throws -> (status: Int32, output: String, errors: String) {
        try run(
            [
                "/usr/bin/psql", "-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", database, "-X", "-A", "-t",
                "-v", "ON_ERROR_STOP=1", "-c", sql,
            ], input: "")
    }

    /// Starts the server and returns once it accepts connections (its log says so).
    public func start() throws {
        lock.lock()
        defer { lock.unlock() }
        guard running == nil else { return }
        var fds: [Int32] = [0, 0], keep: [Int32] = [0, 0]
        guard pipe(&fds) == 0, pipe(&keep) == 0 else { throw PostgresServerError.failed("pipe failed") }
        // Neither end of the keep-alive pipe may leak into other children (a daemon under test).
        for fd in keep { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let server = [
            Self.binaries.appendingPathComponent("postgres").path, "-D", directory.appendingPathComponent("data").path,
            "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200",
        ]
        let child: pid_t
        do {
            child = try spawn(
                Self.asOwner(
                    [
                        "/bin/sh", "-c",
                        #"dir=$1; shift; "$@" & server=$!; read what; kill -INT $server; wait $server; [ "$what" = stop ] || rm -rf "$dir""#,
                        "sh", directory.path,
                    ] + server),
                stdin: keep[0], stdout: fds[1], stderr: fds[1], closing: [fds[0], keep[1]])
        } catch {
            for fd in fds + keep { close(fd) }
            throw error
        }
        close(fds[1])
        close(keep[0])
        running = (child, keep[1])
        try ServerLog(pipe: fds[0]).waitFor("ready to accept connections")
    }

    /// Stops the server: a fast shutdown (SIGINT), which ends every session and
    /// writes a checkpoint, as an operator's `pg_ctl stop` does.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard let (child, keepAlive) = running else { return }
        _ = write(keepAlive, "stop\n", 5)
        close(keepAlive)
        var status: Int32 = 0
        waitpid(child, &status, 0)
        running = nil
    }

    /// `argv` as the cluster's owner: ourselves, or `postgres` when we are root.
    private static func asOwner(_ argv: [String]) -> [String] {
        geteuid() == 0 ? ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] + argv : argv
    }
}

enum PostgresServerError: Error, CustomStringConvertible {
    case failed(String)
    var description: String {
        switch self {
        case .failed(let why): "PostgreSQL: \(why)"
        }
    }
}
