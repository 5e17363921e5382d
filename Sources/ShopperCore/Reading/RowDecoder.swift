/// Turns one record's fields into a `Session`, checking every rule of the schema and recording each
/// violation with its line, column, value and reason.
///
/// Hot path: cells are read as byte ranges; a String is made only for a cell that is wrong.
struct RowDecoder {
    private let base: UnsafePointer<UInt8>
    private let fileName: String
    /// For each `Column.allCases` index, the position of its field in a record, or -1.
    private let positions: [Int]
    /// The header names by field position (for reporting unknown columns' cells).
    private let headerNames: [String]
    /// Problems found in the current record.
    private(set) var issues: [ValidationIssue] = []
    private var line = 0

    init(base: UnsafePointer<UInt8>, fileName: String, positions: [Int], headerNames: [String]) {
        self.base = base
        self.fileName = fileName
        self.positions = positions
        self.headerNames = headerNames
    }

    /// Decodes the record's fields; nil when it has issues (then in `issues`). `fieldCount` is the
    /// record's number of fields, which exceeds `f.count` when the scanner stopped storing them.
    mutating func decode(
        _ f: UnsafeBufferPointer<RecordScanner.Field>, fieldCount: Int, line: Int, recordStart: Int, recordEnd: Int
    ) -> Session? {
        self.line = line
        issues.removeAll(keepingCapacity: true)
        if fieldCount != headerNames.count {
            issues.append(ValidationIssue(
                file: fileName, line: line, column: ValidationIssue.recordColumn, value: "\(fieldCount) fields",
                reason: "expected \(headerNames.count) fields as in the header, found \(fieldCount)"))
            return nil
        }
        return positions.withUnsafeBufferPointer { at in
                let session = Session(
                    administrative: count(f[at[0]], .administrative),
                    administrativeDuration: number(f[at[1]], .administrativeDuration),
                    informational: count(f[at[2]], .informational),
                    informationalDuration: number(f[at[3]], .informationalDuration),
                    productRelated: count(f[at[4]], .productRelated),
                    productRelatedDuration: number(f[at[5]], .productRelatedDuration),
                    bounceRates: number(f[at[6]], .bounceRates),
                    exitRates: number(f[at[7]], .exitRates),
                    pageValues: number(f[at[8]], .pageValues),
                    specialDay: number(f[at[9]], .specialDay),
                    month: month(f[at[10]]),
                    operatingSystems: code(f[at[11]], .operatingSystems),
                    browser: code(f[at[12]], .browser),
                    region: code(f[at[13]], .region),
                    trafficType: code(f[at[14]], .trafficType),
                    visitorType: visitorType(f[at[15]]),
                    weekend: boolean(f[at[16]], .weekend),
                    revenue: at[17] < 0 ? nil : label(f[at[17]])
                )
                if issues.isEmpty
                    && !ASCIIMatching.isValidUTF8(UnsafeBufferPointer(start: base + recordStart, count: recordEnd - recordStart))
                {
                    reportInvalidUTF8(f)
                }
                return issues.isEmpty ? session : nil
        }
    }

    // MARK: Cells

    /// The cell's bytes with surrounding spaces and tabs trimmed, or nil (with an issue) when the
    /// cell is empty or badly quoted.
    @inline(__always)
    private mutating func content(_ field: RecordScanner.Field, _ column: Column) -> UnsafeBufferPointer<UInt8>? {
        var start = field.start
        var end = field.end
        while start < end && (base[start] == 0x20 || base[start] == 0x09) { start += 1 }
        while end > start && (base[end - 1] == 0x20 || base[end - 1] == 0x09) { end -= 1 }
        if field.flags & (RecordScanner.Field.strayQuote | RecordScanner.Field.textAfterQuote | RecordScanner.Field.escapedQuote) != 0 {
            let reason: String
            if field.flags & RecordScanner.Field.strayQuote != 0 {
                reason = "stray quote: a quote may only open a quoted field (write the field as \"…\" with inner quotes doubled)"
            } else if field.flags & RecordScanner.Field.textAfterQuote != 0 {
                reason = "text after the closing quote of a quoted field"
            } else {
                reason = "contains a quote character, which no \(column.name) value can"
            }
            report(column, field, reason)
            return nil
        }
        if start == end {
            report(column, field, "missing value (empty cell)")
            return nil
        }
        return UnsafeBufferPointer(start: base + start, count: end - start)
    }

    private mutating func count(_ field: RecordScanner.Field, _ column: Column) -> Int {
        guard let bytes = content(field, column) else { return 0 }
        switch NumberParser.parseInteger(bytes) {
        case .value(let value):
            if value < 0 {
                report(column, field, "a page count cannot be negative")
                return 0
            }
            if value > Session.largestCount {
                report(column, field, "page count too large: at most \(Session.largestCount)")
                return 0
            }
            return value
        case .outOfRange:
            report(column, field, "page count too large: at most \(Session.largestCount)")
        case .invalid:
            report(column, field, "a page count must be a non-negative whole number (digits only)")
        }
        return 0
    }

    private mutating func code(_ field: RecordScanner.Field, _ column: Column) -> Int {
        guard let bytes = content(field, column) else { return 0 }
        switch NumberParser.parseInteger(bytes) {
        case .value(let value):
            if value <= 0 {
                report(column, field, "a category code must be a positive whole number (1, 2, …)")
                return 0
            }
            return value
        case .outOfRange:
            report(column, field, "category code too large")
        case .invalid:
            report(column, field, "a category code must be a positive whole number (1, 2, …)")
        }
        return 0
    }

    /// Durations, rates, SpecialDay and PageValues: finite decimals, with the column's range.
    private mutating func number(_ field: RecordScanner.Field, _ column: Column) -> Double {
        guard let bytes = content(field, column) else { return 0 }
        switch NumberParser.parseDecimal(bytes) {
        case .value(let value):
            if value < 0 {
                report(column, field, column.kind == .duration
                    ? "a duration cannot be negative" : "\(column.name) cannot be negative")
                return 0
            }
            if column.kind == .unitInterval && value > 1 {
                report(column, field, "\(column.name) must be between 0 and 1")
                return 0
            }
            if value > Session.largestQuantity {
                report(column, field, "\(column.name) too large: at most \(Session.largestCount)")
                return 0
            }
            // -0 becomes 0 (cleaning rule: one spelling of zero).
            return value == 0 ? 0 : value
        case .infinite:
            report(column, field, "number too large: not finite")
        case .invalid:
            report(column, field, "not a decimal number (expected e.g. 12, 0.5, 1.2e-3; no nan or inf)")
        }
        return 0
    }

    private mutating func month(_ field: RecordScanner.Field) -> Month {
        guard let bytes = content(field, .month) else { return .jan }
        if let month = ASCIIMatching.month(bytes) { return month }
        report(.month, field, "not a month: use Jan…Dec or January…December (any case)")
        return .jan
    }

    private mutating func visitorType(_ field: RecordScanner.Field) -> VisitorType {
        guard let bytes = content(field, .visitorType) else { return .other }
        if let type = ASCIIMatching.visitorType(bytes) { return type }
        report(.visitorType, field, "not a visitor type: use Returning_Visitor, New_Visitor or Other")
        return .other
    }

    private mutating func boolean(_ field: RecordScanner.Field, _ column: Column) -> Bool {
        guard let bytes = content(field, column) else { return false }
        if let value = ASCIIMatching.boolean(bytes) { return value }
        report(column, field, "not a boolean: use TRUE or FALSE (also true/false, 1/0)")
        return false
    }

    /// `Revenue`: a blank cell (empty, or only spaces and tabs) is a row without a label, not an
    /// error — labels often arrive later than sessions, or for some sessions only. Anything else
    /// must be a boolean.
    private mutating func label(_ field: RecordScanner.Field) -> Bool? {
        if field.flags & (RecordScanner.Field.strayQuote | RecordScanner.Field.textAfterQuote | RecordScanner.Field.escapedQuote) == 0 {
            var start = field.start
            while start < field.end && (base[start] == 0x20 || base[start] == 0x09) { start += 1 }
            if start == field.end { return nil }
        }
        return boolean(field, .revenue)
    }

    /// The raw record goes to bronze as text, so every field (unknown columns too) must be UTF-8.
    private mutating func reportInvalidUTF8(_ fields: UnsafeBufferPointer<RecordScanner.Field>) {
        for (position, field) in fields.enumerated()
        where !ASCIIMatching.isValidUTF8(UnsafeBufferPointer(start: base + field.start, count: field.end - field.start)) {
            issues.append(ValidationIssue(
                file: fileName, line: line, column: headerNames[position], value: text(field),
                reason: "not valid UTF-8 text"))
        }
    }

    // MARK: Reporting

    private mutating func report(_ column: Column, _ field: RecordScanner.Field, _ reason: String) {
        issues.append(ValidationIssue(file: fileName, line: line, column: column.name, value: text(field), reason: reason))
    }

    /// The cell as text for a report: trimmed, doubled quotes undone, invalid UTF-8 replaced.
    private func text(_ field: RecordScanner.Field) -> String {
        var bytes = Array(UnsafeBufferPointer(start: base + field.start, count: field.end - field.start))
        if field.flags & RecordScanner.Field.escapedQuote != 0 && field.flags & RecordScanner.Field.textAfterQuote == 0 {
            var unescaped: [UInt8] = []
            var i = 0
            while i < bytes.count {
                unescaped.append(bytes[i])
                i += (bytes[i] == UInt8(ascii: "\"") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"")) ? 2 : 1
            }
            bytes = unescaped
        }
        return String(decoding: bytes, as: UTF8.self).trimmingBlanks()
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    func trimmingBlanks() -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else { return "" }
        return String(self[first...last])
    }
}
