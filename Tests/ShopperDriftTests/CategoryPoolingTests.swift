import Testing
@testable import ShopperDrift

@Suite struct CategoryPoolingTests {
    @Test func denseTablesAreLeftAlone() {
        #expect(CategoryPooling.cells(reference: [500, 300, 200], current: [50, 30, 20], minimumExpected: 5)
            == [[0], [1], [2]])
    }

    @Test func sparseCategoriesArePooledAndTopUpFromTheSmallestKept() {
        // Smaller row 201 of N = 2215: expected 99.8, 99.8, 1.0, 0.27, 0.09. The three sparse
        // ones pool to 1.36 < 5, so the smallest kept category (a tie, lowest index) joins.
        let cells = CategoryPooling.cells(reference: [1000, 1000, 10, 3, 1], current: [100, 100, 1, 0, 0], minimumExpected: 5)
        #expect(cells == [[1], [0, 2, 3, 4]])
    }

    @Test func pooledCellThatReachesTheThresholdStandsAlone() {
        // Expected 4.0 and 4.0 for the last two: each sparse, together 8 ≥ 5.
        let cells = CategoryPooling.cells(reference: [500, 500, 40, 40], current: [50, 50, 4, 4], minimumExpected: 5)
        #expect(cells == [[0], [1], [2, 3]])
    }

    @Test func allSparseLeavesOneCellAndNoTest() throws {
        let cells = CategoryPooling.cells(reference: [3, 2], current: [1, 1], minimumExpected: 5)
        #expect(cells == [[0, 1]])
        let result = try ChiSquareHomogeneityTest.test(reference: [5], current: [2])
        #expect(result.degreesOfFreedom == 0 && result.statistic == 0 && result.pValue == 1)
    }

    @Test func pooledTestIsTheChiSquareOfThePooledTable() throws {
        let reference = [1000, 1000, 10, 3, 1], current = [100, 100, 1, 0, 0]
        let cells = CategoryPooling.cells(reference: reference, current: current, minimumExpected: 5)
        let pooled = try ChiSquareHomogeneityTest.test(
            reference: cells.map { $0.reduce(0) { $0 + reference[$1] } },
            current: cells.map { $0.reduce(0) { $0 + current[$1] } })
        let direct = try ChiSquareHomogeneityTest.test(reference: [1000, 1014], current: [100, 101])
        #expect(pooled == direct)
        #expect(pooled.degreesOfFreedom == 1)
    }

    @Test func chiSquareRejectsDegenerateTables() {
        #expect(throws: ChiSquareTestError.zeroExpectedFrequency) {
            try ChiSquareHomogeneityTest.test(reference: [3, 0], current: [2, 0])
        }
        #expect(throws: ChiSquareTestError.mismatchedCategories(reference: 2, current: 1)) {
            try ChiSquareHomogeneityTest.test(reference: [3, 1], current: [2])
        }
        #expect(throws: ChiSquareTestError.negativeCount) {
            try ChiSquareHomogeneityTest.test(reference: [3, -1], current: [2, 1])
        }
    }

    @Test func monteCarloIsSeededAndAgreesWithTheAsymptoticOnADenseTable() throws {
        let reference = [400, 350, 250], current = [45, 30, 25]
        let first = try ChiSquareMonteCarlo.pValue(reference: reference, current: current, replicates: 1999, seed: 7)
        let again = try ChiSquareMonteCarlo.pValue(reference: reference, current: current, replicates: 1999, seed: 7)
        let asymptotic = try ChiSquareHomogeneityTest.test(reference: reference, current: current)
        #expect(first == again)
        #expect(first.statistic == asymptotic.statistic)
        // Dense table: the permutation p-value is close to χ² (standard error ≈ 0.011 here).
        #expect(abs(first.pValue - asymptotic.pValue) < 0.05)
    }

    @Test func monteCarloStatisticShortcutEqualsPearson() {
        // N²/(S(N−S))·Σ d²/C equals Σ over both rows of (O − E)²/E.
        let reference = [37, 4, 259, 12], current = [20, 9, 100, 1]
        let totals = zip(reference, current).map { $0 + $1 }
        let shortcut = ChiSquareMonteCarlo.statistic(row: current, rowTotal: 130, totals: totals, grandTotal: 442)
        let pearson = try? ChiSquareHomogeneityTest.test(reference: reference, current: current).statistic
        #expect(abs(shortcut - (pearson ?? .nan)) < 1e-9)
    }
}
