import CBluetooth
import DeviceFormats
import Foundation

/// An L2CAP socket on LE's fixed ATT channel (CID 4, Core Spec Vol 3 Part A
/// §2.1): one GATT connection, client or server side. Each `send` and
/// `receive` is one whole ATT PDU (SOCK_SEQPACKET).
public final class ATTSocket: @unchecked Sendable {
    let fd: Int32
    /// The peer, big-endian as written.
    public let peer: [UInt8]

    public enum AddressType: UInt8, Sendable {
        case lePublic = 1  // BDADDR_LE_PUBLIC
        case leRandom = 2  // BDADDR_LE_RANDOM
    }

    static let attChannel: UInt16 = 4

    init(fd: Int32, peer: [UInt8]) {
        self.fd = fd
        self.peer = peer
    }

    deinit { close(fd) }

    static func address(_ bigEndian: [UInt8], type: AddressType) -> sockaddr_l2 {
        var a = sockaddr_l2()
        a.l2_family = sa_family_t(AF_BLUETOOTH)
        a.l2_cid = attChannel.littleEndian
        a.l2_bdaddr_type = type.rawValue
        withUnsafeMutableBytes(of: &a.l2_bdaddr) { b in for (i, byte) in bigEndian.reversed().enumerated() { b[i] = byte } }
        return a
    }

    static func newSocket(on adapter: HCIAdapter) throws(BlueZError) -> Int32 {
        let fd = socket(AF_BLUETOOTH, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), BTPROTO_L2CAP)
        guard fd >= 0 else { throw BlueZError("open an L2CAP socket") }
        var local = address(try adapter.address(), type: .lePublic)
        let rc = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_l2>.size)) }
        }
        guard rc == 0 else {
            let e = BlueZError("bind the ATT channel on \(adapter.name)")
            close(fd)
            throw e
        }
        return fd
    }

    /// Connects to `peer`'s ATT channel through `adapter` (the kernel creates
    /// the LE connection). Fails after `timeoutMs` if the device is not
    /// connectable or out of range.
    public static func connect(
        adapter: HCIAdapter, to peer: [UInt8], type: AddressType = .leRandom,
        timeoutMs: Int32 = 10_000
    ) throws(BlueZError) -> ATTSocket {
        let fd = try newSocket(on: adapter)
        let socket = ATTSocket(fd: fd, peer: peer)  // closes fd on every failure below
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        var remote = address(peer, type: type)
        let rc = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_l2>.size)) }
        }
        let name = "connect to \(BDAddress.string(peer)) on \(adapter.name)"
        if rc != 0 {
            guard errno == EINPROGRESS || errno == EAGAIN else { throw BlueZError(name) }
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&p, 1, timeoutMs)
            guard ready > 0 else { throw BlueZError(name, code: ready == 0 ? ETIMEDOUT : errno) }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else { throw BlueZError(name, code: error) }
        }
        _ = fcntl(fd, F_SETFL, flags)
        return socket
    }

    public func send(_ pdu: [UInt8]) throws(BlueZError) {
        guard try send(pdu, waiting: true) else { throw BlueZError("send to \(BDAddress.string(peer))", code: EAGAIN) }
    }

    /// Without `waiting`, false when the link's buffers are full: a device
    /// drops a notification then rather than stall.
    public func send(_ pdu: [UInt8], waiting: Bool) throws(BlueZError) -> Bool {
        let flags = Int32(MSG_NOSIGNAL) | (waiting ? 0 : Int32(MSG_DONTWAIT))
        let n = pdu.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, flags) }
        if n < 0, !waiting, errno == EAGAIN || errno == EWOULDBLOCK { return false }
        guard n == pdu.count else { throw BlueZError("send to \(BDAddress.string(peer))", code: n < 0 ? errno : EMSGSIZE) }
        return true
    }

    /// The next PDU, or nil when none arrives within `timeoutMs`. A closed
    /// connection is an error (ENOTCONN).
    public func receive(timeoutMs: Int32) throws(BlueZError) -> [UInt8]? {
        guard try readable(fd, timeoutMs: timeoutMs, waitingFor: BDAddress.string(peer)) else { return nil }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n > 0 else {
            if n < 0, errno == EINTR || errno == EAGAIN { return nil }
            throw BlueZError("receive from \(BDAddress.string(peer))", code: n == 0 ? ENOTCONN : errno)
        }
        return Array(buffer[..<n])
    }

    /// Drops the connection (the kernel disconnects the link when its last channel closes).
    public func shutdown() { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
}

/// The server side: the ATT channel of every LE connection a peer makes to
/// this adapter (the simulator's peripheral mode).
public final class ATTListener: @unchecked Sendable {
    let fd: Int32
    public let adapter: HCIAdapter

    public init(adapter: HCIAdapter) throws(BlueZError) {
        self.adapter = adapter
        fd = try ATTSocket.newSocket(on: adapter)
        guard listen(fd, 8) == 0 else {
            let e = BlueZError("listen on the ATT channel of \(adapter.name)")
            close(fd)
            throw e
        }
    }

    deinit { close(fd) }

    /// The next connection, or nil when none comes within `timeoutMs`.
    public func accept(timeoutMs: Int32) throws(BlueZError) -> ATTSocket? {
        guard try readable(fd, timeoutMs: timeoutMs, waitingFor: "ATT connections on \(adapter.name)") else { return nil }
        var remote = sockaddr_l2()
        var length = socklen_t(MemoryLayout<sockaddr_l2>.size)
        let client = withUnsafeMutablePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(fd, $0, &length) }
        }
        guard client >= 0 else {
            if errno == EINTR || errno == EAGAIN || errno == ECONNABORTED { return nil }
            throw BlueZError("accept an ATT connection on \(adapter.name)")
        }
        let peer = withUnsafeBytes(of: remote.l2_bdaddr) { Array($0.reversed()) }
        return ATTSocket(fd: client, peer: peer)
    }
}
