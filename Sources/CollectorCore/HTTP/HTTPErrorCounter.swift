import DaemonSupport
import Hummingbird

/// Counts the API's error responses by status, unknown paths included: the
/// client gets the error (a 400 says what is wrong with its request), and
/// the operator a counter, `canary_collector_http_errors_total{status}`,
/// which shows a dashboard or a script that keeps asking wrongly.
struct HTTPErrorCounter<Context: RequestContext>: RouterMiddleware {
    let metrics: MetricsRegistry

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            if response.status.code >= 400 { count(response.status) }
            return response
        } catch {
            count((error as? any HTTPResponseError)?.status ?? .internalServerError)
            throw error
        }
    }

    private func count(_ status: HTTPResponse.Status) {
        metrics.increment(CollectorMetrics.httpErrors, labels: ["status": String(status.code)])
    }
}
