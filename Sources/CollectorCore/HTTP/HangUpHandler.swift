import NIOCore

/// Closes an API connection once its client has closed its side. Hummingbird
/// keeps half-closed connections open for writing, so an alert feed whose
/// browser tab was closed went on until its next write failed, a keep-alive
/// interval or more later, and `canary_collector_sse_clients` counted it all
/// that while. No client of this API sends a request and then half-closes to
/// wait for the answer; browsers and curl close both ways.
final class HangUpHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
