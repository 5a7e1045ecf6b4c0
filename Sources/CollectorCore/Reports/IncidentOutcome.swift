/// What a coordinator records when resolving an alert as a real incident: its
/// human outcome and which other alerts were the same incident (a fall and
/// the immobility after it; two workers overcome by the same gas).
///
/// The Occupational Safety and Health Act art. 37 obliges the employer to
/// report to the labour-inspection authority within 8 hours when a worker
/// dies, three or more are injured, or one or more is injured and must be
/// admitted to hospital (Enforcement Rules art. 48–49).
public struct IncidentOutcome: Codable, Sendable, Equatable {
    public var deaths: Int
    public var injured: Int
    public var hospitalised: Int
    public var description: String
    public var relatedAlerts: [Int64]?

    enum CodingKeys: String, CodingKey {
        case deaths, injured, hospitalised, description
        case relatedAlerts = "related_alerts"
    }

    /// Whether art. 37 applies: the incident must be reported within 8 hours.
    public var isReportable: Bool { deaths >= 1 || injured >= 3 || hospitalised >= 1 }

    /// What is wrong with it, for a `400`; nil when it is sound.
    var problem: String? {
        guard [deaths, injured, hospitalised].allSatisfy((0...10_000).contains) else { return "deaths, injured and hospitalised are counts from 0" }
        guard hospitalised <= injured else { return "the hospitalised are among the injured: hospitalised cannot exceed injured" }
        guard !description.isEmpty, description.count <= 2_000 else { return "description: 1 to 2000 characters, what happened" }
        guard (relatedAlerts?.count ?? 0) <= 100 else { return "related_alerts: at most 100" }
        return nil
    }
}
