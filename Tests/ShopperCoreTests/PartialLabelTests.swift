import Foundation
import Testing
import ShopperCore

/// A blank `Revenue` cell is a row without a label, not an invalid row; and
/// item 13: a header-only file's issue named line 0.
@Suite struct PartialLabelTests {
    /// Blank `Revenue` on some rows used to reject the whole batch ("missing value (empty cell)").
    @Test func blankRevenueOnSomeRowsIsARowWithoutALabel() throws {
        let rows = [
            Fixtures.row([.revenue: "TRUE"]),
            Fixtures.row([.revenue: ""]),
            Fixtures.row([.revenue: " \t "]),
            Fixtures.row([.revenue: "false"]),
            Fixtures.row([.revenue: "\"\""]),
        ]
        let batch = try Fixtures.read(Fixtures.file(rows))
        #expect(batch.rowCount == 5)
        #expect(batch.sessions.map(\.revenue) == [true, nil, nil, false, nil])
        #expect(batch.hasLabelColumn)
        #expect(batch.isLabelled && !batch.isFullyLabelled)
        #expect(batch.labelledCount == 2)
        #expect(batch.labelledIndices == [0, 3])
        #expect(batch.positiveCount == 1)
        #expect(batch.quarantined.isEmpty)
        // Written back (blank cells for the missing labels), it reads back the same.
        let again = try Fixtures.read(SessionCSV.encode(batch.sessions, labelled: batch.isLabelled))
        #expect(again.sessions == batch.sessions)
    }

    /// A `Revenue` column blank on every row used to be rejected; it is an unlabelled batch.
    @Test func revenueBlankOnEveryRowMakesAnUnlabelledBatch() throws {
        let batch = try Fixtures.read(Fixtures.file([Fixtures.row([.revenue: ""]), Fixtures.row([.revenue: "  "])]))
        #expect(batch.rowCount == 2)
        #expect(batch.hasLabelColumn)
        #expect(!batch.isLabelled)
        #expect(batch.labelledCount == 0 && batch.labelledIndices.isEmpty && batch.positiveCount == 0)
        #expect(batch.sessions.allSatisfy { $0.revenue == nil })
    }

    /// Only blank is "no label": anything else must still be a boolean, and the other cells stay required.
    @Test func aRevenueThatIsNotBlankMustStillBeABoolean() throws {
        guard case .invalidRows(_, let issues, _, let invalid, let rows)? = Fixtures.error(Fixtures.file([
            Fixtures.row([.revenue: ""]), Fixtures.row([.revenue: "maybe"]), Fixtures.row([.weekend: "", .revenue: ""]),
        ])) else {
            Issue.record("an invalid Revenue or an empty Weekend was accepted")
            return
        }
        #expect(invalid == 2 && rows == 3)
        #expect(issues.map(\.line) == [3, 4])
        #expect(issues.map(\.column) == ["Revenue", "Weekend"])
        #expect(issues[0].reason.contains("not a boolean"))
        #expect(issues[1].reason == "missing value (empty cell)")
    }

    /// Quarantine keeps the unlabelled rows as valid ones: only truly invalid rows are set aside.
    @Test func quarantineSetsAsideInvalidRowsNotUnlabelledOnes() throws {
        let batch = try Fixtures.read(Fixtures.file([
            Fixtures.row([.revenue: ""]), Fixtures.row([.bounceRates: "2"]), Fixtures.row([.revenue: "TRUE"]),
        ]), policy: .quarantineRows)
        #expect(batch.rowCount == 2 && batch.labelledCount == 1)
        #expect(batch.quarantined.map(\.line) == [3])
    }

    /// The header-only rejection listed `"line": 0` in its issue (and no line in its text).
    @Test func aHeaderOnlyFileNamesTheHeadersLine() throws {
        #expect(Fixtures.error(Fixtures.header + "\n") == .headerOnly(file: "batch.csv", headerLine: 1))
        let error = try #require(Fixtures.error("\n\r\n" + Fixtures.header + "\n\n"))
        #expect(error == .headerOnly(file: "batch.csv", headerLine: 3))
        #expect(error.issues.map(\.line) == [3])
        #expect(error.description.contains("line 3"))
        let json = try #require(String(data: try JSONEncoder().encode(error.issues), encoding: .utf8))
        #expect(json.contains("\"line\":3"))
        #expect(!json.contains("\"line\":0"))
    }

    /// Problems of the whole file that no line causes carry no line, rather than a made-up 0.
    @Test func fileLevelProblemsHaveNoLine() throws {
        let errors: [BatchError] = [
            try #require(Fixtures.error("")),
            .tooLarge(file: "batch.csv", byteSize: 10, limit: 5),
            .unreadable(file: "batch.csv", reason: "Permission denied"),
        ]
        for error in errors {
            #expect(error.issues.count == 1 && error.issues[0].line == nil, "\(error)")
            let json = try #require(String(data: try JSONEncoder().encode(error.issues), encoding: .utf8))
            #expect(!json.contains("\"line\""), "\(json)")
            #expect(!error.issues[0].description.contains(":0:"))
        }
    }

    /// The advice named `ingest --on-invalid` whoever read the batch: the daemon's operator has no
    /// such flag. The reader's advice names no program; the caller says how its operator switches.
    @Test func theRejectionAdviceNamesNoProgramUnlessTheCallerGivesItsOwn() throws {
        let error = try #require(Fixtures.error(Fixtures.file([Fixtures.row([.bounceRates: "2"])])))
        #expect(!error.advice.contains("--on-invalid") && !error.advice.contains("ingest"))
        #expect(!error.description.contains("--on-invalid"))
        #expect(error.advice == "Fix the rows listed and resubmit.")
        let own = "set on-invalid to quarantine-rows"
        #expect(error.advice(keepValidRows: own) == "Fix the rows listed and resubmit, or \(own) to keep the valid rows.")
        #expect(error.report(maxIssues: 5, keepValidRows: own).hasSuffix("\n" + error.advice(keepValidRows: own)))
        // Errors where the policy cannot help do not mention it.
        let header = try #require(Fixtures.error(Fixtures.header + "\n"))
        #expect(header.advice(keepValidRows: own) == header.advice)
    }
}
