import Foundation

/// Waits until `fd` has something to read: true then, false when `timeoutMs`
/// passes first or a signal interrupts the wait (the caller's loop tries
/// again). Every Bluetooth socket here is read this way, so no read blocks
/// past its caller's deadline.
func readable(_ fd: Int32, timeoutMs: Int32, waitingFor what: @autoclosure () -> String) throws(BlueZError) -> Bool {
    var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    let ready = poll(&p, 1, timeoutMs)
    if ready < 0 {
        if errno == EINTR { return false }
        throw BlueZError("wait for \(what())")
    }
    return ready > 0
}
