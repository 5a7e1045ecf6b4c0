import Foundation

/// A Bluetooth operation that failed, with what the operator can do about it.
public struct BlueZError: Error, Equatable, CustomStringConvertible {
    public var operation: String
    /// `errno` of the failing call.
    public var code: Int32

    public init(_ operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    public var isPermissionDenied: Bool { code == EPERM || code == EACCES }

    public var description: String {
        let reason = String(cString: strerror(code))
        switch code {
        case EPERM, EACCES:
            return
                "\(operation): \(reason): raw Bluetooth sockets need CAP_NET_RAW and adapter control CAP_NET_ADMIN (root, or the systemd unit's AmbientCapabilities)"
        case ENODEV:
            return "\(operation): \(reason): no such Bluetooth adapter (`hciconfig -a` or `btmgmt info` lists them)"
        case EAFNOSUPPORT:
            return "\(operation): \(reason): this kernel has no Bluetooth support (modprobe bluetooth)"
        case EIO:
            return "\(operation): \(reason): the controller rejected the command"
        default:
            return "\(operation): \(reason)"
        }
    }
}
