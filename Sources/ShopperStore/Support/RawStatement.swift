import GRDB
#if canImport(GRDBSQLite)
import GRDBSQLite
#elseif canImport(SQLite3)
import SQLite3
#endif

/// A prepared statement driven through SQLite's C API: bind, step, reset, no allocation per row.
///
/// Why: inserting a million rows through `StatementArguments` costs an array of `DatabaseValue`s a
/// row, a large share of ingest time. GRDB still prepares and finalises the statement and owns the
/// connection and the transaction; this only drives it. Text is bound `SQLITE_STATIC` from memory
/// that outlives the step (the batch's bytes), so SQLite copies it once, into the page.
struct RawStatement {
    private let statement: Statement
    private let handle: OpaquePointer
    private let connection: OpaquePointer?

    init(_ db: Database, sql: String) throws {
        statement = try db.makeStatement(sql: sql)
        handle = statement.sqliteStatement
        connection = db.sqliteConnection
    }

    @inline(__always) func bind(_ index: Int32, _ value: Int) {
        sqlite3_bind_int64(handle, index, Int64(value))
    }

    @inline(__always) func bind(_ index: Int32, _ value: Double) {
        sqlite3_bind_double(handle, index, value)
    }

    @inline(__always) func bind(_ index: Int32, _ value: Bool) {
        sqlite3_bind_int64(handle, index, value ? 1 : 0)
    }

    @inline(__always) func bind(_ index: Int32, _ value: Int?) {
        if let value { sqlite3_bind_int64(handle, index, Int64(value)) } else { sqlite3_bind_null(handle, index) }
    }

    @inline(__always) func bind(_ index: Int32, _ value: Bool?) {
        if let value { sqlite3_bind_int64(handle, index, value ? 1 : 0) } else { sqlite3_bind_null(handle, index) }
    }

    @inline(__always) func bind(_ index: Int32, _ value: Double?) {
        if let value { sqlite3_bind_double(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    /// Binds UTF-8 text without copying; `bytes` must stay valid until the next `step()`.
    @inline(__always) func bindText(_ index: Int32, _ bytes: UnsafeBufferPointer<UInt8>) {
        let pointer = UnsafeRawPointer(bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!)
        sqlite3_bind_text(handle, index, pointer.assumingMemoryBound(to: CChar.self), Int32(bytes.count), RawStatement.static)
    }

    /// Binds a String, copied by SQLite.
    func bind(_ index: Int32, _ text: String) {
        sqlite3_bind_text(handle, index, text, -1, RawStatement.transient)
    }

    /// Runs the statement once (an INSERT or UPDATE), then resets it for the next row.
    @inline(__always) func execute() throws {
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: connection.map { String(cString: sqlite3_errmsg($0)) })
        }
    }

    /// Steps a query: true while there is a row to read with the column accessors.
    @inline(__always) func step() throws -> Bool {
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return true }
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: connection.map { String(cString: sqlite3_errmsg($0)) })
        }
        return false
    }

    /// Resets a query stepped to a row, for the next binding.
    @inline(__always) func reset() { sqlite3_reset(handle) }

    @inline(__always) func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
    @inline(__always) func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    @inline(__always) func bool(_ column: Int32) -> Bool { sqlite3_column_int64(handle, column) != 0 }
    @inline(__always) func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    @inline(__always) func optionalInt(_ column: Int32) -> Int? { isNull(column) ? nil : int(column) }
    @inline(__always) func optionalBool(_ column: Int32) -> Bool? { isNull(column) ? nil : bool(column) }

    /// The column's UTF-8 bytes, valid until the next step or reset.
    @inline(__always) func textBytes(_ column: Int32) -> UnsafeBufferPointer<UInt8> {
        guard let pointer = sqlite3_column_text(handle, column) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, column)))
    }

    func text(_ column: Int32) -> String { String(decoding: textBytes(column), as: UTF8.self) }

    /// SQLite's "the memory outlives the statement step, do not copy it yet" destructor marker.
    private static var `static`: sqlite3_destructor_type { unsafeBitCast(0, to: sqlite3_destructor_type.self) }
    /// SQLite's "copy this now" destructor marker.
    private static var transient: sqlite3_destructor_type { unsafeBitCast(-1, to: sqlite3_destructor_type.self) }
}
