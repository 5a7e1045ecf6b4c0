import Foundation

/// The collector's clock, Unix milliseconds: when it received a message, when a
/// coordinator acted, when an alert escalated.
enum WallClock {
    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
