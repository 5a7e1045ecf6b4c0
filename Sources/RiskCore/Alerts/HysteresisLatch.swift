/// A latched condition that enters at once and clears only after the value has
/// been back inside its limit *by a margin* for a hold time, so a reading that
/// hovers at the limit does not flap (docs/detection.md, "Rules and their sources").
struct HysteresisLatch: Codable, Sendable, Equatable {
    enum Transition: Equatable { case entered, cleared }

    private(set) var active = false
    /// When the value first came back inside limit minus margin, while active.
    private var safeSinceMs: Int64?

    /// - Parameters:
    ///   - beyond: the value is past the limit now.
    ///   - safe: the value is inside the limit by the margin now.
    mutating func update(beyond: Bool, safe: Bool, atMs timeMs: Int64, holdMs: Int64) -> Transition? {
        if beyond {
            safeSinceMs = nil
            if active { return nil }
            active = true
            return .entered
        }
        guard active else { return nil }
        guard safe else {
            safeSinceMs = nil
            return nil
        }
        let since = safeSinceMs ?? timeMs
        safeSinceMs = since
        guard timeMs - since >= holdMs else { return nil }
        active = false
        safeSinceMs = nil
        return .cleared
    }
}
