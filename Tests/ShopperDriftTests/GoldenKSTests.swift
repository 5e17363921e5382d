import Testing
@testable import ShopperDrift

/// Every case of the public golden fixture (scipy 1.17), KS and chi-square.
@Suite struct GoldenFixtureTests {
    @Test func fixtureIsCompleteAndReadable() {
        // The fixture as shipped: 48 KS cases and 14 chi-square cases.
        #expect(GoldenFixture.cases.count == 62)
        #expect(GoldenFixture.ksCases.count == 48)
        #expect(GoldenFixture.chiSquareCases.count == 14)
    }

    @Test(arguments: GoldenFixture.ksCases)
    func ksMatchesScipy(_ golden: GoldenCase) throws {
        let method = try #require(KSMethod(rawValue: golden.method ?? ""))
        let result = try KolmogorovSmirnovTest.twoSided(golden.x ?? [], golden.y ?? [], method: method)
        #expect(abs(result.statistic - golden.statistic) <= 1e-12, "statistic \(result.statistic) vs \(golden.statistic)")
        #expect(pValuesAgree(result.pValue, golden.pvalue), "p \(result.pValue) vs \(golden.pvalue)")
        #expect(result.method.rawValue == golden.effectiveMethod)
        #expect(result.location == golden.statisticLocation)
        #expect(result.sign == golden.statisticSign)
    }

    @Test(arguments: GoldenFixture.chiSquareCases)
    func chiSquareMatchesScipy(_ golden: GoldenCase) throws {
        let categories = try #require(golden.categories)
        let reference = categories.map { golden.refCounts?[$0] ?? -1 }
        let current = categories.map { golden.curCounts?[$0] ?? -1 }
        let result = try ChiSquareHomogeneityTest.test(reference: reference, current: current)
        #expect(abs(result.statistic - golden.statistic) <= 1e-12 * max(1, abs(golden.statistic)),
                "statistic \(result.statistic) vs \(golden.statistic)")
        #expect(pValuesAgree(result.pValue, golden.pvalue), "p \(result.pValue) vs \(golden.pvalue)")
        #expect(result.degreesOfFreedom == golden.dof)
    }
}
