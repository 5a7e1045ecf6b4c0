/// One line of the audit log as `/api/v1/audit` and a worker's MyData
/// document show it. `address` is `null`, not absent, where there was no
/// client (the collector's own entries): an auditor reads every field of
/// every line.
public struct AuditRecord: Codable, Sendable, Equatable {
    public var seq: Int64
    public var time: String
    public var action: String
    public var actor: String
    public var address: String?
    public var detail: [String: String]

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(seq, forKey: .seq)
        try c.encode(time, forKey: .time)
        try c.encode(action, forKey: .action)
        try c.encode(actor, forKey: .actor)
        try c.encode(address, forKey: .address)
        try c.encode(detail, forKey: .detail)
    }
}

/// A worker's consent to research use of their health readings, and when it
/// last changed (`null`: never given).
public struct ConsentRecord: Codable, Sendable, Equatable {
    public var research: Bool
    public var changed: String?

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(research, forKey: .research)
        try c.encode(changed, forKey: .changed)
    }
}
