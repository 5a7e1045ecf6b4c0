import Foundation
import Hummingbird
import HummingbirdAuth
import NIOCore
import Wire

/// Each request's context: the caller its token names (set by
/// ``BearerTokenAuthenticator``) and the client's address (the audit log records
/// refused tokens by it; `/metrics` is open to loopback only), and when the
/// connection closes.
public struct CollectorRequestContext: AuthRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Caller?
    public let remoteAddress: SocketAddress?
    /// The client's address as its connection was accepted (``ClientAddressHandler``): unlike
    /// `remoteAddress`, still known when the client has hung up.
    var acceptedAddress: String?
    /// Completes when the client's connection closes: a feed stops at once, not at its next write.
    let connectionClosed: EventLoopFuture<Void>

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
        remoteAddress = source.channel.remoteAddress
        connectionClosed = source.channel.closeFuture
    }

    /// Responses encoded by Hummingbird (``Health``, ``GatewayList``): keys sorted, so the same
    /// answer is the same bytes every time.
    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    /// Whether the caller may see health values (the `medical` role, ``HealthData``).
    var seesHealth: Bool { identity?.seesHealth == true }

    /// The client's IP address: as its connection was accepted, else as NIO still knows it.
    private var clientIP: String? { acceptedAddress ?? remoteAddress?.ipAddress }

    /// The client's address as text, for the audit log.
    var clientAddress: String { clientIP ?? "unknown" }

    /// A name in the path (a site, a worker), as the names in the database and the config are: percent-decoded
    /// once (`%E6%9E%97` is 林, `l%69n` is lin: a browser may send either) and in Unicode NFC (``WireName``), so
    /// that a worker named 林 or José can read their own data whichever way their phone spelled the path.
    func pathName(_ key: String) throws -> String {
        guard let name = try parameters.require(key).removingPercentEncoding else {
            throw APIError(message: "\(key) is not percent-encoded UTF-8")
        }
        return WireName.normalized(name)
    }

    /// Whether the client is on this machine (127.0.0.0/8 or ::1).
    var fromLoopback: Bool {
        guard let ip = clientIP else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}
