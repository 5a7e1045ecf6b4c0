import DaemonSupport
import Foundation

/// `egov:` of the collector's config: who the employer is, where its sites
/// are, who its workers are, and how to reach the labour-inspection
/// authority's service through the employer's X-Road security server
/// (docs/egov.md). Without it, reportable incidents are still recorded and
/// shown with their deadline, and nothing is sent.
///
/// ```yaml
/// egov:
///   employer: {name: 臺灣化工股份有限公司, business_id: "12345678"}   # 統一編號, 8 digits
///   sites: [{site: tank-farm-3, address: 高雄市小港區...}]
///   roster: [{worker: chen, name: 陳志明}]
///   xroad:
///     security_server: https://ss.example.tw:8443
///     client: TW/COM/12345678/canary                    # INSTANCE/CLASS/MEMBER/SUBSYSTEM
///     service: TW/GOV/MOL/osha/occupational-accidents   # INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICECODE
///     path: /v1/reports                                 # optional, after the service id
///     tls: {ca_file: ..., cert_file: ..., key_file: ...}   # mutual TLS; the key mode 600
///     isolated_segment: false   # true: plain http:// allowed, on a segment nobody else reaches
///     timeout: 30s              # an answer that takes longer is a failed attempt
///     first_retry: 5s           # then 10 s, 20 s … at most 5 min apart
/// ```
public struct EGovSettings: Sendable {
    public struct XRoad: Sendable {
        public var securityServer: String
        public var client: XRoadIdentifier
        public var service: XRoadIdentifier
        public var path: String
        public var caFile: String?, certFile: String?, keyFile: String?
        public var timeoutMs: Int64
        /// The first retry's wait; each next one doubles it, up to 5 minutes.
        public var firstRetryMs: Int64

        /// Where reports go: `{security_server}/r1/{service}{path}`.
        public var url: String {
            (securityServer.hasSuffix("/") ? String(securityServer.dropLast()) : securityServer) + "/r1/" + service.encoded + path
        }
    }

    public var employerName: String?
    /// The business registration number (統一編號).
    public var businessID: String?
    public var siteAddresses: [String: String] = [:]
    /// Worker ids to names: the authority must know who.
    public var roster: [String: String] = [:]
    public var xroad: XRoad?

    public init() {}

    static func read(_ root: ConfigSection) throws(ConfigError) -> EGovSettings {
        var e = EGovSettings()
        let s = try root.section("egov")
        let employer = try s.section("employer")
        e.employerName = try employer.string("name")
        if let id = try employer.string("business_id") {
            guard id.utf8.count == 8, id.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                throw employer.error("business_id", "must be the 8 digits of the business registration number (統一編號), quoted")
            }
            e.businessID = id
        }
        for site in try s.sections("sites") { e.siteAddresses[try site.requiredString("site")] = try site.requiredString("address") }
        for worker in try s.sections("roster") { e.roster[try worker.requiredString("worker")] = try worker.requiredString("name") }
        let x = try s.section("xroad")
        guard x.has("security_server") else { return e }
        let server = try x.requiredString("security_server")
        let isolated = try x.bool("isolated_segment", default: false)
        guard server.hasPrefix("https://") || (isolated && server.hasPrefix("http://")) else {
            throw x.error("security_server", "must be an https:// URL (http:// only with isolated_segment: true)")
        }
        guard let client = XRoadIdentifier(try x.requiredString("client"), parts: 3...4) else {
            throw x.error("client", "must be INSTANCE/CLASS/MEMBER[/SUBSYSTEM], each part of letters, digits and '()+,-.=? only")
        }
        guard let service = XRoadIdentifier(try x.requiredString("service"), parts: 4...5) else {
            throw x.error("service", "must be INSTANCE/CLASS/MEMBER[/SUBSYSTEM]/SERVICECODE, each part of letters, digits and '()+,-.=? only")
        }
        let path = try x.string("path", default: "")
        guard path.isEmpty || (path.hasPrefix("/") && !path.contains("?") && !path.contains("#")) else {
            throw x.error("path", "must start with / and hold no query or fragment")
        }
        let tls = try x.section("tls")
        var xroad = XRoad(
            securityServer: server, client: client, service: service, path: path,
            caFile: try tls.string("ca_file"), certFile: try tls.string("cert_file"), keyFile: try tls.secretFile("key_file"),
            timeoutMs: try x.durationMs("timeout", default: 30_000, in: 1_000...300_000),
            firstRetryMs: try x.durationMs("first_retry", default: 5_000, in: 1_000...300_000))
        if server.hasPrefix("https://") {
            guard xroad.certFile != nil, xroad.keyFile != nil else {
                throw x.error("tls", "cert_file and key_file are required: the security server knows its clients by their certificates")
            }
        }
        for (key, file) in [("ca_file", xroad.caFile), ("cert_file", xroad.certFile)] {
            if let file, !FileManager.default.isReadableFile(atPath: file) { throw tls.error(key, "cannot read \(file)") }
        }
        if !server.hasPrefix("https://") {
            xroad.caFile = nil
            xroad.certFile = nil
            xroad.keyFile = nil
        }
        e.xroad = xroad
        return e
    }
}
