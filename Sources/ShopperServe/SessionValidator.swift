import ShopperCore

/// Turns a request's rows into sessions by the CSV reader's own rules: each JSON row is written as
/// one CSV record of its values' text and read by `BatchReader` (all-or-nothing), whose issues are
/// mapped back to rows, fields and JSON paths. What only JSON can get wrong (an unknown or missing
/// key, a value of the wrong JSON type) is checked here first.
package enum SessionValidator {
    /// The file name given to the reader; no issue names it.
    static let fileName = "request"

    /// The sessions of JSON rows, or every problem found.
    package static func sessions(_ rows: RequestRows) throws(ServeFailure) -> [Session] {
        var issues: [RequestIssue] = []
        var csv = Column.inputs.map(\.name).joined(separator: ",") + "\n"
        var rowOfLine: [Int: Int] = [:]
        var cellsByRow: [[Column: RequestCell]] = []
        var line = 2
        for (r, cells) in rows.enumerated() {
            var byColumn: [Column: RequestCell] = [:]
            for cell in cells {
                guard let column = column(named: cell.field), column != .revenue else {
                    issues.append(RequestIssue(row: r, field: cell.field, path: cell.path, value: cell.value.jsonText, reason: unknownReason(cell.field)))
                    continue
                }
                if byColumn[column] != nil {
                    issues.append(RequestIssue(row: r, field: column.name, path: cell.path, value: cell.value.jsonText, reason: "column \(column.name) is given twice"))
                }
                byColumn[column] = cell
            }
            var texts: [String] = []
            for column in Column.inputs {
                guard let cell = byColumn[column] else {
                    issues.append(RequestIssue(row: r, field: column.name, value: "", reason: "required column \(column.name) is missing"))
                    continue
                }
                switch cellText(cell.value, column) {
                case .success(let text): texts.append(text)
                case .failure(let error): issues.append(RequestIssue(row: r, field: column.name, path: cell.path, value: cell.value.jsonText, reason: error.reason))
                }
            }
            cellsByRow.append(byColumn)
            guard texts.count == Column.inputs.count else { continue }
            rowOfLine[line] = r
            let record = texts.map { "\"" + ($0.contains("\"") ? $0.replacing("\"", with: "\"\"") : $0) + "\"" }.joined(separator: ",")
            csv += record + "\n"
            line += 1 + record.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        }
        if !issues.isEmpty { throw ServeFailure(issues: issues) }
        do {
            return try BatchReader(policy: .reject).read(bytes: Array(csv.utf8), fileName: fileName).sessions
        } catch {
            throw ServeFailure(issues: error.issues.map { issue in
                let row = issue.line.flatMap { rowOfLine[$0] }
                let column = Column(headerName: issue.column)
                return RequestIssue(row: row, field: issue.column, path: row.flatMap { r in column.flatMap { cellsByRow[r][$0]?.path } },
                                    value: issue.value, reason: issue.reason)
            })
        }
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
        Column(headerName: name) ?? byLowercasedName[name.lowercased()]
    }

    private static let byLowercasedName = Dictionary(uniqueKeysWithValues: Column.allCases.map { ($0.name.lowercased(), $0) })

    static func unknownReason(_ field: String) -> String {
        field.lowercased() == Column.revenue.name.lowercased()
            ? "Revenue is the label, which a scoring request does not send"
            : "unknown column: a scoring request has exactly the 17 input columns (\(Column.inputs.map(\.name).joined(separator: ", ")))"
    }

    /// The text the CSV reader reads for a JSON value, or why the JSON type is wrong for the column.
    static func cellText(_ value: JSONValue, _ column: Column) -> Result<String, CellTypeError> {
        switch (value, column.kind) {
        case (.null, _):
            return .failure(CellTypeError("missing value (null)"))
        case (.integer(let number), .pageCount), (.integer(let number), .code), (.integer(let number), .duration),
             (.integer(let number), .unitInterval), (.integer(let number), .nonNegative):
            return .success(String(number))
        case (.number(let number), .pageCount), (.number(let number), .code), (.number(let number), .duration),
             (.number(let number), .unitInterval), (.number(let number), .nonNegative):
            return .success("\(number)")
        case (.string(let text), .month), (.string(let text), .visitorType), (.string(let text), .boolean):
            return .success(text)
        case (.bool(let flag), .boolean):
            return .success(flag ? "TRUE" : "FALSE")
        case (.integer(let number), .boolean) where number == 0 || number == 1:
            return .success(String(number))
        default:
            let expected = switch column.kind {
            case .pageCount, .code: "a JSON number (a whole number)"
            case .duration, .unitInterval, .nonNegative: "a JSON number"
            case .month, .visitorType: "a JSON string"
            case .boolean: "a JSON boolean"
            }
            return .failure(CellTypeError("wrong type: \(column.name) takes \(expected), not \(value.typeName)"))
        }
    }

    struct CellTypeError: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
