import Foundation
import ShopperCore
import ShopperML
import ShopperStore
import Testing
@testable import ShopperPipeline

/// Small, fast training setups for debug-build tests: one tuning candidate, few trees.
enum QuickTraining {
    static let configuration = TrainingConfiguration(
        treeCount: 15, seed: 7, classWeight: .balanced, targetRecall: 0.8, recallConfidence: 0.5,
        grid: TuningGrid(maxDepth: [8], minSamplesLeaf: [5], maxFeatures: [.sqrt]), holdoutFraction: 0.2,
        permutationRepeats: 1)

    /// Sessions where buying follows PageValues (with noise), so a forest has something to learn.
    static func sessions(count: Int, seed: UInt64 = 1) -> [Session] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        return (0..<count).map { _ in
            let pageValue = next() < 0.7 ? 0 : next() * 80
            let buys = pageValue > 20 ? next() < 0.8 : next() < 0.05
            return Session(
                administrative: Int(next() * 5), administrativeDuration: next() * 100, informational: 0,
                informationalDuration: 0, productRelated: Int(next() * 50), productRelatedDuration: next() * 2000,
                bounceRates: next() * 0.2, exitRates: 0.01 + next() * 0.2, pageValues: pageValue, specialDay: 0,
                month: .mar, operatingSystems: 2, browser: 2, region: 1 + Int(next() * 9), trafficType: 2,
                visitorType: next() < 0.8 ? .returning : .new, weekend: next() < 0.25, revenue: buys)
        }
    }
}

@Suite struct ModelCatalogTests {
    @Test func aRegisteredModelLoadsBackAndScoresBitIdentically() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try ShopperStore.open(directory: directory)
        let catalog = ModelCatalog(store: store)
        let training = QuickTraining.sessions(count: 600)
        let model = try await ModelCatalog.train(
            training, features: .inputs, configuration: QuickTraining.configuration, storeVersion: 3)
        #expect(model.metadata.provenance.storeVersion == 3)
        #expect(model.metadata.provenance.codeVersion == ShopperdVersion.current)
        #expect(model.metadata.provenance.trainingRows == 600)

        let draft = try ModelCatalog.draft(for: model, trainingFromVersion: 2)
        #expect(draft.trainingStoreVersion == 3 && draft.trainingFromVersion == 2 && draft.trainingRowCount == 600)
        let params = try JSONDecoder().decode(ModelDocuments.Parameters.self, from: draft.params)
        #expect(params.featureNames == Column.inputs.map(\.name))
        #expect(params.threshold == model.threshold)
        let metrics = try JSONDecoder().decode(ModelDocuments.Metrics.self, from: draft.metrics)
        #expect(metrics.holdout?.rows == 120)
        #expect(try JSONDecoder().decode(ModelDocuments.Importances.self, from: draft.importances).first?.feature == "PageValues")

        let record = try store.registerModel(draft)
        try store.promote(version: record.version, reason: "test")
        let (version, loaded) = try catalog.model(alias: .champion)
        #expect(version == record.version)

        let batch = QuickTraining.sessions(count: 50, seed: 99)
        let fromMemory = try await ModelCatalog.score(batch, with: model)
        let fromRegistry = try await ModelCatalog.score(batch, with: loaded)
        #expect(fromMemory == fromRegistry)
        #expect(fromMemory.map(\.rowNumber) == Array(1...50))
        #expect(fromMemory.allSatisfy { $0.label == ($0.probability >= model.threshold) })
    }

    @Test func anUnknownVersionIsAStoreError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let catalog = ModelCatalog(store: try ShopperStore.open(directory: directory))
        #expect(throws: StoreError.unknownModel(4)) { try catalog.model(version: 4) }
        #expect(throws: StoreError.aliasNotSet(.champion)) { try catalog.model(alias: .champion) }
    }
}
