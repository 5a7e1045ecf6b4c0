import Foundation
import Wire

/// The occupational-accident report the collector sends the labour-inspection
/// authority (docs/egov.md, JSON Schema `docs/schema/incident-report.schema.json`).
/// Built from the incident's alerts inside the transaction that resolves it.
///
/// It names the workers concerned (the authority must know who) and carries
/// what the alarms measured, but no health readings: a fatigue alarm's
/// physiology values are left out, as the incident does not need them.
public struct IncidentReport: Codable, Sendable, Equatable {
    public struct Employer: Codable, Sendable, Equatable {
        public var name: String?
        public var businessId: String?

        enum CodingKeys: String, CodingKey {
            case name
            case businessId = "business_id"
        }
    }
    public struct Site: Codable, Sendable, Equatable {
        public var id: String
        public var address: String?
    }
    public struct Incident: Codable, Sendable, Equatable {
        /// When the first alarm of the incident happened, by its gateway's clock less its
        /// estimated offset (``GatewayClocks``), and never after `knownAt`.
        public var time: String
        /// When the collector first knew: the first alarm's arrival. The 8 hours run from here.
        public var knownAt: String
        public var deadline: String
        /// The alarms' kinds: `gas`, `fall`, `immobility`, `sos`, …
        public var kinds: [String]
        public var location: AlarmData.LocationData?

        enum CodingKeys: String, CodingKey {
            case time, deadline, kinds, location
            case knownAt = "known_at"
        }
    }
    public struct Outcome: Codable, Sendable, Equatable {
        public var deaths: Int, injured: Int, hospitalised: Int
        public var description: String
    }
    public struct Alarm: Codable, Sendable, Equatable {
        public var alertId: Int64
        public var worker: String
        public var kind: String
        public var condition: String
        /// The gravest it was (``AlertRecord/worst``).
        public var severity: AlarmSeverity
        public var opened: String
        /// When it was at its worst: `severity` and `values` are those of then.
        public var worstAt: String?
        /// When its gateway said it was over; nil while it was on.
        public var cleared: String?
        /// What was measured at its worst, with the limit where there is one (`value`, `limit`):
        /// what the worker was exposed to, not the reading that cleared it. Absent for health values.
        public var values: [String: Double]?
        /// A worker's equipment alarm: each condition it covers, `kind/condition`.
        public var covers: [String]?
        public var location: AlarmData.LocationData?

        enum CodingKeys: String, CodingKey {
            case worker, kind, condition, severity, opened, cleared, values, covers, location
            case alertId = "alert_id"
            case worstAt = "worst_at"
        }
    }
    public struct Step: Codable, Sendable, Equatable {
        public var time: String
        /// `alarm`, `escalated`, `acknowledged` or `resolved`.
        public var step: String
        public var alertId: Int64
        public var by: String?

        enum CodingKeys: String, CodingKey {
            case time, step, by
            case alertId = "alert_id"
        }

        /// Cause before effect, at the same time.
        var order: Int { ["alarm", "escalated", "acknowledged", "resolved"].firstIndex(of: step) ?? 4 }
    }
    public struct Worker: Codable, Sendable, Equatable {
        public var id: String
        public var name: String?
    }

    /// The report's id, also its `X-Road-Id` on every delivery attempt.
    public var reportId: String
    public var legalBasis: String
    public var employer: Employer
    public var site: Site
    public var incident: Incident
    public var outcome: Outcome
    public var alarms: [Alarm]
    public var timeline: [Step]
    public var workers: [Worker]
    public var reportedBy: String
    public var created: String

    enum CodingKeys: String, CodingKey {
        case employer, site, incident, outcome, alarms, timeline, workers, created
        case reportId = "report_id"
        case legalBasis = "legal_basis"
        case reportedBy = "reported_by"
    }

    /// How long the employer has, by OSH Act art. 37: 8 hours from when it knew.
    public static let deadlineMs: Int64 = 8 * 3_600_000
    static let legalBasis = "Occupational Safety and Health Act art. 37; Enforcement Rules art. 48-49"

    /// The report of `alerts` (the resolved one first), of which the collector first knew at `knownMs`.
    static func make(
        id: String, alerts: [AlertRecord], knownMs: Int64, outcome: IncidentOutcome, by coordinator: String,
        nowMs: Int64, egov: EGovSettings
    ) -> IncidentReport {
        let first = alerts.min { ($0.opened, $0.id) < ($1.opened, $1.id) }!
        let known = RFC3339.format(ms: knownMs)
        var timeline: [Step] = []
        for a in alerts {
            // An alarm is never after what was done about it: the answers are the collector's
            // clock, the alarm its gateway's (corrected, but an estimate).
            let alarm = ([a.opened] + [a.escalated, a.acknowledged, a.resolved].compactMap { $0 }).min()!
            timeline.append(Step(time: alarm, step: "alarm", alertId: a.id, by: a.gateway))
            if let t = a.escalated { timeline.append(Step(time: t, step: "escalated", alertId: a.id, by: nil)) }
            if let t = a.acknowledged { timeline.append(Step(time: t, step: "acknowledged", alertId: a.id, by: a.acknowledgedBy)) }
            if let t = a.resolved { timeline.append(Step(time: t, step: "resolved", alertId: a.id, by: a.resolvedBy)) }
        }
        let workers = Set(alerts.map(\.worker).filter { !$0.isEmpty }).sorted()
        return IncidentReport(
            reportId: id, legalBasis: legalBasis,
            employer: Employer(name: egov.employerName, businessId: egov.businessID),
            site: Site(id: first.site, address: egov.siteAddresses[first.site]),
            incident: Incident(
                time: min(first.opened, known), knownAt: known, deadline: RFC3339.format(ms: knownMs + deadlineMs),
                kinds: Array(Set(alerts.map(\.kind))).sorted(),
                location: alerts.lazy.compactMap(\.location).first),
            outcome: Outcome(deaths: outcome.deaths, injured: outcome.injured, hospitalised: outcome.hospitalised, description: outcome.description),
            alarms: alerts.map { a in
                Alarm(
                    alertId: a.id, worker: a.worker, kind: a.kind, condition: a.condition, severity: a.worst?.severity ?? a.severity,
                    opened: a.opened, worstAt: a.worst?.time, cleared: a.state == .cleared ? a.updated : nil,
                    values: HealthData.alertKinds.contains(a.kind) ? nil : a.worst?.values ?? a.values,
                    covers: a.covers?.map { "\($0.kind)/\($0.condition)" }, location: a.location)
            },
            timeline: timeline.sorted { ($0.time, $0.alertId, $0.order) < ($1.time, $1.alertId, $1.order) },
            workers: workers.map { Worker(id: $0, name: egov.roster[$0]) },
            reportedBy: coordinator, created: RFC3339.format(ms: nowMs))
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
