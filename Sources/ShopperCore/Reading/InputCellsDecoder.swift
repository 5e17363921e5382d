/// Reads records that arrive cell by cell rather than as CSV text (a scoring request's JSON rows)
/// by the batch reader's own cell rules: each record's 17 input cells go through `RowDecoder`,
/// the very code that checks a batch file's cells, so the types, ranges, spellings and messages
/// are the reader's. Only the CSV framing is skipped: a cell's text is its value, whatever bytes
/// it holds (a quote in it is refused as the reader refuses a quote in a quoted cell).
///
/// Reusable: one decoder keeps its buffers from record to record.
package struct InputCellsDecoder {
    /// The file name given to the issues.
    package let fileName: String
    /// Problems of the last record decoded; empty when it was valid.
    package private(set) var issues: [ValidationIssue] = []
    private var bytes: [UInt8] = []
    private var fields: [RecordScanner.Field] = []

    /// Where each of `Column.allCases` sits in a record: the 17 inputs in `Column.inputs` order, no label.
    private static let positions: [Int] = Column.allCases.map { Column.inputs.firstIndex(of: $0) ?? -1 }
    private static let names: [String] = Column.inputs.map(\.name)

    package init(fileName: String) {
        self.fileName = fileName
        bytes.reserveCapacity(256)
        fields.reserveCapacity(Column.inputs.count)
    }

    /// Decodes one record whose cell texts `write` appends, column by column in `Column.inputs`
    /// order (it is given the column's position there), to the buffer it is given. `line` is the number the issues carry. Nil when the
    /// record breaks a rule (then `issues` says which).
    package mutating func decode(line: Int, write: (Int, inout [UInt8]) -> Void) -> Session? {
        bytes.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
        for input in Column.inputs.indices {
            let start = bytes.count
            write(input, &bytes)
            var flags: UInt8 = 0
            if bytes[start...].contains(UInt8(ascii: "\"")) {
                // As the CSV writer would quote it: doubled, so a report shows the cell as sent.
                let cell = Array(bytes[start...])
                bytes.removeSubrange(start...)
                for byte in cell {
                    bytes.append(byte)
                    if byte == UInt8(ascii: "\"") { bytes.append(byte) }
                }
                flags = RecordScanner.Field.quoted | RecordScanner.Field.escapedQuote
            }
            fields.append(RecordScanner.Field(start: start, end: bytes.count, flags: flags))
        }
        let end = bytes.count
        bytes.append(0)  // so that even a record of empty cells has a base address
        let fileName = fileName
        let (session, issues) = bytes.withUnsafeBufferPointer { buffer in
            fields.withUnsafeBufferPointer { fields in
                var rows = RowDecoder(base: buffer.baseAddress!, fileName: fileName, positions: Self.positions, headerNames: Self.names)
                let session = rows.decode(fields, fieldCount: fields.count, line: line, recordStart: 0, recordEnd: end)
                return (session, rows.issues)
            }
        }
        self.issues = issues
        return session
    }

    /// Where one cell's text lies in a buffer: bytes `start..<end`.
    package struct Span: Sendable, Equatable {
        package var start: Int32
        package var end: Int32

        package init(start: Int32, end: Int32) {
            self.start = start
            self.end = end
        }
    }

    /// Decodes `rows` records whose cells already lie in `text`, without a copy: input `k` of
    /// record `r` (in `Column.inputs` order) at `spans[r * 17 + position[k]]`. For a caller whose
    /// own framing admits only printable ASCII without quotes (a JSON reader's plain strings,
    /// numbers and literals): no quote handling and no UTF-8 check are done here. The records get
    /// lines 0, 1, …; nil at the first that breaks a rule (`issues` then says which), or at a span
    /// outside `text` (then `issues` is empty).
    package mutating func decode(
        rows: Int, text: UnsafeBufferPointer<UInt8>, spans: UnsafeBufferPointer<Span>, position: [Int]
    ) -> [Session]? {
        let columns = Column.inputs.count
        guard let base = text.baseAddress, position.count == columns, spans.count >= rows * columns else { return nil }
        var decoder = RowDecoder(base: base, fileName: fileName, positions: Self.positions, headerNames: Self.names)
        var fields = [RecordScanner.Field](repeating: RecordScanner.Field(start: 0, end: 0, flags: 0), count: columns)
        var sessions: [Session] = []
        sessions.reserveCapacity(rows)
        let found = fields.withUnsafeMutableBufferPointer { fields -> Bool in
            for r in 0..<rows {
                let row = r * columns
                for k in 0..<columns {
                    let span = spans[row + position[k]]
                    guard span.start >= 0, span.start <= span.end, Int(span.end) <= text.count else { return false }
                    fields[k] = RecordScanner.Field(start: Int(span.start), end: Int(span.end), flags: 0)
                }
                guard let session = decoder.decode(
                    UnsafeBufferPointer(fields), fieldCount: columns, line: r, recordStart: 0, recordEnd: 0)
                else { return false }
                sessions.append(session)
            }
            return true
        }
        issues = decoder.issues
        return found ? sessions : nil
    }
}
