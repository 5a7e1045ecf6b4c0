import Foundation
import Hummingbird
import Wire

/// `GET /api/v1/mydata/{site}/{worker}`: everything the collector stores about
/// one worker, for that worker (the `worker` role, their own token), as one
/// JSON document streamed page by page: who, their consent to research use,
/// their alerts, their alarm events, every reading of theirs (gas, position,
/// heart rate, sleep, the overwork assessments) by name, and the audit
/// entries about their data. The right of access of Taiwan's PDPA (art. 3 and
/// 10), and the MyData idea of a person taking their own data with them.
struct MyDataDocument {
    let store: any CollectorStore
    let who: WorkerID

    func response(generatedMs: Int64) async throws -> Response {
        let store = self.store, who = self.who
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let consent = String(decoding: try encoder.encode(try await store.consent(site: who.site, worker: who.worker)), as: UTF8.self)
        let filter = RecordFilter(site: who.site, worker: who.worker)
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/json; charset=utf-8",
                .contentDisposition: "attachment; filename=\"canary-mydata-\(who.worker).json\"",
            ],
            body: ResponseBody { writer in
                try await writer.write(
                    ByteBuffer(
                        string: """
                            {"worker":{"site":\(JSONText.quoted(who.site)),"id":\(JSONText.quoted(who.worker))},\
                            "generated":"\(RFC3339.format(ms: generatedMs))","consent":\(consent),"alerts":[
                            """))
                let alerts = try await store.alerts(state: nil, handling: nil, site: who.site, worker: who.worker, limit: 1_000_000)
                try await writer.write(ByteBuffer(string: alerts.joined(separator: ",") + "],\"events\":["))
                var cursor: PageCursor?, first = true
                repeat {
                    let rows = try await store.events(filter, after: cursor, limit: Export.pageSize)
                    if !rows.isEmpty {
                        try await writer.write(ByteBuffer(string: (first ? "" : ",") + rows.map(\.json).joined(separator: ",")))
                        first = false
                    }
                    cursor = rows.count == Export.pageSize ? rows.last?.cursor : nil
                } while cursor != nil
                try await writer.write(ByteBuffer(string: "],\"readings\":["))
                // The exports' pages of NDJSON lines, one reading each, become the array's elements.
                var inOrder = ReadingsInTimeOrder()
                first = true
                repeat {
                    let (text, next) = try await Export.telemetryPage(store, filter, after: cursor, .ndjson, &inOrder, pseudonyms: nil)
                    let lines = text.split(separator: "\n")
                    if !lines.isEmpty {
                        try await writer.write(ByteBuffer(string: (first ? "" : ",") + lines.joined(separator: ",")))
                        first = false
                    }
                    cursor = next
                } while cursor != nil
                let audit = String(decoding: try encoder.encode(try await store.auditLog(about: who)), as: UTF8.self)
                try await writer.write(ByteBuffer(string: "],\"audit\":\(audit)}\n"))
                try await writer.finish(nil)
            })
    }
}
