import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@testable import CollectorCore

/// The client's address outlives its connection: NIO forgets a closed channel's addresses, and a request
/// whose client reset the connection before its route ran was audited from `unknown`.
@Suite struct ClientAddressTests {
    @Test func aRequestCarriesTheAddressItsConnectionWasAcceptedFromEvenAfterNIOForgotIt() throws {
        let channel = EmbeddedChannel()
        channel.remoteAddress = try SocketAddress(ipAddress: "10.1.2.3", port: 40_000)
        try channel.pipeline.syncOperations.addHandler(ClientAddressHandler())
        // What NIO does when the connection closes.
        channel.remoteAddress = nil
        // A client's own value is replaced: the address is the collector's to tell.
        let head = HTTPRequest(
            method: .get, scheme: nil, authority: "127.0.0.1", path: "/api/v1/alerts", headerFields: [.canaryClientAddress: "6.6.6.6"])
        try channel.writeInbound(HTTPRequestPart.head(head))
        guard case .head(let passed) = try channel.readInbound(as: HTTPRequestPart.self) else {
            Issue.record("the head did not pass")
            return
        }
        #expect(passed.headerFields[values: .canaryClientAddress] == ["10.1.2.3"])
        try channel.writeInbound(HTTPRequestPart.end(nil))
        #expect(try channel.readInbound(as: HTTPRequestPart.self) == .end(nil))
        _ = try channel.finish()
    }
}
