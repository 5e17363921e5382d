import ShopperCore

/// libFuzzer entry point for the CSV reader (built by `Fuzz/run.sh reader`).
///
/// Each input is one batch file's bytes. It is read under both policies, without a size limit and
/// with limits at and just below its size, and every outcome is checked against properties that hold
/// for any input, so the fuzzer finds wrong answers as well as crashes (a failed `precondition` is a
/// crash to libFuzzer):
/// - the limit at the size changes nothing; one byte below it is `tooLarge`, whatever the content;
/// - `reject` accepts only what `quarantine-rows` accepts whole; a fatal error is the same under both;
/// - an accepted batch is consistent (counts, lines, duplicates, SHA-256), every row satisfies the
///   schema, and writing its sessions with `SessionCSV` reads back to the same sessions;
/// - a rejection names the file, has bounded issue values, and its text never starts with a cell a
///   spreadsheet would execute once written by `CSVWriter`.
@_cdecl("LLVMFuzzerTestOneInput")
package func readerFuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    ReaderProperties(bytes: bytes).check()
    return 0
}

struct ReaderProperties {
    let bytes: [UInt8]
    let fileName = "fuzz.csv"

    func check() {
        let rejected = outcome(BatchReader(policy: .reject))
        let quarantined = outcome(BatchReader(policy: .quarantineRows))

        // A limit equal to the size changes nothing; one byte less refuses the file before reading it.
        for policy in InvalidRowPolicy.allCases {
            let unlimited = policy == .reject ? rejected : quarantined
            let atLimit = outcome(BatchReader(policy: policy, maxBytes: bytes.count))
            require(same(atLimit, unlimited), "maxBytes == size changed the outcome")
            if !bytes.isEmpty {
                let below = outcome(BatchReader(policy: policy, maxBytes: bytes.count - 1))
                guard case .failure(.tooLarge(fileName, bytes.count, bytes.count - 1)) = below else {
                    fatalError("a file over maxBytes was not refused as tooLarge: \(below)")
                }
            }
        }

        switch (rejected, quarantined) {
        case (.success(let strict), .success(let lenient)):
            require(strict.sessions == lenient.sessions && strict.lines == lenient.lines)
            require(lenient.quarantined.isEmpty, "reject accepted a batch quarantine-rows split")
            checkAccepted(strict)
        case (.failure(.invalidRows(_, let issues, let issueCount, let invalidRows, let rows)), let lenient):
            require(invalidRows >= 1 && invalidRows <= rows && issueCount >= invalidRows)
            require(issues.count == min(issueCount, BatchReader.issueLimit))
            switch lenient {
            case .success(let batch):
                require(batch.quarantined.count == invalidRows && batch.rowCount == rows - invalidRows)
                require(batch.quarantined.reduce(0) { $0 + $1.issues.count } == issueCount)
                require(batch.quarantined.allSatisfy { !$0.issues.isEmpty })
                checkAccepted(batch)
            case .failure(.noValidRows(_, let same, let count, let total)):
                require(invalidRows == rows && total == rows && count == issueCount && same == issues)
            case .failure(let other):
                fatalError("reject said invalidRows, quarantine-rows said \(other)")
            }
        case (.failure(let strict), .failure(let lenient)):
            require(strict == lenient, "a fatal error differs between policies: \(strict) / \(lenient)")
        case (.failure(let strict), .success):
            fatalError("quarantine-rows accepted what reject refused with \(strict)")
        case (.success, .failure(let lenient)):
            fatalError("reject accepted what quarantine-rows refused with \(lenient)")
        }
        if case .failure(let error) = rejected { checkRejection(error) }
        if case .failure(let error) = quarantined { checkRejection(error) }
    }

    private func outcome(_ reader: BatchReader) -> Result<ParsedBatch, BatchError> {
        do throws(BatchError) {
            return .success(try reader.read(bytes: bytes, fileName: fileName))
        } catch {
            return .failure(error)
        }
    }

    private func same(_ a: Result<ParsedBatch, BatchError>, _ b: Result<ParsedBatch, BatchError>) -> Bool {
        switch (a, b) {
        case (.success(let x), .success(let y)):
            x.sessions == y.sessions && x.lines == y.lines && x.quarantined == y.quarantined && x.sha256 == y.sha256
        case (.failure(let x), .failure(let y)):
            x == y
        default:
            false
        }
    }

    private func checkAccepted(_ batch: ParsedBatch) {
        let n = batch.rowCount
        require(n > 0, "an accepted batch has no rows")
        require(batch.lines.count == n && batch.duplicateOfLine.count == n)
        require(batch.byteSize == bytes.count && batch.fileName == fileName)
        require(batch.sha256 == SHA256.hex(of: bytes), "SHA-256 differs from the file's")
        require(zip(batch.lines, batch.lines.dropFirst()).allSatisfy { $0 < $1 }, "lines not increasing")
        var lineOf: [Int: Session] = [:]
        for i in 0..<n {
            let session = batch.sessions[i]
            checkSchema(session, labelColumn: batch.hasLabelColumn)
            lineOf[batch.lines[i]] = session
            if let earlier = batch.duplicateOfLine[i] {
                require(earlier < batch.lines[i] && lineOf[earlier] == session, "wrong duplicate flag")
            }
            let raw = batch.rawRecord(at: i)
            require(!raw.isEmpty && !raw.utf8.contains(0), "bronze record empty or with NUL")
            require(raw.utf8.last != 0x0A && raw.utf8.last != 0x0D, "bronze record keeps its terminator")
        }
        for row in batch.quarantined {
            require(row.issues.allSatisfy { $0.line == row.line && $0.file == fileName })
            requireNeutralised(row.rawText)
        }
        // Text kept from the file (extra column names, bronze records) is neutralised when written as a cell.
        batch.unknownColumns.forEach(requireNeutralised)
        for i in 0..<n { requireNeutralised(batch.rawRecord(at: i)) }
        // What we write, we read back identically.
        let written = Array(SessionCSV.encode(batch.sessions, labelled: batch.isLabelled).utf8)
        do throws(BatchError) {
            let again = try BatchReader().read(bytes: written, fileName: "again.csv")
            require(again.sessions == batch.sessions, "SessionCSV round trip changed the sessions")
        } catch {
            fatalError("SessionCSV wrote a batch the reader refuses: \(error)")
        }
    }

    private func checkSchema(_ s: Session, labelColumn: Bool) {
        require(s.administrative >= 0 && s.informational >= 0 && s.productRelated >= 0)
        for value in [s.administrativeDuration, s.informationalDuration, s.productRelatedDuration, s.pageValues] {
            require(value.isFinite && value >= 0 && value.sign == .plus, "bad non-negative value \(value)")
        }
        for value in [s.bounceRates, s.exitRates, s.specialDay] {
            require(value >= 0 && value <= 1 && value.sign == .plus, "bad rate \(value)")
        }
        require(s.operatingSystems > 0 && s.browser > 0 && s.region > 0 && s.trafficType > 0)
        require(s.revenue == nil || labelColumn, "a label without a Revenue column")
    }

    private func checkRejection(_ error: BatchError) {
        require(error.file == fileName)
        let text = error.description
        require(text.hasPrefix(fileName + ": ") && text.hasSuffix(error.advice))
        require(!error.issues.isEmpty && error.issues.count <= BatchReader.issueLimit)
        for issue in error.issues {
            require(issue.file == fileName && (issue.line ?? 1) >= 1 && !issue.reason.isEmpty)
            // Shortened to 120 characters (+ "…"), each shown as at most an 8-character escape (\u{FEFF}),
            // and printable: no control, invisible or bidi character reaches a report.
            require(issue.value.count <= 8 * ValidationIssue.maxValueLength + 1, "issue value not shortened")
            for text in [issue.value, issue.column] {
                require(!text.unicodeScalars.contains { isUnprintable($0) }, "unprintable character in a report: \(text.debugDescription)")
            }
            // A rejection report written as CSV (e.g. for a spreadsheet) never runs a formula.
            requireNeutralised(issue.value)
            requireNeutralised(issue.column)
        }
        switch error {
        case .notText(_, let line, _), .unterminatedQuote(_, let line):
            require(line >= 1)
        case .invalidRows(_, let issues, _, _, _), .noValidRows(_, let issues, _, _):
            require(issues.allSatisfy { ($0.line ?? 0) >= 2 }, "a row issue on the header line")
        default:
            break
        }
    }
}

/// Characters that must never reach a report as themselves (see `ValidationIssue.value`).
private func isUnprintable(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00...0x1F, 0x7F...0x9F, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2069, 0xFEFF: true
    default: false
    }
}

/// `CSVWriter` writes `cell` so that no spreadsheet runs it: after an optional opening quote, the
/// first character is not a formula trigger.
private func requireNeutralised(_ cell: String) {
    var written = Substring(CSVWriter.escape(cell))
    if written.first == "\"" { written = written.dropFirst() }
    if let first = written.unicodeScalars.first {
        require(!CSVWriter.formulaTriggers.contains(first), "CSVWriter left a formula trigger: \(written.debugDescription)")
    }
}
