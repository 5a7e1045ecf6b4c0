import Hummingbird
import HummingbirdAuth
import NIOCore

/// Each request's context: the caller its token names (set by
/// ``BearerTokenAuthenticator``) and the client's address (the audit log records
/// refused tokens by it; `/metrics` is open to loopback only).
public struct CollectorRequestContext: AuthRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Caller?
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's address as text, for the audit log.
    var clientAddress: String { remoteAddress?.ipAddress ?? "unknown" }

    /// Whether the client is on this machine (127.0.0.0/8 or ::1).
    var fromLoopback: Bool {
        guard let ip = remoteAddress?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}
