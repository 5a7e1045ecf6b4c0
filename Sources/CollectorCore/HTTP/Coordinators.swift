import COpenSSL
import DaemonSupport
import DeviceFormats

/// Who may acknowledge and resolve alerts: the config's `coordinators`, each a
/// name and the SHA-256 of a bearer token (`Authorization: Bearer TOKEN`). The
/// config holds only the hashes, so reading it does not give the right to act;
/// the name is what the alert records as who acknowledged or resolved it.
/// Reading stays open, as the whole API was (docs/collector.md, "HTTP API").
public struct Coordinators: Sendable, Equatable {
    /// Name by the token's SHA-256, lowercase hex.
    let names: [String: String]

    public init(_ tokenHashes: [(name: String, sha256: String)] = []) {
        names = Dictionary(tokenHashes.map { ($0.sha256.lowercased(), $0.name) }) { first, _ in first }
    }

    public var isEmpty: Bool { names.isEmpty }

    /// The coordinator whose token `authorization` carries; nil for none or an unknown one.
    func who(_ authorization: String?) -> String? {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return nil }
        return names[Self.sha256(String(authorization.dropFirst("Bearer ".count)))]
    }

    static func sha256(_ text: String) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        let bytes = Array(text.utf8)
        _ = SHA256(bytes, bytes.count, &digest)
        return Hex.encode(digest).lowercased()
    }

    /// `coordinators:` of the config: a list of `{name, token_sha256}`.
    static func read(_ root: ConfigSection) throws(ConfigError) -> Coordinators {
        var entries: [(name: String, sha256: String)] = []
        for entry in try root.sections("coordinators") {
            let name = try entry.requiredString("name")
            let hash = try entry.requiredString("token_sha256")
            guard hash.count == 64, hash.allSatisfy(\.isHexDigit) else {
                throw entry.error("token_sha256", "must be 64 hex digits, the SHA-256 of the token (printf %s TOKEN | sha256sum)")
            }
            guard !entries.contains(where: { $0.sha256.lowercased() == hash.lowercased() }) else {
                throw entry.error("token_sha256", "is another coordinator's too: each needs a token of their own")
            }
            entries.append((name, hash))
        }
        return Coordinators(entries)
    }
}
