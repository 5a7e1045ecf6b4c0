import Foundation

/// Third-party data in ../shared/data beside the repository (never copied in),
/// or where CANARY_SHARED_DATA points.
public enum SharedDataLocation {
    public static let root: URL = {
        if let dir = ProcessInfo.processInfo.environment["CANARY_SHARED_DATA"] { return URL(fileURLWithPath: dir) }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/data")
    }()

    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}
