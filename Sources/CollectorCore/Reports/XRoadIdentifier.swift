import Foundation

/// An X-Road identifier: a client subsystem
/// (`INSTANCE/CLASS/MEMBER[/SUBSYSTEM]`) or a service
/// (`INSTANCE/CLASS/MEMBER[/SUBSYSTEM]/SERVICECODE`), as the X-Road Message
/// Protocol for REST (v1.0, §4.1 and §4.3) writes them in the request path and
/// the `X-Road-Client` header. Each part may hold only the characters the
/// protocol allows (§4.8): letters, digits and `'()+,-.=?`; checked when the
/// config is read, so a typo is an error at start, not a refusal at 3 a.m.
public struct XRoadIdentifier: Sendable, Equatable, CustomStringConvertible {
    public let parts: [String]

    /// `text` split on `/` into `count` parts, each non-empty and of the allowed characters; nil otherwise.
    public init?(_ text: String, parts count: ClosedRange<Int>) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard count.contains(parts.count), parts.allSatisfy(Self.isAllowed) else { return nil }
        self.parts = parts
    }

    static func isAllowed(_ part: String) -> Bool {
        !part.isEmpty && part.utf8.count <= 255
            && part.unicodeScalars.allSatisfy {
                ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || "'()+,-.=?".unicodeScalars.contains($0)
            }
    }

    /// The parts percent-encoded one by one (RFC 3986 §2.1) and joined with `/`: the form of the
    /// request path and of `X-Road-Client`. `?` must not end the path; the others are encoded too,
    /// which every server decodes alike.
    public var encoded: String {
        parts.map { $0.addingPercentEncoding(withAllowedCharacters: Self.keptAsIs) ?? $0 }.joined(separator: "/")
    }

    /// ASCII letters, digits, `-` and `.`: everything else of a part is percent-encoded.
    static let keptAsIs = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.")

    public var description: String { parts.joined(separator: "/") }
}
