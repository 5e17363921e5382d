import ShopperCore

/// Turns a request's rows into sessions by the CSV reader's own rules: each JSON row's values are
/// written as the texts of its 17 cells and checked by the reader's cell rules
/// (`InputCellsDecoder`, the reader's `RowDecoder`; all-or-nothing), whose issues are mapped back
/// to rows, fields and JSON paths. What only JSON can get wrong (an unknown or missing key, a value
/// of the wrong JSON type) is checked here first: a request with such a problem is refused with
/// those problems alone.
package enum SessionValidator {
    /// The file name given to the reader; no issue names it.
    static let fileName = "request"

    /// The sessions of JSON rows, or every problem found.
    package static func sessions(_ rows: RequestRows) throws(ServeFailure) -> [Session] {
        var issues: [RequestIssue] = []
        var cellIssues: [RequestIssue] = []
        var cellIssueCount = 0
        var sessions: [Session] = []
        sessions.reserveCapacity(rows.count)
        var decoder = InputCellsDecoder(fileName: fileName)
        // For each column (its `Column.allCases` index), the position of its cell in the row, or -1.
        var byColumn = [Int](repeating: -1, count: Column.allCases.count)
        for (r, cells) in rows.enumerated() {
            for k in byColumn.indices { byColumn[k] = -1 }
            for (position, cell) in cells.enumerated() {
                guard let index = columnIndex(named: cell.field), index != revenueIndex else {
                    issues.append(RequestIssue(row: r, field: cell.field, path: cell.path, value: cell.value.jsonText, reason: unknownReason(cell.field)))
                    continue
                }
                if byColumn[index] >= 0 {
                    let name = Column.allCases[index].name
                    issues.append(RequestIssue(row: r, field: name, path: cell.path, value: cell.value.jsonText, reason: "column \(name) is given twice"))
                }
                byColumn[index] = position
            }
            for (index, column) in Column.allCases.enumerated() where index != revenueIndex {
                guard byColumn[index] >= 0 else {
                    issues.append(RequestIssue(row: r, field: column.name, value: "", reason: "required column \(column.name) is missing"))
                    continue
                }
                let cell = cells[byColumn[index]]
                if let error = typeError(cell.value, column) {
                    issues.append(RequestIssue(row: r, field: column.name, path: cell.path, value: cell.value.jsonText, reason: error.reason))
                }
            }
            // Once a row has a JSON problem, the request is refused for those alone: no cell rule runs.
            guard issues.isEmpty else { continue }
            let session = decoder.decode(line: r) { input, out in
                appendCellText(cells[byColumn[Self.indexOfInput[input]]].value, to: &out)
            }
            if let session {
                sessions.append(session)
                continue
            }
            cellIssueCount += decoder.issues.count
            for issue in decoder.issues where cellIssues.count < BatchReader.issueLimit {
                let position = columnIndex(named: issue.column).map { byColumn[$0] } ?? -1
                cellIssues.append(RequestIssue(row: r, field: issue.column, path: position >= 0 ? cells[position].path : nil,
                                               value: issue.value, reason: issue.reason))
            }
        }
        if !issues.isEmpty { throw ServeFailure(issues: issues) }
        if cellIssueCount > 0 { throw ServeFailure(issues: cellIssues) }
        return sessions
    }

    /// The sessions of a `text/csv` body: the reader's rules as they are, plus no unknown column
    /// and no `Revenue` (a scoring request has the 17 inputs exactly). Issues name the line.
    package static func sessions(csv bytes: [UInt8], maxRows: Int) throws(ServeFailure) -> [Session] {
        let batch: ParsedBatch
        do {
            batch = try BatchReader(policy: .reject).read(bytes: bytes, fileName: fileName)
        } catch {
            throw ServeFailure(issues: error.issues.map {
                RequestIssue(line: $0.line, field: $0.column, value: $0.value, reason: $0.reason)
            })
        }
        let extra = batch.unknownColumns + (batch.hasLabelColumn ? [Column.revenue.name] : [])
        if !extra.isEmpty {
            throw ServeFailure(issues: extra.map { RequestIssue(line: 1, field: $0, value: $0, reason: unknownReason($0)) })
        }
        try RowLimit.check(batch.rowCount, maxRows: maxRows)
        return batch.sessions
    }

    /// The column a request names, as the CSV header matches names: exactly or ignoring case.
    static func column(named name: String) -> Column? {
        columnIndex(named: name).map { Column.allCases[$0] }
    }

    /// `column(named:)`'s position in `Column.allCases`: one hash of the name as sent (two when its case differs).
    static func columnIndex(named name: String) -> Int? {
        byName[name] ?? byLowercasedName[name.lowercased()]
    }

    private static let byName = Dictionary(uniqueKeysWithValues: Column.allCases.enumerated().map { ($1.name, $0) })
    private static let byLowercasedName = Dictionary(uniqueKeysWithValues: Column.allCases.enumerated().map { ($1.name.lowercased(), $0) })
    private static let revenueIndex = Column.allCases.firstIndex(of: .revenue)!
    /// For each of `Column.inputs`, its position in `Column.allCases`.
    private static let indexOfInput = Column.inputs.map { Column.allCases.firstIndex(of: $0)! }

    static func unknownReason(_ field: String) -> String {
        field.lowercased() == Column.revenue.name.lowercased()
            ? "Revenue is the label, which a scoring request does not send"
            : "unknown column: a scoring request has exactly the 17 input columns (\(Column.inputs.map(\.name).joined(separator: ", ")))"
    }

    /// Why the JSON type of `value` is wrong for `column`; nil when the reader can be given its text.
    static func typeError(_ value: JSONValue, _ column: Column) -> CellTypeError? {
        switch (value, column.kind) {
        case (.null, _):
            return CellTypeError("missing value (null)")
        case (.integer, .pageCount), (.integer, .code), (.integer, .duration), (.integer, .unitInterval), (.integer, .nonNegative),
             (.number, .pageCount), (.number, .code), (.number, .duration), (.number, .unitInterval), (.number, .nonNegative),
             (.string, .month), (.string, .visitorType), (.string, .boolean), (.bool, .boolean):
            return nil
        case (.integer(let number), .boolean) where number == 0 || number == 1:
            return nil
        default:
            let expected = switch column.kind {
            case .pageCount, .code: "a JSON number (a whole number)"
            case .duration, .unitInterval, .nonNegative: "a JSON number"
            case .month, .visitorType: "a JSON string"
            case .boolean: "a JSON boolean"
            }
            return CellTypeError("wrong type: \(column.name) takes \(expected), not \(value.typeName)")
        }
    }

    /// Appends the text the CSV reader reads for a JSON value that passed `typeError`: a number
    /// as Swift writes it (the shortest text that reads back as the same Double), a string as
    /// is, a boolean as `TRUE`/`FALSE`.
    static func appendCellText(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .integer(let number): appendDecimal(number, to: &out)
        case .number(let number): out.append(contentsOf: number.description.utf8)
        case .string(let text): out.append(contentsOf: text.utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "TRUE" : "FALSE").utf8)
        case .null, .array, .object: break
        }
    }

    /// `String(number)`'s digits, without making the String.
    static func appendDecimal(_ number: Int, to out: inout [UInt8]) {
        if number < 0 { out.append(UInt8(ascii: "-")) }
        let magnitude = number.magnitude
        // The largest power of ten not above the number, then its digits from the first: no
        // reversal of a slice of `out` (which costs a retain and a release of its buffer).
        var unit: UInt = 1
        while magnitude / unit >= 10 { unit *= 10 }
        var rest = magnitude
        repeat {
            out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest / unit))
            rest %= unit
            unit /= 10
        } while unit > 0
    }

    struct CellTypeError: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}

