/// A config file problem, named so an operator can fix it without reading code:
/// `agent.yaml:12: mqtt.port: must be an integer in 1…65535 (found "x")`.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based line of the offending node, when the YAML parser knows it.
    public var line: Int?
    /// Dotted path of the key (`mqtt.tls.ca_file`); empty for the whole file.
    public var key: String
    public var message: String

    public init(file: String, line: Int?, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(place): \(message)" : "\(place): \(key): \(message)"
    }
}
