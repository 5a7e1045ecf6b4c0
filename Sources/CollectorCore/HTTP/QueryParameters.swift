import Hummingbird
import Wire

/// A request the API cannot answer as asked: `status` (400 unless said) with `{"error": "..."}`.
struct APIError: Error, HTTPResponseError {
    var status: HTTPResponse.Status = .badRequest
    var message: String
    var headers: HTTPFields = [:]
    func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(
            status: status, headers: fields,
            body: .init(byteBuffer: ByteBuffer(string: "{\"error\":\(JSONText.quoted(message))}\n")))
    }
}

extension Request {
    /// `from`, `to` (RFC 3339 or Unix milliseconds), `site`, `worker`, `type`.
    func recordFilter() throws -> RecordFilter {
        RecordFilter(
            fromMs: try time("from"), toMs: try time("to"), site: try name("site"),
            worker: try name("worker"), type: try name("type"))
    }

    func time(_ key: String) throws -> Int64? {
        guard let text = uri.queryParameters.get(key) else { return nil }
        if let ms = Int64(text) { return ms }
        guard let ms = RFC3339.parse(text) else {
            throw APIError(message: "\(key): '\(text)' is neither an RFC 3339 time (2026-01-01T08:00:00Z) nor Unix milliseconds")
        }
        return ms
    }

    func name(_ key: String) throws -> String? {
        guard let text = uri.queryParameters.get(key) else { return nil }
        guard !text.isEmpty, text.count <= 200 else { throw APIError(message: "\(key) must be 1 to 200 characters") }
        return text
    }

    func limit(default d: Int, max m: Int) throws -> Int {
        guard let text = uri.queryParameters.get("limit") else { return d }
        guard let n = Int(text), (1...m).contains(n) else { throw APIError(message: "limit must be an integer in 1…\(m)") }
        return n
    }

    func cursor() throws -> PageCursor? {
        guard let text = uri.queryParameters.get("cursor") else { return nil }
        guard let c = PageCursor(text) else { throw APIError(message: "cursor '\(text)' is not one this API gave out") }
        return c
    }
}

extension Response {
    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
