import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The store's connections to PostgreSQL: opened when needed, kept for the
/// next caller, at most `limit` at once (more callers wait their turn).
///
/// Not postgres-nio's `PostgresClient`, whose pool, with the database gone,
/// held every caller for over a minute (its circuit breaker trips only after
/// a backoff that grows past 15 s) and failed them for up to a minute more
/// after the database was back (measured here: 68 s, then immediate failures
/// 8 s after the restart). A collector must say at once that it cannot
/// store, so the feed shows it and the gateways keep their messages, and
/// store again the moment it can: here a caller gets a live connection, a
/// new one within `connect_timeout`, or an error.
final class PostgresConnections: Service, Sendable {
    private let configuration: PostgresConnection.Configuration
    private let limit: Int
    private let logger: Logger
    private struct State {
        var idle: [PostgresConnection] = []
        /// Idle and in use.
        var open = 0
        var waiting: [(id: Int, turn: CheckedContinuation<Void, any Error>)] = []
        var nextID = 0
        var closed = false
    }
    private let state = Mutex(State())

    init(configuration: PostgresConnection.Configuration, limit: Int, logger: Logger) {
        self.configuration = configuration
        self.limit = limit
        self.logger = logger
    }

    /// Runs `body` on a connection; a connection that `body` left closed is not used again.
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await take()
        do {
            let result = try await body(connection)
            give(back: connection)
            return result
        } catch {
            give(back: connection)
            throw error
        }
    }

    private func take() async throws -> PostgresConnection {
        while true {
            enum Next {
                case use(PostgresConnection)
                case open
                case wait
            }
            let next = try state.withLock { s -> Next in
                guard !s.closed else { throw PostgresStoreError.closed }
                while let c = s.idle.popLast() {
                    if !c.isClosed { return .use(c) }
                    s.open -= 1
                }
                guard s.open < limit else { return .wait }
                s.open += 1
                return .open
            }
            switch next {
            case .use(let c): return c
            case .open:
                do {
                    return try await PostgresConnection.connect(configuration: configuration, id: Int.random(in: 2...Int.max), logger: logger)
                } catch {
                    state.withLock { $0.open -= 1 }
                    wakeOne()
                    throw error
                }
            case .wait:
                try await waitForTurn()
            }
        }
    }

    private func waitForTurn() async throws {
        let id = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (turn: CheckedContinuation<Void, any Error>) in
                let enqueued = state.withLock { s in
                    guard !Task.isCancelled, !s.closed else { return false }
                    s.waiting.append((id, turn))
                    return true
                }
                if !enqueued { turn.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let turn = state.withLock { s in s.waiting.firstIndex { $0.id == id }.map { s.waiting.remove(at: $0).turn } }
            turn?.resume(throwing: CancellationError())
        }
    }

    private func give(back connection: PostgresConnection) {
        state.withLock { s in
            if connection.isClosed || s.closed {
                s.open -= 1
            } else {
                s.idle.append(connection)
            }
        }
        if state.withLock({ $0.closed }) { connection.close().whenComplete { _ in } }
        wakeOne()
    }

    private func wakeOne() {
        state.withLock { s in s.waiting.isEmpty ? nil : s.waiting.removeFirst().turn }?.resume()
    }

    /// Closes the idle connections at shutdown (after the services that use them stopped).
    func run() async throws {
        try? await gracefulShutdown()
        let (idle, waiting) = state.withLock { s in
            s.closed = true
            defer {
                s.idle = []
                s.waiting = []
            }
            return (s.idle, s.waiting)
        }
        for w in waiting { w.turn.resume(throwing: PostgresStoreError.closed) }
        for c in idle { try? await c.close() }
    }
}
