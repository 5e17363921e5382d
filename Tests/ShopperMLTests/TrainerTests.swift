import Testing
@testable import ShopperML

struct TrainerTests {
    static let grid = TuningGrid(maxDepth: [nil, 4], minSamplesLeaf: [1, 10], maxFeatures: [.sqrt])

    @Test func tunesOnOutOfBagAndFitsTheFinalModelOnEveryRow() async throws {
        let data = Synthetic.make(rows: 600, seed: 20)
        let configuration = TrainingConfiguration(treeCount: 10, grid: Self.grid, holdoutFraction: 0.2, permutationRepeats: 2)
        let model = try await Trainer(configuration: configuration, workers: 2).train(data.data, labels: data.labels)
        let metadata = model.metadata

        #expect(metadata.provenance.trainingRows == 600)
        #expect(metadata.provenance.positiveRows == data.labels.filter { $0 }.count)
        // Out-of-bag predictions exist for (nearly) every row: the final fit used all 600.
        #expect(try #require(metadata.outOfBag).rows >= 590)

        // Four candidates, best first, all judged out of bag.
        #expect(metadata.tuning.count == 4)
        #expect(metadata.tuning.map(\.rocAUC) == metadata.tuning.map(\.rocAUC).sorted(by: >))
        #expect(metadata.tuning.allSatisfy { $0.scoredOn == "outOfBag" })
        let best = metadata.tuning[0]
        #expect(model.parameters.minSamplesLeaf == best.minSamplesLeaf && model.parameters.maxDepth == best.maxDepth)

        // Threshold: chosen out of bag, reaching the target (lower bound at 95 %).
        let choice = try #require(metadata.thresholdChoice)
        #expect(choice.chosenOn == "outOfBag")
        #expect(model.threshold == choice.threshold)
        #expect(choice.recallLowerBound >= 0.8 && choice.recall >= choice.recallLowerBound)
        #expect(try #require(metadata.outOfBag).recall == choice.recall)

        // The holdout: 20 % of rows, stratified, scored once.
        let holdout = try #require(metadata.holdout)
        #expect(holdout.rows == 120)
        #expect(try #require(holdout.rocAUC) > 0.85)

        // Importances: every feature, sorted, MDI summing to 1, permutation measured on the holdout.
        #expect(Set(metadata.importances.map(\.feature)) == Set(Synthetic.names))
        #expect(metadata.importances.first?.feature == "signal")
        #expect(abs(metadata.importances.map(\.meanDecreaseImpurity).reduce(0, +) - 1) < 1e-12)
        #expect(metadata.importances.allSatisfy { $0.permutationAUCDrop != nil })
        let signalDrop = try #require(metadata.importances.first { $0.feature == "signal" }?.permutationAUCDrop)
        let noiseDrop = try #require(metadata.importances.first { $0.feature == "noise" }?.permutationAUCDrop)
        #expect(signalDrop > noiseDrop + 0.05)
    }

    @Test func withoutHoldoutTheTunedFitIsTheFinalModel() async throws {
        let data = Synthetic.make(rows: 300, seed: 21)
        let configuration = TrainingConfiguration(
            treeCount: 6, targetRecall: 0.9, recallConfidence: 0.5,
            grid: TuningGrid(maxDepth: [nil], minSamplesLeaf: [5], maxFeatures: [.all]), holdoutFraction: 0)
        let model = try await Trainer(configuration: configuration).train(data.data, labels: data.labels)
        #expect(model.metadata.holdout == nil)
        #expect(model.metadata.importances.allSatisfy { $0.permutationAUCDrop == nil })
        let direct = try await RandomForest(parameters: model.parameters).fit(data.data, labels: data.labels)
        #expect(direct.model.trees == model.trees)
        let choice = try #require(model.metadata.thresholdChoice)
        #expect(choice.recall >= 0.9 && choice.recallLowerBound == choice.recall)
    }

    @Test func sameConfigurationSameModel() async throws {
        let data = Synthetic.make(rows: 300, seed: 22)
        let configuration = TrainingConfiguration(treeCount: 5, grid: Self.grid, holdoutFraction: 0.2, permutationRepeats: 1)
        let a = try await Trainer(configuration: configuration, workers: 1).train(data.data, labels: data.labels)
        let b = try await Trainer(configuration: configuration, workers: 4).train(data.data, labels: data.labels)
        #expect(a.trees == b.trees)
        #expect(a.metadata == b.metadata)
    }

    @Test func cancellingStopsTrainingWithATypedError() async throws {
        let data = Synthetic.make(rows: 300, seed: 24)
        let configuration = TrainingConfiguration(treeCount: 5, grid: Self.grid, holdoutFraction: 0.2)
        // Each task cancels itself before training starts, so the outcome does not race.
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await Trainer(configuration: configuration).train(data.data, labels: data.labels)
        }
        do {
            _ = try await task.value
            Issue.record("a cancelled training should not return a model")
        } catch let error as ForestError {
            #expect(error == .cancelled)
        }
        let fit = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await RandomForest(parameters: ForestParameters(treeCount: 3)).fit(data.data, labels: data.labels)
        }
        await #expect(throws: ForestError.cancelled) { try await fit.value }
    }

    @Test func rejectsImpossibleConfigurations() async throws {
        let data = Synthetic.make(rows: 100, seed: 23)
        await #expect(throws: ForestError.self) {
            try await Trainer(configuration: TrainingConfiguration(targetRecall: 0)).train(data.data, labels: data.labels)
        }
        await #expect(throws: ForestError.self) {
            try await Trainer(configuration: TrainingConfiguration(recallConfidence: 1)).train(data.data, labels: data.labels)
        }
        await #expect(throws: ForestError.self) {
            let empty = TuningGrid(maxDepth: [nil], minSamplesLeaf: [], maxFeatures: [.sqrt])
            _ = try await Trainer(configuration: TrainingConfiguration(grid: empty)).train(data.data, labels: data.labels)
        }
    }
}
