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
