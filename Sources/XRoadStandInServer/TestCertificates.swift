import Foundation
import LocalServices

/// A test CA, the stand-in's server certificate for 127.0.0.1 and a client
/// certificate for the collector, all made with the openssl command; and a
/// second client certificate from a CA the stand-in does not trust.
public struct TestCertificates: Sendable {
    public let caCert: String, serverCert: String, serverKey: String, clientCert: String, clientKey: String
    public let rogueCert: String, rogueKey: String

    public init(in dir: URL) throws {
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        func openssl(_ args: [String]) throws {
            guard try runToEnd(["/usr/bin/openssl"] + args) == 0 else { throw SpawnError(message: "openssl \(args.joined(separator: " ")) failed") }
        }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for ca in ["ca", "rogue-ca"] {
            try openssl(["req", "-x509"] + ec + ["-keyout", path("\(ca).key"), "-out", path("\(ca).pem"), "-days", "1", "-subj", "/CN=\(ca)"])
        }
        try "subjectAltName=IP:127.0.0.1\n".write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
        try "extendedKeyUsage=clientAuth\n".write(toFile: path("client.ext"), atomically: true, encoding: .utf8)
        for (name, ca, ext) in [("server", "ca", "server.ext"), ("client", "ca", "client.ext"), ("rogue", "rogue-ca", "client.ext")] {
            try openssl(["req"] + ec + ["-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", "/CN=\(name)"])
            try openssl([
                "x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(ca).pem"), "-CAkey", path("\(ca).key"), "-CAcreateserial",
                "-out", path("\(name).pem"), "-days", "1", "-extfile", path(ext),
            ])
            chmod(path("\(name).key"), 0o600)
        }
        caCert = path("ca.pem")
        serverCert = path("server.pem")
        serverKey = path("server.key")
        clientCert = path("client.pem")
        clientKey = path("client.key")
        rogueCert = path("rogue.pem")
        rogueKey = path("rogue.key")
    }
}
