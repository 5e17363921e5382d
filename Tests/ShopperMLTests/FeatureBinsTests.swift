import Testing
@testable import ShopperML

struct FeatureBinsTests {
    @Test func fewDistinctValuesGetOneBinEachWithMidpointBoundaries() {
        let bounds = FeatureBins.boundaries(of: [3, 1, 2, 2, 1, 10][...], maxBins: 255)
        #expect(bounds == [1.5, 2.5, 6.5])
    }

    @Test func manyDistinctValuesAreCutIntoQuantileBins() {
        // 1,000 values: 600 zeros then 400 distinct positives, at most 8 bins.
        let column = [Double](repeating: 0, count: 600) + (1...400).map(Double.init)
        let bounds = FeatureBins.boundaries(of: column[...], maxBins: 8)
        #expect(bounds.count <= 7)
        #expect(bounds.first == 0.5)  // the heavy zero value has a bin of its own
        // The 400 positives share the remaining bins about evenly (≈ 400 / 7 each).
        var edges = [0.5] + bounds.dropFirst() + [400.5]
        edges.sort()
        for (a, b) in zip(edges, edges.dropFirst()) {
            let count = column.filter { $0 > a && $0 <= b }.count
            #expect(count >= 50 && count <= 70, "bin (\(a), \(b)] holds \(count)")
        }
    }

    @Test func binTestIsTheRawThresholdTest() throws {
        let values: [Double] = [0, 0.1, 0.1, 0.25, 0.7, 1, 3, .nan, .infinity, -2]
        let matrix = try FeatureMatrix(featureNames: ["x"], columns: [values])
        let bins = FeatureBins(matrix, maxBins: 4)
        let bounds = bins.upperBounds[0]
        #expect(bounds.count <= 3)
        for (row, x) in values.enumerated() {
            let code = Int(bins.codes[row])
            for b in bounds.indices {
                // "bin ≤ b" must be exactly "x ≤ boundary b" (NaN: false, goes right).
                #expect((code <= b) == (x <= bounds[b]), "x = \(x), bin \(code), boundary \(b)")
            }
        }
        #expect(Int(bins.codes[7]) == bounds.count)  // NaN in the last bin…
        #expect(bounds.last == .infinity)  // …alone: its lower boundary is the largest other value (+∞ here)
    }

    @Test func adjacentDoublesKeepTheLowerValueAsBoundary() {
        let a = 1.0
        let b = a.nextUp
        #expect(FeatureBins.boundaries(of: [a, b][...], maxBins: 255) == [a])
    }

    @Test func constantColumnHasOneBin() {
        #expect(FeatureBins.boundaries(of: [4, 4, 4][...], maxBins: 255).isEmpty)
    }
}
