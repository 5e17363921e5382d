#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a CSV batch of shopping sessions strictly: RFC 4180 framing, the 18-column schema, every
/// type and range rule, and either all-or-nothing (`reject`) or row quarantine.
///
/// Works on bytes: one pass splits records and fields as byte ranges, cells are parsed in place, and
/// a String exists only for what is reported. Nothing is partial: either a `ParsedBatch` with every
/// valid row, or a `BatchError` saying what is wrong and where.
package struct BatchReader: Sendable {
    /// What to do with invalid rows.
    package var policy: InvalidRowPolicy
    /// Files larger than this are refused before being read (nil: no limit).
    package var maxBytes: Int?

    /// At most this many issues are listed in a `BatchError` (all are counted).
    package static let issueLimit = 1_000

    /// A header with more fields than this is refused: the schema has 18 columns, so thousands of
    /// extra ones are not a batch; and the bound keeps a record's bookkeeping small whatever the
    /// file holds (data rows with more fields are ragged rows, counted but not stored).
    package static let maxColumns = 4_096

    package init(policy: InvalidRowPolicy = .reject, maxBytes: Int? = nil) {
        self.policy = policy
        self.maxBytes = maxBytes
    }

    /// Reads a batch held in memory.
    package func read(bytes: [UInt8], fileName: String) throws(BatchError) -> ParsedBatch {
        if let maxBytes, bytes.count > maxBytes {
            throw .tooLarge(file: fileName, byteSize: bytes.count, limit: maxBytes)
        }
        if bytes.isEmpty { throw .empty(file: fileName) }
        // The cheap refusals first, so a binary file costs no hashing.
        try bytes.withUnsafeBufferPointer { buffer throws(BatchError) in
            try checkIsText(buffer.baseAddress!, buffer.count, fileName: fileName)
        }
        return try bytes.withUnsafeBufferPointer { buffer throws(BatchError) in
            try parse(buffer, bytes: bytes, fileName: fileName)
        }
    }

    // MARK: - The pass over the file

    private func parse(
        _ buffer: UnsafeBufferPointer<UInt8>, bytes: [UInt8], fileName: String
    ) throws(BatchError) -> ParsedBatch {
        let base = buffer.baseAddress!
        let count = buffer.count
        let bomLength = count >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF ? 3 : 0

        var scanner = RecordScanner(base: base, count: count, start: bomLength)
        defer { scanner.deallocate() }

        // The header: the first non-blank record.
        var headerLine = 0
        headerLoop: while true {
            switch scanner.next() {
            case .end: throw .empty(file: fileName)
            case .blank: continue
            case .unterminatedQuote(let line): throw .unterminatedQuote(file: fileName, line: line)
            case .record(_, _, let line):
                headerLine = line
                break headerLoop
            }
        }
        if scanner.totalFieldCount > BatchReader.maxColumns {
            throw .invalidHeader(file: fileName, issues: [ValidationIssue(
                file: fileName, line: headerLine, column: ValidationIssue.recordColumn, value: "\(scanner.totalFieldCount) fields",
                reason: "the header has \(scanner.totalFieldCount) fields; a batch has at most \(BatchReader.maxColumns) columns")])
        }
        let header = try HeaderLayout(fields: scanner.fields, base: base, line: headerLine, fileName: fileName)

        // The data records.
        let estimatedRows = max(16, count / 80)
        var sessions: [Session] = []
        var lines: [Int] = []
        var fingerprints: [UInt64] = []
        var starts: [Int] = []
        var ends: [Int] = []
        sessions.reserveCapacity(estimatedRows)
        lines.reserveCapacity(estimatedRows)
        fingerprints.reserveCapacity(estimatedRows)
        starts.reserveCapacity(estimatedRows)
        ends.reserveCapacity(estimatedRows)
        var quarantined: [QuarantinedRow] = []
        var reported: [ValidationIssue] = []
        var issueCount = 0
        var invalidRowCount = 0
        var recordCount = 0
        var decoder = RowDecoder(base: base, fileName: fileName, positions: header.positions, headerNames: header.names)

        records: while true {
            switch scanner.next() {
            case .end:
                break records
            case .blank:
                continue records
            case .unterminatedQuote(let line):
                throw .unterminatedQuote(file: fileName, line: line)
            case .record(let start, let end, let line):
                recordCount += 1
                if let session = decoder.decode(scanner.fields, fieldCount: scanner.totalFieldCount, line: line, recordStart: start, recordEnd: end) {
                    if policy == .reject && invalidRowCount > 0 { continue records }
                    sessions.append(session)
                    fingerprints.append(DuplicateFinder.fingerprint(session))
                    lines.append(line)
                    starts.append(start)
                    ends.append(end)
                } else {
                    invalidRowCount += 1
                    issueCount += decoder.issues.count
                    if reported.count < BatchReader.issueLimit {
                        reported.append(contentsOf: decoder.issues.prefix(BatchReader.issueLimit - reported.count))
                    }
                    if policy == .quarantineRows {
                        let raw = String(decoding: UnsafeBufferPointer(start: base + start, count: end - start), as: UTF8.self)
                        quarantined.append(QuarantinedRow(line: line, rawText: raw, issues: decoder.issues))
                    }
                }
            }
        }

        if recordCount == 0 { throw .headerOnly(file: fileName, headerLine: headerLine) }
        if invalidRowCount > 0 {
            switch policy {
            case .reject:
                throw .invalidRows(file: fileName, issues: reported, issueCount: issueCount,
                                   invalidRowCount: invalidRowCount, rowCount: recordCount)
            case .quarantineRows where sessions.isEmpty:
                throw .noValidRows(file: fileName, issues: reported, issueCount: issueCount, rowCount: recordCount)
            case .quarantineRows:
                break
            }
        }

        return ParsedBatch(
            fileName: fileName, byteSize: count, sha256: SHA256.hex(of: UnsafeRawBufferPointer(buffer)),
            header: header.names, unknownColumns: header.unknownColumns, hasLabelColumn: header.hasLabelColumn,
            sessions: sessions, lines: lines, duplicateOfLine: DuplicateFinder.duplicateOfLine(sessions: sessions, lines: lines, fingerprints: fingerprints),
            quarantined: quarantined, bytes: bytes, recordStarts: starts, recordEnds: ends
        )
    }

    /// Refuses what is certainly not UTF-8 CSV before looking for rows: UTF-32 and UTF-16 (their
    /// byte-order marks) and NUL bytes, which no text file holds and which would otherwise surface as
    /// odd cell errors.
    private func checkIsText(_ base: UnsafePointer<UInt8>, _ count: Int, fileName: String) throws(BatchError) {
        // UTF-32 first: its little-endian mark begins with UTF-16's.
        if count >= 4 && ((base[0] == 0xFF && base[1] == 0xFE && base[2] == 0 && base[3] == 0)
            || (base[0] == 0 && base[1] == 0 && base[2] == 0xFE && base[3] == 0xFF))
        {
            throw .notText(file: fileName, line: 1, reason: "the file is UTF-32 encoded (byte-order mark); save it as UTF-8")
        }
        if count >= 2 && ((base[0] == 0xFF && base[1] == 0xFE) || (base[0] == 0xFE && base[1] == 0xFF)) {
            throw .notText(file: fileName, line: 1, reason: "the file is UTF-16 encoded (byte-order mark); save it as UTF-8")
        }
        if let nul = memchr(base, 0, count) {
            let offset = UnsafeRawPointer(nul) - UnsafeRawPointer(base)
            var line = 1
            for i in 0..<offset where base[i] == UInt8(ascii: "\n") { line += 1 }
            throw .notText(file: fileName, line: line, reason: "NUL byte at offset \(offset): binary data (or UTF-16/UTF-32 text without a byte-order mark), not UTF-8 text")
        }
    }
}
