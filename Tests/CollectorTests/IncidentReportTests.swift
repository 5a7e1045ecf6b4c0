import Foundation
import RiskCore
import Testing
import Wire

@testable import CollectorCore

/// Occupational-accident reports on a real SQLite file: which incidents the
/// law wants reported, one report per incident, and the alert a report not
/// delivered 7 hours after its incident opens (an injected clock).
@Suite struct IncidentReportTests: StoreFixtures {
    let topics = try! Topics(site: "s1", gateway: "gw-1")

    func outcome(deaths: Int = 0, injured: Int = 0, hospitalised: Int = 0, related: [Int64]? = nil) -> IncidentOutcome {
        IncidentOutcome(deaths: deaths, injured: injured, hospitalised: hospitalised, description: "fell from the ladder", relatedAlerts: related)
    }

    /// OSH Act art. 37: a death, three or more injured, or one or more admitted to hospital.
    @Test func theLawDecidesWhatIsReportable() {
        #expect(outcome(deaths: 1).isReportable && outcome(injured: 3).isReportable && outcome(injured: 1, hospitalised: 1).isReportable)
        #expect(!outcome(injured: 2).isReportable && !outcome().isReportable)
        #expect(outcome(injured: 0, hospitalised: 1).problem != nil, "the hospitalised are among the injured")
        #expect(IncidentOutcome(deaths: 0, injured: 1, hospitalised: 0, description: "", relatedAlerts: nil).problem != nil)
    }

    @Test(arguments: StoreKind.allCases) func aReportableIncidentGetsOneReportWithItsDeadlineAndAnUndeliveredOneAnAlertAt7Hours(
        _ kind: StoreKind
    ) async throws {
        try await withStore(kind) { s in
            let known: Int64 = 1_767_254_400_000
            _ = try await s.commit([alarm("lin", .fall, phase: .alarm, at: known)], receivedMs: known)
            _ = try await s.commit([alarm("lin", .immobility, phase: .alarm, at: known + 15_000)], receivedMs: known + 15_000)
            _ = try await s.commit([alarm("wang", .sos, phase: .alarm, at: known + 20_000)], receivedMs: known + 20_000)
            let ids = try await s.alerts(state: nil, site: nil, limit: 10).map { try JSONDecoder().decode(AlertRecord.self, from: Data($0.utf8)) }
            let fall = try #require(ids.first { $0.kind == "fall" }).id, immobility = try #require(ids.first { $0.kind == "immobility" }).id
            let sos = try #require(ids.first { $0.kind == "sos" }).id

            // Not reportable: recorded in the audit, no report.
            _ = try await s.resolve(sos, by: "Night shift", reason: .realIncident, note: nil, outcome: outcome(injured: 1), nowMs: known + 60_000)
            #expect(try await s.reports().isEmpty)
            // An outcome naming an alert that does not exist resolves nothing.
            await #expect(throws: AlertHandlingError.noSuchRelatedAlert(999)) {
                try await s.resolve(
                    fall, by: "Night shift", reason: .realIncident, note: nil, outcome: outcome(injured: 1, hospitalised: 1, related: [999]),
                    nowMs: known + 60_000)
            }
            _ = try await s.resolve(
                fall, by: "Night shift", reason: .realIncident, note: nil, outcome: outcome(injured: 1, hospitalised: 1, related: [immobility]),
                nowMs: known + 60_000)
            let report = try #require(try await s.reports().first)
            #expect(
                report.state == "pending" && report.knownMs == known && report.deadlineMs == known + 8 * 3_600_000 && report.userID == "Night shift")
            // The immobility was part of it: resolving it as a real incident too makes no second report.
            _ = try await s.resolve(
                immobility, by: "Night shift", reason: .realIncident, note: nil, outcome: outcome(injured: 1, hospitalised: 1), nowMs: known + 70_000)
            #expect(try await s.reports().count == 1)

            // Undelivered 7 hours after the collector knew: an alert, once; a delivered report opens none.
            #expect(try await !s.flagOverdueReports(nowMs: known + 7 * 3_600_000 - 1))
            #expect(try await s.flagOverdueReports(nowMs: known + 7 * 3_600_000))
            let overdue = try await s.alerts(state: .open, site: nil, limit: 10).map {
                try JSONDecoder().decode(AlertRecord.self, from: Data($0.utf8))
            }
            .filter { $0.kind == "report-overdue" }
            #expect(
                overdue.count == 1 && overdue[0].condition == "report-\(report.id)" && overdue[0].severity == .critical && overdue[0].site == "s1")
            #expect(try await !s.flagOverdueReports(nowMs: known + 7 * 3_600_000 + 1_000), "once")
        }
    }

    @Test func deliveryAnswersAreReadAsTheProtocolSays() {
        func outcome(_ status: Int, _ header: String? = nil, _ body: String = "") -> DeliveryOutcome {
            ReportDelivery.classify(status: status, xroadError: header, body: Data(body.utf8), requestID: "r", requestHash: "h")
        }
        #expect(outcome(201) == .delivered(requestID: "r", requestHash: "h"))
        #expect(outcome(200, "Server.ServerProxy.DatabaseError") == .failed("HTTP 200, Server.ServerProxy.DatabaseError"))
        #expect(
            outcome(500, "Server.ServerProxy.NetworkError", #"{"type":"Server.ServerProxy.NetworkError","message":"timed out"}"#)
                == .failed("HTTP 500, Server.ServerProxy.NetworkError: timed out"))
        #expect(
            outcome(500, nil, #"{"type":"Client.BadRequest","message":"no X-Road-Client"}"#)
                == .refused("HTTP 500, Client.BadRequest: no X-Road-Client"))
        #expect(outcome(404) == .refused("HTTP 404"), "the provider does not know the path: ours to fix")
        #expect(outcome(429) == .failed("HTTP 429") && outcome(503) == .failed("HTTP 503"))
        #expect(ReportDelivery.headerSafe("陳 A") == "%E9%99%B3%20A")
        #expect(ReportDelivery.headerSafe("a\tb%") == "a%09b%25", "two hex digits always, and % escaped")
    }
}
