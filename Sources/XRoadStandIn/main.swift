import Foundation
import XRoadStandInServer

// The stand-in for the employer's X-Road security server
// (``SecurityServerStandIn``) as a process, for the demo: makes a test CA and
// certificates in DIR, serves HTTPS with mutual TLS on a free loopback port,
// prints one line with its URL and the collector's certificate files, then
// one line per request it answers, until it is stopped.
//
//   XRoadStandIn DIR
guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: XRoadStandIn DIR\n".utf8))
    exit(64)
}
/// One line on stdout, at once (a script reads it).
@Sendable func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
let dir = URL(fileURLWithPath: CommandLine.arguments[1])
try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
let certificates = try TestCertificates(in: dir)
let standIn = SecurityServerStandIn(answers: [], certificates: certificates) { r in
    say("xroad-standin: \(r.path) X-Road-Client \(r.headers["x-road-client"] ?? "-") X-Road-Id \(r.headers["x-road-id"] ?? "-"): delivered")
}
try await standIn.run { port in
    say(
        "xroad-standin: https://127.0.0.1:\(port) ca_file=\(certificates.caCert) cert_file=\(certificates.clientCert) key_file=\(certificates.clientKey)"
    )
}
