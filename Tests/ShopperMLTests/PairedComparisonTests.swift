import Testing
@testable import ShopperML

/// DeLong's sanity checks beside the golden cases, and the paired bootstrap.
struct PairedComparisonTests {
    /// Scores of two correlated models on `n` rows, seeded.
    static func pair(n: Int, buyerShare: Double = 0.15, seed: UInt64 = 7) -> (labels: [Bool], a: [Double], b: [Double]) {
        var rng = Xoshiro256(seed: seed)
        var labels: [Bool] = [], a: [Double] = [], b: [Double] = []
        for _ in 0..<n {
            let buyer = rng.unitInterval() < buyerShare
            let latent = rng.unitInterval() + (buyer ? 0.5 : 0)
            labels.append(buyer)
            a.append(((latent + 0.3 * rng.unitInterval()) * 20).rounded() / 20)  // ties, as forests' vote shares
            b.append(((latent + 0.4 * rng.unitInterval()) * 20).rounded() / 20)
        }
        return (labels, a, b)
    }

    /// The placement values by brute force, O(m·n): the definition the fast algorithm must equal.
    @Test func fastComponentsEqualTheirDefinition() throws {
        let (labels, a, b) = Self.pair(n: 157)
        let test = try #require(DeLongTest(labels: labels, scoresA: a, scoresB: b))
        let pos = labels.indices.filter { labels[$0] }, neg = labels.indices.filter { !labels[$0] }
        func psi(_ x: Double, _ y: Double) -> Double { x > y ? 1 : (x == y ? 0.5 : 0) }
        func components(_ s: [Double]) -> ([Double], [Double]) {
            (pos.map { i in neg.reduce(0) { $0 + psi(s[i], s[$1]) } / Double(neg.count) },
             neg.map { j in pos.reduce(0) { $0 + psi(s[$1], s[j]) } / Double(pos.count) })
        }
        let (a10, a01) = components(a), (b10, b01) = components(b)
        let m = Double(pos.count), n = Double(neg.count)
        let cov = DeLongTest.covariance(a10, b10) / m + DeLongTest.covariance(a01, b01) / n
        let varA = DeLongTest.covariance(a10, a10) / m + DeLongTest.covariance(a01, a01) / n
        #expect(abs(test.covariance - cov) < 1e-14 && abs(test.varianceA - varA) < 1e-14)
        #expect(abs(test.aucA - a10.reduce(0, +) / m) < 1e-14)
    }

    @Test func midranksShareTies() {
        #expect(DeLongTest.midranks([0.3, 0.1, 0.3, 0.2, 0.3]) == [4, 1, 4, 2, 4])
    }

    @Test func identicalModelsDifferByNothing() throws {
        let (labels, a, _) = Self.pair(n: 300)
        let test = try #require(DeLongTest(labels: labels, scoresA: a, scoresB: a))
        #expect(test.difference == 0 && test.standardError == 0 && test.z == 0 && test.pValue == 1)
        #expect(test.pValueWorse() == 1 && test.confidenceInterval() == 0...0)
    }

    @Test func oneClassHasNoTest() {
        #expect(DeLongTest(labels: [true, true], scoresA: [0.1, 0.2], scoresB: [0.3, 0.4]) == nil)
    }

    @Test func oneSidedPValueIsTheLowerTail() throws {
        let (labels, a, b) = Self.pair(n: 400)
        let test = try #require(DeLongTest(labels: labels, scoresA: a, scoresB: b))
        #expect(abs(test.pValueWorse() - NormalDistribution.cdf(test.z)) < 1e-15)
        #expect(test.pValueWorse(margin: 1) > 0.999)  // nothing is worse by a whole unit of AUC
    }

    @Test func normalQuantileInvertsTheCDF() {
        for p in [1e-10, 0.001, 0.025, 0.05, 0.3, 0.5, 0.9, 0.975, 0.999999] {
            #expect(abs(NormalDistribution.cdf(NormalDistribution.quantile(p)) - p) < 1e-14 * max(1, p / 1e-10))
        }
        #expect(abs(NormalDistribution.quantile(0.975) - 1.959963984540054) < 1e-13)
    }

    static let auc: PairedBootstrap.Statistic = { Metrics.rocAUC(scores: $0, labels: $1) }
    static let ap: PairedBootstrap.Statistic = { Metrics.averagePrecision(scores: $0, labels: $1) }

    @Test func bootstrapOfIdenticalModelsIsZero() throws {
        let (labels, a, _) = Self.pair(n: 250)
        let result = try #require(PairedBootstrap(draws: 500, seed: 1).compare(
            labels: labels, scoresA: a, scoresB: a, statisticA: Self.ap, statisticB: Self.ap))
        #expect(result.difference == 0 && result.differences.allSatisfy { $0 == 0 })
        #expect(result.confidenceInterval().contains(0) && result.pValueTwoSided == 1 && result.pValueWorse() == 1)
    }

    @Test func bootstrapIsSeededAndPaired() throws {
        let (labels, a, b) = Self.pair(n: 300)
        let one = try #require(PairedBootstrap(draws: 400, seed: 9).compare(
            labels: labels, scoresA: a, scoresB: b, statisticA: Self.ap, statisticB: Self.ap))
        let again = try #require(PairedBootstrap(draws: 400, seed: 9).compare(
            labels: labels, scoresA: a, scoresB: b, statisticA: Self.ap, statisticB: Self.ap))
        let other = try #require(PairedBootstrap(draws: 400, seed: 10).compare(
            labels: labels, scoresA: a, scoresB: b, statisticA: Self.ap, statisticB: Self.ap))
        #expect(one == again && one.differences != other.differences)
        #expect(one.differences.count == 400)  // stratified: every draw keeps both classes
        #expect(one.confidenceInterval(level: 0.95).contains(one.difference))
    }

    /// For ROC AUC the bootstrap's standard error estimates DeLong's (both estimate the same
    /// sampling variance; 2,000 draws put it within about 5 %).
    @Test func bootstrapStandardErrorMatchesDeLong() throws {
        let (labels, a, b) = Self.pair(n: 600)
        let delong = try #require(DeLongTest(labels: labels, scoresA: a, scoresB: b))
        let result = try #require(PairedBootstrap(draws: 2_000, seed: 3).compare(
            labels: labels, scoresA: a, scoresB: b, statisticA: Self.auc, statisticB: Self.auc))
        #expect(abs(result.difference - delong.difference) < 1e-12)
        #expect(abs(result.standardError / delong.standardError - 1) < 0.12,
                "bootstrap SE \(result.standardError) vs DeLong \(delong.standardError)")
    }

    @Test func percentileIsRsTypeSeven() {
        let result = PairedBootstrap.Result(valueA: 0, valueB: 0, differences: [1, 2, 3, 4])
        #expect(result.percentile(0.5) == 2.5 && result.percentile(0) == 1 && result.percentile(1) == 4)
        #expect(abs(result.percentile(0.1) - 1.3) < 1e-12)
    }
}
