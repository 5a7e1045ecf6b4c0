import AsyncHTTPClient
import DaemonSupport
import Foundation
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Wire

/// Delivers occupational-accident reports to the labour-inspection authority's
/// service through the employer's X-Road security server (X-Road Message
/// Protocol for REST v1.0), one at a time from the database, so a restart or
/// a SIGKILL loses none and never two are in flight:
///
/// `POST {security_server}/r1/{service}{path}` with `X-Road-Client`, the
/// report's fixed `X-Road-Id` (the provider recognises a repeat) and
/// `X-Road-UserId` (the coordinator who resolved the incident), over HTTPS
/// with the client certificate the security server knows this subsystem by.
///
/// - 2xx without `X-Road-Error`: delivered; `X-Road-Request-Id` and
///   `X-Road-Request-Hash` are kept as the receipt.
/// - A `Client.*` error (`X-Road-Error` or the body's `type`) or another 4xx:
///   our request is wrong; the report is `refused`, shown, not retried blindly.
/// - `Server.*`, 5xx, 408, 429, a timeout, a dropped connection, a TLS
///   failure: retried `first_retry` (5 s) later, then twice as long each time, at
///   most 5 min apart, until delivered.
///
/// Every attempt is in the audit log. Each second it also opens a
/// `report-overdue` alert for a report not delivered 7 hours after its incident.
struct ReportDelivery: Service {
    let store: any CollectorStore
    let xroad: EGovSettings.XRoad?
    let logger: Logger
    let nowMs: @Sendable () -> Int64

    static let maxRetryMs: Int64 = 300_000

    func run() async throws {
        let client = try xroad.map(Self.client)
        while !Task.isShuttingDownGracefully {
            do {
                _ = try await store.flagOverdueReports(nowMs: nowMs())
                if let client, let xroad, let report = try await store.nextPendingReport(nowMs: nowMs()) {
                    let (outcome, status, xroadError) = await attempt(report, client, xroad)
                    let retryMs = min(xroad.firstRetryMs << min(report.attempts, 16), Self.maxRetryMs)
                    try await store.recordAttempt(report.id, outcome, status: status, xroadError: xroadError, retryAfterMs: retryMs, nowMs: nowMs())
                    log(report, outcome)
                    continue
                }
            } catch {
                logger.error("occupational-accident reports: the database refused", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
        }
        try await client?.shutdown()
    }

    static func client(_ x: EGovSettings.XRoad) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let ca = x.caFile { tls.trustRoots = .file(ca) }
        if let cert = x.certFile, let key = x.keyFile {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        }
        // X-Road passes redirects on unfollowed (§4.4); neither do we follow them.
        return HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(
                tlsConfiguration: tls, redirectConfiguration: .disallow,
                timeout: .init(connect: .seconds(10), read: .milliseconds(x.timeoutMs))))
    }

    func attempt(_ report: ReportRow, _ client: HTTPClient, _ x: EGovSettings.XRoad) async -> (DeliveryOutcome, Int?, String?) {
        var request = HTTPClientRequest(url: x.url)
        request.method = .POST
        request.headers.add(name: "X-Road-Client", value: x.client.encoded)
        request.headers.add(name: "X-Road-Id", value: report.xroadID)
        request.headers.add(name: "X-Road-UserId", value: Self.headerSafe(report.userID))
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: report.body))
        do {
            let response = try await client.execute(request, timeout: .milliseconds(x.timeoutMs))
            let body = try await response.body.collect(upTo: 64 * 1024)
            let status = Int(response.status.code)
            let xroadError = response.headers.first(name: "X-Road-Error")
            return (
                Self.classify(
                    status: status, xroadError: xroadError, body: Data(buffer: body),
                    requestID: response.headers.first(name: "X-Road-Request-Id"),
                    requestHash: response.headers.first(name: "X-Road-Request-Hash")), status, xroadError
            )
        } catch {
            return (.failed("\(error)"), nil, nil)
        }
    }

    /// What an answer means (X-Road Message Protocol for REST §4.6): errors of the security
    /// servers carry `X-Road-Error` and a body `{type, message, detail}`; `Client.*` is ours.
    static func classify(status: Int, xroadError: String?, body: Data, requestID: String?, requestHash: String?) -> DeliveryOutcome {
        if (200..<300).contains(status), xroadError == nil { return .delivered(requestID: requestID, requestHash: requestHash) }
        let error = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        let type = xroadError ?? error?["type"] as? String
        let message = [type, error?["message"] as? String].compactMap { $0 }.joined(separator: ": ")
        let said = "HTTP \(status)" + (message.isEmpty ? "" : ", \(message)")
        if type?.hasPrefix("Client") == true { return .refused(said) }
        if type?.hasPrefix("Server") != true, (400..<500).contains(status), status != 408, status != 429 { return .refused(said) }
        return .failed(said)
    }

    /// A header value of visible ASCII: anything else (a coordinator's name in Chinese) percent-encoded as UTF-8.
    static func headerSafe(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: visibleASCII) ?? text
    }

    /// `!` to `~` but `%`, which starts an escape.
    static let visibleASCII = CharacterSet(charactersIn: Unicode.Scalar(0x21)...Unicode.Scalar(0x7E)).subtracting(CharacterSet(charactersIn: "%"))

    private func log(_ report: ReportRow, _ outcome: DeliveryOutcome) {
        let metadata: Logger.Metadata = ["report": "\(report.id)", "x_road_id": "\(report.xroadID)", "attempt": "\(report.attempts + 1)"]
        switch outcome {
        case .delivered: logger.notice("occupational-accident report delivered", metadata: metadata)
        case .refused(let why): logger.critical("occupational-accident report refused; a person must look: \(why)", metadata: metadata)
        case .failed(let why): logger.error("occupational-accident report not delivered; retrying: \(why)", metadata: metadata)
        }
    }
}
