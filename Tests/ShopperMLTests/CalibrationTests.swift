import Foundation
import Testing
@testable import ShopperML

/// Pool-adjacent-violators, the isotonic calibration built on it, and the reliability figures.
struct CalibrationTests {
    // Hand-checked: 1, 3, 2 → the violating pair (3, 2) pools to 2.5; 1 stays.
    @Test func poolsAViolatingPair() {
        #expect(PoolAdjacentViolators.fit(values: [1, 3, 2]) == [1, 2.5, 2.5])
        let blocks = PoolAdjacentViolators.blocks(values: [1, 3, 2], weights: [1, 1, 1])
        #expect(blocks.map(\.range) == [0..<1, 1..<3] && blocks.map(\.value) == [1, 2.5])
    }

    // Hand-checked: 3, 1, 2 with weights 1, 1, 2: (3, 1) pools to 2, then (2, 2) is pooled too,
    // equal neighbours, so one block of weight 4 at (3 + 1 + 2·2) / 4 = 2.
    @Test func poolsBackwardsAndMergesEqualNeighbours() {
        let blocks = PoolAdjacentViolators.blocks(values: [3, 1, 2], weights: [1, 1, 2])
        #expect(blocks.count == 1 && blocks[0].range == 0..<3 && blocks[0].weight == 4 && blocks[0].value == 2)
    }

    // Hand-checked: weights count. 0, 1 (weight 3), 0 → (1·3 + 0) / 4 = 0.75 for the last two.
    @Test func weightsMoveThePooledMean() {
        #expect(PoolAdjacentViolators.fit(values: [0, 1, 0], weights: [1, 3, 1]) == [0, 0.75, 0.75])
        // Already ordered: unchanged; reversed: one block at the mean.
        #expect(PoolAdjacentViolators.fit(values: [0, 0.2, 0.9]) == [0, 0.2, 0.9])
        #expect(PoolAdjacentViolators.fit(values: [4, 3, 2, 1]) == [2.5, 2.5, 2.5, 2.5])
        #expect(PoolAdjacentViolators.fit(values: []) == [])
    }

    /// scikit-learn's `isotonic_regression` on a committed weighted case (bench/make_isotonic_case.py).
    @Test func agreesWithScikitLearnsIsotonicRegression() {
        let fitted = PoolAdjacentViolators.fit(values: IsotonicReference.values, weights: IsotonicReference.weights)
        #expect(fitted.count == IsotonicReference.fitted.count)
        for (ours, theirs) in zip(fitted, IsotonicReference.fitted) { #expect(abs(ours - theirs) <= 1e-12) }
    }

    /// With tied scores pooled first, the knots are scikit-learn's `IsotonicRegression` blocks: at
    /// every knot (a block's centre) the calibration gives the block's value.
    @Test func calibrationKnotsAreScikitLearnsBlocks() throws {
        let calibration = try #require(ScoreCalibration.isotonic(
            scores: IsotonicReference.scores, labels: IsotonicReference.labels, fittedOn: "test"))
        #expect(calibration.rows == IsotonicReference.scores.count)
        // One knot per block, at sklearn's block values (to rounding: the means are summed in
        // another order).
        let theirs = Array(Set(IsotonicReference.calibrated)).sorted()
        try #require(calibration.probabilities.count == theirs.count)
        for (ours, value) in zip(calibration.probabilities, theirs) { #expect(abs(ours - value) <= 1e-12) }
        // Each row's fitted value is its block's: the calibration at the block's centre.
        for (score, value) in zip(IsotonicReference.scores, IsotonicReference.calibrated) {
            let k = try #require(theirs.firstIndex(of: value))
            #expect(abs(calibration(calibration.scores[k]) - value) <= 1e-12, "block of score \(score)")
        }
    }

    // Hand-checked interpolation between block centres.
    @Test func interpolatesBetweenBlockCentresAndClampsOutside() throws {
        // Rows: 0.1 n, 0.3 n, 0.5 y, 0.7 n, 0.9 y. Distinct rates 0, 0, 1, 0, 1 → blocks {0.1, 0.3}
        // at 0 (centre 0.2), {0.5, 0.7} at 0.5 (centre 0.6), {0.9} at 1 (centre 0.9).
        let c = try #require(ScoreCalibration.isotonic(
            scores: [0.9, 0.1, 0.5, 0.3, 0.7], labels: [true, false, true, false, false], fittedOn: "test"))
        #expect(c.scores.count == 3 && abs(c.scores[0] - 0.2) < 1e-15 && abs(c.scores[1] - 0.6) < 1e-15 && c.scores[2] == 0.9)
        #expect(c.probabilities == [0, 0.5, 1])
        #expect(c(0) == 0 && c(0.2) == 0 && c(1) == 1 && c(0.9) == 1)
        #expect(abs(c(0.4) - 0.25) < 1e-12 && abs(c(0.75) - 0.75) < 1e-12)
        #expect(c(.nan).isNaN)
        // Strictly increasing between the first and the last centre: ranking kept.
        #expect(c(0.30) < c(0.31) && c(0.61) < c(0.62))
    }

    @Test func tiedScoresArePooledBeforeFitting() throws {
        // Four rows at one score, one buyer: one knot at 0.25.
        let c = try #require(ScoreCalibration.isotonic(
            scores: [0.4, 0.4, 0.4, 0.4, .nan], labels: [true, false, false, false, true], fittedOn: "test"))
        #expect(c.scores == [0.4] && c.probabilities == [0.25] && c.rows == 4)
        #expect(c(0) == 0.25 && c(1) == 0.25)
        #expect(ScoreCalibration.isotonic(scores: [.nan], labels: [true], fittedOn: "test") == nil)
    }

    @Test func invalidKnotsAreRefused() {
        #expect(throws: ForestError.self) { try ScoreCalibration(scores: [], probabilities: [], fittedOn: "x", rows: 0) }
        #expect(throws: ForestError.self) { try ScoreCalibration(scores: [0.2, 0.1], probabilities: [0, 1], fittedOn: "x", rows: 2) }
        #expect(throws: ForestError.self) { try ScoreCalibration(scores: [0.1, 0.2], probabilities: [1, 0], fittedOn: "x", rows: 2) }
        #expect(throws: ForestError.self) { try ScoreCalibration(scores: [0.1, .infinity], probabilities: [0, 1], fittedOn: "x", rows: 2) }
        #expect(throws: ForestError.self) { try ScoreCalibration(scores: [0.1], probabilities: [1.5], fittedOn: "x", rows: 1) }
        #expect(throws: ForestError.self) { try ScoreCalibration(scores: [0.1, 0.2], probabilities: [0.1], fittedOn: "x", rows: 1) }
    }

    // Hand-checked: predictions 0.05 (n), 0.15 (y), 0.15 (n), 1.0 (y).
    // Bins [0, 0.1): 1 row, mean 0.05, rate 0 → gap 0.05; [0.1, 0.2): 2 rows, 0.15 vs 0.5 → 0.35;
    // [0.9, 1]: 1 row, 1.0 vs 1 → 0. ECE = (1·0.05 + 2·0.35 + 0) / 4 = 0.1875.
    // Brier = (0.05² + 0.85² + 0.15² + 0) / 4 = (0.0025 + 0.7225 + 0.0225) / 4 = 0.186875.
    @Test func reliabilityTableECEAndBrier() throws {
        let r = try #require(Reliability(probabilities: [0.05, 0.15, 0.15, 1.0], labels: [false, true, false, true]))
        #expect(r.bins.map(\.count) == [1, 2, 1])
        #expect(r.bins.map(\.lower) == [0, 0.1, 0.9] && r.bins.last?.upper == 1)
        #expect(abs(r.bins[1].meanPredicted - 0.15) < 1e-12 && r.bins[1].observedRate == 0.5)
        #expect(abs(r.ece - 0.1875) < 1e-12)
        #expect(abs(r.brier - 0.186875) < 1e-12)
        #expect(Reliability(probabilities: [], labels: []) == nil)
    }

    @Test func aCalibratedModelScoresThroughItsCalibrationAndRoundTrips() throws {
        let leaf = try DecisionTree(feature: [-1], threshold: [0], left: [-1], right: [-1], value: [0.8], featureCount: 1)
        let calibration = try ScoreCalibration(scores: [0.2, 1], probabilities: [0.1, 0.5], fittedOn: "test", rows: 10)
        let model = try ForestModel(
            featureNames: ["x"], trees: [leaf], parameters: ForestParameters(treeCount: 1), calibration: calibration)
        let matrix = try FeatureMatrix(featureNames: ["x"], rowCount: 1, columnMajor: [3])
        #expect(try model.rawScores(for: matrix) == [0.8])
        let expected = 0.1 + (0.8 - 0.2) / 0.8 * 0.4
        #expect(abs(try model.probabilities(for: matrix)[0] - expected) < 1e-12)
        #expect(model.probability(row: [3]) == (try model.probabilities(for: matrix))[0])
        let again = try ModelFile.decode(try ModelFile.encode(model))
        #expect(again.calibration == calibration)
        #expect(try again.probabilities(for: matrix) == (try model.probabilities(for: matrix)))
    }
}
