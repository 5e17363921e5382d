import Foundation
import ShopperML
import ShopperStore
import Testing
@testable import ShopperPipeline

/// The catalog's decoded-model cache stays bounded: a daemon that promotes model after model must
/// not keep every forest it ever served in memory (measured before the bound: about 5 MB more
/// resident memory per promotion, never given back).
@Suite struct ModelCatalogCacheTests {
    @Test func onlyTheMostRecentlyUsedModelStaysDecoded() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try ShopperStore.open(directory: directory)
        var thresholds: [Int: Double] = [:]
        for seed in 1...3 {
            let model = try await ModelCatalog.train(
                QuickTraining.sessions(count: 300, seed: UInt64(seed)), features: .inputs,
                configuration: QuickTraining.configuration, storeVersion: seed)
            thresholds[try store.registerModel(try ModelCatalog.draft(for: model, trainingFromVersion: nil)).version] = model.threshold
        }
        let catalog = ModelCatalog(store: store)
        for version in 1...3 { #expect(try catalog.model(version: version).threshold == thresholds[version]) }
        #expect(ModelCatalog.cacheLimit == 1)
        #expect(catalog.cachedVersions == [3])
        // The served model is decoded once; asking for another decodes it and drops the first.
        #expect(try catalog.model(version: 3).threshold == thresholds[3])
        #expect(catalog.cachedVersions == [3])
        #expect(try catalog.model(version: 1).threshold == thresholds[1])
        #expect(catalog.cachedVersions == [1])
    }
}
