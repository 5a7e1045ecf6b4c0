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
/// (docs/performance.md). Only passive checkpoints are run: they go beside
/// readers and the writer and never block either. (FULL and RESTART ones
/// block new writers while they wait for readers, and an export can read for
/// minutes: an alarm would wait.) Under a write load that passive checkpoints
/// do not keep up with, `catchUp()` lets the telemetry stage wait for one
/// once the log holds `catchUpFrames` pages; the writer that comes next
/// starts the log afresh once every page is copied and no reader still needs
/// the log (sqlite.org/wal.html#avoiding_excessively_large_wal_files).
final class Checkpointer: Sendable {
    private let path: String
    /// Opened on first use: the writer must have made the file a WAL database first.
    private let connection = Mutex<DatabaseQueue?>(nil)
    private let queue = DispatchQueue(label: "canary.collector.checkpoint")
    private let scheduled = Atomic<Bool>(false)
    /// Pages in the log after the last commit, as SQLite's WAL hook reports them.
    private let walFrames = Atomic<Int>(0)
    private let framesPerCheckpoint: Int
    private let catchUpFrames: Int
    private let failed: @Sendable (any Error) -> Void

    init(
        path: String, framesPerCheckpoint: Int = 4_096, catchUpFrames: Int = 16_384,
        failed: @escaping @Sendable (any Error) -> Void
    ) {
        self.path = path
        self.framesPerCheckpoint = framesPerCheckpoint
        self.catchUpFrames = catchUpFrames
        self.failed = failed
    }

    /// Replaces SQLite's automatic checkpoint on `db` (a writer's connection)
    /// with this one. `self` must outlive the connection's commits.
    func watch(_ db: Database) {
        sqlite3_wal_hook(
            db.sqliteConnection,
            { context, _, _, frames in
                let checkpointer = Unmanaged<Checkpointer>.fromOpaque(context!).takeUnretainedValue()
                checkpointer.walFrames.store(Int(frames), ordering: .relaxed)
                if frames >= checkpointer.framesPerCheckpoint { checkpointer.nudge() }
                return SQLITE_OK
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Pages in the log after the last commit.
    var framesInLog: Int { walFrames.load(ordering: .relaxed) }

    /// Asks for a checkpoint soon; requests made while one waits are one.
    private func nudge() {
        guard !scheduled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        queue.async {
            self.scheduled.store(false, ordering: .releasing)
            do { try self.checkpoint() } catch { self.failed(error) }
        }
    }

    /// Waits for a checkpoint when the log has grown past `catchUpFrames`
    /// pages; at once otherwise. Not on the writer's connection: alarms
    /// commit meanwhile.
    func catchUp() async {
        guard framesInLog >= catchUpFrames else { return }
        await withCheckedContinuation { done in
            queue.async {
                do { try self.checkpoint() } catch { self.failed(error) }
                done.resume()
            }
        }
    }

    /// Runs a passive checkpoint now: the log's size and how much of it is in the database file, in pages.
    @discardableResult
    func checkpoint() throws -> (walFrameCount: Int, checkpointedFrameCount: Int) {
        let connection = try connection.withLock { c in
            if let c { return c }
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            c = try DatabaseQueue(path: path, configuration: configuration)
            return c!
        }
        return try connection.writeWithoutTransaction { try $0.checkpoint(.passive) }
    }
}
