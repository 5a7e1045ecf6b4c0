import Hummingbird

/// The API's answers carry personal and health data: no browser or proxy may
/// keep them (`Cache-Control: no-store`, RFC 9111 §5.2.2.5), and none may be
/// sniffed into another type (`X-Content-Type-Options: nosniff`). A refusal
/// (an error answered as a response) carries them too, and stays an error for
/// the middleware outside, which counts it.
struct NoStore<Context: RequestContext>: RouterMiddleware {
    static func mark(_ headers: inout HTTPFields) {
        headers[.cacheControl] = "no-store"
        headers[.xContentTypeOptions] = "nosniff"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            var response = try await next(request, context)
            Self.mark(&response.headers)
            return response
        } catch let error as HTTPResponseError {
            throw Marked(base: error)
        }
    }

    /// An error answered as its own response, with the headers above.
    struct Marked: HTTPResponseError {
        let base: any HTTPResponseError
        var status: HTTPResponse.Status { base.status }

        func response(from request: Request, context: some RequestContext) throws -> Response {
            var response = try base.response(from: request, context: context)
            NoStore.mark(&response.headers)
            return response
        }
    }
}
