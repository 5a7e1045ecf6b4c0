import Crypto
import Foundation

/// Worker and device identifiers as researchers' exports show them
/// (docs/collector.md, "Exports": exports name no one unless the site allows
/// names): HMAC-SHA256 under a key kept in the collector's
/// database (``CollectorStore/pseudonymKey()``), its first 48 bits in hex.
///
/// The same worker gets the same pseudonym in every export of one collector,
/// so a year can be exported month by month and joined. Without the key a
/// pseudonym cannot be turned back into a name, nor confirmed by hashing a
/// guessed one. 48 bits keep them short; two workers share one with
/// probability about n²/2⁴⁹, one in 50 million for a site of 3,000.
struct Pseudonyms: Sendable {
    let key: [UInt8]

    func worker(_ id: String) -> String { "w-" + mac("worker:" + id) }
    /// A device's address identifies its wearer as well as a name does.
    func device(_ address: String) -> String { "d-" + mac("device:" + address.uppercased()) }

    /// The first 48 bits of HMAC-SHA256(key, text), lowercase hex.
    private func mac(_ text: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: key)).prefix(6)
            .map { String(format: "%02x", $0) }.joined()
    }
}
