import Foundation
import MQTT

extension MQTTConfiguration {
    /// The `mqtt:` section both daemons share:
    ///
    /// ```yaml
    /// mqtt:
    ///   host: 127.0.0.1          # default 127.0.0.1
    ///   port: 1883               # default 1883 (8883 is usual with tls)
    ///   client_id: gw-01         # stable, so the broker keeps the session; default: the username, else given by the daemon
    ///   keepalive: 30s           # default 30s
    ///   username: canary         # optional
    ///   password_file: /etc/canary/mqtt.pass   # optional; first line is the password
    ///   tls:                     # optional
    ///     ca_file: /etc/canary/ca.pem
    ///     cert_file: /etc/canary/client.pem   # optional, with key_file
    ///     key_file: /etc/canary/client.key
    /// ```
    ///
    /// The client id defaults to the user name when there is one: Canary's broker
    /// config (`use_username_as_clientid`) makes the user name the client id, so
    /// that nobody can take over another's session by naming its id; the
    /// daemons then use the id the broker keeps their session under.
    public static func read(_ s: ConfigSection, defaultClientID: String) throws(ConfigError) -> MQTTConfiguration {
        let username = try s.string("username")
        var c = MQTTConfiguration(
            host: try s.string("host", default: "127.0.0.1"),
            port: try s.int("port", default: 1883, in: 1...65_535),
            clientID: try s.string("client_id", default: username ?? defaultClientID))
        c.keepAliveSeconds = Int(try s.durationMs("keepalive", default: 30_000, in: 5_000...3_600_000) / 1_000)
        c.username = username
        c.password = try s.secretLine("password_file")
        if c.password != nil, c.username == nil { throw s.error("password_file", "needs a username") }
        let tls = try s.section("tls")
        c.caFile = try tls.string("ca_file")
        c.certFile = try tls.string("cert_file")
        c.keyFile = try tls.secretFile("key_file")
        if (c.certFile == nil) != (c.keyFile == nil) { throw tls.error("cert_file", "cert_file and key_file go together") }
        if c.certFile != nil, c.caFile == nil { throw tls.error("ca_file", "is required for a client certificate") }
        // The key file was checked as a secret already (``ConfigSection/secretFile(_:)``).
        for (key, file) in [("ca_file", c.caFile), ("cert_file", c.certFile)] {
            if let file, !FileManager.default.isReadableFile(atPath: file) { throw tls.error(key, "cannot read \(file)") }
        }
        return c
    }
}
