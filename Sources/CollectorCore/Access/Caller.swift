import Hummingbird
import HummingbirdAuth

/// Who a request comes from: the name their token has in the config (what
/// alerts and the audit log record) and the roles it holds.
public struct Caller: RoleProviding, Sendable, Equatable {
    public var name: String
    public var roles: Set<Role>
    /// With the `worker` role: which worker (site, worker id) the token belongs to.
    public var worker: WorkerID?

    public init(name: String, roles: Set<Role>, worker: WorkerID? = nil) {
        self.name = name
        self.roles = roles
        self.worker = worker
    }

    /// Whether health values may be shown to this caller.
    var seesHealth: Bool { roles.contains(.medical) }
}

/// A worker as the collector knows them: their site and their id there.
public struct WorkerID: Sendable, Hashable {
    public var site: String
    public var worker: String

    public init(site: String, worker: String) {
        self.site = site
        self.worker = worker
    }
}

/// A route's rule: the caller holds at least one of `roles`.
struct HoldsAnyRole: AuthorizationPolicy {
    let roles: Set<Role>

    init(_ roles: [Role]) { self.roles = Set(roles) }

    func isAuthorized(identity: Caller, request: Request) async throws -> Bool {
        !identity.roles.isDisjoint(with: roles)
    }
}
