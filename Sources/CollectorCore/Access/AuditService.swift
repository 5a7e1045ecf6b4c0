import Logging
import ServiceLifecycle

/// Writes the tally of refused tokens to the audit log every 10 s, and once more at shutdown.
struct AuditService: Service {
    let store: any CollectorStore
    let refused: RefusedTokens
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(10)) }
            do {
                try await store.audit(refused.take(), nowMs: WallClock.nowMs())
            } catch {
                logger.error("the audit log refused a write", metadata: ["error": "\(error)"])
            }
        }
    }
}
