/// Splits CSV bytes into records and fields (RFC 4180), without copying or allocating per field.
///
/// Fields come out as byte ranges into the file; quoting problems are flagged on the field rather
/// than thrown, so the reader can report them with the row's line and column. Only an unterminated
/// quote is fatal: from there on, row boundaries are unknowable. Lenient where it is harmless: LF,
/// CRLF and lone CR all end a record; blank lines are reported as such for the reader to skip.
struct RecordScanner {
    /// A field's location and what the scanner noticed about it.
    struct Field {
        /// The content's byte range (inside the quotes for a quoted field).
        var start: Int
        var end: Int
        var flags: UInt8

        /// The field was quoted.
        static let quoted: UInt8 = 1
        /// The quoted content contains doubled quotes (`""`) that stand for one quote.
        static let escapedQuote: UInt8 = 2
        /// A quote appears inside an unquoted field (`ab"c`).
        static let strayQuote: UInt8 = 4
        /// Text follows the closing quote before the next comma (`"ab"c`); the range is then the
        /// whole raw field.
        static let textAfterQuote: UInt8 = 8
    }

    enum Outcome {
        /// A record: its byte range (without terminator), its first line, its fields in `fields`.
        case record(start: Int, end: Int, line: Int)
        /// An empty line, skipped.
        case blank(line: Int)
        /// A quoted field opened in the record starting on `line` never closes.
        case unterminatedQuote(line: Int)
        case end
    }

    private let base: UnsafePointer<UInt8>
    private let count: Int
    /// The current record's fields: our own buffer, so appending a field is a store and an
    /// increment (no array uniqueness or capacity checks). Freed by `deallocate()`.
    private var storage: UnsafeMutablePointer<Field>
    private var capacity: Int
    /// The fields stored for the current record (at most `storedFieldLimit`).
    private(set) var fieldCount = 0
    /// Fields of the current record beyond `storedFieldLimit`: counted, not stored, so a line of
    /// 200 million commas costs no more memory than one of 4,096 (it used to need 24 bytes a field).
    private var uncountedFields = 0

    /// At most this many fields of a record are stored: `BatchReader.maxColumns`, a power of two
    /// so that the doubling buffer reaches it exactly.
    static let storedFieldLimit = BatchReader.maxColumns
    /// The next byte to read.
    private(set) var position: Int
    /// The physical line of `position`, 1-based.
    private(set) var line: Int

    init(base: UnsafePointer<UInt8>, count: Int, start: Int) {
        self.base = base
        self.count = count
        self.position = start
        self.line = 1
        self.capacity = 64
        self.storage = .allocate(capacity: 64)
    }

    /// Releases the field buffer; the scanner must not be used afterwards.
    func deallocate() { storage.deallocate() }

    /// The fields of the record `next()` returned last (the first `storedFieldLimit` of them).
    var fields: UnsafeBufferPointer<Field> { UnsafeBufferPointer(start: storage, count: fieldCount) }

    /// How many fields the record `next()` returned last has, stored or not.
    var totalFieldCount: Int { fieldCount + uncountedFields }

    @inline(__always)
    private mutating func append(_ field: Field) {
        if fieldCount == capacity {
            if capacity >= RecordScanner.storedFieldLimit {
                uncountedFields += 1
                return
            }
            let larger = UnsafeMutablePointer<Field>.allocate(capacity: capacity * 2)
            larger.initialize(from: storage, count: fieldCount)
            storage.deallocate()
            storage = larger
            capacity *= 2
        }
        storage[fieldCount] = field
        fieldCount += 1
    }

    private static let comma = UInt8(ascii: ",")
    private static let quote = UInt8(ascii: "\"")
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    /// Reads the next record; its fields are then in `fields`.
    mutating func next() -> Outcome {
        fieldCount = 0
        uncountedFields = 0
        let end = count
        var pos = position
        guard pos < end else { return .end }
        let recordStart = pos
        let recordLine = line
        while true {
            let fieldStart = pos
            if pos < end && base[pos] == RecordScanner.quote {
                var flags = Field.quoted
                pos += 1
                let contentStart = pos
                var contentEnd = pos
                while true {
                    while pos < end {
                        let c = base[pos]
                        if c == RecordScanner.quote { break }
                        if c == RecordScanner.lf {
                            line += 1
                        } else if c == RecordScanner.cr && (pos + 1 >= end || base[pos + 1] != RecordScanner.lf) {
                            line += 1
                        }
                        pos += 1
                    }
                    if pos >= end {
                        position = end
                        return .unterminatedQuote(line: recordLine)
                    }
                    if pos + 1 < end && base[pos + 1] == RecordScanner.quote {
                        flags |= Field.escapedQuote
                        pos += 2
                        continue
                    }
                    contentEnd = pos
                    pos += 1
                    break
                }
                if pos < end {
                    let c = base[pos]
                    if c != RecordScanner.comma && c != RecordScanner.lf && c != RecordScanner.cr {
                        flags |= Field.textAfterQuote
                        while pos < end {
                            let c = base[pos]
                            if c == RecordScanner.comma || c == RecordScanner.lf || c == RecordScanner.cr { break }
                            pos += 1
                        }
                        append(Field(start: fieldStart, end: pos, flags: flags))
                    } else {
                        append(Field(start: contentStart, end: contentEnd, flags: flags))
                    }
                } else {
                    append(Field(start: contentStart, end: contentEnd, flags: flags))
                }
            } else {
                var flags: UInt8 = 0
                while pos < end {
                    let c = base[pos]
                    // Digits, letters, '.', '-' are all above ','; one compare clears them.
                    if c <= RecordScanner.comma {
                        if c == RecordScanner.comma || c == RecordScanner.lf || c == RecordScanner.cr { break }
                        if c == RecordScanner.quote { flags |= Field.strayQuote }
                    }
                    pos += 1
                }
                append(Field(start: fieldStart, end: pos, flags: flags))
            }
            if pos >= end {
                position = end
                return finish(start: recordStart, end: end, line: recordLine)
            }
            let c = base[pos]
            if c == RecordScanner.comma {
                pos += 1
                if pos >= end {
                    // A trailing comma at end of file: one more, empty field.
                    append(Field(start: pos, end: pos, flags: 0))
                    position = end
                    return finish(start: recordStart, end: end, line: recordLine)
                }
                continue
            }
            // LF, CR or CRLF ends the record.
            let recordEnd = pos
            pos += (c == RecordScanner.cr && pos + 1 < end && base[pos + 1] == RecordScanner.lf) ? 2 : 1
            line += 1
            position = pos
            return finish(start: recordStart, end: recordEnd, line: recordLine)
        }
    }

    private func finish(start: Int, end: Int, line: Int) -> Outcome {
        if start == end { return .blank(line: line) }
        return .record(start: start, end: end, line: line)
    }
}
