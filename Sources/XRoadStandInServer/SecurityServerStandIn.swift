import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import NIOCore
import NIOSSL
import Synchronization

/// A stand-in for the employer's X-Road security server, which cannot run
/// here. It follows the X-Road Message Protocol for REST (v1.0) where a client
/// can observe it: HTTPS with mutual TLS (it trusts only its test CA's client
/// certificates), `/r1/{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/{SERVICE}/…`
/// paths, a required and well-formed `X-Road-Client` (`400` with
/// `Client.BadRequest` otherwise), and on answers `X-Road-Id`,
/// `X-Road-Request-Id` and `X-Road-Request-Hash` (base-64 SHA-512 of the
/// SHA-512s of the request's headers and body, §4.3), or `X-Road-Error` with
/// the JSON body `{type, message, detail}` (§4.6). It can be told to answer
/// 500, hang, drop the connection, or refuse our request as `Client.*`.
public final class SecurityServerStandIn: Sendable {
    public enum Answer: String, Sendable { case deliver, serverError, hang, drop, clientError }

    public struct Received: Sendable {
        public var path: String
        public var headers: [String: String]
        public var body: String
    }

    /// The answers to give, in order; once used up, `deliver`.
    private let script: Mutex<[Answer]>
    private let log = Mutex<[Received]>([])
    public let certificates: TestCertificates

    /// Told of each request as it comes (the demo prints them).
    let onRequest: @Sendable (Received) -> Void

    public init(answers: [Answer], certificates: TestCertificates, onRequest: @escaping @Sendable (Received) -> Void = { _ in }) {
        script = Mutex(answers)
        self.certificates = certificates
        self.onRequest = onRequest
    }

    public var received: [Received] { log.withLock { $0 } }

    struct Context: RequestContext {
        var coreContext: CoreRequestContextStorage
        let channel: any Channel
        init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
            channel = source.channel
        }
    }

    /// Runs until cancelled; `onRunning` gets its port.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void) async throws {
        let router = Router(context: Context.self)
        router.post("/r1/**") { request, context -> Response in try await self.answer(request, context) }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.serverCert).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.serverKey, format: .pem)))
        tls.certificateVerification = .noHostnameVerification
        tls.trustRoots = .file(certificates.caCert)
        let app = Application(
            router: router, server: try .tls(tlsConfiguration: tls),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { await onRunning($0.localAddress?.port ?? 0) })
        try await app.runService(gracefulShutdownSignals: [])
    }

    private func answer(_ request: Request, _ context: Context) async throws -> Response {
        let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        log.withLock { $0.append(Received(path: request.uri.path, headers: headers, body: body)) }
        onRequest(Received(path: request.uri.path, headers: headers, body: body))
        let parts = request.uri.path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 7, let client = headers["x-road-client"], (3...4).contains(client.split(separator: "/").count) else {
            return Self.error(400, "Client.BadRequest", "the path must be /r1/{serviceId} and X-Road-Client INSTANCE/CLASS/MEMBER[/SUBSYSTEM]")
        }
        let next = script.withLock { $0.isEmpty ? .deliver : $0.removeFirst() }
        switch next {
        case .deliver:
            let fields = request.headers.map { "\($0.name.canonicalName): \($0.value)" }.sorted().joined(separator: "\n")
            let hash = Self.sha512(Self.sha512(Array(fields.utf8)) + Self.sha512(Array(body.utf8)))
            return Response(
                status: .created,
                headers: [
                    .contentType: "application/json; charset=utf-8",
                    HTTPField.Name("X-Road-Id")!: headers["x-road-id"] ?? UUID().uuidString,
                    HTTPField.Name("X-Road-Request-Id")!: UUID().uuidString.lowercased(),
                    HTTPField.Name("X-Road-Request-Hash")!: Data(hash).base64EncodedString(),
                ], body: .init(byteBuffer: ByteBuffer(string: #"{"received":true}"#)))
        case .serverError:
            return Self.error(500, "Server.ServerProxy.NetworkError", "the provider's service did not answer")
        case .clientError:
            return Self.error(400, "Client.InvalidClientIdentifier", "the client subsystem is not registered for this service")
        case .hang:
            try await Task.sleep(for: .seconds(300))
            return Self.error(500, "Server.ServerProxy.Timeout", "too late")
        case .drop:
            try await context.channel.close()
            throw CancellationError()
        }
    }

    static func error(_ status: Int, _ type: String, _ message: String) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "application/json; charset=utf-8", HTTPField.Name("X-Road-Error")!: type],
            body: .init(byteBuffer: ByteBuffer(string: #"{"type":"\#(type)","message":"\#(message)","detail":"\#(UUID().uuidString)"}"#)))
    }

    static func sha512(_ bytes: [UInt8]) -> [UInt8] { Array(SHA512.hash(data: bytes)) }
}
