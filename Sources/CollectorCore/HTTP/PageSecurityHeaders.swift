import Crypto
import Foundation
import HTTPTypes

/// The headers that keep the dashboard page to itself: its buttons act on
/// alerts, so no other site may frame it (clickjacking), run script in it, or
/// have a response sniffed into something else.
///
/// The Content-Security-Policy allows the page's own script and style by
/// their SHA-256 (CSP Level 2 hash sources), nothing inline besides, the API
/// on the same origin, and the plan's pictures as the page fetched them (blob
/// URLs); `frame-ancestors 'none'` and `X-Frame-Options: DENY` (for browsers
/// without CSP 2) refuse framing.
enum PageSecurityHeaders {
    static let contentSecurityPolicy: String = {
        let page = DashboardPage.html
        return [
            "default-src 'none'", "script-src \(hash(of: "script", in: page))", "style-src \(hash(of: "style", in: page))",
            "connect-src 'self'", "img-src 'self' blob: data:", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
        ].joined(separator: "; ")
    }()

    static let fields: HTTPFields = [
        .contentType: "text/html; charset=utf-8", .cacheControl: "no-cache", .contentSecurityPolicy: contentSecurityPolicy,
        .xFrameOptions: "DENY", .xContentTypeOptions: "nosniff", .referrerPolicy: "no-referrer",
    ]

    /// `'sha256-…'` of the text between `<tag>` and `</tag>` in `page` (there is one of each).
    static func hash(of tag: String, in page: String) -> String {
        guard let start = page.range(of: "<\(tag)>")?.upperBound, let end = page.range(of: "</\(tag)>", range: start..<page.endIndex)?.lowerBound
        else { return "'none'" }
        return "'sha256-\(Data(SHA256.hash(data: Data(page[start..<end].utf8))).base64EncodedString())'"
    }
}

/// The security headers' names, which HTTPTypes does not name.
extension HTTPField.Name {
    static let contentSecurityPolicy = Self("Content-Security-Policy")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
