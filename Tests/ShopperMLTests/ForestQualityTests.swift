import Foundation
import ShopperCore
import Testing
@testable import ShopperML

/// The forest's quality bar on the bundled data, on the very rows docs/forest.md compares with
/// scikit-learn: its `train_test_split(test_size=0.2, random_state=42, stratify=y)`, in its row
/// order (recorded in ``ScikitLearnSplit`` by bench/make_sklearn_split.py; bench/compare_forest.py
/// hands the same rows, in the same order, to `shopperd-bench forest`).
struct ForestQualityTests {
    @Test func hundredTreesOnScikitLearnsSplitBeatTheBarOnHeldOutRows() async throws {
        let sessions = try BatchReader().read(contentsOf: BundledDataTests.file).sessions
        #expect(sessions.count == ScikitLearnSplit.train.count + ScikitLearnSplit.test.count)
        #expect(Set(ScikitLearnSplit.train + ScikitLearnSplit.test).count == sessions.count, "a partition of the rows")
        let train = ScikitLearnSplit.train.map { sessions[$0] }
        let test = ScikitLearnSplit.test.map { sessions[$0] }
        let trainLabels = try FeatureSet.labels(for: train)
        let testLabels = try FeatureSet.labels(for: test)
        #expect(trainLabels.filter { $0 }.count == 1_526 && testLabels.filter { $0 }.count == 382)

        // The documented defaults (`TrainingConfiguration()`: 100 trees, balanced class weight,
        // threshold for recall 0.80 at 95 % confidence chosen out of bag, seed 42), with the tuning
        // grid cut to the one candidate the standard grid picks out of bag on these rows
        // (maxFeatures 0.5, minSamplesLeaf 20; docs/forest.md): tuning all 14 candidates takes
        // minutes in a debug build, and with no holdout the winning fit *is* the final model, so
        // this is the model `shopperd-bench forest` measures, without the search.
        var configuration = TrainingConfiguration()
        configuration.holdoutFraction = 0
        configuration.grid = TuningGrid(maxDepth: [nil], minSamplesLeaf: [20], maxFeatures: [.fraction(0.5)])
        #expect(TuningGrid.standard.candidates.contains { $0.maxDepth == nil && $0.minSamplesLeaf == 20 && $0.maxFeatures == .fraction(0.5) })
        let model = try await Trainer(configuration: configuration)
            .train(FeatureSet.inputs.matrix(for: train), labels: trainLabels)
        #expect(model.trees.count == 100 && model.parameters.classWeight == .balanced)

        let scores = try await model.probabilities(for: FeatureSet.inputs.matrix(for: test), workers: 2)
        let report = ClassificationReport(dataset: "test", scores: scores, labels: testLabels, threshold: model.threshold)
        // The bar: scikit-learn's forest gets 0.9172 on these rows (0.9155 the figure quoted for it).
        // Measured: 0.92796, recall 0.801, precision 0.580 at threshold 0.5093 — docs/forest.md's
        // figures to the last digit, so this is the benchmarked model; 2 s in a debug build.
        let auc = try #require(report.rocAUC)
        #expect(auc >= 0.9155, "held-out ROC AUC \(auc)")
        // The stored threshold was chosen on out-of-bag predictions only; on rows it never saw it
        // must still find most buyers.
        #expect(report.recall >= 0.75, "held-out recall \(report.recall) at threshold \(model.threshold)")
    }
}
