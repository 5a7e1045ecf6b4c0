import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A webhook's receiver for the tests: plain HTTP on loopback, the way an
/// SMS or LINE gateway or a site siren's controller takes the collector's
/// notifications. It checks each body's `Canary-Signature` against the hook's
/// secret itself (HMAC-SHA256, as the receiver's documentation tells anyone
/// to), and answers 500 while it is `down`.
public final class WebhookReceiver: Sendable {
    public struct Received: Sendable {
        public var change: Int
        public var event: String
        public var body: String
        /// Whether `Canary-Signature` was `sha256=` and the hex HMAC-SHA256 of the body under the secret.
        public var signed: Bool
        /// What the receiver answered.
        public var status: Int
    }

    private let secret: [UInt8]
    private let state = Mutex<(down: Bool, received: [Received])>((false, []))

    public init(secret: String, down: Bool = false) {
        self.secret = Array(secret.utf8)
        state.withLock { $0.down = down }
    }

    public var received: [Received] { state.withLock { $0.received } }
    /// The notifications it took (answered 2xx).
    public var accepted: [Received] { received.filter { $0.status == 200 } }

    public func setDown(_ down: Bool) { state.withLock { $0.down = down } }

    struct Context: RequestContext {
        var coreContext: CoreRequestContextStorage
        init(source: ApplicationRequestContextSource) { coreContext = .init(source: source) }
    }

    /// Runs until cancelled; `onRunning` gets its port.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void) async throws {
        let router = Router(context: Context.self)
        router.post("/hook") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            let signature = request.headers[HTTPField.Name("Canary-Signature")!] ?? ""
            let expected =
                "sha256="
                + HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: SymmetricKey(data: self.secret))
                .map { String(format: "%02x", $0) }.joined()
            let json = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
            let status = self.state.withLock { state in
                let status = state.down ? 500 : 200
                state.received.append(
                    Received(
                        change: json["change"] as? Int ?? -1, event: json["event"] as? String ?? "", body: body, signed: signature == expected,
                        status: status))
                return status
            }
            return Response(status: .init(code: status))
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { await onRunning($0.localAddress?.port ?? 0) })
        try await app.runService(gracefulShutdownSignals: [])
    }

    /// Runs `body` with the receiver serving on its port, and stops it after.
    public func serving(_ body: @Sendable (Int) async throws -> Void) async throws {
        try await TestSupport.serving(run, body)
    }
}
