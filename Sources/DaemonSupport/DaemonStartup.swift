import Foundation
import Logging

/// The start of both daemons: load and validate the config file, or say what
/// is wrong with it; then a logger at the configured level.
public enum DaemonStartup {
    /// `sysexits.h` EX_CONFIG: what both daemons exit with on a bad config.
    public static let configErrorExitCode: Int32 = 78

    /// The config, or nil after writing `daemon: file:line: key: problem` to stderr.
    /// With `checkOnly`, a valid config is reported on stdout.
    public static func load<Config>(
        _ file: String, daemon: String, checkOnly: Bool,
        _ read: (String) throws(ConfigError) -> Config
    ) -> Config? {
        do {
            let config = try read(file)
            if checkOnly { print("\(file): valid") }
            return config
        } catch {
            FileHandle.standardError.write(Data("\(daemon): \(error)\n".utf8))
            return nil
        }
    }

    /// `log_level`, one of swift-log's levels (`trace` … `critical`); default `info`.
    public static func logLevel(_ root: ConfigSection) throws(ConfigError) -> String {
        let levels = Logger.Level.allCases.map(\.rawValue)
        let level = try root.string("log_level", default: "info")
        guard levels.contains(level) else { throw root.error("log_level", "must be one of \(levels.joined(separator: ", "))") }
        return level
    }

    /// A logger to standard error whose lines escape what came from outside (``EscapingLogHandler``).
    public static func logger(_ daemon: String, level: String) -> Logger {
        var logger = Logger(label: daemon) { EscapingLogHandler(StreamLogHandler.standardError(label: $0)) }
        logger.logLevel = Logger.Level(rawValue: level) ?? .info
        return logger
    }
}
