#if canImport(Glibc)
import Glibc
#endif
import ShopperCore

/// The common JSON request read straight into sessions, without building a `JSONValue` tree:
/// `{"dataframe_records": [{…17 inputs…}, …]}` (also under `instances` or `inputs`) and
/// `{"dataframe_split": {"columns": [17 names], "data": [[…], …]}}`, keys named exactly, every
/// value a number, a string without escapes or a boolean, and every row valid.
///
/// Anything else — another form, a `params` or `index` key, a key in another case, an escaped or
/// non-ASCII string, a `null`, a missing, repeated or unknown column, a wrong JSON type, a value the
/// CSV rules refuse, too many rows, malformed JSON — answers nil, and the request takes the full
/// path (`JSONParser` → `MLflowRequest` → `SessionValidator`), which accepts the same requests,
/// gives the same sessions and names every problem. So this reader decides nothing: it only
/// skips the tree (a dictionary and a String per value) for requests that have nothing to report.
/// Each cell's text is what `SessionValidator.appendCellText` writes for the same JSON value (a
/// number with a fraction: as sent, which the reader reads as the same value), and the cells go
/// through the same `InputCellsDecoder`, so a session is the same bit for bit.
package enum DirectRowsReader {
    /// The sessions of `body`, or nil when the full path must read it.
    package static func sessions(_ body: [UInt8], maxRows: Int) -> [Session]? {
        body.withUnsafeBufferPointer { buffer -> [Session]? in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return nil }
            var reader = Reader(p: base, n: buffer.count, maxRows: maxRows)
            return reader.document()
        }
    }

    /// A JSON value's type, as far as `SessionValidator.typeError` looks at it.
    enum Kind: UInt8 {
        case integer, zeroOrOne, number, string, bool
    }

    /// One cell: its text in the arena and the type of the JSON value it came from.
    struct Cell {
        var start: Int32
        var end: Int32
        var kind: Kind
    }

    static let names: [[UInt8]] = Column.inputs.map { Array($0.name.utf8) }
    static let kinds: [ColumnKind] = Column.inputs.map(\.kind)

    /// Whether a value of JSON type `kind` may stand in a column of `column` kind (the type rule
    /// of `SessionValidator.typeError`, without its messages: a refusal goes to the full path).
    static func accepts(_ column: ColumnKind, _ kind: Kind) -> Bool {
        switch (column, kind) {
        case (.pageCount, .integer), (.pageCount, .zeroOrOne), (.pageCount, .number),
             (.code, .integer), (.code, .zeroOrOne), (.code, .number),
             (.duration, .integer), (.duration, .zeroOrOne), (.duration, .number),
             (.unitInterval, .integer), (.unitInterval, .zeroOrOne), (.unitInterval, .number),
             (.nonNegative, .integer), (.nonNegative, .zeroOrOne), (.nonNegative, .number),
             (.month, .string), (.visitorType, .string), (.boolean, .string), (.boolean, .bool), (.boolean, .zeroOrOne):
            true
        default:
            false
        }
    }

    struct Reader {
        /// `JSONParser`'s cursor: its whitespace, literals and numbers are the parser's own.
        var json: JSONParser.Reader
        let maxRows: Int
        /// The cells' texts.
        var arena: [UInt8] = []
        /// The cells, row after row.
        var cells: [Cell] = []

        var p: UnsafePointer<UInt8> { json.p }
        var n: Int { json.n }
        var i: Int {
            get { json.i }
            set { json.i = newValue }
        }

        init(p: UnsafePointer<UInt8>, n: Int, maxRows: Int) {
            json = JSONParser.Reader(p: p, n: n)
            self.maxRows = maxRows
            arena.reserveCapacity(min(n, 1 << 20))
        }

        mutating func document() -> [Session]? {
            skipSpace()
            guard take(UInt8(ascii: "{")) else { return nil }
            skipSpace()
            guard let key = quotedKey() else { return nil }
            skipSpace()
            guard take(UInt8(ascii: ":")) else { return nil }
            skipSpace()
            let sessions: [Session]?
            if equals(key, "dataframe_records") || equals(key, "instances") || equals(key, "inputs") {
                sessions = records()
            } else if equals(key, "dataframe_split") {
                sessions = split()
            } else {
                return nil
            }
            skipSpace()
            guard take(UInt8(ascii: "}")) else { return nil }
            skipSpace()
            return i == n ? sessions : nil
        }

        // MARK: - The two forms

        /// `[{…}, …]`: each record's cells stored in `Column.inputs` order.
        mutating func records() -> [Session]? {
            guard take(UInt8(ascii: "[")) else { return nil }
            let columns = Column.inputs.count
            var rows = 0
            // The first record's key order: later records usually repeat it, so each key is first
            // compared with the one name expected at its place.
            var keyOrder: [Int] = []
            keyOrder.reserveCapacity(columns)
            skipSpace()
            if take(UInt8(ascii: "]")) { return nil }  // no rows: the full path says so
            while true {
                rows += 1
                guard rows <= maxRows else { return nil }
                guard take(UInt8(ascii: "{")) else { return nil }
                let first = cells.count
                cells.append(contentsOf: repeatElement(Cell(start: -1, end: -1, kind: .integer), count: columns))
                skipSpace()
                var place = 0
                while true {
                    guard let key = quotedKey() else { return nil }
                    let column: Int
                    if place < keyOrder.count, DirectRowsReader.names(key, p: p, column: keyOrder[place]) {
                        column = keyOrder[place]
                    } else {
                        guard let found = DirectRowsReader.column(key, p: p) else { return nil }
                        column = found
                        if rows == 1 { keyOrder.append(column) }
                    }
                    place += 1
                    guard cells[first + column].start < 0 else { return nil }  // repeated
                    skipSpace()
                    guard take(UInt8(ascii: ":")) else { return nil }
                    skipSpace()
                    guard let cell = value(), DirectRowsReader.accepts(DirectRowsReader.kinds[column], cell.kind) else { return nil }
                    cells[first + column] = cell
                    skipSpace()
                    if take(UInt8(ascii: ",")) { skipSpace(); continue }
                    guard take(UInt8(ascii: "}")) else { return nil }
                    break
                }
                guard !cells[first...].contains(where: { $0.start < 0 }) else { return nil }  // missing
                skipSpace()
                if take(UInt8(ascii: ",")) { skipSpace(); continue }
                guard take(UInt8(ascii: "]")) else { return nil }
                break
            }
            return decode(rows: rows, order: Array(0..<columns))
        }

        /// `{"columns": [...], "data": [[...], ...]}`, in either order, nothing else.
        mutating func split() -> [Session]? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var order: [Int]?
            var rows: Int?
            skipSpace()
            while true {
                guard let key = quotedKey() else { return nil }
                skipSpace()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                if equals(key, "columns"), order == nil {
                    guard let names = columnNames() else { return nil }
                    order = names
                } else if equals(key, "data"), rows == nil {
                    guard let count = dataRows() else { return nil }
                    rows = count
                } else {
                    return nil
                }
                skipSpace()
                if take(UInt8(ascii: ",")) { skipSpace(); continue }
                guard take(UInt8(ascii: "}")) else { return nil }
                break
            }
            guard let order, let rows, rows > 0 else { return nil }
            let columns = Column.inputs.count
            // Row-major positional cells: every row has 17 and they must be of the right types.
            guard cells.count == rows * columns else { return nil }
            // `order[j]`: the input of the j-th listed column; `position[input]`: its place in a row.
            var position = [Int](repeating: -1, count: columns)
            for (j, input) in order.enumerated() { position[input] = j }
            for r in 0..<rows {
                for j in 0..<columns where !DirectRowsReader.accepts(DirectRowsReader.kinds[order[j]], cells[r * columns + j].kind) { return nil }
            }
            return decode(rows: rows, order: position)
        }

        /// The 17 input names, each once, exactly spelled: for each listed column, its input index.
        mutating func columnNames() -> [Int]? {
            guard take(UInt8(ascii: "[")) else { return nil }
            var order: [Int] = []
            var seen = [Bool](repeating: false, count: Column.inputs.count)
            skipSpace()
            while true {
                guard let key = quotedKey(), let column = DirectRowsReader.column(key, p: p), !seen[column] else { return nil }
                seen[column] = true
                order.append(column)
                skipSpace()
                if take(UInt8(ascii: ",")) { skipSpace(); continue }
                guard take(UInt8(ascii: "]")) else { return nil }
                break
            }
            return order.count == Column.inputs.count ? order : nil
        }

        /// `[[v, …], …]`: positional cells, 17 per row; the row count.
        mutating func dataRows() -> Int? {
            guard take(UInt8(ascii: "[")) else { return nil }
            let columns = Column.inputs.count
            var rows = 0
            skipSpace()
            if take(UInt8(ascii: "]")) { return nil }
            while true {
                rows += 1
                guard rows <= maxRows, take(UInt8(ascii: "[")) else { return nil }
                var count = 0
                skipSpace()
                while true {
                    guard let cell = value() else { return nil }
                    count += 1
                    guard count <= columns else { return nil }
                    cells.append(cell)
                    skipSpace()
                    if take(UInt8(ascii: ",")) { skipSpace(); continue }
                    guard take(UInt8(ascii: "]")) else { return nil }
                    break
                }
                guard count == columns else { return nil }
                skipSpace()
                if take(UInt8(ascii: ",")) { skipSpace(); continue }
                guard take(UInt8(ascii: "]")) else { return nil }
                break
            }
            return rows
        }

        /// Rows of `cells` (17 each; input `k`'s cell at `position[k]` in its row) through the
        /// reader's cell rules. Nil at the first row they refuse.
        func decode(rows: Int, order position: [Int]) -> [Session]? {
            let columns = Column.inputs.count
            var decoder = InputCellsDecoder(fileName: SessionValidator.fileName)
            var sessions: [Session] = []
            sessions.reserveCapacity(rows)
            return arena.withUnsafeBufferPointer { arena -> [Session]? in
                for r in 0..<rows {
                    let base = r * columns
                    let session = decoder.decode(line: r) { input, out in
                        let cell = cells[base + position[input]]
                        out.append(contentsOf: UnsafeBufferPointer(rebasing: arena[Int(cell.start)..<Int(cell.end)]))
                    }
                    guard let session else { return nil }
                    sessions.append(session)
                }
                return sessions
            }
        }

        // MARK: - Values

        /// A number, a plain string or a boolean, its text appended to the arena; nil for anything else.
        mutating func value() -> Cell? {
            guard i < n else { return nil }
            let start = Int32(arena.count)
            switch p[i] {
            case UInt8(ascii: "\""):
                guard let (from, to) = plainString() else { return nil }
                arena.append(contentsOf: UnsafeBufferPointer(start: p + from, count: to - from))
                return Cell(start: start, end: Int32(arena.count), kind: .string)
            case UInt8(ascii: "t"):
                guard (try? json.literal("true")) != nil else { return nil }
                arena.append(contentsOf: "TRUE".utf8)
                return Cell(start: start, end: Int32(arena.count), kind: .bool)
            case UInt8(ascii: "f"):
                guard (try? json.literal("false")) != nil else { return nil }
                arena.append(contentsOf: "FALSE".utf8)
                return Cell(start: start, end: Int32(arena.count), kind: .bool)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return number(start: start)
            default:
                return nil
            }
        }

        /// `JSONParser`'s number grammar and classes: a whole number in `Int`'s range is an
        /// integer (written in decimal, as the full path writes it), any other a Double (as sent).
        ///
        /// Its own scan rather than `JSONParser.Reader.number()` (whose cursor this reader uses for
        /// whitespace and literals): that one parses every decimal to a Double, which the cell rules
        /// then parse again, while a short plain decimal here needs no parse at all. Measured,
        /// alternated on the same build otherwise: 1,000-row requests at two connections took
        /// 3.93–3.99 ms (`dataframe_split`) and 4.43–4.68 ms (`dataframe_records`) of server CPU
        /// through `JSONParser`'s number, 3.47–3.53 and 3.99–4.11 ms with this scan. The
        /// differential tests (`DirectRowsReaderTests`) hold the two to the same sessions.
        mutating func number(start: Int32) -> Cell? {
            let from = i
            let negative = p[i] == UInt8(ascii: "-")
            if negative { i += 1 }
            guard i < n, p[i] &- UInt8(ascii: "0") <= 9 else { return nil }
            var magnitude: UInt64 = 0
            var digits = 0
            if p[i] == UInt8(ascii: "0") {
                i += 1
                if i < n && p[i] &- UInt8(ascii: "0") <= 9 { return nil }
            } else {
                while i < n {
                    let d = p[i] &- UInt8(ascii: "0")
                    if d > 9 { break }
                    magnitude = magnitude &* 10 &+ UInt64(d)
                    digits += 1
                    i += 1
                }
            }
            var whole = true
            var fractionDigits = 0
            var fractionIsZero = true
            if i < n && p[i] == UInt8(ascii: ".") {
                whole = false
                i += 1
                let first = i
                while i < n && p[i] &- UInt8(ascii: "0") <= 9 {
                    if p[i] != UInt8(ascii: "0") { fractionIsZero = false }
                    i += 1
                }
                if i == first { return nil }
                fractionDigits = i - first
            }
            var exponent = false
            if i < n && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
                exponent = true
                whole = false
                i += 1
                if i < n && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
                let first = i
                while i < n && p[i] &- UInt8(ascii: "0") <= 9 { i += 1 }
                if i == first { return nil }
            }
            // A plain decimal of at most 15 digits with a non-zero fraction: a Double reads it
            // back exactly, so its value is not whole either; no need to parse it here.
            if !exponent && !fractionIsZero && max(digits, 1) + fractionDigits <= 15 {
                arena.append(contentsOf: UnsafeBufferPointer(start: p + from, count: i - from))
                return Cell(start: start, end: Int32(arena.count), kind: .number)
            }
            let integer: Int
            if whole {
                guard digits <= 18 else { return nil }  // near Int's limits: the full path decides
                integer = negative ? -Int(magnitude) : Int(magnitude)
            } else {
                guard case .value(let value) = NumberParser.parseDecimal(UnsafeBufferPointer(start: p + from, count: i - from)) else { return nil }
                if let exact = Int(exactly: value) {
                    integer = exact
                } else {
                    // The number as sent rather than `value.description` (what the full path writes):
                    // the reader's rule for decimals parses either to `value` and judges the value
                    // alone, and its whole-number rule refuses both (a fraction or an exponent).
                    arena.append(contentsOf: UnsafeBufferPointer(start: p + from, count: i - from))
                    return Cell(start: start, end: Int32(arena.count), kind: .number)
                }
            }
            SessionValidator.appendDecimal(integer, to: &arena)
            return Cell(start: start, end: Int32(arena.count), kind: integer == 0 || integer == 1 ? .zeroOrOne : .integer)
        }

        /// A string of printable ASCII without escapes: the range of its contents.
        mutating func plainString() -> (Int, Int)? {
            i += 1
            let from = i
            while i < n {
                let byte = p[i]
                if byte == UInt8(ascii: "\"") {
                    i += 1
                    return (from, i - 1)
                }
                guard byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\\") else { return nil }
                i += 1
            }
            return nil
        }

        /// A key: a plain string, as its range.
        mutating func quotedKey() -> (Int, Int)? {
            guard i < n, p[i] == UInt8(ascii: "\"") else { return nil }
            return plainString()
        }

        func equals(_ key: (Int, Int), _ text: StaticString) -> Bool {
            key.1 - key.0 == text.utf8CodeUnitCount && memcmp(p + key.0, text.utf8Start, text.utf8CodeUnitCount) == 0
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard i < n, p[i] == byte else { return false }
            i += 1
            return true
        }

        mutating func skipSpace() { json.skipSpace() }
    }

    /// Whether the key is exactly the name of input `column`.
    static func names(_ key: (Int, Int), p: UnsafePointer<UInt8>, column: Int) -> Bool {
        let length = key.1 - key.0
        let name = names[column]
        return name.count == length && name.withUnsafeBufferPointer { memcmp(p + key.0, $0.baseAddress!, length) == 0 }
    }

    static func column(_ key: (Int, Int), p: UnsafePointer<UInt8>) -> Int? {
        let length = key.1 - key.0
        for (k, name) in names.enumerated() where name.count == length {
            if name.withUnsafeBufferPointer({ memcmp(p + key.0, $0.baseAddress!, length) == 0 }) { return k }
        }
        return nil
    }
}
