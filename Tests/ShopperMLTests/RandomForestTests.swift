import Testing
@testable import ShopperML

struct RandomForestTests {
    @Test func learnsASimpleRuleOnHeldOutRows() async throws {
        let train = Synthetic.make(rows: 1_500, seed: 1)
        let test = Synthetic.make(rows: 600, seed: 2)
        let fit = try await RandomForest(parameters: ForestParameters(treeCount: 30, minSamplesLeaf: 3))
            .fit(train.data, labels: train.labels)
        let scores = try fit.model.probabilities(for: test.data)
        let auc = try #require(Metrics.rocAUC(scores: scores, labels: test.labels))
        // 5 % label noise caps AUC near 0.95; a forest that learnt the rule gets well above 0.9.
        #expect(auc > 0.9)
        #expect(scores.allSatisfy { $0 >= 0 && $0 <= 1 })
        let accuracy = ConfusionMatrix(scores: scores, labels: test.labels, threshold: 0.5).accuracy
        #expect(accuracy > 0.88)
    }

    @Test func importancesSumToOneAndFindTheSignal() async throws {
        let train = Synthetic.make(rows: 1_000, seed: 3)
        let fit = try await RandomForest(parameters: ForestParameters(treeCount: 20)).fit(train.data, labels: train.labels)
        let importances = fit.impurityImportances
        #expect(abs(importances.reduce(0, +) - 1) < 1e-12)
        #expect(importances.allSatisfy { $0 >= 0 })
        #expect(importances.firstIndex(of: importances.max()!) == 0)  // "signal"
        #expect(importances[0] > importances[2])  // signal beats noise
    }

    @Test func sameSeedSameForestWhateverTheNumberOfTasks() async throws {
        let train = Synthetic.make(rows: 600, seed: 4)
        let parameters = ForestParameters(treeCount: 12, maxFeatures: .count(2), classWeight: .balanced, seed: 99)
        let one = try await RandomForest(parameters: parameters).fit(train.data, labels: train.labels, workers: 1)
        let three = try await RandomForest(parameters: parameters).fit(train.data, labels: train.labels, workers: 3)
        let many = try await RandomForest(parameters: parameters).fit(train.data, labels: train.labels, workers: 12)
        #expect(one.model.trees == three.model.trees)
        #expect(one.model.trees == many.model.trees)
        #expect(Synthetic.bits(one.outOfBagProbabilities) == Synthetic.bits(many.outOfBagProbabilities))
        #expect(Synthetic.bits(one.impurityImportances) == Synthetic.bits(many.impurityImportances))

        var other = parameters
        other.seed = 100
        let reseeded = try await RandomForest(parameters: other).fit(train.data, labels: train.labels, workers: 3)
        #expect(reseeded.model.trees != one.model.trees)
    }

    @Test func batchParallelAndSingleRowScoresAreBitIdentical() async throws {
        let train = Synthetic.make(rows: 500, seed: 5)
        let test = Synthetic.make(rows: 700, seed: 6)  // more than one block and one lane group, ragged end
        let model = try await RandomForest(parameters: ForestParameters(treeCount: 9)).fit(train.data, labels: train.labels).model
        let batch = try model.probabilities(for: test.data)
        let parallel = try await model.probabilities(for: test.data, workers: 3)
        let single = (0..<test.data.rowCount).map { model.probability(row: test.data.row($0)) }
        // The plain tree walk over the stored arrays, summed in tree order as the scorer does.
        let reference = (0..<test.data.rowCount).map { row in
            model.trees.reduce(0.0) { sum, tree in sum + tree.probability { test.data[row, $0] } } * (1 / Double(model.trees.count))
        }
        #expect(Synthetic.bits(batch) == Synthetic.bits(parallel))
        #expect(Synthetic.bits(batch) == Synthetic.bits(single))
        #expect(Synthetic.bits(batch) == Synthetic.bits(reference))
    }

    @Test func nanGoesRightInTrainingAndScoring() async throws {
        // x is NaN exactly for the buyers: a tree can only separate them by sending NaN right.
        let x: [Double] = (0..<200).map { $0 % 4 == 0 ? .nan : Double($0) }
        let labels = (0..<200).map { $0 % 4 == 0 }
        let data = try FeatureMatrix(featureNames: ["x"], columns: [x])
        let model = try await RandomForest(parameters: ForestParameters(treeCount: 5, bootstrap: false))
            .fit(data, labels: labels).model
        let scores = try model.probabilities(for: data)
        #expect(Metrics.rocAUC(scores: scores, labels: labels) == 1)
        #expect(model.probability(row: [.nan]) == 1)
    }

    @Test func maxDepthAndLeafSizeLimitGrowth() async throws {
        let train = Synthetic.make(rows: 800, seed: 7)
        let shallow = try await RandomForest(parameters: ForestParameters(treeCount: 4, maxDepth: 3)).fit(train.data, labels: train.labels)
        #expect(shallow.model.trees.allSatisfy { $0.depth <= 3 })
        let leafy = try await RandomForest(parameters: ForestParameters(treeCount: 4, minSamplesLeaf: 50, bootstrap: false))
            .fit(train.data, labels: train.labels)
        let deep = try await RandomForest(parameters: ForestParameters(treeCount: 4, bootstrap: false)).fit(train.data, labels: train.labels)
        // 800 rows, ≥ 50 per leaf: at most 16 leaves.
        #expect(leafy.model.trees.allSatisfy { $0.leafCount <= 16 })
        #expect(deep.model.trees[0].leafCount > leafy.model.trees[0].leafCount)
    }

    @Test func balancedWeightsGiveBothClassesHalfTheWeight() async throws {
        // A constant feature: no split is possible, each tree is its root, whose value is the
        // (weighted) share of buyers. 1 buyer in 4 rows: plain 1/4; balanced weighs the buyer
        // 4/(2·1) = 2 and each other row 4/(2·3) = 2/3, so 2 / (2 + 3 · 2/3) = 1/2.
        let data = try FeatureMatrix(featureNames: ["x"], columns: [[1, 1, 1, 1]])
        let labels = [true, false, false, false]
        let plain = try await RandomForest(parameters: ForestParameters(treeCount: 1, bootstrap: false)).fit(data, labels: labels)
        let balanced = try await RandomForest(parameters: ForestParameters(treeCount: 1, classWeight: .balanced, bootstrap: false))
            .fit(data, labels: labels)
        #expect(plain.model.trees[0].nodeCount == 1)
        #expect(plain.model.probability(row: [1]) == 0.25)
        #expect(abs(balanced.model.probability(row: [1]) - 0.5) < 1e-15)
        let weights = RandomForest.classWeights(labels: labels, positives: 1, mode: .balanced)
        #expect(weights.positive == 2 && abs(weights.negative - 2.0 / 3.0) < 1e-15)
    }

    @Test func outOfBagPredictionsCoverMostRows() async throws {
        let train = Synthetic.make(rows: 400, seed: 9)
        let fit = try await RandomForest(parameters: ForestParameters(treeCount: 25)).fit(train.data, labels: train.labels)
        // Each row is out of bag for a tree with probability ≈ e⁻¹; with 25 trees all but ~1e-5 are covered.
        let missing = fit.outOfBagProbabilities.filter { $0.isNaN }.count
        #expect(missing <= 1)
        let kept = Trainer.outOfBag(fit.outOfBagProbabilities, labels: train.labels)
        #expect(try #require(Metrics.rocAUC(scores: kept.scores, labels: kept.labels)) > 0.85)
        let noBootstrap = try await RandomForest(parameters: ForestParameters(treeCount: 2, bootstrap: false)).fit(train.data, labels: train.labels)
        let allMissing = noBootstrap.outOfBagProbabilities.allSatisfy { $0.isNaN }
        #expect(allMissing)
    }

    @Test func rejectsBadParametersAndData() async throws {
        let train = Synthetic.make(rows: 50, seed: 10)
        await #expect(throws: ForestError.self) {
            try await RandomForest(parameters: ForestParameters(minSamplesLeaf: 0)).fit(train.data, labels: train.labels)
        }
        await #expect(throws: ForestError.self) {
            try await RandomForest(parameters: ForestParameters(maxFeatures: .fraction(1.5))).fit(train.data, labels: train.labels)
        }
        await #expect(throws: ForestError.self) {
            try await RandomForest().fit(train.data, labels: Array(repeating: true, count: 50))
        }
        await #expect(throws: ForestError.self) {
            try await RandomForest().fit(train.data, labels: [true, false])
        }
    }

    @Test func maxFeaturesResolvesAndParses() {
        #expect(MaxFeatures.sqrt.resolve(featureCount: 17) == 4)
        #expect(MaxFeatures.log2.resolve(featureCount: 17) == 4)
        #expect(MaxFeatures.fraction(0.5).resolve(featureCount: 17) == 8)
        #expect(MaxFeatures.count(40).resolve(featureCount: 17) == 17)
        #expect(MaxFeatures.all.resolve(featureCount: 17) == 17)
        #expect(MaxFeatures(parsing: "sqrt") == .sqrt)
        #expect(MaxFeatures(parsing: "6") == .count(6))
        #expect(MaxFeatures(parsing: "0.33") == .fraction(0.33))
        #expect(MaxFeatures(parsing: "1.5") == nil)
        #expect(MaxFeatures(parsing: "many") == nil)
    }
}
