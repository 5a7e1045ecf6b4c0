import Hummingbird

// Bodies of the cold routes, encoded by Hummingbird (`ResponseEncodable`,
// JSON). The alerts, the events and the feed send the JSON the store keeps
// (an alert's snapshot is written by hand inside its commit, where the
// generic encoder cost tens of microseconds an alarm: docs/performance.md,
// the ingest's table), joined, not decoded and encoded again.

/// `/healthz`.
struct Health: ResponseEncodable {
    var status: String
    var database: Bool
    var storing: Bool
    var mqtt: Bool
}

/// `/api/v1/audit`: a page, and the `seq` to ask for the next one after (`null`: none).
struct AuditPage: ResponseEncodable {
    var audit: [AuditRecord]
    var nextAfter: Int64?

    enum CodingKeys: String, CodingKey {
        case audit
        case nextAfter = "next_after"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(audit, forKey: .audit)
        try c.encode(nextAfter, forKey: .nextAfter)
    }
}

extension ConsentRecord: ResponseEncodable {}
extension AuditVerification: ResponseEncodable {}

/// `/api/v1/gateways`.
struct GatewayList: ResponseEncodable {
    var gateways: [GatewayRecord]
}
