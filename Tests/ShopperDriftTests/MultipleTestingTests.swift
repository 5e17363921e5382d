import Testing
@testable import ShopperDrift

/// Adjusted p-values worked out by hand (m·p/rank, then the running minimum from the top).
@Suite struct MultipleTestingTests {
    @Test func benjaminiHochbergByHand() {
        // ranks: 0.005→1, 0.01→2, 0.03→3, 0.04→4; m·p/r = 0.02, 0.02, 0.04, 0.04.
        let adjusted = MultipleTestingCorrection.bh.adjust([0.01, 0.04, 0.03, 0.005])
        expectClose(adjusted, [0.02, 0.04, 0.04, 0.02])
    }

    @Test func benjaminiHochbergTakesTheRunningMinimum() {
        // ranks: 0.01, 0.02, 0.04, 0.5 → 0.04, 0.04, 0.05333…, 0.5 (already monotone);
        // and 0.03, 0.031 → 0.06, 0.031 → the first is lowered to 0.031.
        expectClose(MultipleTestingCorrection.bh.adjust([0.01, 0.02, 0.5, 0.04]), [0.04, 0.04, 0.5, 0.16 / 3])
        expectClose(MultipleTestingCorrection.bh.adjust([0.03, 0.031]), [0.031, 0.031])
        expectClose(MultipleTestingCorrection.bh.adjust([0.9, 0.8]), [0.9, 0.9])
    }

    @Test func bonferroniMultipliesAndCaps() {
        expectClose(MultipleTestingCorrection.bonferroni.adjust([0.01, 0.3, 0.02]), [0.03, 0.9, 0.06])
        expectClose(MultipleTestingCorrection.bonferroni.adjust([0.5, 0.4]), [1, 0.8])
    }

    @Test func noneKeepsValuesAndNaNIsNoEvidence() {
        expectClose(MultipleTestingCorrection.none.adjust([0.01, .nan]), [0.01, 1])
        expectClose(MultipleTestingCorrection.bh.adjust([.nan, 0.01]), [1, 0.02])
    }

    private func expectClose(_ actual: [Double], _ expected: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, sourceLocation: sourceLocation)
        for (a, e) in zip(actual, expected) {
            #expect(abs(a - e) <= 1e-15, "\(actual) vs \(expected)", sourceLocation: sourceLocation)
        }
    }
}
