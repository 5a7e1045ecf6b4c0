import Dispatch
import GRDB
import GRDBSQLite
import Synchronization

/// Copies committed pages from the write-ahead log into the database file
/// (a WAL checkpoint, sqlite.org/wal.html#ckpt) on a connection and thread of
/// its own, once the log holds `framesPerCheckpoint` pages.
///
/// SQLite's default runs a checkpoint inside the commit that crosses 1,000
/// WAL pages, on the writer's connection: every alarm then waited behind the
/// copy and its fsyncs, and the ingest spent a large part of its time there
/// (docs/performance.md). A passive checkpoint runs beside readers and the
/// writer. Under a write load it never quite catches up with, the WAL would
/// grow without end; past `restartFrames` pages a RESTART checkpoint waits
/// for the writer to pause, so the next transaction starts the log afresh.
final class Checkpointer: Sendable {
    private let path: String
    /// Opened on first use, on `queue` only: the writer must have made the file a WAL database first.
    private let connection = Mutex<DatabaseQueue?>(nil)
    private let queue = DispatchQueue(label: "canary.collector.checkpoint")
    private let scheduled = Atomic<Bool>(false)
    private let framesPerCheckpoint: Int32
    private let restartFrames: Int
    private let failed: @Sendable (any Error) -> Void

    init(path: String, framesPerCheckpoint: Int32 = 4_096, restartFrames: Int = 65_536,
         failed: @escaping @Sendable (any Error) -> Void) {
        self.path = path
        self.framesPerCheckpoint = framesPerCheckpoint
        self.restartFrames = restartFrames
        self.failed = failed
    }

    /// Replaces SQLite's automatic checkpoint on `db` (a writer's connection)
    /// with this one. `self` must outlive the connection's commits.
    func watch(_ db: Database) {
        sqlite3_wal_hook(db.sqliteConnection, { context, _, _, frames in
            let checkpointer = Unmanaged<Checkpointer>.fromOpaque(context!).takeUnretainedValue()
            if frames >= checkpointer.framesPerCheckpoint { checkpointer.nudge() }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Asks for a checkpoint soon; requests made while one waits are one.
    private func nudge() {
        guard !scheduled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        queue.async {
            self.scheduled.store(false, ordering: .releasing)
            do { _ = try self.checkpoint() } catch { self.failed(error) }
        }
    }

    /// Runs a checkpoint now: the WAL's size and how much of it is in the database file, in pages.
    @discardableResult
    func checkpoint() throws -> (walFrameCount: Int, checkpointedFrameCount: Int) {
        let connection = try connection.withLock { c in
            if let c { return c }
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            c = try DatabaseQueue(path: path, configuration: configuration)
            return c!
        }
        return try connection.writeWithoutTransaction { db in
            let passive = try db.checkpoint(.passive)
            guard passive.walFrameCount > restartFrames else { return passive }
            return try db.checkpoint(.restart)
        }
    }
}
