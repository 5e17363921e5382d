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
/// Each cell's text is the value as sent, read in place in the body (a string's contents, `true`,
/// `false`, a number), or, where the cell rules would read the sent text otherwise than the full
/// path's cell (a whole number sent as `1.0`, `1e2` or `-0`), the text `SessionValidator.appendCellText`
/// writes for it; the cells go through the same `InputCellsDecoder` rules, so a session is the same
/// bit for bit.
package enum DirectRowsReader {
    /// The sessions of `body`, or nil when the full path must read it.
    package static func sessions(_ body: [UInt8], maxRows: Int) -> [Session]? {
        body.withUnsafeBufferPointer { buffer -> [Session]? in
            // Spans are 32-bit offsets into the body and its rewritten copy (at most five times
            // the body: a copy, and rewrites of at most four times the text they replace, `1e18`).
            guard let base = buffer.baseAddress, !buffer.isEmpty, buffer.count <= Int(Int32.max) / 8 else { return nil }
            var reader = Reader(p: base, n: buffer.count, maxRows: maxRows)
            return reader.document()
        }
    }

    /// A JSON value's type, as far as `SessionValidator.typeError` looks at it.
    enum Kind: UInt8 {
        case integer, zeroOrOne, number, string, bool
    }

    /// One cell: where its text lies and the type of the JSON value it came from.
    struct Cell {
        var span: InputCellsDecoder.Span
        var kind: Kind
    }

    static let names: [[UInt8]] = Column.inputs.map { Array($0.name.utf8) }
    /// The input names one after another, and where each lies: no array per name to reach.
    static let nameBytes: [UInt8] = names.flatMap { $0 }
    static let nameBounds: [InputCellsDecoder.Span] = {
        var at: Int32 = 0
        return names.map { name in
            defer { at += Int32(name.count) }
            return InputCellsDecoder.Span(start: at, end: at + Int32(name.count))
        }
    }()
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
        /// `JSONParser`'s cursor: its whitespace and literals are the parser's own.
        var json: JSONParser.Reader
        let maxRows: Int
        /// Where the cells' texts lie, row after row: in the body, or in `rewritten`.
        var spans: [InputCellsDecoder.Span] = []
        /// The JSON types of the cells of `dataframe_split` rows, as `spans` (checked once the
        /// column order is known).
        var kinds: [Kind] = []
        /// Empty until a cell's text must differ from the one sent; then the body followed by
        /// such texts, so that every span has one base.
        var rewritten: [UInt8] = []
        let nameBytes = DirectRowsReader.nameBytes
        let nameBounds = DirectRowsReader.nameBounds
        /// `DirectRowsReader.kinds`, held here: a static is reached through a once-check per use.
        let columnKinds = DirectRowsReader.kinds

        var p: UnsafePointer<UInt8> { json.p }
        var n: Int { json.n }
        var i: Int {
            get { json.i }
            set { json.i = newValue }
        }

        init(p: UnsafePointer<UInt8>, n: Int, maxRows: Int) {
            json = JSONParser.Reader(p: p, n: n)
            self.maxRows = maxRows
            spans.reserveCapacity(min(n / 4, 1 << 20))
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
                let first = spans.count
                spans.append(contentsOf: repeatElement(InputCellsDecoder.Span(start: -1, end: -1), count: columns))
                skipSpace()
                var place = 0
                while true {
                    let column: Int
                    if place < keyOrder.count, takeKey(keyOrder[place]) {
                        column = keyOrder[place]
                    } else {
                        guard let key = quotedKey(), let found = DirectRowsReader.column(key, p: p) else { return nil }
                        column = found
                        if rows == 1 { keyOrder.append(column) }
                    }
                    place += 1
                    guard spans[first + column].start < 0 else { return nil }  // repeated
                    skipSpace()
                    guard take(UInt8(ascii: ":")) else { return nil }
                    skipSpace()
                    let kind = columnKinds[column]
                    guard let cell = value(decimalColumn: DirectRowsReader.readsDecimals(kind)), DirectRowsReader.accepts(kind, cell.kind)
                    else { return nil }
                    spans[first + column] = cell.span
                    skipSpace()
                    if take(UInt8(ascii: ",")) { skipSpace(); continue }
                    guard take(UInt8(ascii: "}")) else { return nil }
                    break
                }
                guard place == columns else { return nil }  // missing (a repeated key was refused above)
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
                    guard let count = dataRows(order: order) else { return nil }
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
            guard spans.count == rows * columns else { return nil }
            // `order[j]`: the input of the j-th listed column; `position[input]`: its place in a row.
            var position = [Int](repeating: -1, count: columns)
            for (j, input) in order.enumerated() { position[input] = j }
            for r in 0..<rows {
                for j in 0..<columns where !DirectRowsReader.accepts(columnKinds[order[j]], kinds[r * columns + j]) { return nil }
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

        /// `[[v, …], …]`: positional cells, 17 per row; the row count. `order`: the columns, when
        /// they came first (then a whole decimal in a decimal column is read as sent).
        mutating func dataRows(order: [Int]?) -> Int? {
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
                    let decimal = order.map { count < $0.count && DirectRowsReader.readsDecimals(columnKinds[$0[count]]) } ?? false
                    guard let cell = value(decimalColumn: decimal) else { return nil }
                    count += 1
                    guard count <= columns else { return nil }
                    spans.append(cell.span)
                    kinds.append(cell.kind)
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
            var decoder = InputCellsDecoder(fileName: SessionValidator.fileName)
            return spans.withUnsafeBufferPointer { spans in
                guard !rewritten.isEmpty else {
                    return decoder.decode(rows: rows, text: UnsafeBufferPointer(start: p, count: n), spans: spans, position: position)
                }
                return rewritten.withUnsafeBufferPointer { decoder.decode(rows: rows, text: $0, spans: spans, position: position) }
            }
        }

        // MARK: - Values

        /// A number, a plain string or a boolean, and where its cell text lies (the value as sent:
        /// a string's contents, `true`, `false`, the number; the cell rules read `true` and `false`
        /// as the full path's `TRUE` and `FALSE`); nil for anything else.
        /// `decimalColumn`: the value stands in a column the cell rules read as a decimal, where
        /// a whole number sent as `64.0` reads as the full path's `64`.
        mutating func value(decimalColumn: Bool) -> Cell? {
            guard i < n else { return nil }
            let from = i
            switch p[i] {
            case UInt8(ascii: "\""):
                guard let (from, to) = plainString() else { return nil }
                return Cell(span: Self.span(from, to), kind: .string)
            case UInt8(ascii: "t"):
                guard (try? json.literal("true")) != nil else { return nil }
                return Cell(span: Self.span(from, i), kind: .bool)
            case UInt8(ascii: "f"):
                guard (try? json.literal("false")) != nil else { return nil }
                return Cell(span: Self.span(from, i), kind: .bool)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return number(decimalColumn: decimalColumn)
            default:
                return nil
            }
        }

        static func span(_ from: Int, _ to: Int) -> InputCellsDecoder.Span {
            InputCellsDecoder.Span(start: Int32(from), end: Int32(to))
        }

        /// `number` in decimal, as the full path writes a whole number, after the body.
        mutating func rewrite(_ number: Int) -> InputCellsDecoder.Span {
            if rewritten.isEmpty {
                rewritten.reserveCapacity(n + 1024)
                rewritten.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
            }
            let from = rewritten.count
            SessionValidator.appendDecimal(number, to: &rewritten)
            return Self.span(from, rewritten.count)
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
        mutating func number(decimalColumn: Bool) -> Cell? {
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
                return Cell(span: Self.span(from, i), kind: .number)
            }
            let wholeKind: Kind = magnitude == 0 || (!negative && magnitude == 1) ? .zeroOrOne : .integer
            // A plain decimal with a zero fraction (`64.0`, what pandas and Python write for a
            // float): the whole number `magnitude`, no parse needed. As sent where the cell rules
            // read a decimal (they read `64.0` as `64`); rewritten where they want a whole number
            // or a boolean, and for `-0.0` (the full path's `0`).
            if !exponent && !whole && fractionIsZero && digits <= 15 {
                if decimalColumn && !(negative && magnitude == 0) { return Cell(span: Self.span(from, i), kind: wholeKind) }
                return Cell(span: rewrite(negative ? -Int(magnitude) : Int(magnitude)), kind: wholeKind)
            }
            if whole {
                guard digits <= 18 else { return nil }  // near Int's limits: the full path decides
                // As sent (JSON has no leading zeros), but for `-0`, which the full path writes `0`.
                if negative && magnitude == 0 { return Cell(span: rewrite(0), kind: wholeKind) }
                return Cell(span: Self.span(from, i), kind: wholeKind)
            }
            guard case .value(let value) = NumberParser.parseDecimal(UnsafeBufferPointer(start: p + from, count: i - from)) else { return nil }
            guard let integer = Int(exactly: value) else {
                // The number as sent rather than `value.description` (what the full path writes):
                // the reader's rule for decimals parses either to `value` and judges the value
                // alone, and its whole-number rule refuses both (a fraction or an exponent).
                return Cell(span: Self.span(from, i), kind: .number)
            }
            return Cell(span: rewrite(integer), kind: integer == 0 || integer == 1 ? .zeroOrOne : .integer)
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

        /// Whether the key here is exactly input `column`'s name (then taken): a comparison with
        /// the name, which is plain ASCII, instead of a scan of the key.
        mutating func takeKey(_ column: Int) -> Bool {
            let bounds = nameBounds[column]
            let length = Int(bounds.end - bounds.start)
            guard i + length + 1 < n, p[i] == UInt8(ascii: "\""), p[i + length + 1] == UInt8(ascii: "\"") else { return false }
            let same = nameBytes.withUnsafeBufferPointer { memcmp(p + i + 1, $0.baseAddress! + Int(bounds.start), length) == 0 }
            guard same else { return false }
            i += length + 2
            return true
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

        /// `JSONParser`'s whitespace, after a check here for the common case of none (the call into
        /// the other module is not inlined).
        @inline(__always)
        mutating func skipSpace() {
            if i < n && p[i] > 0x20 { return }
            json.skipSpace()
        }
    }

    /// Whether the cell rules read a column of `kind` as a decimal (`RowDecoder.number`), so that
    /// `64.0` and `64` read alike there.
    static func readsDecimals(_ kind: ColumnKind) -> Bool {
        switch kind {
        case .duration, .unitInterval, .nonNegative: true
        default: false
        }
    }

    static func column(_ key: (Int, Int), p: UnsafePointer<UInt8>) -> Int? {
        let length = key.1 - key.0
        for (k, name) in names.enumerated() where name.count == length {
            if name.withUnsafeBufferPointer({ memcmp(p + key.0, $0.baseAddress!, length) == 0 }) { return k }
        }
        return nil
    }
}
