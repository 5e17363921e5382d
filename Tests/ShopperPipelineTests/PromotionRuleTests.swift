import Testing
import ShopperML
@testable import ShopperPipeline

/// The promotion rule's table: promoted unless significantly worse (one-sided DeLong at α for ROC
/// AUC, a paired bootstrap for the other metrics), with the margin as the accepted shortfall.
struct PromotionRuleTests {
    /// `n` rows with ~20 % buyers; `good` ranks buyers above non-buyers with noise `noise`.
    static func scores(n: Int, noise: Double, seed: UInt64) -> (labels: [Bool], base: [Double], noisy: [Double]) {
        var rng = Xoshiro256(seed: seed)
        var labels: [Bool] = [], base: [Double] = [], noisy: [Double] = []
        for _ in 0..<n {
            let buyer = rng.unitInterval() < 0.2
            let signal = rng.unitInterval() + (buyer ? 0.6 : 0)
            labels.append(buyer)
            base.append(signal + 0.2 * rng.unitInterval())
            noisy.append(signal + noise * rng.unitInterval())
        }
        return (labels, base, noisy)
    }

    static func judge(_ rule: PromotionRule, _ metric: PromotionMetric = .rocAUC, labels: [Bool], champion: [Double], challenger: [Double]) throws -> PairedComparison {
        try #require(rule.judge(metric: metric, labels: labels, champion: champion, championThreshold: 0.6,
                                challenger: challenger, challengerThreshold: 0.6, seed: 42))
    }

    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let rows: Int
        let noise: Double
        let swap: Bool
        let margin: Double
        let promoted: Bool
        var testDescription: String { name }
    }

    /// Each row: a champion/challenger pair and the verdict the rule must give.
    static let table: [Row] = [
        // Same ranking: difference 0 and no spread: promoted (the point comparison's tie).
        Row(name: "identical", rows: 400, noise: 0.2, swap: false, margin: 0, promoted: true),
        // A much noisier challenger on 2,000 rows: significantly worse, kept out.
        Row(name: "clearly worse", rows: 2_000, noise: 1.5, swap: false, margin: 0, promoted: false),
        // The same pair with the roles swapped: the challenger is better, promoted.
        Row(name: "clearly better", rows: 2_000, noise: 1.5, swap: true, margin: 0, promoted: true),
        // A margin of a whole unit of AUC forgives anything.
        Row(name: "clearly worse, margin 1", rows: 2_000, noise: 1.5, swap: false, margin: 1, promoted: true),
        // A negative margin demands a gain of a whole unit: never promoted.
        Row(name: "identical, margin -1", rows: 400, noise: 0.2, swap: false, margin: -1, promoted: false),
    ]

    @Test(arguments: table)
    func verdict(row: Row) throws {
        let (labels, base, noisy) = Self.scores(n: row.rows, noise: row.noise, seed: 11)
        let challenger = row.name.hasPrefix("identical") ? base : (row.swap ? base : noisy)
        let champion = row.swap ? noisy : base
        let paired = try Self.judge(PromotionRule(margin: row.margin), labels: labels, champion: champion, challenger: challenger)
        #expect(paired.passed == row.promoted, "\(row.name): \(paired.summary)")
        #expect(paired.test == "delong" && paired.confidence == 0.9)
        // The verdict is the interval's: kept out exactly when the upper bound is below −margin.
        if paired.standardError > 0 { #expect(paired.passed == (paired.intervalHigh >= -row.margin)) }
    }

    /// Slightly noisier challengers on 60 rows (about 12 buyers): the first seed whose challenger
    /// ranks worse than the champion. The old point rule (`challenger ≥ champion`) kept it out; the
    /// difference is inside the noise, so the paired rule promotes it.
    @Test func aLowerAUCInsideTheNoiseIsPromoted() throws {
        let lower = try #require((1...100).lazy.compactMap { seed -> PairedComparison? in
            let (labels, base, noisy) = Self.scores(n: 60, noise: 0.35, seed: UInt64(seed))
            let paired = try? Self.judge(PromotionRule(), labels: labels, champion: base, challenger: noisy)
            return paired.flatMap { $0.challenger < $0.champion ? $0 : nil }
        }.first)
        #expect(lower.passed && lower.pValueWorse >= 0.05 && lower.intervalLow < 0 && lower.intervalHigh > 0, "\(lower.summary)")
    }

    @Test func otherMetricsUseThePairedBootstrap() throws {
        let (labels, base, noisy) = Self.scores(n: 1_000, noise: 1.5, seed: 5)
        for metric in [PromotionMetric.averagePrecision, .recall, .f1] {
            let same = try Self.judge(PromotionRule(bootstrapDraws: 300), metric, labels: labels, champion: base, challenger: base)
            #expect(same.test == "paired-bootstrap" && same.difference == 0 && same.passed)
            #expect(same.intervalLow <= 0 && same.intervalHigh >= 0)
        }
        let worse = try Self.judge(PromotionRule(bootstrapDraws: 300), .averagePrecision, labels: labels, champion: base, challenger: noisy)
        #expect(!worse.passed && worse.pValueWorse < 0.05, "\(worse.summary)")
    }

    @Test func anUndefinedMetricDecidesNothing() {
        let rule = PromotionRule()
        #expect(rule.judge(metric: .rocAUC, labels: [true, true, true], champion: [0.1, 0.2, 0.3], championThreshold: 0.5,
                           challenger: [0.3, 0.2, 0.1], challengerThreshold: 0.5, seed: 1) == nil)
    }

    @Test func theSummaryNamesDifferenceIntervalPValueAndRule() throws {
        let (labels, base, noisy) = Self.scores(n: 300, noise: 0.5, seed: 3)
        let paired = try Self.judge(PromotionRule(), labels: labels, champion: base, challenger: noisy)
        #expect(paired.summary.contains("difference "))
        #expect(paired.summary.contains("90 % CI "))
        #expect(paired.summary.contains("delong one-sided p = "))
        #expect(paired.summary.hasSuffix("rule: promoted unless significantly worse (one-sided p < 0.05, margin 0)"))
    }
}
