import COpenSSL
import DeviceFormats

/// Worker and device identifiers as researchers' exports show them
/// (ARCHITECTURE.md: exports have "worker ids pseudonymised unless the caller
/// may see identities"): HMAC-SHA256 under a key kept in the collector's
/// database (``EventStore/pseudonymKey()``), its first 48 bits in hex.
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

    private func mac(_ text: String) -> String {
        let data = Array(text.utf8)
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = HMAC(EVP_sha256(), key, Int32(key.count), data, data.count, &out, &length)
        return Hex.encode(out.prefix(6))
    }
}
