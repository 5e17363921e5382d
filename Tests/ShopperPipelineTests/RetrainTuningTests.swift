import ShopperML
import Testing
@testable import ShopperPipeline

@Suite struct RetrainTuningTests {
    @Test func aroundTheChampionTriesItsLeafSizeHalvedKeptAndDoubled() {
        let champion = ForestParameters(treeCount: 100, maxFeatures: .fraction(0.5), maxDepth: nil, minSamplesLeaf: 20)
        let grid = RetrainTuning.aroundChampion.grid(champion: champion, full: .standard)
        #expect(grid.minSamplesLeaf == [10, 20, 40])
        #expect(grid.maxDepth == [nil])
        #expect(grid.maxFeatures == [.fraction(0.5)])
        #expect(grid.candidates.count == 3)
    }

    @Test func aLeafOfOneIsNotHalvedBelowOne() {
        let champion = ForestParameters(maxFeatures: .sqrt, maxDepth: 12, minSamplesLeaf: 1)
        #expect(RetrainTuning.aroundChampion.grid(champion: champion, full: .standard).minSamplesLeaf == [1, 2])
    }

    @Test func fullUsesTheConfiguredGrid() {
        let champion = ForestParameters(minSamplesLeaf: 5)
        #expect(RetrainTuning.full.grid(champion: champion, full: .standard) == .standard)
    }
}
