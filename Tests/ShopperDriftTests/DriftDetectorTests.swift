import Foundation
import ShopperCore
import Testing
@testable import ShopperDrift

@Suite struct DriftDetectorTests {
    /// The detector on the fixture's own split (Feb–Jul reference, Nov batch, read from the
    /// bundled file) gives scipy's numbers for every feature.
    @Test func realSplitMatchesTheGoldenCases() throws {
        #expect(TestData.bundled.count == 12_330)
        let reference = DriftReference(sessions: TestData.bundled.filter { TestData.febToJul.contains($0.month) })
        let november = TestData.bundled.filter { $0.month == .nov }
        #expect(reference.rowCount == 6175 && november.count == 2998)
        let detector = try DriftDetector(config: DriftConfig(correction: .none, categoricalMethod: .plain))
        let report = try detector.check(november, against: reference)
        let golden = Dictionary(uniqueKeysWithValues: GoldenFixture.cases.map { ($0.name, $0) })
        #expect(report.columns.map(\.column) == Column.inputs)
        for result in report.columns {
            let name = result.test == .ks ? "pub_real_split_\(result.column.name)_auto" : "pub_chi2_split_\(result.column.name)"
            let expected = try #require(golden[name], "no golden case \(name)")
            #expect(abs(result.statistic - expected.statistic) <= 1e-12 * max(1, expected.statistic), "\(name)")
            #expect(pValuesAgree(result.pValue, expected.pvalue), "\(name): \(result.pValue) vs \(expected.pvalue)")
            #expect(result.kind == (result.column.isCategorical ? .categorical : .numeric))
        }
        let month = try #require(report.columns.first { $0.column == .month })
        #expect(month.unseenCategories == ["Nov"])
        #expect(month.effectSize == 1)
        // Month is a calendar column: it drifted (Nov is unseen) but the behavioural columns
        // decided; it follows them in `drivers` as context.
        #expect(month.calendar && month.drifted)
        #expect(report.calendarMatch == .none && report.referenceRowsCompared == 6175)
        #expect(report.criticalDrift)
        let calendar = report.drivers.drop { !($0 == .month || $0 == .specialDay) }
        #expect(calendar.contains(.month) && calendar.allSatisfy { $0 == .month || $0 == .specialDay })
        #expect(calendar.count < report.drivers.count)
    }

    @Test func sameDistributionDoesNotDrift() throws {
        let reference = DriftReference(sessions: TestData.synthetic(count: 3000, seed: 1))
        let report = try DriftDetector().check(TestData.synthetic(count: 300, seed: 2), against: reference)
        #expect(!report.criticalDrift)
        #expect(report.drivers.isEmpty)
        #expect(report.columns.count == 17)
        #expect(report.columns.allSatisfy { !$0.drifted && $0.pAdjusted >= 0.05 })
    }

    @Test func shiftedPageCountsDrift() throws {
        let reference = DriftReference(sessions: TestData.synthetic(count: 3000, seed: 1))
        let report = try DriftDetector().check(TestData.synthetic(count: 300, seed: 4, shift: 15), against: reference)
        #expect(report.criticalDrift)
        #expect(Set(report.drivers) == [.productRelated, .productRelatedDuration])
        let pages = try #require(report.columns.first { $0.column == .productRelated })
        #expect(pages.test == .ks && pages.method == .exact && pages.effectSize > 0.3)
        #expect(report.rule.contains("Benjamini–Hochberg-adjusted p < 0.05"))
    }

    @Test func unseenCategoriesAreTestedAndReported() throws {
        let reference = DriftReference(sessions: TestData.synthetic(count: 3000, seed: 1))
        // A whole batch on a browser the reference never saw: obvious drift.
        let allNew = try DriftDetector().check(TestData.synthetic(count: 300, seed: 2, browser: 7), against: reference)
        let browser = try #require(allNew.columns.first { $0.column == .browser })
        #expect(browser.unseenCategories == ["7"])
        #expect(browser.pooledCategories == [])
        #expect(browser.drifted && allNew.drivers == [.browser])
        // Two such rows in 300: reported, pooled with the smallest kept browser, no alarm.
        let batch = TestData.synthetic(count: 298, seed: 5) + TestData.synthetic(count: 2, seed: 6, browser: 7)
        let few = try DriftDetector().check(batch, against: reference)
        let rare = try #require(few.columns.first { $0.column == .browser })
        #expect(rare.unseenCategories == ["7"])
        #expect(rare.pooledCategories?.contains("7") == true)
        #expect(rare.degreesOfFreedom == 1)
        #expect(!rare.drifted)
        // The plain test, as scipy, calls those two rows drift: the reason pooling is the default.
        let plain = try DriftDetector(config: DriftConfig(categoricalMethod: .plain)).check(batch, against: reference)
        #expect(plain.columns.first { $0.column == .browser }?.drifted == true)
    }

    @Test func effectFloorIgnoresSignificantButNegligibleShifts() throws {
        let reference = DriftReference(sessions: TestData.synthetic(count: 20_000, seed: 1))
        let current = TestData.synthetic(count: 20_000, seed: 8, shift: 1)
        let significant = try DriftDetector().check(current, against: reference)
        #expect(significant.criticalDrift)
        #expect(significant.columns.filter(\.drifted).allSatisfy { $0.effectSize < 0.1 })
        let floored = try DriftDetector(config: DriftConfig(minEffect: 0.1)).check(current, against: reference)
        #expect(!floored.criticalDrift)
        #expect(floored.columns.map(\.pAdjusted) == significant.columns.map(\.pAdjusted))
        #expect(floored.rule.contains("effect ≥ 0.1"))
    }

    @Test(arguments: [MultipleTestingCorrection.bh, .bonferroni, .none])
    func decisionFollowsTheAdjustedPValues(_ correction: MultipleTestingCorrection) throws {
        let reference = DriftReference(sessions: TestData.synthetic(count: 2000, seed: 1))
        let config = DriftConfig(alpha: 0.01, correction: correction, minEffect: 0.05)
        let report = try DriftDetector(config: config).check(TestData.synthetic(count: 200, seed: 9, shift: 4), against: reference)
        // Behavioural and calendar columns are adjusted as two families.
        for calendar in [false, true] {
            let family = report.columns.filter { $0.calendar == calendar }
            #expect(family.map(\.pAdjusted) == correction.adjust(family.map(\.pValue)))
        }
        for result in report.columns {
            #expect(result.drifted == (result.pAdjusted < 0.01 && result.effectSize >= 0.05))
        }
        let behavioural = report.columns.filter { $0.drifted && !$0.calendar }
        #expect(report.criticalDrift == !behavioural.isEmpty)
        #expect(report.drivers.prefix(behavioural.count).elementsEqual(behavioural.sorted { $0.pAdjusted < $1.pAdjusted }.map(\.column)))
        #expect(report.columnsByConcern.prefix(report.drivers.count).map(\.column) == report.drivers)
    }

    @Test func invalidInputsAreRefusedWithAdvice() throws {
        let reference = DriftReference(sessions: TestData.synthetic(count: 10, seed: 1))
        #expect(throws: DriftError.emptyCurrent) { try DriftDetector().check([], against: reference) }
        #expect(throws: DriftError.emptyReference) {
            try DriftDetector().check(TestData.synthetic(count: 5, seed: 2), against: DriftReference(sessions: []))
        }
        #expect(throws: DriftError.invalidAlpha(1.5)) { try DriftDetector(config: DriftConfig(alpha: 1.5)) }
        #expect(throws: DriftError.invalidMinEffect(2)) { try DriftDetector(config: DriftConfig(minEffect: 2)) }
        #expect(DriftError.invalidAlpha(1.5).description.contains("0.05"))
    }

    @Test func referenceSurvivesEncodingAndGivesTheSameReport() throws {
        let reference = DriftReference(sessions: TestData.synthetic(count: 800, seed: 1))
        let decoded = try JSONDecoder().decode(DriftReference.self, from: JSONEncoder().encode(reference))
        let batch = TestData.synthetic(count: 120, seed: 4, shift: 6)
        #expect(decoded.rowCount == 800)
        #expect(try DriftDetector().check(batch, against: decoded) == DriftDetector().check(batch, against: reference))
        #expect(decoded.sortedValues(.exitRates) == reference.sortedValues(.exitRates))
        #expect(decoded.categoryCounts(.browser) == reference.categoryCounts(.browser))
    }

    @Test func jsonHasTheDocumentedKeys() throws {
        let reference = DriftReference(sessions: TestData.synthetic(count: 500, seed: 1))
        let report = try DriftDetector().check(TestData.synthetic(count: 100, seed: 2), against: reference)
        let data = try JSONEncoder().encode(report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == [
            "critical_drift", "rule", "drivers", "alpha", "correction", "min_effect",
            "reference_rows", "current_rows", "columns",
            "calendar_match", "months_matched", "reference_rows_compared", "unseen_months",
        ])
        #expect(object["min_effect"] is NSNull)
        let columns = try #require(object["columns"] as? [[String: Any]])
        #expect(columns.count == 17)
        let common: Set<String> = ["column", "kind", "test", "statistic", "p_value", "p_adjusted", "drifted", "effect_size", "effect_measure", "calendar"]
        let numeric = try #require(columns.first { $0["kind"] as? String == "numeric" })
        #expect(Set(numeric.keys) == common.union(["method", "statistic_location"]))
        #expect(numeric["test"] as? String == "ks")
        let categorical = try #require(columns.first { $0["kind"] as? String == "categorical" })
        #expect(Set(categorical.keys) == common.union(["dof", "pooled_categories", "unseen_categories"]))
        #expect(categorical["test"] as? String == "chi2")
        #expect(try JSONDecoder().decode(DriftReport.self, from: data) == report)
    }
}
