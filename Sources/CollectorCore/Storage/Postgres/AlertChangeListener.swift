import Logging
import PostgresNIO
import ServiceLifecycle

/// Wakes this collector's feed when any collector on the database commits a
/// change to the alert log: `LISTEN canary_alert_changes` on a connection
/// of its own (a pooled one goes back to the pool), to which every
/// change appended to the log sent `NOTIFY` (``PostgresStore/logChanged``).
///
/// A notification carries nothing: the feed reads the log after the last id
/// it sent, so a notification lost with a dropped connection loses no change.
/// Each (re)connection wakes the feed once, for what committed meanwhile; a
/// lost connection is tried again every second.
struct AlertChangeListener: Service {
    let store: PostgresStore

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let c = try await PostgresConnection.connect(configuration: store.connectionConfiguration, id: 1, logger: store.logger)
                    do {
                        try await c.listen(on: PostgresStore.changeChannel) { notifications in
                            store.changes.fire()
                            for try await _ in notifications { store.changes.fire() }
                        }
                    } catch {
                        try? await c.close()
                        throw error
                    }
                    try? await c.close()
                } catch  where !Task.isCancelled {
                    store.logger.warning(
                        "the alert log's notifications are cut off; other collectors' changes reach this feed when they resume",
                        metadata: ["error": "\((error as? PSQLError).map(PostgresStoreError.init) ?? error)"])
                } catch {}
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
