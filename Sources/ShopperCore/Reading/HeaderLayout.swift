/// Where each of the 18 columns sits in a batch's records, from its header line.
///
/// Columns may come in any order; names match case-insensitively after trimming blanks. Unknown
/// names are kept (and reported) so their cells can be skipped; a required column missing or named
/// twice is an error, since no row could then be read unambiguously.
struct HeaderLayout {
    /// The header names as written, trimmed, by field position.
    let names: [String]
    /// For each `Column.allCases` index, the field position of that column, or -1 (only Revenue).
    let positions: [Int]
    /// Names that are not a column of the schema, in file order.
    let unknownColumns: [String]
    /// Whether `Revenue` is present.
    var hasLabelColumn: Bool { positions[Column.allCases.count - 1] >= 0 }

    private static let byLowercasedName: [String: Int] = Dictionary(
        uniqueKeysWithValues: Column.allCases.enumerated().map { ($1.name.lowercased(), $0) })

    init(fields: UnsafeBufferPointer<RecordScanner.Field>, base: UnsafePointer<UInt8>, line: Int, fileName: String) throws(BatchError) {
        var names: [String] = []
        var issues: [ValidationIssue] = []
        for field in fields {
            let bytes = UnsafeBufferPointer(start: base + field.start, count: field.end - field.start)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw .notText(file: fileName, line: line, reason: "the header line is not UTF-8 text")
            }
            var name = text.trimmingBlanks()
            if field.flags & RecordScanner.Field.escapedQuote != 0 {
                name = name.replacingDoubledQuotes()
            }
            if field.flags & (RecordScanner.Field.strayQuote | RecordScanner.Field.textAfterQuote) != 0 {
                issues.append(ValidationIssue(file: fileName, line: line, column: name, value: name,
                                              reason: "stray quote in header name \(name)"))
            }
            names.append(name)
        }

        var positions = Array(repeating: -1, count: Column.allCases.count)
        var unknown: [String] = []
        for (position, name) in names.enumerated() {
            guard let index = HeaderLayout.byLowercasedName[name.lowercased()] else {
                unknown.append(name)
                continue
            }
            if positions[index] >= 0 {
                let column = Column.allCases[index].name
                issues.append(ValidationIssue(
                    file: fileName, line: line, column: column, value: name,
                    reason: "column \(column) appears twice (fields \(positions[index] + 1) and \(position + 1))"))
            } else {
                positions[index] = position
            }
        }
        let missing = Column.inputs.filter { positions[Column.allCases.firstIndex(of: $0)!] < 0 }
        if missing.count == Column.inputs.count {
            issues.append(ValidationIssue(
                file: fileName, line: line, column: ValidationIssue.recordColumn,
                value: names.prefix(3).joined(separator: ","),
                reason: "the first line is not a header: it names none of the columns (the header line is required)"))
        } else {
            for column in missing {
                // A name that is the column's once invisible characters are removed (a second
                // byte-order mark from concatenated exports, a no-break space) reads as the column to
                // the operator, so say why it does not count.
                let lookalike = unknown.first { HeaderLayout.visible($0).lowercased() == column.name.lowercased() }
                if let lookalike {
                    issues.append(ValidationIssue(
                        file: fileName, line: line, column: column.name, value: lookalike,
                        reason: "required column \(column.name) is missing: the header has \"\(ValidationIssue.printable(lookalike))\","
                            + " which has invisible characters (a byte-order mark, a zero-width or no-break space); retype the name"))
                } else {
                    issues.append(ValidationIssue(file: fileName, line: line, column: column.name, value: "",
                                                  reason: "required column \(column.name) is missing"))
                }
            }
        }
        if !issues.isEmpty { throw .invalidHeader(file: fileName, issues: issues) }
        self.names = names
        self.positions = positions
        self.unknownColumns = unknown
    }
}

extension HeaderLayout {
    /// `name` without the invisible characters an export can leave in it, trimmed.
    static func visible(_ name: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in name.unicodeScalars {
            switch scalar.value {
            case 0x00A0, 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2064, 0xFEFF: continue
            default: scalars.append(scalar)
            }
        }
        return String(scalars).trimmingBlanks()
    }
}

extension String {
    func replacingDoubledQuotes() -> String {
        var out = ""
        var previousWasQuote = false
        for character in self {
            if character == "\"" && previousWasQuote {
                previousWasQuote = false
                continue
            }
            previousWasQuote = character == "\""
            out.append(character)
        }
        return out
    }
}
