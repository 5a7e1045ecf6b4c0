import DaemonSupport
import Testing

/// Expects `load` to refuse each config of `refusals` with a ``ConfigError`` that says its message.
func expectRefusals<T>(
    _ refusals: [(yaml: String, message: String)], _ load: (String) throws(ConfigError) -> T,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    for (yaml, message) in refusals {
        let error = #expect(throws: ConfigError.self, sourceLocation: sourceLocation) { try load(yaml) }
        #expect(error?.description.contains(message) == true, "\(yaml): \(error?.description ?? "accepted")", sourceLocation: sourceLocation)
    }
}
