import HTTPTypes

/// The headers that keep the dashboard page to itself: its buttons act on
/// alerts, so no other site may frame it (clickjacking), run script in it, or
/// have a response sniffed into something else.
///
/// The Content-Security-Policy allows script and style only from the
/// collector's own files (nothing inline: no `<script>` or `style` attribute
/// that a value slipped into the page could add), the API on the same origin,
/// and the plan's pictures as the page fetched them (blob URLs); `frame-ancestors
/// 'none'` and `X-Frame-Options: DENY` (for browsers without CSP 2) refuse
/// framing. The collector's other answers are JSON, CSV or text, with
/// `nosniff`: a browser runs none of them as script.
enum PageSecurityHeaders {
    static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self' blob: data:", "base-uri 'none'",
        "form-action 'none'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    /// A page file's headers: its media type and the page's policy.
    static func fields(contentType: String) -> HTTPFields {
        [
            .contentType: contentType, .cacheControl: "no-cache", .contentSecurityPolicy: contentSecurityPolicy, .xFrameOptions: "DENY",
            .xContentTypeOptions: "nosniff", .referrerPolicy: "no-referrer",
        ]
    }
}

/// The security headers' names, which HTTPTypes does not name.
extension HTTPField.Name {
    static let contentSecurityPolicy = Self("Content-Security-Policy")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
