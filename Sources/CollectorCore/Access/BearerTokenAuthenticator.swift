import Hummingbird
import HummingbirdAuth
import Logging

/// Finds the caller of each API request from its bearer token (RFC 6750):
/// the `Authorization` header, or on the alert feed only the `access_token`
/// query parameter (RFC 6750 §2.3), because a browser's `EventSource` cannot
/// set headers. A request without a known token goes no further: `401` with
/// `WWW-Authenticate: Bearer`, tallied for the audit log. What each route then
/// requires of the caller is a role policy (``HoldsAnyRole``) on its group.
struct BearerTokenAuthenticator: AuthenticatorMiddleware {
    typealias Context = CollectorRequestContext
    let tokens: Tokens
    let refused: RefusedTokens
    /// Whether this group's routes also take `?access_token=`.
    var acceptsQueryToken = false

    func authenticate(request: Request, context: Context) async throws -> Caller? {
        let header = request.headers[.authorization]
        let queryToken = acceptsQueryToken && header == nil ? request.uri.queryParameters.get("access_token") : nil
        if let caller = queryToken.map({ tokens.caller(token: $0[...]) }) ?? tokens.caller(authorization: header) {
            return caller
        }
        let given = header != nil || queryToken != nil
        refused.note(address: context.clientAddress, route: request.uri.path, reason: given ? "unknown token" : "no token")
        throw APIError(
            status: .unauthorized,
            message: tokens.isEmpty
                ? "the collector's config lists no tokens: nobody may use the API (docs/collector.md, \"Access\")"
                : given ? "this token is not known here" : "a token is needed: Authorization: Bearer TOKEN",
            headers: [.wwwAuthenticate: given ? "Bearer error=\"invalid_token\"" : "Bearer"])
    }
}

/// A route group's rule: `403` unless the caller holds one of `roles`.
func requiring(_ roles: Role...) -> AuthorizationPolicyMiddleware<HoldsAnyRole, CollectorRequestContext, APIError> {
    let names = roles.map(\.rawValue).joined(separator: " or ")
    return .init(HoldsAnyRole(roles), deniedError: APIError(status: .forbidden, message: "this needs the \(names) role"))
}
