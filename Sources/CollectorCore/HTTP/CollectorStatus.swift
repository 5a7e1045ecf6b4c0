/// What the collector can vouch for right now, for `/healthz`, the alert
/// feed's `collector` event and `/api/v1/workers`. A quiet feed must mean
/// that nothing happened: not that the collector is cut off from the broker
/// (`hearing`), nor that it hears but cannot store (`storing`: the last
/// commit failed, e.g. a full disk; nothing new reaches the feed or is
/// acknowledged, and the gateways keep resending).
struct CollectorStatus: Sendable, Equatable {
    var hearing: Bool
    var storing: Bool

    /// `data:` of the feed's `collector` event.
    var json: String {
        "{\"broker\":\"\(hearing ? "connected" : "disconnected")\",\"storing\":\"\(storing ? "ok" : "failing")\"}"
    }
}
