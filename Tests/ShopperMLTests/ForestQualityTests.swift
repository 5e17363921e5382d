import ShopperInbox
import Foundation
import ShopperCore
import Testing
@testable import ShopperML

/// The forest's quality bar on the bundled data, on the very rows docs/forest.md compares with
/// scikit-learn: its `train_test_split(test_size=0.2, random_state=42, stratify=y)`, in its row
/// order (recorded in ``ScikitLearnSplit`` by bench/make_sklearn_split.py; bench/compare_forest.py
/// hands the same rows, in the same order, to `shopperd-bench forest`).
struct ForestQualityTests {
    /// The benchmarked model and scikit-learn's test rows.
    ///
    /// The documented defaults (`TrainingConfiguration()`: 100 trees, balanced class weight,
    /// threshold for recall 0.80 at 95 % confidence chosen out of bag, seed 42), with the tuning
    /// grid cut to the one candidate the standard grid picks out of bag on these rows
    /// (maxFeatures 0.5, minSamplesLeaf 20; docs/forest.md): tuning all 14 candidates takes
    /// minutes in a debug build, and with no holdout the winning fit *is* the final model, so
    /// this is the model `shopperd-bench forest` measures, without the search.
    static func benchmarkedModel() async throws -> (model: ForestModel, train: FeatureMatrix, trainLabels: [Bool], test: FeatureMatrix, testLabels: [Bool]) {
        let sessions = try BatchReader().read(contentsOf: BundledDataTests.file).sessions
        #expect(sessions.count == ScikitLearnSplit.train.count + ScikitLearnSplit.test.count)
        #expect(Set(ScikitLearnSplit.train + ScikitLearnSplit.test).count == sessions.count, "a partition of the rows")
        let train = ScikitLearnSplit.train.map { sessions[$0] }
        let test = ScikitLearnSplit.test.map { sessions[$0] }
        let trainLabels = try FeatureSet.labels(for: train)
        let testLabels = try FeatureSet.labels(for: test)
        #expect(trainLabels.filter { $0 }.count == 1_526 && testLabels.filter { $0 }.count == 382)

        var configuration = TrainingConfiguration()
        configuration.holdoutFraction = 0
        configuration.grid = TuningGrid(maxDepth: [nil], minSamplesLeaf: [20], maxFeatures: [.fraction(0.5)])
        #expect(TuningGrid.standard.candidates.contains { $0.maxDepth == nil && $0.minSamplesLeaf == 20 && $0.maxFeatures == .fraction(0.5) })
        let trainMatrix = FeatureSet.inputs.matrix(for: train)
        let model = try await Trainer(configuration: configuration).train(trainMatrix, labels: trainLabels)
        #expect(model.trees.count == 100 && model.parameters.classWeight == .balanced)
        return (model, trainMatrix, trainLabels, FeatureSet.inputs.matrix(for: test), testLabels)
    }

    @Test func hundredTreesOnScikitLearnsSplitBeatTheBarOnHeldOutRows() async throws {
        let (model, _, _, test, testLabels) = try await Self.benchmarkedModel()
        let scores = try await model.probabilities(for: test, workers: 2)
        let report = ClassificationReport(dataset: "test", scores: scores, labels: testLabels, threshold: model.threshold)
        // The bar: scikit-learn's forest gets 0.9172 on these rows (0.9155 the figure quoted for it).
        // Measured: 0.92796, recall 0.801, precision 0.580 at threshold 0.2306 — docs/forest.md's
        // figures to the last digit, so this is the benchmarked model; 2 s in a debug build. The
        // threshold is on the calibrated scale (0.5093 on raw scores, before calibration): the
        // calibration is strictly increasing there, so the same 528 rows are flagged.
        let auc = try #require(report.rocAUC)
        #expect(auc >= 0.9155, "held-out ROC AUC \(auc)")
        // The stored threshold was chosen on out-of-bag predictions only; on rows it never saw it
        // must still find most buyers.
        #expect(report.recall >= 0.75, "held-out recall \(report.recall) at threshold \(model.threshold)")
    }

    /// The probabilities mean what they say on rows the model never saw. Raw
    /// forest scores (balanced class weights, averaged trees) average 0.262 where 0.155 buy, ECE
    /// 0.107, Brier 0.0936; the isotonic calibration fitted on out-of-bag scores (43 knots) gives
    /// mean 0.150, ECE 0.0139, Brier 0.0716 and, being strictly increasing between its knots,
    /// leaves ROC AUC at 0.92796 (to 1e-15 here; the flat ends could tie rows, hence the tolerance).
    @Test func calibratedProbabilitiesMatchTheBuyingRateOnHeldOutRows() async throws {
        let (model, train, trainLabels, test, testLabels) = try await Self.benchmarkedModel()
        let raw = try model.rawScores(for: test)
        let calibrated = try await model.probabilities(for: test, workers: 2)
        let before = try #require(Reliability(probabilities: raw, labels: testLabels))
        let after = try #require(Reliability(probabilities: calibrated, labels: testLabels))
        let rawAUC = try #require(Metrics.rocAUC(scores: raw, labels: testLabels))
        let calibratedAUC = try #require(Metrics.rocAUC(scores: calibrated, labels: testLabels))
        let rate = Double(testLabels.filter { $0 }.count) / Double(testLabels.count)
        let mean = calibrated.reduce(0, +) / Double(calibrated.count)

        #expect(abs(rawAUC - 0.92796) < 0.00001, "the raw scores are today's")
        #expect(before.ece > 0.06, "the raw scores are miscalibrated (ECE \(before.ece))")
        #expect(after.ece <= 0.02, "calibrated ECE \(after.ece)")
        #expect(after.brier < before.brier, "Brier \(after.brier) vs \(before.brier) raw")
        #expect(abs(mean - rate) < 0.02, "mean probability \(mean) against a buying rate of \(rate)")
        // Ties only where the map is flat (below the first knot, above the last): ROC AUC moves by
        // less than 0.001 (measured: no change; scikit-learn's step-wise isotonic loses 0.00044).
        #expect(abs(calibratedAUC - rawAUC) <= 0.001, "ROC AUC \(calibratedAUC) calibrated, \(rawAUC) raw")
        // Fitted on the out-of-bag scores of every training row (100 trees: each row has some).
        let calibration = try #require(model.calibration)
        #expect(calibration.fittedOn == "outOfBag" && calibration.rows == trainLabels.count)

        // For bench/compare_calibration.py: out-of-bag raw scores of the training rows and raw
        // test scores, to compare with scikit-learn's isotonic (step) and Platt calibrations.
        if let path = ProcessInfo.processInfo.environment["SHOPPERD_CALIBRATION_DUMP"] {
            let fit = try await RandomForest(parameters: model.parameters).fit(train, labels: trainLabels)
            var text = "set,score,label\n"
            for (p, y) in zip(fit.outOfBagProbabilities, trainLabels) where !p.isNaN { text += "oob,\(p),\(y ? 1 : 0)\n" }
            for (p, y) in zip(raw, testLabels) { text += "test,\(p),\(y ? 1 : 0)\n" }
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }
}
