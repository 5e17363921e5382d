import Testing
@testable import ShopperCore

/// Regressions of reader bugs found by fuzzing and by the hostile-input corpus (docs/reliability-fuzzing.md).
@Suite struct ReaderRegressionTests {
    /// Counts up to Int.max and durations up to 1.7e308 used to be accepted; the gold features then
    /// overflowed: `TotalPages` trapped (Int overflow, a daemon crash at ingest) and `TotalDuration`
    /// or `PageValue_ExitRate_Ratio` became infinite. `SessionCSV` also wrote counts ≥ 10^15 as
    /// `1e+15`, which the reader refuses, so the batch did not read back.
    @Test func hugeQuantitiesAreRefusedSoGoldFeaturesStayFinite() throws {
        let counts = Fixtures.row([.administrative: "9223372036854775807", .informational: "1"])
        guard case .invalidRows(_, let issues, _, _, _)? = Fixtures.error(Fixtures.file([counts])) else {
            Issue.record("a page count of Int.max was accepted")
            return
        }
        #expect(issues.map(\.column) == ["Administrative"])
        #expect(issues[0].reason == "page count too large: at most 1000000000000")

        for column in [Column.administrativeDuration, .informationalDuration, .productRelatedDuration, .pageValues] {
            let error = Fixtures.error(Fixtures.file([Fixtures.row([column: "1.7e308"])]))
            guard case .invalidRows(_, let issues, _, _, _)? = error else {
                Issue.record("\(column.name) 1.7e308 was accepted")
                continue
            }
            #expect(issues.map(\.column) == [column.name])
            #expect(issues[0].reason == "\(column.name) too large: at most 1000000000000")
        }

        // The largest accepted values: every gold feature finite, and the batch reads back.
        let largest = "1000000000000"
        let row = Fixtures.row([
            .administrative: largest, .informational: largest, .productRelated: largest,
            .administrativeDuration: largest, .informationalDuration: largest, .productRelatedDuration: largest,
            .pageValues: largest, .exitRates: "0",
        ])
        let batch = try Fixtures.read(Fixtures.file([row]))
        let gold = GoldFeatures(session: batch.sessions[0])
        #expect(gold.totalPages == 3_000_000_000_000)
        for feature in GoldFeatures.Feature.allCases {
            #expect(gold.value(feature).isFinite, "\(feature)")
        }
        let again = try Fixtures.read(SessionCSV.encode(batch.sessions, labelled: true))
        #expect(again.sessions == batch.sessions)
    }
}

extension ReaderRegressionTests {
    /// A UTF-32 file was reported as UTF-16 (its little-endian mark starts with UTF-16's) or, big-endian,
    /// as binary data; UTF-16 without a mark was "binary data" with no hint of the encoding.
    @Test func utf32AndUnmarkedUTF16AreNamed() {
        let text = Fixtures.file([Fixtures.validRow])
        var little: [UInt8] = [0xFF, 0xFE, 0, 0]
        var big: [UInt8] = [0, 0, 0xFE, 0xFF]
        for scalar in text.unicodeScalars {
            let v = scalar.value
            little += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), 0]
            big += [0, UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
        }
        for bytes in [little, big] {
            #expect(FramingTests.error(bytes) == .notText(
                file: "b.csv", line: 1, reason: "the file is UTF-32 encoded (byte-order mark); save it as UTF-8"))
        }
        let unmarked = text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        guard case .notText(_, 1, let reason)? = FramingTests.error(unmarked) else {
            Issue.record("UTF-16 without a byte-order mark was not refused as text")
            return
        }
        #expect(reason == "NUL byte at offset 1: binary data (or UTF-16/UTF-32 text without a byte-order mark), not UTF-8 text")
    }
}

extension ReaderRegressionTests {
    /// A cell's value went verbatim into the report: a quoted line break split an issue line (and
    /// could forge one, "… accepted"), an escape sequence drove the operator's terminal, a
    /// right-to-left override reordered the line on screen. Values and column names are now printable.
    @Test func issueValuesCannotSplitOrDisguiseReportLines() throws {
        let forged = "\"Feb\nbatch.csv: stored as version 9\""
        let terminal = "\u{1B}[2J\u{1B}[31mNov"
        let reordered = "\u{202E}voN"
        let header = Fixtures.header + ",\"No\tte\u{7}\""
        let rows = [forged, terminal, reordered].map { Fixtures.row([.month: $0]) + ",x" }
        guard case .invalidRows(_, let issues, _, _, _)? = Fixtures.error(([header] + rows).joined(separator: "\n") + "\n") else {
            Issue.record("accepted")
            return
        }
        #expect(issues.map(\.value) == ["Feb\\nbatch.csv: stored as version 9", "\\u{1B}[2J\\u{1B}[31mNov", "\\u{202E}voN"])
        #expect(issues.map(\.line) == [2, 4, 5])
        let report = BatchError.invalidRows(file: "f.csv", issues: issues, issueCount: 3, invalidRowCount: 3, rowCount: 3).description
        #expect(report.split(separator: "\n").count == 1 + issues.count + 1)  // summary, one line per issue, advice
        #expect(!report.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x202E })

        // Header names are shown the same way; unknown columns themselves stay as written (data).
        let duplicate = Fixtures.header + ",\"Month\u{7}\",\"\nMonth\""
        let batch = try Fixtures.read(duplicate + "\n" + Fixtures.validRow + ",a,b\n")
        #expect(batch.unknownColumns == ["Month\u{7}", "\nMonth"])
        #expect(ValidationIssue(file: "f", line: 1, column: "\nMonth", value: "", reason: "r").column == "\\nMonth")
    }

    /// Shortening a cell counted every character of it (grapheme breaking over a cell of hundreds of
    /// megabytes); now only the first 120 are looked at, with the same result.
    @Test func shorteningAHugeValueKeepsTheFirst120Characters() {
        let huge = String(repeating: "é", count: 1_000_000)
        let issue = ValidationIssue(file: "f", line: 2, column: "Month", value: huge, reason: "r")
        #expect(issue.value == String(repeating: "é", count: 120) + "…")
        let exact = String(repeating: "é", count: 120)
        #expect(ValidationIssue(file: "f", line: 2, column: "Month", value: exact, reason: "r").value == exact)
    }
}

extension ReaderRegressionTests {
    /// Two concatenated UTF-8 exports put a second byte-order mark before the header; Excel leaves
    /// no-break spaces. The header then looked right but the reader said only "required column
    /// Administrative is missing". Now it names the look-alike and why it does not count.
    @Test func invisibleCharactersInAHeaderNameAreNamed() {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let doubled = bom + bom + Array(Fixtures.file([Fixtures.validRow]).utf8)
        guard case .invalidHeader(_, let issues)? = FramingTests.error(doubled) else {
            Issue.record("a header after two byte-order marks was not refused")
            return
        }
        #expect(issues.count == 1)
        #expect(issues.first?.column == "Administrative")
        #expect(issues.first?.value == "\\u{FEFF}Administrative")
        #expect(issues.first?.reason == "required column Administrative is missing: the header has \"\\u{FEFF}Administrative\","
            + " which has invisible characters (a byte-order mark, a zero-width or no-break space); retype the name")

        let nbsp = Fixtures.header.replacingOccurrences(of: "Month", with: "Month\u{A0}")
        guard case .invalidHeader(_, let more)? = Fixtures.error(nbsp + "\n" + Fixtures.validRow + "\n") else {
            Issue.record("a header with a no-break space was not refused")
            return
        }
        #expect(more.map(\.column) == ["Month"])
        #expect(more.first?.reason.contains("invisible characters") == true)
        // A genuinely absent column keeps the short message.
        let columns = Column.allCases.filter { $0 != .region }
        #expect(Fixtures.error(Fixtures.file([Fixtures.row(columns: columns)], columns: columns))
            == .invalidHeader(file: "batch.csv", issues: [ValidationIssue(
                file: "batch.csv", line: 1, column: "Region", value: "", reason: "required column Region is missing")]))
    }
}

extension ReaderRegressionTests {
    /// The scanner stored every field of a record (24 bytes each): a 200 MB line of commas needed
    /// 4.8 GB and took 14 s to refuse. Now at most `BatchReader.maxColumns` are stored and the rest
    /// only counted; the reports are unchanged.
    @Test func aRecordOfMillionsOfFieldsIsCountedNotStored() throws {
        let commas = [UInt8](repeating: UInt8(ascii: ","), count: 1_000_000)
        commas.withUnsafeBufferPointer { buffer in
            var scanner = RecordScanner(base: buffer.baseAddress!, count: buffer.count, start: 0)
            defer { scanner.deallocate() }
            guard case .record = scanner.next() else {
                Issue.record("no record")
                return
            }
            #expect(scanner.fields.count == BatchReader.maxColumns)
            #expect(scanner.totalFieldCount == 1_000_001)
            guard case .end = scanner.next() else {
                Issue.record("more than one record")
                return
            }
        }
        let ragged = Array((Fixtures.header + "\n" + Fixtures.validRow + "\n").utf8) + commas + [0x0A]
        guard case .invalidRows(_, let issues, _, _, _)? = FramingTests.error(ragged) else {
            Issue.record("accepted")
            return
        }
        #expect(issues == [ValidationIssue(file: "b.csv", line: 3, column: "(record)", value: "1000001 fields",
                                           reason: "expected 18 fields as in the header, found 1000001")])

        // A header of more than maxColumns fields is no batch.
        let wide = Array((Fixtures.header + String(repeating: ",x", count: BatchReader.maxColumns) + "\n").utf8)
        #expect(FramingTests.error(wide) == .invalidHeader(file: "b.csv", issues: [ValidationIssue(
            file: "b.csv", line: 1, column: "(record)", value: "4114 fields",
            reason: "the header has 4114 fields; a batch has at most 4096 columns")]))
        // Exactly maxColumns is a header (the extra columns are unknown ones).
        let widest = Fixtures.header + String(repeating: ",x", count: BatchReader.maxColumns - 18)
        let row = Fixtures.validRow + String(repeating: ",", count: BatchReader.maxColumns - 18)
        #expect(try Fixtures.read(widest + "\n" + row + "\n").unknownColumns.count == BatchReader.maxColumns - 18)
    }
}
