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
