/// One thing wrong with a batch, precise enough for an operator to find and fix it.
///
/// Every rejected or quarantined row carries at least one of these; header problems use the
/// header's line (1, unless blank lines precede it); a problem of the whole file that no line
/// causes (empty, unreadable, too large) has no line.
/// Codable so the daemon can write them into `NAME.rejected.json` and the store can keep them with
/// quarantined rows.
package struct ValidationIssue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The batch's file name, as given to the reader.
    package var file: String
    /// The 1-based physical line where the record starts; nil when no line is at fault (the JSON
    /// then has no `line` key).
    package var line: Int?
    /// The column's header name, or `(record)` for problems of the whole record (made printable
    /// like `value`).
    package var column: String
    /// The offending cell as written: trimmed, at most `ValidationIssue.maxValueLength` characters,
    /// and printable — control characters and invisible formatting characters are shown as escapes
    /// (`\n`, `\t`, `\u{1B}`, `\u{202E}`), so a hostile cell cannot split a report line in two,
    /// forge a log line, drive a terminal, or hide or reorder what the operator reads.
    package var value: String
    /// What is wrong, in words an operator can act on.
    package var reason: String

    /// Cells longer than this are shortened in reports (with `…`), so one huge cell cannot bloat them.
    package static let maxValueLength = 120

    /// The column name used for problems that concern a whole record rather than one cell.
    package static let recordColumn = "(record)"

    package init(file: String, line: Int?, column: String, value: String, reason: String) {
        self.file = file
        self.line = line
        self.column = Self.printable(column)
        self.value = Self.printable(Self.shortened(value))
        self.reason = reason
    }

    /// At most `maxValueLength` characters, then `…`; without counting the characters of a huge cell.
    private static func shortened(_ value: String) -> String {
        guard value.utf8.count > maxValueLength else { return value }
        let head = value.prefix(maxValueLength)
        return head.endIndex == value.endIndex ? value : String(head) + "…"
    }

    /// `text` with every scalar `isUnsafe` says cannot be shown as itself written as an escape.
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isUnsafe(scalar): out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// C0 and C1 controls and DEL (line breaks, terminal escapes), the line and paragraph
    /// separators, zero-width characters and the byte-order mark (invisible), and the bidirectional
    /// embeddings, overrides and isolates (which reorder the text around them on screen).
    private static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2069, 0xFEFF: true
        default: false
        }
    }

    /// "line N", or "no line" for a problem of the whole file.
    package var location: String {
        line.map { "line \($0)" } ?? "no line"
    }

    package var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): column \(column), value \"\(value)\": \(reason)"
    }
}
