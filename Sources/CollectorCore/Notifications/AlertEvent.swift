import Wire

/// What one change to an alert was, for the people told of it (webhooks): the
/// change log keeps each alert's state after every change, so what happened is
/// the difference from the alert's previous state.
public enum AlertEvent: String, Sendable, CaseIterable, Hashable {
    /// A new alert (a pre-alarm, or an alarm at once).
    case opened
    /// An open alert became an alarm (a fall nobody got up from), or graver (an alert of one
    /// cause whose new member is: a low battery, then the device silent).
    case alarm
    /// Nobody acknowledged it in time.
    case escalated
    case acknowledged
    /// The gateway says the condition is over.
    case cleared
    case resolved

    /// What `alert` after `before` was; nil for a change of values alone (a gas level moving within an alarm).
    /// When one change is several (a resolution of an escalated alert), the one a person must hear of first.
    static func of(_ alert: AlertRecord, after before: AlertRecord?) -> AlertEvent? {
        guard let before else { return .opened }
        if alert.handling == .resolved, before.handling != .resolved { return .resolved }
        if alert.escalated != nil, before.escalated == nil { return .escalated }
        if alert.state == .alarm, before.state != .alarm || alert.severity > before.severity { return .alarm }
        if alert.handling == .acknowledged, before.handling == .unacknowledged { return .acknowledged }
        if alert.state == .cleared, before.state != .cleared { return .cleared }
        return nil
    }
}
