/// Why a message was refused. The collector counts these by `kind` and logs
/// them with the topic; nothing refused is stored or acknowledged.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidName(String, String)
    case notJSON(String)
    case tooLarge(bytes: Int, limit: Int)
    case missingAttribute(String)
    case badAttribute(String, String)
    case unknownType(String)
    case schema(String)

    public var kind: String {
        switch self {
        case .invalidName: "invalid-name"
        case .notJSON: "not-json"
        case .tooLarge: "too-large"
        case .missingAttribute: "missing-attribute"
        case .badAttribute: "bad-attribute"
        case .unknownType: "unknown-type"
        case .schema: "schema"
        }
    }

    public var description: String {
        switch self {
        case .invalidName(let key, let value): "\(key) '\(value)' cannot be a topic level (empty, or contains / + #)"
        case .notJSON(let why): "not JSON: \(why)"
        case .tooLarge(let bytes, let limit): "\(bytes) bytes, over the \(limit)-byte limit"
        case .missingAttribute(let name): "missing CloudEvents attribute '\(name)'"
        case .badAttribute(let name, let why): "attribute '\(name)': \(why)"
        case .unknownType(let type): "unknown event type '\(type)'"
        case .schema(let why): "data does not match the schema: \(why)"
        }
    }
}
