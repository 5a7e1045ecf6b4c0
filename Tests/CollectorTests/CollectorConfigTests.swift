import DaemonSupport
import Foundation
import Testing
import Wire

@testable import CollectorCore

@Suite struct CollectorConfigTests {
    func load(_ yaml: String) throws(ConfigError) -> CollectorConfig {
        try CollectorConfig.read(ConfigSection.parse(yaml, file: "collector.yaml"))
    }

    @Test func defaultsNeedNoKeys() throws {
        let c = try load("")
        #expect(c.mqtt.host == "127.0.0.1" && c.mqtt.port == 1883 && c.mqtt.clientID == "canary-collector")
        #expect(c.httpPort == 8080 && c.storage == .sqlite(path: "/var/lib/canary/collector.sqlite"))
        #expect(c.ingest.shareGroup == nil && c.ingest.maxBatch == 2_000)
        #expect(!c.exportsNameWorkers, "exports pseudonymise unless told")
        #expect(try load("export: {workers: named}\n").exportsNameWorkers)
    }

    @Test func errorsNameTheFileTheLineAndTheKey() {
        let cases: [(String, String)] = [
            ("mqtt:\n  port: 99999\n", "collector.yaml:2: mqtt.port: must be an integer in 1…65535 (found \"99999\")"),
            ("storage:\n  sqllite: x\n", "collector.yaml:2: storage.sqllite: unknown key (known here: postgres, sqlite)"),
            ("ingest:\n  max_message: lots\n", "collector.yaml:2: ingest.max_message: must be a size like 512MiB or 2GiB"),
            ("http: 8080\n", "collector.yaml:1: http: must be a mapping of keys to values"),
            ("log_level: loud\n", "collector.yaml:1: log_level: must be one of"),
            ("http:\n  port: 80\nlog_level: loud\n", "collector.yaml:3: log_level: must be one of"),
            ("mqtt:\n  tls:\n    cert_file: /etc/c.pem\n", "collector.yaml:3: mqtt.tls.cert_file: cert_file and key_file go together"),
            ("mqtt: [\n", "collector.yaml:2: not valid YAML"),
            ("export:\n  workers: maybe\n", "collector.yaml:2: export.workers: must be pseudonymised or named (found 'maybe')"),
            ("alerts:\n  escalate_after: 0s\n", "collector.yaml:2: alerts.escalate_after: must be a duration"),
            ("tokens:\n  - {name: a, token_sha256: abc, roles: [admin]}\n", "collector.yaml:2: tokens[0].token_sha256: must be 64 hex digits"),
            // Fullwidth digits pass Swift's isHexDigit, but no sha256sum prints them.
            (
                "tokens:\n  - {name: a, token_sha256: \(String(repeating: "ａ", count: 64)), roles: [admin]}\n",
                "collector.yaml:2: tokens[0].token_sha256: must be 64 hex digits"
            ),
            ("tokens:\n  - {token_sha256: \(String(repeating: "a", count: 64)), roles: [admin]}\n", "collector.yaml:2: tokens[0].name: is required"),
            ("tokens:\n  - {name: a, token_sha256: \(String(repeating: "a", count: 64))}\n", "collector.yaml:2: tokens[0].roles: is required"),
            (
                "tokens:\n  - {name: a, token_sha256: \(String(repeating: "a", count: 64)), roles: [boss]}\n",
                "collector.yaml:2: tokens[0].roles: 'boss' is not a role"
            ),
            (
                "tokens:\n  - {name: a, token_sha256: \(String(repeating: "a", count: 64)), roles: [admin]}\n  - {name: b, token_sha256: \(String(repeating: "A", count: 64)), roles: [admin]}\n",
                "collector.yaml:3: tokens[1].token_sha256: is another entry's too"
            ),
            ("coordinators: []\n", "collector.yaml:1: coordinators: is now tokens"),
            // A worker's token is one worker's.
            (
                "tokens:\n  - {name: a, token_sha256: HASH, roles: [worker]}\n".replacingOccurrences(
                    of: "HASH", with: String(repeating: "b", count: 64)),
                "collector.yaml:2: tokens[0].site: is required"
            ),
            (
                "tokens:\n  - {name: a, token_sha256: HASH, roles: [admin], worker: lin}\n".replacingOccurrences(
                    of: "HASH", with: String(repeating: "b", count: 64)),
                "collector.yaml:2: tokens[0].worker: goes with the worker role only"
            ),
            // Serving a network needs TLS and tokens, or the explicit word that it may go without.
            ("http: {host: 0.0.0.0}\n", "collector.yaml:1: http.host: 0.0.0.0 serves the network, which needs http.tls and tokens"),
            (
                "http: {host: 0.0.0.0}\ntokens:\n  - {name: a, token_sha256: \(String(repeating: "a", count: 64)), roles: [admin]}\n",
                "collector.yaml:1: http.host: 0.0.0.0 serves the network, which needs http.tls (or"
            ),
            ("http: {tls: {cert_file: /nonexistent.pem}}\n", "collector.yaml:1: http.tls.key_file: is required"),
            ("egov: {employer: {business_id: \"1234\"}}\n", "collector.yaml:1: egov.employer.business_id: must be the 8 digits"),
            (
                "egov: {xroad: {security_server: http://ss:80, client: TW/COM/1/c, service: TW/GOV/MOL/osha/r}}\n",
                "collector.yaml:1: egov.xroad.security_server: must be an https:// URL (http:// only with isolated_segment: true)"
            ),
            (
                "egov: {xroad: {security_server: http://ss:80, isolated_segment: true, client: TW/COM/1 2/c, service: TW/GOV/MOL/osha/r}}\n",
                "collector.yaml:1: egov.xroad.client: must be INSTANCE/CLASS/MEMBER[/SUBSYSTEM]"
            ),
            (
                "egov: {xroad: {security_server: http://ss:80, isolated_segment: true, client: TW/COM/1/c, service: TW/GOV/MOL}}\n",
                "collector.yaml:1: egov.xroad.service: must be INSTANCE/CLASS/MEMBER[/SUBSYSTEM]/SERVICECODE"
            ),
            (
                "egov: {xroad: {security_server: https://ss, client: TW/COM/1/c, service: TW/GOV/MOL/osha/r}}\n",
                "collector.yaml:1: egov.xroad.tls: cert_file and key_file are required"
            ),
        ]
        for (yaml, message) in cases {
            #expect(throws: ConfigError.self) { try load(yaml) }
            do {
                _ = try load(yaml)
            } catch {
                #expect(error.description.hasPrefix(message), "\(error)")
            }
        }
    }

    /// The config holds the SHA-256 of each token; the token itself names its holder and roles.
    @Test func callersAreKnownByTheirTokens() throws {
        // What `printf %s night-shift-token | sha256sum` prints, as docs/collector.md tells operators to do.
        let hash = Tokens.sha256("night-shift-token")
        #expect(hash == "aa32f897d2440eca66fb9ad92fa38d0373217b69ae799dac2d989d5290df4b5b")
        let c = try load(
            "alerts: {escalate_after: 90s}\ntokens:\n  - {name: Night shift, token_sha256: \(hash.uppercased()), roles: [coordinator, medical]}\n")
        #expect(c.escalateAfterMs == 90_000)
        let night = Caller(name: "Night shift", roles: [.coordinator, .medical])
        #expect(c.tokens.caller(authorization: "Bearer night-shift-token") == night)
        // The scheme is case-insensitive (RFC 7235 §2.1).
        #expect(c.tokens.caller(authorization: "bearer night-shift-token") == night)
        #expect(c.tokens.caller(authorization: "BEARER  night-shift-token") == night)
        #expect(c.tokens.caller(authorization: "Bearer day-shift-token") == nil)
        #expect(c.tokens.caller(authorization: "Basic night-shift-token") == nil)
        #expect(c.tokens.caller(authorization: "night-shift-token") == nil, "only a bearer token")
        #expect(c.tokens.caller(authorization: "Bearer ") == nil)
        #expect(c.tokens.caller(authorization: nil) == nil)
        #expect(try load("").tokens.isEmpty && (try load("").escalateAfterMs) == 60_000)
        // Explicitly insecure: allowed, and the daemon warns at every start.
        #expect(try load("http: {host: 0.0.0.0, insecure: true}\n").http.insecure)
    }

    /// A key file that group or others may read is refused, naming the file.
    @Test func secretsOthersMayReadAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("canary-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = dir.appendingPathComponent("api.key").path, cert = dir.appendingPathComponent("api.pem").path
        try "key".write(toFile: key, atomically: true, encoding: .utf8)
        try "cert".write(toFile: cert, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: key)
        let yaml = "http: {tls: {cert_file: \(cert), key_file: \(key)}}\n"
        #expect { try load(yaml) } throws: { "\($0)".contains("http.tls.key_file: \(key) may be read or changed by group or others (mode 640)") }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
        #expect(try load(yaml).http.tls == HTTPSettings.TLS(certFile: cert, keyFile: key))
        let password = dir.appendingPathComponent("mqtt.pass").path
        try "secret".write(toFile: password, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: password)
        #expect { try load("mqtt: {username: c, password_file: \(password)}\n") } throws: {
            "\($0)".contains("mqtt.password_file: \(password) may be read")
        }
    }

    /// X-Road identifiers are of the characters the protocol allows, each part percent-encoded in the path and header.
    @Test func xroadIdentifiersAndTheURL() throws {
        let c = try load(
            "egov: {xroad: {security_server: 'http://ss:8080/', isolated_segment: true, client: TW/COM/12345678/canary, service: \"TW/GOV/MOL/osha/accident(v1)\", path: /v1/reports}}\n"
        )
        let x = try #require(c.egov.xroad)
        #expect(x.url == "http://ss:8080/r1/TW/GOV/MOL/osha/accident%28v1%29/v1/reports" && x.client.encoded == "TW/COM/12345678/canary")
        #expect(XRoadIdentifier("TW/COM/1?/x", parts: 3...4)?.encoded == "TW/COM/1%3F/x", "? ends no path")
        for bad in ["TW/COM//x", "TW/COM/陳/x", "TW/COM/a%20b/x", "TW/COM/a:b/x", "TW/COM"] {
            #expect(XRoadIdentifier(bad, parts: 3...4) == nil, "\(bad)")
        }
    }

    @Test func theExampleConfigIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let c = try CollectorConfig.load(file: root.appendingPathComponent("examples/config/collector.yaml").path)
        #expect(c.httpHost == "127.0.0.1" && c.escalateAfterMs == 60_000 && c.tokens.isEmpty)
    }

    @Test func sharedSubscriptionsAndLimits() throws {
        let c = try load("mqtt: {share_group: canary}\ningest: {max_message: 64KiB, max_batch: 10}\nhttp: {port: 0, keep_alive: 5s}\n")
        #expect(c.ingest.shareGroup == "canary" && c.ingest.messageLimit == 65_536 && c.ingest.maxBatch == 10 && c.httpPort == 0)
        let defaults = try load("")
        #expect(c.keepAliveMs == 5_000 && defaults.keepAliveMs == 15_000)
        // A member of a share group keeps no MQTT session (a broker would queue the group's messages in it).
        #expect(c.mqtt.cleanStart && !defaults.mqtt.cleanStart)
    }

    @Test func postgresIsTheOtherStoreAndItsPasswordASecretFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("canary-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let secret = dir.appendingPathComponent("postgres.pass").path
        try "s3cret\n".write(toFile: secret, atomically: true, encoding: .utf8)
        chmod(secret, 0o600)
        let url = "postgres://canary@db.example:5433/canary?sslmode=require"
        let c = try load("storage:\n  postgres: {url: \"\(url)\", password_file: \(secret), pool: 4, keep_telemetry: 24}\n")
        #expect(c.storage == .postgres(url: url, password: "s3cret", pool: 4, keepTelemetryMonths: 24))
        #expect(c.summaryJSON.contains(#""password_file":true"#) && !c.summaryJSON.contains("s3cret"))
        #expect(
            try load("storage: {postgres: {url: \"postgres://c@h/d\"}}\n").storage
                == .postgres(url: "postgres://c@h/d", password: nil, pool: 8, keepTelemetryMonths: nil))
        let refusals: [(yaml: String, message: String)] = [
            ("storage:\n  sqlite: /x\n  postgres: {url: \"postgres://c@h/d\"}\n", "storage.postgres: and sqlite are two stores: name one of them"),
            ("storage:\n  postgres: {url: \"postgres://c:pw@h/d\"}\n", "storage.postgres.url: holds a password: put it in password_file (mode 600)"),
            ("storage:\n  postgres: {url: \"mysql://c@h/d\"}\n", "storage.postgres.url: must be postgres://"),
            ("storage:\n  postgres: {pool: 4}\n", "storage.postgres.url: is required"),
        ]
        expectRefusals(refusals, load)
        chmod(secret, 0o644)
        #expect(throws: ConfigError.self, "a password others may read") {
            try load("storage:\n  postgres: {url: \"\(url)\", password_file: \(secret)}\n")
        }
    }
}
