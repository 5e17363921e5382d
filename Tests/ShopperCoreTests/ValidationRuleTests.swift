import Testing
@testable import ShopperCore

/// Every type and range rule of the schema: the bad value is refused with its file, line, column,
/// value and reason; the good spellings are accepted and normalised.
@Suite struct ValidationRuleTests {
    /// Reads one row with `column` set to `value`; returns the single issue it must raise.
    func issue(_ column: Column, _ value: String) throws -> ValidationIssue {
        let text = Fixtures.file([Fixtures.row(), Fixtures.row([column: value])])
        guard case .invalidRows(let file, let issues, let count, let invalid, let rows) = Fixtures.error(text) else {
            Issue.record("\(column.name)=\(value) was accepted")
            throw Refused()
        }
        #expect(file == "batch.csv")
        #expect(count == 1 && invalid == 1 && rows == 2)
        let issue = try #require(issues.first)
        #expect(issue.file == "batch.csv")
        #expect(issue.line == 3)
        #expect(issue.column == column.name)
        #expect(issue.value == value.trimmingBlanks())
        #expect(!issue.reason.isEmpty)
        return issue
    }
    struct Refused: Error {}

    /// Reads one row with `column` set to `value`; returns the session.
    func session(_ column: Column, _ value: String) throws -> Session {
        let batch = try Fixtures.read(Fixtures.file([Fixtures.row([column: value])]))
        return try #require(batch.sessions.first)
    }

    // MARK: Page counts: non-negative integers

    @Test(arguments: [Column.administrative, .informational, .productRelated])
    func pageCounts(column: Column) throws {
        #expect(try issue(column, "-1").reason.contains("negative"))
        #expect(try issue(column, "1.5").reason.contains("whole number"))
        #expect(try issue(column, "abc").reason.contains("whole number"))
        #expect(try issue(column, "99999999999999999999").reason.contains("too large"))
        #expect(try issue(column, "").reason.contains("missing"))
        #expect(try session(column, "42").numericValue(column) == 42)
        #expect(try session(column, "0").numericValue(column) == 0)
    }

    // MARK: Durations: non-negative finite numbers

    @Test(arguments: [Column.administrativeDuration, .informationalDuration, .productRelatedDuration])
    func durations(column: Column) throws {
        #expect(try issue(column, "-0.1").reason.contains("negative"))
        #expect(try issue(column, "1e999").reason.contains("not finite"))
        #expect(try issue(column, "nan").reason.contains("not a decimal number"))
        #expect(try issue(column, "inf").reason.contains("not a decimal number"))
        #expect(try issue(column, "12s").reason.contains("not a decimal number"))
        #expect(try session(column, "2.666666667").numericValue(column) == 2.666666667)
        #expect(try session(column, "1e3").numericValue(column) == 1000)
    }

    // MARK: BounceRates, ExitRates, SpecialDay: [0, 1]

    @Test(arguments: [Column.bounceRates, .exitRates, .specialDay])
    func unitInterval(column: Column) throws {
        #expect(try issue(column, "1.5").reason.contains("between 0 and 1"))
        #expect(try issue(column, "1.0000001").reason.contains("between 0 and 1"))
        #expect(try issue(column, "-0.2").reason.contains("negative"))
        #expect(try issue(column, "NaN").reason.contains("not a decimal number"))
        #expect(try session(column, "1").numericValue(column) == 1)
        #expect(try session(column, "0").numericValue(column) == 0)
        #expect(try session(column, "0.2").numericValue(column) == 0.2)
    }

    // MARK: PageValues: non-negative

    @Test func pageValues() throws {
        #expect(try issue(.pageValues, "-5").reason.contains("negative"))
        #expect(try issue(.pageValues, "1e400").reason.contains("not finite"))
        #expect(try session(.pageValues, "361.7637419").pageValues == 361.7637419)
    }

    // MARK: Month: twelve months, short or full, any case, normalised

    @Test(arguments: [("Feb", Month.feb), ("feb", .feb), ("FEBRUARY", .feb), ("June", .jun), ("jun", .jun),
                      ("Sept", .sep), ("september", .sep), ("Dec", .dec), (" Nov ", .nov), ("\"Mar\"", .mar)])
    func monthsAccepted(text: String, month: Month) throws {
        let parsed = try session(.month, text)
        #expect(parsed.month == month)
        #expect(parsed.categoryLabel(.month) == month.name)
    }

    @Test(arguments: ["Foo", "Juni", "13", "Ja", "Febuary", "Mayo"])
    func monthsRefused(text: String) throws {
        #expect(try issue(.month, text).reason.contains("not a month"))
    }

    // MARK: Integer-coded categoricals: positive integers

    @Test(arguments: [Column.operatingSystems, .browser, .region, .trafficType])
    func codes(column: Column) throws {
        #expect(try issue(column, "0").reason.contains("positive whole number"))
        #expect(try issue(column, "-2").reason.contains("positive whole number"))
        #expect(try issue(column, "1.5").reason.contains("positive whole number"))
        #expect(try issue(column, "x").reason.contains("positive whole number"))
        #expect(try session(column, "13").numericValue(column) == 13)
    }

    // MARK: VisitorType

    @Test func visitorTypes() throws {
        #expect(try session(.visitorType, "Returning_Visitor").visitorType == .returning)
        #expect(try session(.visitorType, "new_visitor").visitorType == .new)
        #expect(try session(.visitorType, "OTHER").visitorType == .other)
        #expect(try issue(.visitorType, "Guest").reason.contains("Returning_Visitor"))
        #expect(try issue(.visitorType, "Returning").reason.contains("not a visitor type"))
    }

    // MARK: Booleans

    @Test(arguments: [("TRUE", true), ("FALSE", false), ("true", true), ("false", false), ("1", true), ("0", false),
                      ("True", true)])
    func booleansAccepted(text: String, value: Bool) throws {
        #expect(try session(.weekend, text).weekend == value)
        #expect(try session(.revenue, text).revenue == value)
    }

    @Test(arguments: [Column.weekend, .revenue])
    func booleansRefused(column: Column) throws {
        for bad in ["yes", "2", "T", "FALSEY", "-1"] {
            #expect(try issue(column, bad).reason.contains("not a boolean"))
        }
        // An empty Weekend is missing; an empty Revenue is a row without a label (PartialLabelTests).
        if column == .weekend { #expect(try issue(column, "").reason.contains("missing")) }
    }

    // MARK: Labels

    @Test func revenueAbsentMakesAnUnlabelledBatch() throws {
        let batch = try Fixtures.read(Fixtures.file([Fixtures.row(columns: Column.inputs)], columns: Column.inputs))
        #expect(!batch.isLabelled)
        #expect(batch.sessions.first?.revenue == nil)
        #expect(batch.positiveCount == 0)
    }

    // MARK: Every issue of every row is listed

    @Test func allIssuesOfARowAreListed() throws {
        let text = Fixtures.file([Fixtures.row([.administrative: "-1", .month: "Foo", .weekend: "maybe"])])
        guard case .invalidRows(_, let issues, let count, _, _) = Fixtures.error(text) else {
            Issue.record("accepted")
            return
        }
        #expect(count == 3)
        #expect(issues.map(\.column) == ["Administrative", "Month", "Weekend"])
        #expect(issues.allSatisfy { $0.line == 2 })
    }

    @Test func rejectListsTheFirstThousandAndCountsAll() throws {
        let rows = (0..<1_500).map { _ in Fixtures.row([.browser: "0"]) } + [Fixtures.row()]
        guard case .invalidRows(_, let issues, let count, let invalid, let total) = Fixtures.error(Fixtures.file(rows)) else {
            Issue.record("accepted")
            return
        }
        #expect(issues.count == BatchReader.issueLimit)
        #expect(count == 1_500)
        #expect(invalid == 1_500)
        #expect(total == 1_501)
        #expect(issues.last?.line == 1_001)
        let report = BatchError.invalidRows(file: "batch.csv", issues: issues, issueCount: count,
                                            invalidRowCount: invalid, rowCount: total).report(maxIssues: 10)
        #expect(report.contains("1500 of 1501 rows are invalid"))
        #expect(report.contains("… and 1490 more problems"))
        // The reader's own advice names no program (the caller adds how to switch policy: PartialLabelTests).
        #expect(report.hasSuffix("\nFix the rows listed and resubmit."))
    }

    // MARK: Policies

    @Test func quarantineKeepsValidRowsAndSetsBadOnesAside() throws {
        let text = Fixtures.file([Fixtures.row(), Fixtures.row([.exitRates: "2"]), Fixtures.row([.month: "Jan"]),
                                  "1,2,3"])
        let batch = try Fixtures.read(text, policy: .quarantineRows)
        #expect(batch.sessions.count == 2)
        #expect(batch.lines == [2, 4])
        #expect(batch.sessions[1].month == .jan)
        #expect(batch.quarantined.map(\.line) == [3, 5])
        #expect(batch.quarantined[0].rawText == Fixtures.row([.exitRates: "2"]))
        #expect(batch.quarantined[0].issues.first?.column == "ExitRates")
        #expect(batch.quarantined[1].issues.first?.column == ValidationIssue.recordColumn)
        #expect(batch.recordCount == 4)
    }

    @Test func quarantineWithNoValidRowIsAnError() {
        let text = Fixtures.file([Fixtures.row([.exitRates: "2"]), Fixtures.row([.region: "0"])])
        guard case .noValidRows(_, let issues, let count, let rows) = Fixtures.error(text, policy: .quarantineRows) else {
            Issue.record("expected noValidRows")
            return
        }
        #expect(issues.count == 2 && count == 2 && rows == 2)
    }

    @Test func rejectIsTheDefault() {
        #expect(BatchReader().policy == .reject)
        #expect(InvalidRowPolicy(rawValue: "quarantine-rows") == .quarantineRows)
    }
}
