import Hummingbird
import HummingbirdAuth

/// Who a request comes from: the name their token has in the config (what
/// alerts and the audit log record) and the roles it holds.
public struct Caller: RoleProviding, Sendable, Equatable {
    public var name: String
    public var roles: Set<Role>

    public init(name: String, roles: Set<Role>) {
        self.name = name
        self.roles = roles
    }

    /// Whether health values may be shown to this caller.
    var seesHealth: Bool { roles.contains(.medical) }
}

/// A route's rule: the caller holds at least one of `roles`.
struct HoldsAnyRole: AuthorizationPolicy {
    let roles: Set<Role>

    init(_ roles: [Role]) { self.roles = Set(roles) }

    func isAuthorized(identity: Caller, request: Request) async throws -> Bool {
        !identity.roles.isDisjoint(with: roles)
    }
}
