import Testing
@testable import ShopperML

/// A tiny hand-checked set with ties across classes (0.8 and 0.4).
///
/// Expected values worked out by hand (see each test) and confirmed with scikit-learn 1.x:
/// `roc_auc_score(y, s) = 0.62`, `average_precision_score(y, s) = 0.68333…`, and at threshold 0.4
/// `confusion_matrix(y, s >= 0.4).ravel() = [tn 1, fp 4, fn 1, tp 4]`, precision 0.5, recall 0.8,
/// F1 0.615384…, accuracy 0.5.
enum Tiny {
    static let labels = [true, false, true, true, false, false, true, false, false, true]
    static let scores = [0.9, 0.8, 0.8, 0.7, 0.6, 0.4, 0.4, 0.4, 0.2, 0.1]
}

struct MetricsTests {
    @Test func rocAUCCountsTiesAsHalf() throws {
        // Pairs (P=5 × N=5 = 25): per tie group, negatives × (positives ranked above + half the tied
        // positives) = 0.8: 1×1.5, 0.6: 1×3, 0.4: 2×3.5, 0.2: 1×4 → 15.5 / 25.
        let auc = try #require(Metrics.rocAUC(scores: Tiny.scores, labels: Tiny.labels))
        #expect(abs(auc - 0.62) < 1e-12)
    }

    @Test func averagePrecisionIsTheStepSumWithoutInterpolation() throws {
        // Recall steps of 0.2 at 0.9 (P=1), 0.8 (P=2/3), 0.7 (P=3/4), 0.4 (P=4/8), 0.1 (P=5/10).
        let ap = try #require(Metrics.averagePrecision(scores: Tiny.scores, labels: Tiny.labels))
        #expect(abs(ap - 0.683_333_333_333_333_3) < 1e-12)
    }

    @Test func metricsAreUndefinedWithOneClass() {
        #expect(Metrics.rocAUC(scores: [0.1, 0.2], labels: [true, true]) == nil)
        #expect(Metrics.averagePrecision(scores: [0.1, 0.2], labels: [false, false]) == nil)
    }

    @Test func perfectAndReversedRankings() {
        #expect(Metrics.rocAUC(scores: [0.9, 0.1], labels: [true, false]) == 1)
        #expect(Metrics.rocAUC(scores: [0.1, 0.9], labels: [true, false]) == 0)
        #expect(Metrics.rocAUC(scores: [0.5, 0.5], labels: [true, false]) == 0.5)
        #expect(Metrics.averagePrecision(scores: [0.9, 0.1], labels: [true, false]) == 1)
    }

    @Test func confusionMatrixAndDerivedRates() {
        let report = ClassificationReport(dataset: "tiny", scores: Tiny.scores, labels: Tiny.labels, threshold: 0.4)
        #expect(report.confusion == ConfusionMatrix(truePositives: 4, falsePositives: 4, trueNegatives: 1, falseNegatives: 1))
        #expect(report.precision == 0.5)
        #expect(report.recall == 0.8)
        #expect(abs(report.f1 - 8.0 / 13.0) < 1e-15)
        #expect(report.accuracy == 0.5)
        #expect(report.rows == 10 && report.positives == 5)
    }

    @Test func emptyPredictionsHaveZeroPrecision() {
        let matrix = ConfusionMatrix(scores: [0.1, 0.2], labels: [true, false], threshold: 0.5)
        #expect(matrix.precision == 0)
        #expect(matrix.recall == 0)
        #expect(matrix.f1 == 0)
    }
}

struct ThresholdTests {
    @Test func plainRuleTakesTheHighestThresholdReachingTheTarget() throws {
        // Cumulative buyers found from the top: 0.9 → 1, 0.8 → 2, 0.7 → 3, 0.6 → 3, 0.4 → 4 (of 5).
        let at80 = try #require(ThresholdChoice.forRecall(0.8, scores: Tiny.scores, labels: Tiny.labels, chosenOn: "t"))
        #expect(at80.threshold == 0.4)
        #expect(at80.recall == 0.8)
        #expect(at80.precision == 0.5)  // 4 buyers among the 8 rows scoring ≥ 0.4
        let at60 = try #require(ThresholdChoice.forRecall(0.6, scores: Tiny.scores, labels: Tiny.labels, chosenOn: "t"))
        #expect(at60.threshold == 0.7)
        #expect(at60.precision == 0.75)
        let all = try #require(ThresholdChoice.forRecall(1.0, scores: Tiny.scores, labels: Tiny.labels, chosenOn: "t"))
        #expect(all.threshold == 0.1)
        #expect(all.recall == 1)
    }

    @Test func confidentRuleAsksTheWilsonBoundToReachTheTarget() throws {
        // One-sided 95 % Wilson lower bounds (scipy: binomtest(k, 5).proportion_ci(0.90, "wilson").low):
        // 3/5 → 0.272483…, 4/5 → 0.435293…. For target 0.4 the plain rule stops at 2/5 (threshold 0.8);
        // the 95 % rule needs 4/5 (threshold 0.4).
        let plain = try #require(ThresholdChoice.forRecall(0.4, scores: Tiny.scores, labels: Tiny.labels, chosenOn: "t"))
        #expect(plain.threshold == 0.8)
        let confident = try #require(
            ThresholdChoice.forRecall(0.4, confidence: 0.95, scores: Tiny.scores, labels: Tiny.labels, chosenOn: "t"))
        #expect(confident.threshold == 0.4)
        #expect(abs(confident.recallLowerBound - 0.435_292_553_421_543_27) < 1e-8)
    }

    @Test func wilsonBoundAndNormalQuantileMatchScipy() {
        // scipy.stats.norm.ppf and binomtest(...).proportion_ci(0.90, method="wilson").low.
        #expect(abs(NormalDistribution.quantile(0.95) - 1.644_853_626_951_472_2) < 1e-8)
        #expect(abs(NormalDistribution.quantile(0.975) - 1.959_963_984_540_054) < 1e-8)
        #expect(abs(NormalDistribution.quantile(0.999) - 3.090_232_306_167_813) < 1e-7)
        #expect(abs(NormalDistribution.quantile(0.01) + 2.326_347_874_040_840_8) < 1e-8)
        let z = NormalDistribution.quantile(0.95)
        #expect(abs(ThresholdChoice.wilsonLowerBound(successes: 3, trials: 5, z: z) - 0.272_483_171_866_192_86) < 1e-8)
        #expect(abs(ThresholdChoice.wilsonLowerBound(successes: 1220, trials: 1526, z: z) - 0.782_093_156_353_194_3) < 1e-8)
    }

    @Test func noBuyersNoThreshold() {
        #expect(ThresholdChoice.forRecall(0.8, scores: [0.3], labels: [false], chosenOn: "t") == nil)
    }
}
