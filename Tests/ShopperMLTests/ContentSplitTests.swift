import Testing
@testable import ShopperML

/// Held-out rows disjoint from training rows by content.
struct ContentSplitTests {
    /// Rows drawn with replacement from `base`: the resampled batch of the issue in miniature.
    static func resampled(_ base: (data: FeatureMatrix, labels: [Bool]), count: Int, seed: UInt64) -> (keys: [RowContent], labels: [Bool]) {
        var rng = Xoshiro256(seed: seed)
        let picks = (0..<count).map { _ in rng.below(base.data.rowCount) }
        return (picks.map { RowContent(base.data.row($0), label: base.labels[$0]) }, picks.map { base.labels[$0] })
    }

    @Test func withoutRepeatedRowsItIsTheStratifiedSplit() throws {
        let data = Synthetic.make(rows: 500, seed: 3)
        let keys = data.data.rowIndices.map { RowContent(data.data.row($0), label: data.labels[$0]) }
        let content = try ContentSplit(keys: keys, labels: data.labels, testFraction: 0.3, seed: 42)
        let plain = try StratifiedSplit(labels: data.labels, validationFraction: 0, testFraction: 0.3, seed: 42)
        #expect(content.train == plain.train && content.test == plain.test)
    }

    @Test func noHeldOutRowRepeatsATrainingRow() throws {
        let batch = Self.resampled(Synthetic.make(rows: 800, seed: 5), count: 3_000, seed: 9)
        #expect(Set(batch.keys).count < 2_000)  // about 1 − e^(−3.75) of 800 distinct rows: many repeats
        let split = try ContentSplit(keys: batch.keys, labels: batch.labels, testFraction: 0.3, seed: 42)
        let trained = Set(split.train.map { batch.keys[$0] })
        #expect(split.test.allSatisfy { !trained.contains(batch.keys[$0]) })
        #expect(Set(split.train).isDisjoint(with: split.test) && split.train.count + split.test.count == 3_000)
        // About 30 % of the rows, and of each class, are held out.
        let share = Double(split.test.count) / 3_000
        #expect(share > 0.2 && share < 0.4, "\(share)")
        let buyers = batch.labels.filter { $0 }.count
        let heldBuyers = split.test.filter { batch.labels[$0] }.count
        #expect(abs(Double(heldBuyers) / Double(buyers) - share) < 0.1)

        // Control: a split by index puts copies of training rows among the held-out rows.
        let plain = try StratifiedSplit(labels: batch.labels, validationFraction: 0, testFraction: 0.3, seed: 42)
        let plainTrained = Set(plain.train.map { batch.keys[$0] })
        let leaked = plain.test.filter { plainTrained.contains(batch.keys[$0]) }.count
        #expect(Double(leaked) / Double(plain.test.count) > 0.5, "\(leaked) of \(plain.test.count)")
    }

    /// The trainer's own holdout is split by content too: its holdout ROC AUC is not inflated by
    /// copies of the rows it was fitted on.
    @Test func theTrainersHoldoutSharesNoContentWithItsTrainingRows() async throws {
        let base = Synthetic.make(rows: 600, seed: 11)
        var rng = Xoshiro256(seed: 2)
        let picks = (0..<2_000).map { _ in rng.below(600) }
        let data = base.data.rows(picks)
        let labels = picks.map { base.labels[$0] }
        let configuration = TrainingConfiguration(
            treeCount: 10, grid: TuningGrid(maxDepth: [nil], minSamplesLeaf: [1], maxFeatures: [.sqrt]), holdoutFraction: 0.2,
            permutationRepeats: 0)
        let model = try await Trainer(configuration: configuration, workers: 2).train(data, labels: labels)
        let holdout = try #require(model.metadata.holdout)
        // Measured: 0.93 held out by content; 0.996 held out by index (copies of fitted rows).
        let auc = try #require(holdout.rocAUC)
        #expect(auc < 0.97, "holdout ROC AUC \(auc) on \(holdout.rows) rows")
    }

    /// A one-class training set names the rows it looked at.
    @Test func aOneClassTrainingSetNamesItsRows() async throws {
        let data = Synthetic.make(rows: 400, seed: 4)
        let none = [Bool](repeating: false, count: 400)
        let configuration = TrainingConfiguration(treeCount: 5, grid: TuningGrid(maxDepth: [4], minSamplesLeaf: [5], maxFeatures: [.sqrt]))
        await #expect(throws: ForestError.invalidTrainingData(
            "the 400 labelled rows given are all non-buyers (Revenue FALSE); a model needs buyers and non-buyers, add labelled rows of the other class")) {
            _ = try await Trainer(configuration: configuration, workers: 2).train(data.data, labels: none)
        }
    }
}
