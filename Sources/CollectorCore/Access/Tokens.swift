import Crypto
import DaemonSupport
import Foundation
import Wire

/// Who may use the API: the config's `tokens`, each a name, the SHA-256 of a
/// bearer token (`Authorization: Bearer TOKEN`) and the roles it holds. The
/// config holds only the hashes, so reading it does not give the right to
/// act; the name is what alerts and the audit log record as who did a thing.
public struct Tokens: Sendable, Equatable {
    /// Callers by their token's SHA-256, lowercase hex.
    let callers: [String: Caller]

    public init(_ entries: [(sha256: String, caller: Caller)] = []) {
        callers = Dictionary(entries.map { ($0.sha256.lowercased(), $0.caller) }) { first, _ in first }
    }

    public var isEmpty: Bool { callers.isEmpty }

    /// The caller whose token an `Authorization` header carries; nil for none or an unknown one.
    /// The scheme is case-insensitive (RFC 7235 §2.1, which RFC 6750 §2.1 builds on).
    func caller(authorization: String?) -> Caller? {
        guard let authorization, let space = authorization.firstIndex(of: " "),
            authorization[..<space].lowercased() == "bearer"
        else { return nil }
        return caller(token: authorization[space...].trimmingCharacters(in: .whitespaces)[...])
    }

    func caller(token: Substring) -> Caller? {
        guard !token.isEmpty else { return nil }
        return callers[Self.sha256(String(token))]
    }

    /// Lowercase hex, as `sha256sum` prints it.
    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// `tokens:` of the config: a list of `{name, token_sha256, roles: [...]}`; a `worker` token also names
    /// its `site` and `worker`.
    static func read(_ root: ConfigSection) throws(ConfigError) -> Tokens {
        if root.has("coordinators") {
            throw root.error("coordinators", "is now tokens: each entry {name, token_sha256, roles: [coordinator]} (docs/collector.md, \"Access\")")
        }
        var entries: [(sha256: String, caller: Caller)] = []
        for entry in try root.sections("tokens") {
            let name = try entry.requiredString("name")
            let hash = try entry.requiredString("token_sha256")
            // ASCII only: Swift's isHexDigit also takes fullwidth digits, which no sha256sum prints.
            guard hash.utf8.count == 64, hash.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0 | 0x20) }) else {
                throw entry.error("token_sha256", "must be 64 hex digits (0-9, a-f), the SHA-256 of the token (printf %s TOKEN | sha256sum)")
            }
            guard !entries.contains(where: { $0.sha256.lowercased() == hash.lowercased() }) else {
                throw entry.error("token_sha256", "is another entry's too: each person needs a token of their own")
            }
            var roles = Set<Role>()
            for text in try entry.strings("roles") {
                guard let role = Role(rawValue: text) else {
                    throw entry.error("roles", "'\(text)' is not a role: \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                roles.insert(role)
            }
            guard !roles.isEmpty else {
                throw entry.error("roles", "is required: a list of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            // A worker's token is one worker's: whose data it reads is in the config, not in the request.
            var worker: WorkerID?
            if roles.contains(.worker) {
                worker = WorkerID(
                    site: WireName.normalized(try entry.requiredString("site")), worker: WireName.normalized(try entry.requiredString("worker")))
            } else if entry.has("worker") || entry.has("site") {
                throw entry.error(entry.has("worker") ? "worker" : "site", "goes with the worker role only")
            }
            entries.append((hash, Caller(name: name, roles: roles, worker: worker)))
        }
        return Tokens(entries)
    }
}
