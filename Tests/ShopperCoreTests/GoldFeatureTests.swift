import ShopperInbox
import Testing
@testable import ShopperCore

/// Each gold feature on hand-computed sessions, the safe ratio at ExitRates = 0, the configurable
/// peak season, and lookup by name.
@Suite struct GoldFeatureTests {
    static func session(
        administrative: Int = 2, administrativeDuration: Double = 30, informational: Int = 1,
        informationalDuration: Double = 10, productRelated: Int = 7, productRelatedDuration: Double = 140,
        exitRates: Double = 0.05, pageValues: Double = 20, specialDay: Double = 0, month: Month = .may,
        visitorType: VisitorType = .returning
    ) -> Session {
        Session(
            administrative: administrative, administrativeDuration: administrativeDuration,
            informational: informational, informationalDuration: informationalDuration,
            productRelated: productRelated, productRelatedDuration: productRelatedDuration,
            bounceRates: 0.01, exitRates: exitRates, pageValues: pageValues, specialDay: specialDay, month: month,
            operatingSystems: 2, browser: 2, region: 1, trafficType: 3, visitorType: visitorType,
            weekend: false, revenue: true)
    }

    @Test func totalsAndAverages() {
        let gold = GoldFeatures(session: Self.session())
        #expect(gold.totalPages == 10)
        #expect(gold.totalDuration == 180)
        #expect(gold.averageSecondsPerPage == 18)
    }

    @Test func noPagesMeansZeroAverage() {
        let gold = GoldFeatures(session: Self.session(administrative: 0, administrativeDuration: 0, informational: 0,
                                                      informationalDuration: 0, productRelated: 0, productRelatedDuration: 0))
        #expect(gold.totalPages == 0)
        #expect(gold.averageSecondsPerPage == 0)
        #expect(gold.averageSecondsPerPage.isFinite)
    }

    @Test func pageValueExitRateRatio() {
        #expect(GoldFeatures(session: Self.session(exitRates: 0.05, pageValues: 20)).pageValueExitRateRatio == 400)
        // ExitRates = 0: divided by the floor 1e-4, finite, and the largest the PageValues allows.
        let noExit = GoldFeatures(session: Self.session(exitRates: 0, pageValues: 20)).pageValueExitRateRatio
        #expect(noExit == 20 / 1e-4)
        #expect(noExit.isFinite)
        #expect(noExit > GoldFeatures(session: Self.session(exitRates: 0.000176, pageValues: 20)).pageValueExitRateRatio)
        // No page value: 0 whatever the exit rate.
        #expect(GoldFeatures(session: Self.session(exitRates: 0, pageValues: 0)).pageValueExitRateRatio == 0)
        #expect(GoldFeatures.exitRateFloor == 1e-4)
    }

    @Test func returningVisitor() {
        #expect(GoldFeatures(session: Self.session(visitorType: .returning)).isReturningVisitor)
        #expect(!GoldFeatures(session: Self.session(visitorType: .new)).isReturningVisitor)
        #expect(!GoldFeatures(session: Self.session(visitorType: .other)).isReturningVisitor)
    }

    @Test func peakSeasonDefaultsToNovemberAndDecember() {
        let peak = Month.allCases.filter { GoldFeatures(session: Self.session(month: $0)).isPeakShoppingSeason }
        #expect(peak == [.nov, .dec])
        let configured = GoldFeatures.Configuration(peakMonths: [.jul, .aug])
        #expect(GoldFeatures(session: Self.session(month: .jul), configuration: configured).isPeakShoppingSeason)
        #expect(!GoldFeatures(session: Self.session(month: .dec), configuration: configured).isPeakShoppingSeason)
    }

    @Test func flags() {
        #expect(GoldFeatures(session: Self.session(pageValues: 0.01)).hasPageValue)
        #expect(!GoldFeatures(session: Self.session(pageValues: 0)).hasPageValue)
        #expect(GoldFeatures(session: Self.session(specialDay: 0.4)).isNearSpecialDay)
        #expect(!GoldFeatures(session: Self.session(specialDay: 0)).isNearSpecialDay)
    }

    @Test func namesAndValues() {
        #expect(GoldFeatures.names == ["IsReturningVisitor", "PageValue_ExitRate_Ratio", "is_peak_shopping_season",
                                       "TotalDuration", "TotalPages", "HasPageValue", "AvgSecondsPerPage", "IsNearSpecialDay"])
        let gold = GoldFeatures(session: Self.session(month: .nov))
        #expect(gold.values == [1, 400, 1, 180, 10, 1, 18, 0])
        #expect(gold.value(named: "TotalPages") == 10)
        #expect(gold.value(named: "PageValue_ExitRate_Ratio") == 400)
        #expect(gold.value(named: "Nope") == nil)
        #expect(GoldFeatures.Feature.allCases.filter(\.isCategorical).map(\.rawValue)
            == ["IsReturningVisitor", "is_peak_shopping_season", "HasPageValue", "IsNearSpecialDay"])
    }

    @Test func featureRowReadsInputsAndGoldByName() throws {
        let row = FeatureRow(session: Self.session(month: .dec, visitorType: .new))
        #expect(FeatureRow.featureNames.count == 17 + 8)
        #expect(row.value(named: "Month") == 12)
        #expect(row.value(named: "VisitorType") == VisitorType.new.code)
        #expect(row.value(named: "ProductRelated_Duration") == 140)
        #expect(row.value(named: "is_peak_shopping_season") == 1)
        #expect(row.value(named: "Revenue") == nil)
        #expect(row.values(of: ["TotalPages", "Browser"]) == [10, 2])
        #expect(row.values(of: ["TotalPages", "Nope"]) == nil)
        #expect(row.label == true)
    }

    @Test func everyBundledRowHasFiniteFeatures() throws {
        let batch = try BatchReader().read(contentsOf: Fixtures.bundledData)
        let nonFinite = batch.sessions.filter { session in GoldFeatures(session: session).values.contains { !$0.isFinite } }
        #expect(nonFinite.isEmpty)
        let peak = batch.sessions.filter { GoldFeatures(session: $0).isPeakShoppingSeason }.count
        #expect(peak == 2_998 + 1_727)  // Nov + Dec sessions in the published data
    }
}
