import ShopperInbox
import Foundation
import ShopperCore
import Testing
@testable import ShopperML

/// A small sanity check on the real bundled file, read by ShopperCore's reader. The full quality bar
/// (100 trees, 9,864 rows, scikit-learn's split) is measured by `shopperd-bench forest` in release.
struct BundledDataTests {
    static let file = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("data/online_shoppers_intention.csv")

    @Test func smallForestOnTheBundledDataRanksBuyersAndLeansOnPageValues() async throws {
        let sessions = try BatchReader().read(contentsOf: Self.file).sessions
        #expect(sessions.count == 12_330)
        let data = FeatureSet.inputs.matrix(for: sessions)
        let labels = try FeatureSet.labels(for: sessions)
        // A fifth of the rows to train on and a fifth to test on keeps this fast in debug builds.
        let split = try StratifiedSplit(labels: labels, validationFraction: 0.2, testFraction: 0.2, seed: 42)
        let train = data.rows(split.validation)
        let trainLabels = split.validation.map { labels[$0] }
        let test = data.rows(split.test)
        let testLabels = split.test.map { labels[$0] }
        #expect(abs(Double(trainLabels.filter { $0 }.count) / Double(trainLabels.count) - 0.1547) < 0.001)

        let parameters = ForestParameters(treeCount: 20, maxFeatures: .fraction(0.5), minSamplesLeaf: 10, classWeight: .balanced)
        let fit = try await RandomForest(parameters: parameters).fit(train, labels: trainLabels)
        let scores = try await fit.model.probabilities(for: test, workers: 2)
        // scikit-learn's forest reaches 0.917 with five times the rows and trees; 0.88 says "works".
        #expect(try #require(Metrics.rocAUC(scores: scores, labels: testLabels)) > 0.88)
        let top = fit.impurityImportances.indices.max { fit.impurityImportances[$0] < fit.impurityImportances[$1] }!
        #expect(test.featureNames[top] == "PageValues")
    }
}
