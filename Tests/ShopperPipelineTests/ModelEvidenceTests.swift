import Foundation
import ShopperML
import Testing
@testable import ShopperPipeline

/// The evidence rule (`EvidenceRule`) as tables: what a model needs before it may serve.
@Suite struct ModelEvidenceTests {
    let rule = EvidenceRule()  // 25 rows of each class to train, 5 of each held out

    struct TrainCase: Sendable, CustomTestStringConvertible {
        var name: String
        var rows: Int
        var buyers: Int
        var sufficient: Bool
        var needs: [String]
        var testDescription: String { name }
    }

    static let trainCases: [TrainCase] = [
        // The real February sessions.
        .init(name: "February: 184 rows, 3 buyers", rows: 184, buyers: 3, sufficient: false, needs: ["≥ 25 buyers (have 3)"]),
        // Item 2: one class only is no error, it is too little evidence.
        .init(name: "one class: 400 non-buyers", rows: 400, buyers: 0, sufficient: false, needs: ["≥ 25 buyers (have 0)"]),
        .init(name: "one class: 120 buyers", rows: 120, buyers: 120, sufficient: false, needs: ["≥ 25 non-buyers (have 0)"]),
        // Item 3: 310 labelled rows, 7 buyers.
        .init(name: "310 rows, 7 buyers", rows: 310, buyers: 7, sufficient: false, needs: ["≥ 25 buyers (have 7)"]),
        .init(name: "too few rows", rows: 60, buyers: 30, sufficient: false,
              needs: ["≥ 100 labelled rows (have 60)"]),
        .init(name: "too few of everything", rows: 30, buyers: 2, sufficient: false,
              needs: ["≥ 100 labelled rows (have 30)", "≥ 25 buyers (have 2)"]),
        .init(name: "just enough", rows: 100, buyers: 25, sufficient: true, needs: []),
        .init(name: "March sessions", rows: 1907, buyers: 192, sufficient: true, needs: []),
    ]

    @Test(arguments: trainCases) func beforeTrainingAFirstChampion(_ c: TrainCase) {
        let verdict = rule.canTrain(rows: c.rows, buyers: c.buyers, minRows: 100)
        #expect(verdict.sufficient == c.sufficient)
        #expect(verdict.needs == c.needs)
        #expect(verdict.labelledRows == c.rows && verdict.buyers == c.buyers && verdict.nonBuyers == c.rows - c.buyers)
        if !c.sufficient { #expect(verdict.summary.contains("need " + c.needs.joined(separator: ", "))) }
    }

    struct JudgeCase: Sendable, CustomTestStringConvertible {
        var rows: Int
        var buyers: Int
        var sufficient: Bool
        var testDescription: String { "\(rows) held-out rows, \(buyers) buyers" }
    }

    static let judgeCases: [JudgeCase] = [
        .init(rows: 60, buyers: 60, sufficient: false),  // item 7: an all-buyer held-out set
        .init(rows: 60, buyers: 0, sufficient: false),
        .init(rows: 120, buyers: 1, sufficient: false),  // item 6: 1 buyer in 120 rows
        .init(rows: 120, buyers: 4, sufficient: false),
        .init(rows: 120, buyers: 5, sufficient: true),
        .init(rows: 10, buyers: 5, sufficient: true),
        .init(rows: 9, buyers: 5, sufficient: false),
    ]

    @Test(arguments: judgeCases) func heldOutRowsThatCanJudge(_ c: JudgeCase) {
        for metric in PromotionMetric.allCases {
            let verdict = rule.canJudge(heldOutRows: c.rows, buyers: c.buyers, metric: metric)
            #expect(verdict.sufficient == c.sufficient, "\(metric): \(verdict.needs)")
            #expect(verdict.heldOut?.nonBuyers == c.rows - c.buyers)
        }
    }

    /// A threshold choice and the reports of a model, built from scores so every figure is real.
    static func figures(
        outOfBag: [(Double, Bool)], heldOut: [(Double, Bool)]?, confidence: Double = 0.95
    ) -> (ThresholdChoice?, ClassificationReport, ClassificationReport?) {
        let choice = ThresholdChoice.forRecall(
            0.8, confidence: confidence, scores: outOfBag.map(\.0), labels: outOfBag.map(\.1), chosenOn: "outOfBag")
        let threshold = choice?.threshold ?? 0.5
        let oob = ClassificationReport(dataset: "outOfBag", scores: outOfBag.map(\.0), labels: outOfBag.map(\.1), threshold: threshold)
        let held = heldOut.map { ClassificationReport(dataset: "holdout", scores: $0.map(\.0), labels: $0.map(\.1), threshold: threshold) }
        return (choice, oob, held)
    }

    /// `n` rows: buyers score high, non-buyers low, with some overlap.
    static func separable(buyers: Int, nonBuyers: Int) -> [(Double, Bool)] {
        let high: [(Double, Bool)] = (0..<buyers).map { i in (0.55 + 0.4 * Double(i) / Double(max(1, buyers)), true) }
        let low: [(Double, Bool)] = (0..<nonBuyers).map { i in (0.6 * Double(i) / Double(max(1, nonBuyers)), false) }
        return high + low
    }

    @Test func aWellFoundedModelMayServe() {
        let (choice, oob, held) = Self.figures(outOfBag: Self.separable(buyers: 160, nonBuyers: 800),
                                               heldOut: Self.separable(buyers: 40, nonBuyers: 200))
        let verdict = rule.mayServe(choice: choice, outOfBag: oob, heldOut: held)
        #expect(verdict.sufficient, "\(verdict.needs)")
        let heldOut = try! #require(verdict.heldOut)
        #expect(heldOut.rows == 240 && heldOut.buyers == 40 && heldOut.value != nil)
        #expect((heldOut.standardError ?? 1) < 0.05)
        #expect(verdict.threshold?.flagsEveryRow == false)
        #expect(verdict.summary.contains("240 held-out rows (40 buyers): roc_auc"))
    }

    /// 3 buyers out of bag. No threshold can show recall 0.8 at 95 % with 3 buyers
    /// (the bound is at most 3 / (3 + 1.645²) = 0.526), so the rule fell back to flagging every
    /// row; and 1 held-out buyer cannot judge anything.
    @Test func theDegenerateFebruaryChampionMayNotServe() {
        let (choice, oob, held) = Self.figures(outOfBag: Self.separable(buyers: 3, nonBuyers: 144),
                                               heldOut: Self.separable(buyers: 1, nonBuyers: 36))
        let verdict = rule.mayServe(choice: choice, outOfBag: oob, heldOut: held)
        #expect(!verdict.sufficient)
        #expect(String(format: "%.3f", choice!.recallLowerBound) == "0.526")
        #expect(verdict.needs.contains("≥ 5 held-out buyers (have 1 of 37 held-out rows)"))
        #expect(verdict.needs.contains("a threshold whose recall lower bound reaches 0.8000 (have 0.5258 from 3 out-of-bag buyers; ≥ 11 buyers can)"),
                "\(verdict.needs)")
    }

    @Test func aThresholdThatFlagsEveryRowMayNotServe() {
        // A constant model: one score for every row, so the only threshold flags them all (recall 1).
        let constant = (0..<250).map { (0.3, $0 < 50) }
        let (choice, oob, held) = Self.figures(outOfBag: constant, heldOut: Self.separable(buyers: 10, nonBuyers: 50))
        let verdict = rule.mayServe(choice: choice, outOfBag: oob, heldOut: held)
        #expect(!verdict.sufficient)
        #expect(verdict.threshold?.flagsEveryRow == true)
        #expect(verdict.needs.contains { $0.hasPrefix("a threshold that does not flag every row") }, "\(verdict.needs)")
    }

    @Test func noHeldOutRowsOrNoThresholdIsNotEnough() {
        let (choice, oob, _) = Self.figures(outOfBag: Self.separable(buyers: 100, nonBuyers: 400), heldOut: nil)
        #expect(rule.mayServe(choice: choice, outOfBag: oob, heldOut: nil).needs == ["held-out rows to measure it on (none were held out)"])
        let (_, _, held) = Self.figures(outOfBag: Self.separable(buyers: 100, nonBuyers: 400), heldOut: Self.separable(buyers: 20, nonBuyers: 80))
        #expect(rule.mayServe(choice: nil, outOfBag: nil, heldOut: held).needs == ["an operating threshold (none was chosen)"])
    }

    @Test func theMinimumsAreSettings() {
        let strict = EvidenceRule(minClassRows: 100, minHeldOutClassRows: 20)
        #expect(!strict.canTrain(rows: 1000, buyers: 99, minRows: 100).sufficient)
        #expect(!strict.canJudge(heldOutRows: 300, buyers: 19, metric: .rocAUC).sufficient)
        let lenient = EvidenceRule(minClassRows: 1, minHeldOutClassRows: 1)
        #expect(lenient.canTrain(rows: 184, buyers: 3, minRows: 100).sufficient)
        #expect(PipelineSettings().evidence == EvidenceRule(minClassRows: 25, minHeldOutClassRows: 5))
    }

    /// Hanley & McNeil's standard error; the 5-buyer default shows its price: ± 0.11 at AUC 0.85.
    @Test func theROCAUCStandardError() throws {
        #expect(EvidenceRule.aucStandardError(auc: 0.9, positives: 0, negatives: 10) == nil)
        let five = try #require(EvidenceRule.aucStandardError(auc: 0.85, positives: 5, negatives: 100))
        #expect(abs(five - 0.1095) < 0.001, "\(five)")
        let many = try #require(EvidenceRule.aucStandardError(auc: 0.85, positives: 300, negatives: 1500))
        #expect(many < 0.015)
        // A = 0.8 on 50 + 50 cases: √(4.951 / 2500) = 0.0445.
        let fifty = try #require(EvidenceRule.aucStandardError(auc: 0.8, positives: 50, negatives: 50))
        #expect(abs(fifty - 0.0445) < 0.0005, "\(fifty)")
    }

    @Test func theRecallBoundNeedsElevenBuyersForRecall08At95Percent() {
        #expect(ThresholdChoice.minimumPositives(forRecall: 0.8, confidence: 0.95) == 11)
        #expect(ThresholdChoice.minimumPositives(forRecall: 0.8, confidence: 0.5) == 1)
        let z = 1.6448536269514722
        #expect(ThresholdChoice.wilsonLowerBound(successes: 10, trials: 10, z: z) < 0.8)
        #expect(ThresholdChoice.wilsonLowerBound(successes: 11, trials: 11, z: z) >= 0.8)
    }

    /// Average precision is 1 for any model on buyers only; undefined, it decides
    /// nothing (and so for every metric on rows of one class).
    @Test func aMetricOnRowsOfOneClassIsUndefined() {
        let allBuyers = ClassificationReport(dataset: "evaluation", scores: [0.9, 0.2, 0.5], labels: [true, true, true], threshold: 0.5)
        let noBuyers = ClassificationReport(dataset: "evaluation", scores: [0.9, 0.2, 0.5], labels: [false, false, false], threshold: 0.5)
        #expect(allBuyers.averagePrecision == 1)  // scikit-learn's figure, kept in reports…
        for metric in PromotionMetric.allCases {
            #expect(metric.value(of: allBuyers) == nil && metric.value(of: noBuyers) == nil, "\(metric)")  // …but it judges nothing
        }
        let both = ClassificationReport(dataset: "evaluation", scores: [0.9, 0.2, 0.5], labels: [true, false, true], threshold: 0.5)
        for metric in PromotionMetric.allCases { #expect(metric.value(of: both) != nil) }
    }

    /// Undefined figures are null in the JSON, never "nan".
    @Test func theVerdictsJSONHasNullsNotNaN() throws {
        let verdict = rule.canJudge(heldOutRows: 60, buyers: 60, metric: .averagePrecision)
        let json = String(decoding: try ReportJSON.encode(verdict), as: UTF8.self)
        #expect(json.contains("\"value\" : null") && json.contains("\"roc_auc_standard_error\" : null"), "\(json)")
        #expect(json.contains("\"sufficient\" : false") && json.contains("\"non_buyers\" : 0"))
        #expect(!json.lowercased().contains("nan"))
        #expect(try JSONDecoder().decode(EvidenceVerdict.self, from: Data(json.utf8)) == verdict)
    }
}
