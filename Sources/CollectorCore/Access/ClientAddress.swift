import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes

/// The client's address, taken when its connection is accepted. The audit log
/// records refused tokens by it, but a client that sends its request and resets
/// the connection at once is gone before a route runs, and NIO forgets a closed
/// channel's addresses: 50 such refusals were recorded from `unknown`. So this
/// handler, first on each connection, keeps the address from the start and
/// hands it to the routes with every request head (``HTTPField/Name/canaryClientAddress``,
/// replacing any the client sent), and ``ClientAddressMiddleware`` puts it in the context.
final class ClientAddressHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private var address: String?

    func handlerAdded(context: ChannelHandlerContext) {
        address = context.channel.remoteAddress?.ipAddress
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else { return context.fireChannelRead(data) }
        head.headerFields[.canaryClientAddress] = address
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }
}

/// Puts the address ``ClientAddressHandler`` took into the request's context.
struct ClientAddressMiddleware: RouterMiddleware {
    func handle(
        _ request: Request, context: CollectorRequestContext, next: (Request, CollectorRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.acceptedAddress = request.headers[.canaryClientAddress]
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    /// Set by the collector itself, never taken from a client.
    static let canaryClientAddress = Self("Canary-Client-Address")!
}
