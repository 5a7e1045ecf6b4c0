import Foundation

/// A TCP port on 127.0.0.1 that nobody listens on now: bound to port 0, read back, released.
/// A server started on it next may still lose it to another process; its start then fails loudly.
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    try withUnsafeMutablePointer(to: &address) { pointer in
        try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            guard bind(fd, $0, length) == 0, getsockname(fd, $0, &length) == 0 else { throw SpawnError(message: "no free port") }
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
