import Foundation
import ShopperDrift
import ShopperML
import Testing
@testable import ShopperPipeline

/// The retrain rule as a table: facts in, the next step out. No store, no training.
struct RetrainPolicyTests {
    static let policy = RetrainPolicy(minLabelledRows: 200, promotionMetric: .rocAUC)

    static func drift(_ critical: Bool) -> DriftReport {
        let json = """
            {"critical_drift": \(critical), "rule": "RULE", "drivers": \(critical ? #"["Month", "PageValues"]"# : "[]"),
             "alpha": 0.05, "correction": "bh", "reference_rows": 1000, "current_rows": 300, "columns": []}
            """
        return try! JSONDecoder().decode(DriftReport.self, from: Data(json.utf8))
    }

    static func realised(triggered: Bool, margin: Double? = 0.05) -> BatchReport.RealisedPerformance {
        .init(modelVersion: 3, threshold: 0.4, rocAUC: 0.7, validationROCAUC: 0.9, margin: margin, triggered: triggered)
    }

    static func heldOut(buyers: Int) -> EvidenceVerdict {
        EvidenceRule().canJudge(heldOutRows: 60, buyers: buyers, metric: .rocAUC)
    }

    /// Facts after a trigger, built up step by step.
    static func facts(
        drift critical: Bool = true, realised: BatchReport.RealisedPerformance? = nil, labelledBatch: Bool = true,
        labelled: (count: Int, newest: Int?)? = nil, lastTrial: RetrainPolicy.LastTrial? = nil,
        heldOut: EvidenceVerdict? = nil, training: RetrainPolicy.Training? = nil, validationUnknown: String? = nil
    ) -> RetrainPolicy.Facts {
        var facts = RetrainPolicy.Facts(
            drift: drift(critical), realised: realised, championVersion: 3, batchIsLabelled: labelledBatch,
            validationUnknown: validationUnknown)
        facts.labelled = labelled.map { .init(count: $0.count, newestVersion: $0.newest) }
        facts.lastTrial = lastTrial
        facts.heldOut = heldOut
        facts.training = training
        return facts
    }

    static let drifted = "drift in Month, PageValues"
    static let dropped = "realised ROC AUC fell more than the margin below the champion's validation figure"

    static func decided(_ decision: BatchDecision, _ reason: String, _ skipped: RetrainSkipped? = nil) -> RetrainPolicy.Step {
        .decided(.init(decision: decision, reason: reason, skipped: skipped))
    }

    static func skipped(_ cause: RetrainSkipped.Cause, _ reason: String, rows: Int) -> RetrainSkipped {
        RetrainSkipped(cause: cause, reason: reason, labelledRows: rows, requiredRows: 200)
    }

    static let cases: [(String, RetrainPolicy.Facts, RetrainPolicy.Step)] = {
        let enough = (count: 300, newest: Int?.some(9))
        let canJudge = heldOut(buyers: 10)
        let needs = heldOut(buyers: 2).needs.joined(separator: ", ")
        return [
            ("no trigger: score", facts(drift: false), decided(.score, "no drift: RULE")),
            ("no drift, realised within the margin: score",
             facts(drift: false, realised: realised(triggered: false)), decided(.score, "no drift: RULE")),
            ("drift: count the labelled rows", facts(), .countLabelledRows),
            ("a realised drop alone triggers too", facts(drift: false, realised: realised(triggered: true)), .countLabelledRows),
            ("too few labelled rows",
             facts(labelled: (199, 9)),
             decided(.scoreAwaitingLabels, "\(drifted); retraining waits for labelled data (199 of 200 labelled rows)",
                     skipped(.notEnoughLabels, "not enough labelled rows", rows: 199))),
            ("too few after a realised drop",
             facts(drift: false, realised: realised(triggered: true), labelled: (0, nil)),
             decided(.scoreAwaitingLabels, "\(dropped); retraining waits for labelled data (0 of 200 labelled rows)",
                     skipped(.notEnoughLabels, "not enough labelled rows", rows: 0))),
            ("an unlabelled batch asks for the last trial", facts(labelledBatch: false, labelled: enough), .findLastTrial),
            ("a labelled batch never asks for it", facts(labelled: enough), .planHeldOut),
            ("the last trial used every row",
             facts(labelledBatch: false, labelled: enough, lastTrial: .trainedThrough(storeVersion: 9)),
             decided(.scoreAwaitingLabels,
                     "\(drifted); every one of the 300 labelled rows since champion v3 was already used by the last challenger "
                        + "trial (store version 9); retraining waits for new labelled rows",
                     skipped(.alreadyJudged, "no labelled rows since the last challenger trial", rows: 300))),
            ("rows newer than the last trial",
             facts(labelledBatch: false, labelled: enough, lastTrial: .trainedThrough(storeVersion: 8)), .planHeldOut),
            ("no trial since the champion", facts(labelledBatch: false, labelled: enough, lastTrial: RetrainPolicy.LastTrial.none), .planHeldOut),
            ("held-out rows that cannot judge",
             facts(labelled: enough, heldOut: heldOut(buyers: 2)),
             decided(.scoreAwaitingLabels,
                     "\(drifted); the held-out new rows cannot judge a challenger (roc_auc would be undefined or decided by a "
                        + "handful of rows): need \(needs); retraining waits for labelled rows of both classes",
                     skipped(.heldOutCannotJudge, "held-out rows cannot judge: need \(needs)", rows: 300))),
            ("held-out rows that can judge: train", facts(labelled: enough, heldOut: canJudge), .train),
            ("promoted",
             facts(labelled: enough, heldOut: canJudge, training: .judged(promoted: true, verdict: "VERDICT")),
             decided(.retrainPromoted, "\(drifted): challenger promoted — VERDICT")),
            ("kept out",
             facts(labelled: enough, heldOut: canJudge, training: .judged(promoted: false, verdict: "VERDICT")),
             decided(.retrainKept, "\(drifted): challenger kept out — VERDICT")),
            ("training failed",
             facts(labelled: enough, heldOut: canJudge, training: .failed("BOOM")),
             decided(.retrainFailed, "\(drifted): training a challenger on 300 new labelled rows failed: BOOM; the champion serves",
                     skipped(.trainingFailed, "training failed: BOOM", rows: 300))),
            ("unreadable validation figure on a labelled batch: said",
             facts(drift: false, realised: realised(triggered: false), validationUnknown: "WHY"),
             decided(.score, "no drift: RULE; the realised-performance trigger is off for champion v3: WHY")),
            ("…also when drift decides",
             facts(realised: realised(triggered: false), labelled: (10, 9), validationUnknown: "WHY"),
             decided(.scoreAwaitingLabels,
                     "\(drifted); retraining waits for labelled data (10 of 200 labelled rows); "
                        + "the realised-performance trigger is off for champion v3: WHY",
                     skipped(.notEnoughLabels, "not enough labelled rows", rows: 10))),
            ("…not without a margin", facts(drift: false, realised: realised(triggered: false, margin: nil), validationUnknown: "WHY"),
             decided(.score, "no drift: RULE")),
            ("…not on an unlabelled batch", facts(drift: false, validationUnknown: "WHY"), decided(.score, "no drift: RULE")),
        ]
    }()

    @Test(arguments: cases.indices)
    func theRule(_ index: Int) {
        let (name, facts, expected) = Self.cases[index]
        #expect(Self.policy.next(facts) == expected, "\(name)")
    }

    /// Gathering whatever the rule asks for always ends in a decision, each fact asked once.
    @Test(arguments: [true, false])
    func everyQuestionIsAskedOnce(labelledBatch: Bool) {
        var facts = Self.facts(labelledBatch: labelledBatch)
        var asked: [RetrainPolicy.Step] = []
        while asked.count < 10 {
            let step = Self.policy.next(facts)
            if case .decided(let outcome) = step {
                #expect(outcome.decision == .retrainPromoted)
                break
            }
            #expect(!asked.contains(step), "asked \(step) twice")
            asked.append(step)
            switch step {
            case .countLabelledRows: facts.labelled = .init(count: 300, newestVersion: 9)
            case .findLastTrial: facts.lastTrial = .trainedThrough(storeVersion: 8)
            case .planHeldOut: facts.heldOut = Self.heldOut(buyers: 10)
            case .train: facts.training = .judged(promoted: true, verdict: "VERDICT")
            case .decided: break
            }
        }
        let expected: [RetrainPolicy.Step] = labelledBatch
            ? [.countLabelledRows, .planHeldOut, .train] : [.countLabelledRows, .findLastTrial, .planHeldOut, .train]
        #expect(asked == expected)
    }
}
