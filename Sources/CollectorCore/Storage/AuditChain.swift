import Crypto
import Foundation
import Logging

/// The audit log's hash chain (docs/collector.md, "Audit"): each entry carries
/// the SHA-256 of the previous entry's hash and its own fields, so an entry
/// rewritten, inserted or removed in the database breaks the chain at that
/// point, whatever triggers were dropped to do it. The schema's triggers stop
/// mistakes; the chain makes what gets past them evident.
///
/// What it does not do: whoever can write the database and knows this
/// function (it is open source, and unkeyed) can rewrite the chain from the
/// entry they changed to the end, and removing the newest entries leaves a
/// shorter chain that is whole. Against both, the head (the newest entry's
/// seq and hash) is written to the collector's log at every start and told by
/// `GET /api/v1/audit/verify`: an auditor who noted a head earlier gives it
/// back (`?seq=&hash=`) and learns whether that entry, and so everything
/// before it, is still as it was.
public enum AuditChain {
    /// The hash before the first entry.
    public static let genesis = String(repeating: "0", count: 64)

    /// An entry's hash, chained to the entry before (`previous`). Every field
    /// is length-prefixed in UTF-8 bytes, so no two different entries hash
    /// the same bytes; `seq` is in it, so entries cannot be renumbered.
    public static func hash(previous: String, _ e: AuditLink) -> String {
        func field(_ text: String?) -> String { text.map { "\($0.utf8.count):\($0)" } ?? "-" }
        let text = ["canary-audit-1", previous, String(e.seq), String(e.timeMs), field(e.action), field(e.actor), field(e.address), field(e.detail)]
            .joined(separator: "\n")
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Checks the links `links` (in seq order) continuing `state`, which holds
    /// the hash of the entry before the first. A link whose hash is not the one
    /// its fields and its predecessor make is a break; the chain goes on from
    /// the hash stored with it, so each tampered place is a break of its own.
    static func check(_ links: [AuditLink], _ state: inout AuditVerification, anchor: AuditVerification.Head?) {
        for link in links {
            state.entries += 1
            if link.hash != hash(previous: state.head?.hash ?? genesis, link) {
                state.broken += 1
                if state.breaks.count < AuditVerification.breaksListed { state.breaks.append(link.seq) }
            }
            if link.action == breakAction, let seq = breakRecorded(link.detail) { state.recorded.insert(seq) }
            if let anchor, anchor.seq == link.seq { state.anchorHolds = anchor.hash == link.hash }
            state.head = AuditVerification.Head(seq: link.seq, hash: link.hash ?? "")
        }
    }

    /// The action of the entry with which the collector records a break it found: a break is
    /// alerted once, however often the log is verified after.
    static let breakAction = AlertBook.auditBroken

    static func breakEntry(_ seq: Int64) -> AuditEntry {
        AuditEntry(action: breakAction, actor: "canary-collector", detail: ["seq": String(seq)])
    }

    private static func breakRecorded(_ detail: String) -> Int64? {
        (try? JSONDecoder().decode([String: String].self, from: Data(detail.utf8)))?["seq"].flatMap { Int64($0) }
    }

    /// Verifies the log (at the collector's start and on `GET /api/v1/audit/verify`) and says
    /// what it found: the head in a `notice` line, which the system journal keeps apart from
    /// the database; a break in a `critical` line every time, and once in the log itself with
    /// the `audit-broken` alert (``AlertBook/auditBroken``).
    public static func verifyAndReport(
        _ store: any CollectorStore, anchor: AuditVerification.Head? = nil, nowMs: Int64, logger: Logger
    ) async throws -> AuditVerification {
        let v = try await verify(store, anchor: anchor)
        let head: Logger.Metadata = ["entries": "\(v.entries)", "head_seq": "\(v.head?.seq ?? 0)", "head_hash": "\(v.head?.hash ?? genesis)"]
        guard v.broken == 0 else {
            logger.critical(
                "the audit log was altered: its hash chain breaks at entries \(v.breaks.map(String.init).joined(separator: ", "))",
                metadata: head.merging(["breaks": "\(v.broken)"]) { a, _ in a })
            let unrecorded = v.unrecorded
            if !unrecorded.isEmpty { _ = try await store.recordAuditBreaks(unrecorded, nowMs: nowMs) }
            return v
        }
        logger.notice("the audit log's hash chain is whole", metadata: head)
        if v.anchorHolds == false { logger.warning("an audit entry given to verify is not in the log with that hash") }
        return v
    }

    /// Verifies the whole log, reading it from `store` in pages.
    public static func verify(_ store: any CollectorStore, anchor: AuditVerification.Head? = nil) async throws -> AuditVerification {
        var state = AuditVerification()
        if anchor != nil { state.anchorHolds = false }
        var after: Int64 = 0
        while true {
            let page = try await store.auditLinks(after: after, limit: 5_000)
            check(page, &state, anchor: anchor)
            guard page.count == 5_000, let last = page.last else { return state }
            after = last.seq
        }
    }
}

/// One audit entry as stored, with its hash: what the chain is made of.
public struct AuditLink: Sendable, Equatable {
    public var seq: Int64
    public var timeMs: Int64
    public var action: String
    public var actor: String
    public var address: String?
    /// The JSON text as stored (``AuditEntry/detailJSON``).
    public var detail: String
    /// Nil for an entry stored without one.
    public var hash: String?
}

extension AuditLink {
    /// The link `e` makes after the newest entry stored, `last` (nil in an empty log; its hash is
    /// nil where it was stored without one, and then the chain goes on from "", as the verifier does).
    init(_ e: AuditEntry, after last: (seq: Int64, hash: String?)?, timeMs: Int64) {
        self.init(
            seq: (last?.seq ?? 0) + 1, timeMs: timeMs, action: e.action, actor: e.actor, address: e.address, detail: e.detailJSON,
            hash: nil)
        hash = AuditChain.hash(previous: last.map { $0.hash ?? "" } ?? AuditChain.genesis, self)
    }
}

/// What `GET /api/v1/audit/verify` answers.
public struct AuditVerification: Encodable, Sendable, Equatable {
    public struct Head: Encodable, Sendable, Equatable {
        public var seq: Int64
        public var hash: String
    }

    /// How many entries were checked.
    public var entries = 0
    /// How many entries' hashes do not follow from their fields and their predecessor.
    public var broken = 0
    /// The seq of each such entry, the first ``breaksListed``.
    public var breaks: [Int64] = []
    static let breaksListed = 100
    /// The breaks the log records as found before (``AuditChain/breakAction``).
    var recorded: Set<Int64> = []
    /// The breaks listed that the log does not record yet.
    var unrecorded: [Int64] { breaks.filter { !recorded.contains($0) } }
    /// The newest entry; nil for an empty log.
    public var head: Head?
    /// Whether the entry an auditor noted (`?seq=&hash=`) is still there with that hash; nil when none was given.
    public var anchorHolds: Bool?

    /// Whole, and the anchor, if one was given, holds.
    public var intact: Bool { broken == 0 && anchorHolds != false }

    enum CodingKeys: String, CodingKey {
        case entries, broken, breaks, head, intact
        case anchorHolds = "anchor_holds"
    }

    public init() {}

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(intact, forKey: .intact)
        try c.encode(entries, forKey: .entries)
        try c.encode(broken, forKey: .broken)
        try c.encode(breaks, forKey: .breaks)
        try c.encode(head, forKey: .head)
        try c.encode(anchorHolds, forKey: .anchorHolds)
    }
}
