import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Bounds each request of an API connection, before any route reads it
/// (docs/collector.md, "Access"). Found: a request with `Content-Length:
/// 1000000` and one body byte every 4 s was answered 401 and its connection
/// kept open for good, since every body part reset the idle timer; 560 such
/// connections from 10 addresses took every slot, and `/healthz` timed out.
///
/// - A request's body must arrive whole within `deadline` of its head (the
///   API's bodies are a few hundred bytes): else the connection is closed.
/// - A body larger than ``maxBodyBytes`` is refused (413) before it is read,
///   from its `Content-Length`, or once that much of a chunked one came.
/// - A GET, HEAD, DELETE or OPTIONS request with a body is refused (400): no
///   route of the API takes one there.
///
/// A refused request never reaches the router; its connection is closed.
final class RequestBounds: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    /// The API's largest body: a resolution's note (2,000 characters) and outcome, with room to spare.
    static let maxBodyBytes = 64 * 1_024

    let deadline: TimeAmount
    private var timer: Scheduled<Void>?
    private var bodyBytes = 0
    /// A refused request: nothing more of it is read, and the connection closes once the answer is out.
    private var refused = false

    init(deadline: TimeAmount) { self.deadline = deadline }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        switch unwrapInboundIn(data) {
        case .head(let request):
            bodyBytes = 0
            let length = request.headerFields[.contentLength].flatMap { Int($0) }
            let hasBody = (length ?? 0) > 0 || request.headerFields[.transferEncoding] != nil
            if [.get, .head, .delete, .options].contains(request.method), hasBody {
                return refuse(.badRequest, context: context)
            }
            if let length, length > Self.maxBodyBytes { return refuse(.contentTooLarge, context: context) }
            let channel = context.channel
            timer = context.eventLoop.scheduleTask(in: deadline) { channel.close(promise: nil) }
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            if bodyBytes > Self.maxBodyBytes { return refuse(.contentTooLarge, context: context) }
        case .end:
            timer?.cancel()
            timer = nil
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        context.fireChannelInactive()
    }

    private func refuse(_ status: HTTPResponse.Status, context: ChannelHandlerContext) {
        refused = true
        timer?.cancel()
        timer = nil
        let head = HTTPResponse(status: status, headerFields: [.contentLength: "0", .connection: "close"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
