import Hummingbird
import HummingbirdAuth

/// Lets a client on this machine through without a token, and asks anyone
/// else for one that the policy accepts: `/metrics` stays as easy to scrape
/// locally as before, without telling the site network how busy each gateway is.
struct LoopbackOr: RouterMiddleware {
    typealias Context = CollectorRequestContext
    let authenticator: BearerTokenAuthenticator
    let policy: AuthorizationPolicyMiddleware<HoldsAnyRole, CollectorRequestContext, APIError>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if context.fromLoopback { return try await next(request, context) }
        return try await authenticator.handle(request, context: context) { request, context in
            try await policy.handle(request, context: context, next: next)
        }
    }
}
