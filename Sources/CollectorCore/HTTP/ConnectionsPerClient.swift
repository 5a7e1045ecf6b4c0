import DaemonSupport
import Logging
import NIOCore
import Synchronization

/// Caps the API's connections from one client address. Without it one
/// misbehaving client (found: 1,100 idle connections) used up the process's
/// file descriptors, and `/healthz` and the alerts stopped answering for
/// everyone. The total is capped too (``HTTPSettings/maxConnections``, by
/// Hummingbird's `MaximumAvailableConnections`), and idle connections are
/// closed (``HTTPSettings/idleTimeoutMs``); this closes a client's connection
/// beyond its share at once, counted in `canary_collector_http_connections_refused_total`.
final class ConnectionsPerClient: Sendable {
    let limit: Int
    let metrics: CollectorMetrics
    let logger: Logger
    private let open = Mutex<[String: Int]>([:])
    /// Connections closed so far: the log says the first and every thousandth, not each of a flood.
    private let refused = Atomic<Int>(0)

    init(limit: Int, metrics: CollectorMetrics, logger: Logger) {
        self.limit = limit
        self.metrics = metrics
        self.logger = logger
    }

    /// The handler each new connection gets.
    func handler() -> Handler { Handler(self) }

    /// Takes a place for `address`; false when it has none left.
    func take(_ address: String) -> Bool {
        open.withLock { open in
            guard open[address, default: 0] < limit else { return false }
            open[address, default: 0] += 1
            return true
        }
    }

    func give(_ address: String) {
        open.withLock { open in
            let left = open[address, default: 1] - 1
            open[address] = left > 0 ? left : nil
        }
    }

    func refusedOne(_ address: String) {
        metrics.connectionsRefused.increment()
        let n = refused.wrappingAdd(1, ordering: .relaxed).newValue
        if n == 1 || n % 1_000 == 0 {
            logger.warning(
                "API connection closed: its client has too many open",
                metadata: [
                    "client": "\(address)", "limit": "\(limit)", "closed_so_far": "\(n)",
                ])
        }
    }

    final class Handler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny
        let limiter: ConnectionsPerClient
        private var address: String?

        init(_ limiter: ConnectionsPerClient) { self.limiter = limiter }

        func handlerAdded(context: ChannelHandlerContext) {
            let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
            if limiter.take(address) {
                self.address = address
            } else {
                limiter.refusedOne(address)
                context.close(promise: nil)
            }
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            if let address { limiter.give(address) }
            address = nil
        }
    }
}
