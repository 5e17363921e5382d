import ArgumentParser
import Foundation
import ShopperCore
import ShopperML
import ShopperPipeline

/// `shopperd-bench promotion`: the error rates of the challenger promotion rule (`PromotionRule`,
/// DeLong's test) and of the old point comparison, by simulation from the bundled data.
///
/// The bundled rows are split 50/50 (stratified, seed 42) into a training half and a **pool** of
/// held-out rows. On the training half it fits: a full forest (every training row), a second full
/// forest with another seed (the same data, a different model: "no better"), and weaker forests on
/// the first k rows of a shuffled training half, for several k; the weaker forest whose pool ROC
/// AUC is closest to 0.02 below the full forest's makes the "differs by 0.02" pair. Each draw
/// takes a simple random sample of `size` pool rows (without replacement, so the buyer count
/// varies as in real held-out sets) and judges the pair on it: held-out sets with fewer buyers or
/// non-buyers than the evidence rule's minimum (5) keep the champion, as the daemon does.
struct PromotionSuite: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promotion",
        abstract: "Error rates of the challenger promotion rule (DeLong) by simulation from the bundled data (docs/rollout.md).")
    @OptionGroup var dataOption: DataOption
    @Option(help: "Draws per held-out size and scenario.") var draws = 2_000
    @Option(help: "Trees per forest.") var trees = 100
    @Option(help: ArgumentHelp("Held-out sizes, comma-separated.", valueName: "N,N,…")) var sizes = "100,200,500,1000,2000"
    @Option(help: "One-sided alpha of the rule.") var alpha = 0.05
    @Option(help: "Margin of the rule (retrain.tolerance).") var margin = 0.0
    @Option(help: "Seed of the draws.") var seed: UInt64 = 1

    func validate() throws {
        try requirePositive([("draws", draws), ("trees", trees)])
        guard try positiveIntegers(sizes, option: "sizes").allSatisfy({ $0 >= 10 }) else {
            throw ValidationError("--sizes: held-out sizes of at least 10 rows, e.g. 100,200,500")
        }
        guard alpha > 0, alpha < 0.5 else { throw ValidationError("--alpha must be in (0, 0.5)") }
    }

    var parsedSizes: [Int] { (try? positiveIntegers(sizes, option: "sizes")) ?? [] }  // checked in validate()

    func run() async throws {
        let sessions = try BatchReader().read(contentsOf: URL(fileURLWithPath: dataOption.data)).sessions
        let all = FeatureSet.inputs.matrix(for: sessions)
        let labels = try FeatureSet.labels(for: sessions)
        let split = try StratifiedSplit(labels: labels, validationFraction: 0, testFraction: 0.5, seed: 42)
        var trainRows = split.train
        var shuffler = Xoshiro256(seed: 42, stream: 99)
        shuffler.shuffle(&trainRows)
        let pool = split.test
        let poolLabels = pool.map { labels[$0] }
        let poolMatrix = all.rows(pool)

        func forest(rows: [Int], seed: UInt64) async throws -> [Double] {
            let parameters = ForestParameters(treeCount: trees, maxFeatures: .sqrt, minSamplesLeaf: 5, classWeight: .balanced, seed: seed)
            let fit = try await RandomForest(parameters: parameters).fit(all.rows(rows), labels: rows.map { labels[$0] })
            return try fit.model.probabilities(for: poolMatrix)
        }
        func auc(_ scores: [Double]) -> Double { Metrics.rocAUC(scores: scores, labels: poolLabels) ?? .nan }

        let full = try await forest(rows: trainRows, seed: 1)
        let twin = try await forest(rows: trainRows, seed: 2)
        print("pool: \(pool.count) rows (\(poolLabels.filter { $0 }.count) buyers); training half: \(trainRows.count) rows")
        print(String(format: "full forest (seed 1) pool ROC AUC %.4f; same data, seed 2: %.4f", auc(full), auc(twin)))
        var weaker: (rows: Int, scores: [Double])?
        for k in [100, 150, 200, 300, 400, 600, 800, 1200] {
            let scores = try await forest(rows: Array(trainRows.prefix(k)), seed: 3)
            print(String(format: "forest on the first %d training rows: pool ROC AUC %.4f (gap %.4f)", k, auc(scores), auc(full) - auc(scores)))
            if abs(auc(full) - auc(scores) - 0.02) < abs(auc(full) - (weaker.map { auc($0.scores) } ?? -1) - 0.02) { weaker = (k, scores) }
        }
        guard let weaker else { return }
        print(String(format: "'differs by 0.02' pair: full forest vs the %d-row forest, pool gap %.4f", weaker.rows, auc(full) - auc(weaker.scores)))

        let rule = PromotionRule(alpha: alpha, margin: margin)
        let scenarios: [(name: String, champion: [Double], challenger: [Double])] = [
            ("no better: same data, other seed", full, twin),
            ("no better: the same model", full, full),
            ("better by the gap", weaker.scores, full),
            ("worse by the gap", full, weaker.scores),
        ]
        print("\nrule: \(rule.description); \(draws) draws per cell; evidence rule: ≥ 5 buyers and non-buyers held out")
        print("scenario | pool difference | held-out rows | promoted (paired rule) | promoted (old point rule) | cannot judge | 90 % CI covers pool difference")
        var generator = Xoshiro256(seed: seed, stream: 7)
        for scenario in scenarios {
            let truth = auc(scenario.challenger) - auc(scenario.champion)
            for size in parsedSizes {
                var promoted = 0, pointPromoted = 0, cannotJudge = 0, covered = 0, judged = 0
                for _ in 0..<draws {
                    var indices = Array(pool.indices)
                    for i in 0..<size {  // partial Fisher–Yates: a sample without replacement
                        indices.swapAt(i, i + generator.below(indices.count - i))
                    }
                    let drawn = indices.prefix(size)
                    let y = drawn.map { poolLabels[$0] }
                    let buyers = y.filter { $0 }.count
                    guard buyers >= 5, size - buyers >= 5 else { cannotJudge += 1; continue }
                    let a = drawn.map { scenario.champion[$0] }, b = drawn.map { scenario.challenger[$0] }
                    guard let paired = rule.judge(metric: .rocAUC, labels: y, champion: a, championThreshold: 0.5,
                                                  challenger: b, challengerThreshold: 0.5, seed: seed) else { cannotJudge += 1; continue }
                    judged += 1
                    if paired.passed { promoted += 1 }
                    if paired.challenger >= paired.champion - margin { pointPromoted += 1 }
                    if paired.intervalLow <= truth && truth <= paired.intervalHigh { covered += 1 }
                }
                func share(_ k: Int, of n: Int) -> String { String(format: "%.1f %%", 100 * Double(k) / Double(max(1, n))) }
                print("\(scenario.name) | \(String(format: "%+.4f", truth)) | \(size) | \(share(promoted, of: draws)) | "
                    + "\(share(pointPromoted, of: draws)) | \(share(cannotJudge, of: draws)) | \(share(covered, of: judged))")
            }
        }
    }
}
