import GRDB
import GRDBSQLite

/// A cached statement of the ingest's hot path, run with its parameters bound
/// straight through the SQLite C API (sqlite.org/c3ref/bind_blob.html).
/// GRDB's `StatementArguments` box every value as an existential, which cost
/// more than SQLite's insert itself at tens of thousands of readings a second
/// (docs/performance.md). Only inside the write transaction that made it.
/// GRDB's transaction observers do not see these statements: never use one
/// on an observed table (`alert_changes`, ``AlertLogObserver``).
struct BoundStatement {
    private let statement: SQLiteStatement
    private let connection: SQLiteConnection?
    private let sql: String

    init(_ db: Database, sql: String) throws {
        statement = try db.cachedStatement(sql: sql).sqliteStatement
        connection = db.sqliteConnection
        self.sql = sql
    }

    /// SQLite copies the text (`SQLITE_TRANSIENT`): the Swift string's storage may not outlive the call.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    /// Runs the statement once with `values` as its parameters, in order;
    /// true when it changed a row (false for an `INSERT OR IGNORE` that found one).
    @discardableResult
    func run(_ values: Parameter...) throws -> Bool {
        try step(values)
        return sqlite3_changes(connection) > 0
    }

    /// The first row of a query with `values` as its parameters, read by `read`; nil when there is none.
    func first<T>(_ values: Parameter..., read: (Columns) -> T) throws -> T? {
        defer { sqlite3_reset(statement) }
        return try step(values) ? read(Columns(statement: statement)) : nil
    }

    /// True when the statement gave a row.
    @discardableResult
    private func step(_ values: [Parameter]) throws -> Bool {
        sqlite3_reset(statement)
        for (k, value) in values.enumerated() {
            let index = Int32(k + 1)
            switch value {
            case .text(var s): s.withUTF8 { _ = sqlite3_bind_text(statement, index, $0.baseAddress, Int32($0.count), Self.transient) }
            case .utf8(let bytes):
                bytes.withUnsafeBufferPointer { _ = sqlite3_bind_text(statement, index, $0.baseAddress, Int32($0.count), Self.transient) }
            case .int(let v): sqlite3_bind_int64(statement, index, v)
            case .null: sqlite3_bind_null(statement, index)
            }
        }
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE || code == SQLITE_ROW else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: connection.map { String(cString: sqlite3_errmsg($0)) },
                sql: sql)
        }
        return code == SQLITE_ROW
    }

    enum Parameter {
        case text(String)
        /// Text as UTF-8 bytes (a message as received), without making a String of it.
        case utf8([UInt8])
        case int(Int64)
        case null

        static func text(_ s: String?) -> Parameter { s.map { .text($0) } ?? .null }
        static func int(_ v: Int64?) -> Parameter { v.map { .int($0) } ?? .null }
    }

    /// The current row's columns, numbered from 0.
    struct Columns {
        let statement: SQLiteStatement

        func int64(_ i: Int32) -> Int64 { sqlite3_column_int64(statement, i) }

        func optionalInt64(_ i: Int32) -> Int64? {
            sqlite3_column_type(statement, i) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, i)
        }

        func text(_ i: Int32) -> String? {
            guard let p = sqlite3_column_text(statement, i) else { return nil }
            return String(decoding: UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(statement, i))), as: UTF8.self)
        }
    }
}
