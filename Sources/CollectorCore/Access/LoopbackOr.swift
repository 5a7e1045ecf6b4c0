import Hummingbird
import HummingbirdAuth

/// Lets a client on this machine through without a token, and asks anyone
/// else for one that the policy accepts: `/metrics` stays as easy to scrape
/// locally as before, without telling the site network how busy each gateway is.
///
/// Only a request that names this machine in its `Host` (`localhost`, a
/// 127.x address or `[::1]`) counts as local: a page from elsewhere in a
/// browser on the collector's host, whose name was made to resolve to
/// 127.0.0.1 (DNS rebinding), sends its own name and needs a token.
struct LoopbackOr: RouterMiddleware {
    typealias Context = CollectorRequestContext
    let authenticator: BearerTokenAuthenticator
    let policy: AuthorizationPolicyMiddleware<HoldsAnyRole, CollectorRequestContext, APIError>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if context.fromLoopback, Self.namesLoopback(request.head.authority) { return try await next(request, context) }
        return try await authenticator.handle(request, context: context) { request, context in
            try await policy.handle(request, context: context, next: next)
        }
    }
}

extension LoopbackOr {
    /// Whether a `Host` names this machine; no `Host` (HTTP/1.0) does too.
    static func namesLoopback(_ authority: String?) -> Bool {
        guard let authority else { return true }
        var host = Substring(authority.lowercased())
        if host.hasPrefix("["), let end = host.firstIndex(of: "]") {
            host = host[host.index(after: host.startIndex)..<end]
        } else if let colon = host.lastIndex(of: ":") {
            host = host[..<colon]
        }
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
