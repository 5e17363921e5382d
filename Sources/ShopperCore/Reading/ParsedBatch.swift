/// A batch file read and validated: what the store ingests as one version.
///
/// `sessions` (silver rows) are in file order; `lines[i]` is the physical line where `sessions[i]`
/// starts and `duplicateOfLine[i]` the line of an earlier identical row in the same batch, if any
/// (see `docs/cleaning.md`: duplicates are flagged, never dropped). The raw text of each accepted
/// record (bronze) is kept as the file's bytes plus offsets, so reading a million rows does not
/// allocate a million strings; get it with `rawRecord(at:)` or `withRawRecordBytes(at:_:)`.
package struct ParsedBatch: Sendable {
    /// The file name as given to the reader (no directory).
    package let fileName: String
    /// The size of the file in bytes.
    package let byteSize: Int
    /// The SHA-256 of the file's bytes, lowercase hexadecimal: the batch's identity.
    package let sha256: String
    /// The header names as written (surrounding blanks trimmed), in file order.
    package let header: [String]
    /// Header names that are not one of the 18 columns: reported, their cells ignored.
    package let unknownColumns: [String]
    /// Whether the header has the `Revenue` column. Its cells may still be blank: see `isLabelled`.
    package let hasLabelColumn: Bool
    /// The valid rows, typed and normalised, in file order.
    package let sessions: [Session]
    /// The 1-based physical line where each session's record starts.
    package let lines: [Int]
    /// For each session, the line of the first earlier row of this batch with identical values.
    package let duplicateOfLine: [Int?]
    /// Rows set aside under the `quarantine-rows` policy (always empty under `reject`).
    package let quarantined: [QuarantinedRow]

    /// How many valid rows have a label (`Revenue` TRUE or FALSE). A blank `Revenue` cell means
    /// "no label for this row": the row is scored like any other, but neither trains a model nor
    /// counts in realised performance.
    package let labelledCount: Int

    /// The file's bytes, and where each accepted record lies in them (terminator excluded).
    private let bytes: [UInt8]
    private let recordStarts: [Int]
    private let recordEnds: [Int]

    init(
        fileName: String, byteSize: Int, sha256: String, header: [String], unknownColumns: [String],
        hasLabelColumn: Bool, sessions: [Session], lines: [Int], duplicateOfLine: [Int?],
        quarantined: [QuarantinedRow], bytes: [UInt8], recordStarts: [Int], recordEnds: [Int]
    ) {
        self.fileName = fileName
        self.byteSize = byteSize
        self.sha256 = sha256
        self.header = header
        self.unknownColumns = unknownColumns
        self.hasLabelColumn = hasLabelColumn
        self.labelledCount = sessions.reduce(0) { $0 + ($1.revenue == nil ? 0 : 1) }
        self.sessions = sessions
        self.lines = lines
        self.duplicateOfLine = duplicateOfLine
        self.quarantined = quarantined
        self.bytes = bytes
        self.recordStarts = recordStarts
        self.recordEnds = recordEnds
    }

    /// The number of valid rows.
    package var rowCount: Int { sessions.count }

    /// The number of data records in the file: valid plus quarantined.
    package var recordCount: Int { sessions.count + quarantined.count }

    /// Whether at least one valid row has a label: the batch can train and be measured against.
    /// False without a `Revenue` column and when that column is blank on every row; true for a
    /// partially labelled batch, whose labelled rows are `labelledCount` of `rowCount`.
    package var isLabelled: Bool { labelledCount > 0 }

    /// Whether every valid row has a label.
    package var isFullyLabelled: Bool { labelledCount == sessions.count }

    /// The positions in `sessions` of the rows with a label, in file order.
    package var labelledIndices: [Int] { sessions.indices.filter { sessions[$0].revenue != nil } }

    /// How many valid rows have `Revenue` TRUE (0 for an unlabelled batch).
    package var positiveCount: Int { sessions.reduce(0) { $0 + ($1.revenue == true ? 1 : 0) } }

    /// How many valid rows repeat an earlier row of the batch exactly.
    package var duplicateCount: Int { duplicateOfLine.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    /// The raw text of the record of `sessions[index]`, as written (valid UTF-8, checked by the reader).
    package func rawRecord(at index: Int) -> String {
        withRawRecordBytes(at: index) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with the raw UTF-8 bytes of the record of `sessions[index]`, without copying.
    package func withRawRecordBytes<R>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[recordStarts[index]..<recordEnds[index]]))
        }
    }

    /// Calls `body` with the whole file's bytes and the record ranges, for bulk writers.
    package func withRawRecords<R>(
        _ body: (_ bytes: UnsafeBufferPointer<UInt8>, _ starts: [Int], _ ends: [Int]) throws -> R
    ) rethrows -> R {
        try bytes.withUnsafeBufferPointer { try body($0, recordStarts, recordEnds) }
    }
}
