import DeviceFormats

/// Where the agent's BLE frames come from. The live BlueZ scanner, a btsnoop
/// replay and the worksite simulator all deliver the same ``BLEFrame``s, so
/// everything after this point is tested with real bytes.
public protocol BLESource: Sendable {
    /// Frames in time order; the sequence ends when the source does.
    func frames() -> AsyncStream<BLEFrame>
}
