/// Writes RFC 4180 CSV that is also safe to open in a spreadsheet.
///
/// Quoting: a cell with a comma, quote, CR or LF is quoted, inner quotes doubled. Formula
/// injection: a text cell starting with `=`, `+`, `-`, `@`, tab or CR would be executed by Excel,
/// LibreOffice or Sheets when the file is opened, so such a cell is prefixed with a single quote
/// (OWASP's advice), which spreadsheets display as text. Numbers are written by `number(_:)` and
/// never prefixed, so `-0.5` stays a number. Shared by `shopperd show` and the outbox writer.
package struct CSVWriter: Sendable {
    /// The text written so far.
    package private(set) var text: String = ""
    /// The line terminator (RFC 4180 says CRLF; Unix tools prefer LF, our default).
    package var lineTerminator: String

    package init(lineTerminator: String = "\n") {
        self.lineTerminator = lineTerminator
    }

    /// Appends one record of text cells (each escaped by `escape(_:)`).
    package mutating func writeRow(_ cells: [String]) {
        var first = true
        for cell in cells {
            if !first { text += "," }
            first = false
            text += CSVWriter.escape(cell)
        }
        text += lineTerminator
    }

    /// Appends one record of already-formatted cells: numbers from `number(_:)` go through
    /// unchanged; text cells are escaped.
    package mutating func writeRow(_ cells: [Cell]) {
        writeRow(raw: cells.map { cell in
            switch cell {
            case .number(let formatted): formatted
            case .text(let value): CSVWriter.escape(value)
            }
        })
    }

    private mutating func writeRow(raw cells: [String]) {
        text += cells.joined(separator: ",")
        text += lineTerminator
    }

    /// A cell: a number (never neutralised) or text (quoted and neutralised as needed).
    package enum Cell: Sendable, Hashable {
        case number(String)
        case text(String)

        package static func double(_ value: Double) -> Cell { .number(CSVWriter.number(value)) }
        package static func int(_ value: Int) -> Cell { .number(String(value)) }
    }

    /// The shortest text that reads back as exactly `value`; integral values without `.0`.
    package static func number(_ value: Double) -> String {
        if value.isFinite && value == value.rounded() && abs(value) < 1e15 {
            return String(Int64(value))
        }
        return value.description
    }

    /// Escapes one text cell: neutralises a formula trigger, then quotes if needed.
    package static func escape(_ cell: String) -> String {
        var value = cell
        if let first = value.unicodeScalars.first, formulaTriggers.contains(first) {
            value = "'" + value
        }
        let needsQuotes = value.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else { return value }
        var quoted = "\""
        for character in value {
            quoted.append(character)
            if character == "\"" { quoted.append("\"") }
        }
        quoted.append("\"")
        return quoted
    }

    /// Leading characters spreadsheets treat as the start of a formula.
    package static let formulaTriggers: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]
}
