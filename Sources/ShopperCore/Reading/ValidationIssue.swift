/// One thing wrong with a batch, precise enough for an operator to find and fix it.
///
/// Every rejected or quarantined row carries at least one of these; header problems use line 1.
/// Codable so the daemon can write them into `NAME.rejected.json` and the store can keep them with
/// quarantined rows.
public struct ValidationIssue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The batch's file name, as given to the reader.
    public var file: String
    /// The 1-based physical line where the record starts.
    public var line: Int
    /// The column's header name, or `(record)` for problems of the whole record.
    public var column: String
    /// The offending cell as written (trimmed, at most `ValidationIssue.maxValueLength` characters).
    public var value: String
    /// What is wrong, in words an operator can act on.
    public var reason: String

    /// Cells longer than this are shortened in reports (with `…`), so one huge cell cannot bloat them.
    public static let maxValueLength = 120

    /// The column name used for problems that concern a whole record rather than one cell.
    public static let recordColumn = "(record)"

    public init(file: String, line: Int, column: String, value: String, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.value = value.count > Self.maxValueLength ? String(value.prefix(Self.maxValueLength)) + "…" : value
        self.reason = reason
    }

    public var description: String {
        "\(file):\(line): column \(column), value \"\(value)\": \(reason)"
    }
}
