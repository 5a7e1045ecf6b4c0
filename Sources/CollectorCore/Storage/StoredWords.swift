import GRDB
import Wire

// The typed words the store writes and reads as their raw text (GRDB's
// `DatabaseValueConvertible` for `RawRepresentable`): decoded once where they
// come in, compared as values everywhere after.
extension AlarmPhase: DatabaseValueConvertible {}
extension GatewayStatus.State: DatabaseValueConvertible {}
extension AlertRecord.Resolution: DatabaseValueConvertible {}
