import Foundation
import ShopperCore
import Testing
@testable import ShopperDrift

/// Month and SpecialDay say when people shop, not how: a batch from the reference's own months
/// is compared with those months, and the calendar columns never decide on their own.
@Suite struct CalendarDriftTests {
    /// `count` seeded random rows of `pool` as the batch, the rest of the bundled data as the reference.
    func split(_ keep: (Session) -> Bool, count: Int, seed: UInt64) -> (batch: [Session], reference: [Session]) {
        var generator = SeededGenerator(seed: seed)
        let pool = TestData.bundled.indices.filter { keep(TestData.bundled[$0]) }.shuffled(using: &generator)
        let chosen = Set(pool.prefix(count))
        return (chosen.sorted().map { TestData.bundled[$0] },
                TestData.bundled.indices.filter { !chosen.contains($0) }.map { TestData.bundled[$0] })
    }

    @Test func aMayOnlySampleOfTheReferenceIsNotCriticalDrift() throws {
        let (batch, rows) = split({ $0.month == .may }, count: 200, seed: 14)
        let reference = DriftReference(sessions: rows)
        let report = try DriftDetector().check(batch, against: reference)
        #expect(!report.criticalDrift, "drivers: \(report.drivers.map(\.name))")
        #expect(report.drivers.isEmpty)
        #expect(report.calendarMatch == .monthAndSpecialDay && report.monthsMatched == [.may])
        // May's rows in the batch's SpecialDay mix (thinned to it, so at most the 3,164 left).
        #expect(report.referenceRowsCompared > 2000 && report.referenceRowsCompared <= 3164 && report.referenceRows == 12_130)
        let month = try #require(report.columns.first { $0.column == .month })
        #expect(month.calendar && month.effectSize == 0)
        // Against the whole reference (the rule before), the same batch drifts on the calendar.
        let blind = try DriftDetector(config: .calendarBlind).check(batch, against: reference)
        #expect(blind.criticalDrift && blind.drivers.contains(.month))
        #expect(try #require(blind.columns.first { $0.column == .month }).effectSize > 0.4)
    }

    @Test func aWeekBeforeAHolidayIsComparedWithTheSameDaysOfItsMonth() throws {
        let window: Set<Double> = [0.6, 0.8, 1]
        let (batch, rows) = split({ $0.month == .may && window.contains($0.specialDay) }, count: 390, seed: 3)
        let report = try DriftDetector().check(batch, against: DriftReference(sessions: rows))
        #expect(!report.criticalDrift, "drivers: \(report.drivers.map(\.name))")
        #expect(report.calendarMatch == .monthAndSpecialDay && report.referenceRowsCompared > 300)
        #expect(report.referenceRowsCompared <= 332 + 306 + 149 - 390)
        // Against the whole reference the pre-holiday days look like changed behaviour.
        #expect(try DriftDetector(config: .calendarBlind).check(batch, against: DriftReference(sessions: rows)).criticalDrift)
    }

    @Test func anUnevenMixOfMonthsIsComparedInItsOwnProportions() throws {
        var generator = SeededGenerator(seed: 8)
        let march = TestData.bundled.indices.filter { TestData.bundled[$0].month == .mar }.shuffled(using: &generator).prefix(500)
        let may = TestData.bundled.indices.filter { TestData.bundled[$0].month == .may }.shuffled(using: &generator).prefix(500)
        let chosen = Set(march).union(may)
        let batch = chosen.sorted().map { TestData.bundled[$0] }
        let reference = DriftReference(sessions: TestData.bundled.indices.filter { !chosen.contains($0) }.map { TestData.bundled[$0] })
        let report = try DriftDetector().check(batch, against: reference)
        #expect(report.monthsMatched == [.mar, .may])
        let match = reference.calendarMatch(for: batch, level: report.calendarMatch)
        let months = match.sample.categoryCounts(.month)
        #expect(abs(months.count("Mar") - months.count("May")) <= months.total / 20, "\(months.counts)")
        #expect(!report.criticalDrift, "drivers: \(report.drivers.map(\.name))")
        // The union of the two months (1,407 March and 2,864 May rows) drifts: May shoppers differ.
        let union = DriftReference(sessions: TestData.bundled.indices.filter { !chosen.contains($0) }
            .map { TestData.bundled[$0] }.filter { $0.month == .mar || $0.month == .may })
        #expect(try DriftDetector(config: DriftConfig(calendarMatching: false)).check(batch, against: union).criticalDrift)
    }

    @Test func novemberAndDecemberAgainstFebruaryToJulyIsCriticalDrift() throws {
        let reference = DriftReference(sessions: TestData.bundled.filter { TestData.febToJul.contains($0.month) })
        let (batch, _) = split({ $0.month == .nov || $0.month == .dec }, count: 200, seed: 5)
        let report = try DriftDetector().check(batch, against: reference)
        #expect(report.criticalDrift)
        #expect(report.calendarMatch == .none && report.monthsMatched.isEmpty && report.referenceRowsCompared == 6175)
        let deciding = report.drivers.filter { !($0 == .month || $0 == .specialDay) }
        #expect(!deciding.isEmpty && report.drivers.prefix(deciding.count).elementsEqual(deciding))
        #expect(report.drivers.contains(.month))
        #expect(report.rule.contains("compared with the whole reference"))
    }

    @Test func calendarColumnsAloneNeverDecide() throws {
        // The reference holds a few December rows (too few to match on, so the batch is compared
        // with the whole reference): December is a month the model has seen.
        let december = TestData.synthetic(count: 30, seed: 3).map { session in
            var session = session
            session.month = .dec
            session.specialDay = 0
            return session
        }
        let reference = DriftReference(sessions: TestData.synthetic(count: 3000, seed: 1) + december)
        // The same shoppers, dated in December on Christmas Eve: only Month and SpecialDay move.
        let batch = TestData.synthetic(count: 400, seed: 2).map { session in
            var session = session
            session.month = .dec
            session.specialDay = 1
            return session
        }
        let report = try DriftDetector().check(batch, against: reference)
        let calendar = report.columns.filter(\.calendar)
        #expect(calendar.map(\.column) == [.specialDay, .month])
        #expect(calendar.allSatisfy { $0.drifted && $0.pValue < 1e-10 })
        #expect(!report.criticalDrift && report.drivers.isEmpty)
        #expect(report.columns.filter { !$0.calendar }.allSatisfy { !$0.drifted })
        // With every column deciding, the calendar alone would have raised the alarm.
        let blind = try DriftDetector(config: .calendarBlind).check(batch, against: reference)
        #expect(blind.criticalDrift && Set(blind.drivers) == [.month, .specialDay])
    }

    /// A batch from months the reference has no row of is outside the model's experience: there
    /// Month's own test decides, even when no behavioural column moved (the Nov/Dec power at 50
    /// rows rests on it: docs/drift.md). Under half of the batch from such months: it does not.
    @Test func aBatchMostlyFromMonthsTheReferenceNeverSawDecidesThroughMonth() throws {
        let reference = DriftReference(sessions: TestData.synthetic(count: 3000, seed: 1))  // Mar, May, Nov
        let batch = TestData.synthetic(count: 400, seed: 2).map { session in
            var session = session
            session.month = .dec
            return session
        }
        let report = try DriftDetector().check(batch, against: reference)
        #expect(report.criticalDrift && report.unseenMonths == [.dec])
        #expect(report.columns.filter { !$0.calendar }.allSatisfy { !$0.drifted })
        #expect(report.drivers.contains(.month) && report.drivers.allSatisfy { $0 == .month || $0 == .specialDay })
        #expect(report.rule.contains("Dec: never seen by the model"))
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(json.contains(#""unseen_months":["Dec"]"#))

        // A quarter of the batch from an unseen month: the calendar does not decide.
        let mostlyKnown = Array(TestData.synthetic(count: 300, seed: 4)) + Array(batch.prefix(100))
        let mixed = try DriftDetector().check(mostlyKnown, against: reference)
        #expect(mixed.unseenMonths.isEmpty && !mixed.criticalDrift)
    }

    @Test func theCorrectionRunsOverTheDecidingColumnsOnly() throws {
        let reference = DriftReference(sessions: TestData.synthetic(count: 3000, seed: 1))
        let report = try DriftDetector().check(TestData.synthetic(count: 300, seed: 4, shift: 3), against: reference)
        for calendar in [false, true] {
            let family = report.columns.filter { $0.calendar == calendar }
            #expect(family.map(\.pAdjusted) == MultipleTestingCorrection.bh.adjust(family.map(\.pValue)))
        }
        #expect(report.columns.filter { !$0.calendar }.count == 15)
        #expect(report.rule.contains("any of 15 behavioural features"))
    }

    @Test func missingMonthsFallBackToTheWholeReference() throws {
        let febToJul = TestData.bundled.filter { TestData.febToJul.contains($0.month) }
        let reference = DriftReference(sessions: febToJul)
        let november = Array(TestData.bundled.filter { $0.month == .nov }.prefix(300))
        let none = reference.calendarMatch(for: november, minimumRows: 50)
        #expect(none.level == .none && none.months.isEmpty && none.sample == reference.whole)

        // A few stray November rows in a May batch do not switch matching off.
        let may = Array(TestData.bundled.filter { $0.month == .may && $0.specialDay == 0 }.prefix(290))
        let mostlyMay = reference.calendarMatch(for: may + november.prefix(10), minimumRows: 50)
        #expect(mostlyMay.level == .monthAndSpecialDay && mostlyMay.months == [.may])
        #expect(mostlyMay.sample.rowCount == febToJul.filter { $0.month == .may && $0.specialDay == 0 }.count)

        // A SpecialDay value the reference holds too few rows of: the month's days near a holiday.
        let holiday = Array(TestData.bundled.filter { $0.month == .may && $0.specialDay == 1 }.suffix(100))
        let sparse = DriftReference(sessions: febToJul.filter { $0.month != .may || $0.specialDay != 1 }
            + TestData.bundled.filter { $0.month == .may && $0.specialDay == 1 }.prefix(10))
        let byHoliday = sparse.calendarMatch(for: holiday, minimumRows: 50)
        #expect(byHoliday.level == .monthAndHoliday && byHoliday.months == [.may])
        #expect(byHoliday.sample.rowCount == febToJul.filter { $0.month == .may && $0.specialDay > 0 && $0.specialDay < 1 }.count + 10)
        // Too few days near a holiday at all: the whole month.
        let sparser = DriftReference(sessions: febToJul.filter { $0.month != .may || $0.specialDay == 0 }
            + TestData.bundled.filter { $0.month == .may && $0.specialDay == 1 }.prefix(10))
        let byMonth = sparser.calendarMatch(for: holiday, minimumRows: 50)
        #expect(byMonth.level == .month && byMonth.months == [.may])
        #expect(byMonth.sample.rowCount == sparser.rowsByMonth.first { $0.month == .may }?.rows)

        // A month the reference barely has: the whole reference.
        let thin = DriftReference(sessions: febToJul.filter { $0.month != .jun } + febToJul.filter { $0.month == .jun }.prefix(20))
        let june = Array(TestData.bundled.filter { $0.month == .jun }.suffix(100))
        #expect(thin.calendarMatch(for: june, minimumRows: 50).level == .none)
        #expect(try DriftDetector().check(june, against: thin).referenceRowsCompared == thin.rowCount)
    }

    @Test func mergedStrataEqualAReferenceBuiltFromTheSameRows() throws {
        let reference = DriftReference(sessions: TestData.bundled)
        let batch = TestData.bundled.filter { $0.month == .mar || ($0.month == .may && $0.specialDay == 0.4) }
        let match = reference.calendarMatch(for: batch, minimumRows: 50)
        let direct = DriftReference(sessions: batch)
        #expect(match.sample.rowCount == batch.count)
        for column in Column.inputs {
            #expect(match.sample.sortedValues(column) == direct.sortedValues(column), "\(column.name)")
            #expect(match.sample.categoryCounts(column) == direct.categoryCounts(column), "\(column.name)")
        }
    }

    @Test func reportsWrittenBeforeCalendarKeysStillDecode() throws {
        let reference = DriftReference(sessions: TestData.synthetic(count: 500, seed: 1))
        let report = try DriftDetector().check(TestData.synthetic(count: 100, seed: 2), against: reference)
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
        for key in ["calendar_match", "months_matched", "reference_rows_compared"] { object[key] = nil }
        object["columns"] = (object["columns"] as? [[String: Any]])?.map { column in
            var column = column
            column["calendar"] = nil
            return column
        }
        let old = try JSONDecoder().decode(DriftReport.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old.calendarMatch == .none && old.monthsMatched.isEmpty && old.referenceRowsCompared == old.referenceRows)
        #expect(old.columns.allSatisfy { !$0.calendar })
    }
}
