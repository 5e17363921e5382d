import ShopperDrift
import ShopperML

/// The retrain rule, with no store and no training: from what is known about a batch the champion
/// scored (its drift report, the champion's realised performance on it, the labelled rows since the
/// champion, the last challenger trial, whether held-out rows can judge, how training went) to the
/// next step: a decision with its reason and what was skipped, or the one fact still missing.
///
/// Facts that cost something (store queries, a split, a training) are gathered only when the rule
/// asks for them (`BatchProcessor+Retrain`), in this order, each at most once:
/// 1. no trigger (no critical drift, no realised-performance drop): `score`;
/// 2. fewer labelled rows since the champion than `minLabelledRows`: `score-awaiting-labels`;
/// 3. an unlabelled batch whose labelled rows the last challenger trial already used (training is
///    seeded: the same rows would give the same verdict): `score-awaiting-labels`;
/// 4. held-out new rows that cannot judge a challenger (`EvidenceRule`): `score-awaiting-labels`;
/// 5. a challenger trained and judged: `retrain-promoted` or `retrain-kept`; training failed:
///    `retrain-failed`.
struct RetrainPolicy: Sendable, Equatable {
    /// `retrain.min-labelled-rows`.
    var minLabelledRows: Int
    /// The metric a challenger is judged on, named in the reasons.
    var promotionMetric: PromotionMetric

    init(minLabelledRows: Int, promotionMetric: PromotionMetric) {
        self.minLabelledRows = minLabelledRows
        self.promotionMetric = promotionMetric
    }

    init(settings: PipelineSettings) {
        self.init(minLabelledRows: settings.minLabelledRows, promotionMetric: settings.promotionMetric)
    }

    /// What is known so far. The optional facts start nil: the rule asks for each when it needs it.
    struct Facts: Sendable {
        var drift: DriftReport
        /// The champion's figures on the batch's labelled rows (nil: an unlabelled batch).
        var realised: BatchReport.RealisedPerformance?
        var championVersion: Int
        var batchIsLabelled: Bool
        /// Why the champion's validation ROC AUC is unknown although it should be known (its stored
        /// metrics cannot be read): the realised-performance trigger cannot fire, and the reason says so.
        var validationUnknown: String? = nil
        /// The challenger of a running rollout of this champion, if one runs.
        var rolloutChallenger: Int? = nil
        var labelled: LabelledRows? = nil
        var lastTrial: LastTrial? = nil
        /// `EvidenceRule.canJudge` on the held-out part of the new labelled rows.
        var heldOut: EvidenceVerdict? = nil
        var training: Training? = nil
    }

    /// The labelled rows since the champion's training window, the batch's own included.
    struct LabelledRows: Sendable, Equatable {
        var count: Int
        /// The newest store version among them (the batch counts as the next one); nil when none.
        var newestVersion: Int?
    }

    /// The newest challenger trained since the champion took office.
    enum LastTrial: Sendable, Equatable {
        case none
        /// It trained on the store's rows through this version.
        case trainedThrough(storeVersion: Int)
    }

    /// How the challenger's training ended (a stop is not an ending: it propagates).
    enum Training: Sendable, Equatable {
        case judged(promoted: Bool, verdict: String)
        case failed(String)
    }

    /// The next step: a decision, or the fact to gather before asking again.
    enum Step: Sendable, Equatable {
        case decided(Outcome)
        case countLabelledRows
        case findLastTrial
        case planHeldOut
        case train
    }

    /// The decision for the batch, the one-line reason, and why a trigger gave no judged challenger.
    struct Outcome: Sendable, Equatable {
        var decision: BatchDecision
        var reason: String
        var skipped: RetrainSkipped? = nil
    }

    func next(_ facts: Facts) -> Step {
        let step = rule(facts)
        guard case .decided(var outcome) = step else { return step }
        if let note = realisedTriggerOff(facts) { outcome.reason += "; " + note }
        return .decided(outcome)
    }

    /// What fires a retrain, in words; nil when nothing does.
    static func trigger(drift: DriftReport, realised: BatchReport.RealisedPerformance?) -> String? {
        if drift.criticalDrift { return "drift in \(drift.drivers.map(\.name).joined(separator: ", "))" }
        if realised?.triggered == true { return "realised ROC AUC fell more than the margin below the champion's validation figure" }
        return nil
    }

    // MARK: - The rule

    private func rule(_ facts: Facts) -> Step {
        guard let why = Self.trigger(drift: facts.drift, realised: facts.realised) else {
            return .decided(Outcome(decision: .score, reason: "no drift: \(facts.drift.rule)"))
        }
        guard let labelled = facts.labelled else { return .countLabelledRows }
        let required = minLabelledRows
        func skip(_ cause: RetrainSkipped.Cause, _ short: String, _ reason: String) -> Step {
            .decided(Outcome(decision: .scoreAwaitingLabels, reason: reason, skipped: RetrainSkipped(
                cause: cause, reason: short, labelledRows: labelled.count, requiredRows: required)))
        }
        if let challenger = facts.rolloutChallenger {
            return .decided(Outcome(decision: .score, reason: "\(why); a rollout of challenger v\(challenger) is running: "
                                        + "retraining waits for its verdict (`shopperd rollout status`)",
                                    skipped: RetrainSkipped(cause: .rolloutRunning, reason: "a rollout of v\(challenger) is running",
                                                            labelledRows: labelled.count, requiredRows: required)))
        }
        guard labelled.count >= required else {
            return skip(.notEnoughLabels, "not enough labelled rows",
                        "\(why); retraining waits for labelled data (\(labelled.count) of \(required) labelled rows)")
        }
        if !facts.batchIsLabelled {
            guard let lastTrial = facts.lastTrial else { return .findLastTrial }
            if let judged = alreadyJudged(labelled, by: lastTrial) {
                return skip(.alreadyJudged, "no labelled rows since the last challenger trial",
                            "\(why); every one of the \(labelled.count) labelled rows since champion v\(facts.championVersion) was "
                                + "already used by the last challenger trial (store version \(judged)); retraining waits for new labelled rows")
            }
        }
        guard let heldOut = facts.heldOut else { return .planHeldOut }
        guard heldOut.sufficient else {
            let needs = heldOut.needs.joined(separator: ", ")
            return skip(.heldOutCannotJudge, "held-out rows cannot judge: need \(needs)",
                        "\(why); the held-out new rows cannot judge a challenger (\(promotionMetric.rawValue) would be "
                            + "undefined or decided by a handful of rows): need \(needs); retraining waits for labelled rows of both classes")
        }
        switch facts.training {
        case nil:
            return .train
        case .judged(let promoted, let verdict)?:
            return .decided(Outcome(decision: promoted ? .retrainPromoted : .retrainKept,
                                    reason: "\(why): challenger \(promoted ? "promoted" : "kept out") — \(verdict)"))
        case .failed(let error)?:
            return .decided(Outcome(
                decision: .retrainFailed,
                reason: "\(why): training a challenger on \(labelled.count) new labelled rows failed: \(error); the champion serves",
                skipped: RetrainSkipped(cause: .trainingFailed, reason: "training failed: \(error)",
                                        labelledRows: labelled.count, requiredRows: required)))
        }
    }

    /// The store version of the last trial when it already used every one of these rows (a
    /// challenger trained since this champion took office: a rollback or a manual promotion starts
    /// afresh), else nil.
    private func alreadyJudged(_ labelled: LabelledRows, by lastTrial: LastTrial) -> Int? {
        guard case .trainedThrough(let judged) = lastTrial else { return nil }
        return (labelled.newestVersion ?? judged) <= judged ? judged : nil
    }

    /// The note for a batch whose realised performance was measured against a margin but cannot be
    /// compared: the champion's validation figure is unreadable.
    private func realisedTriggerOff(_ facts: Facts) -> String? {
        guard let problem = facts.validationUnknown, let realised = facts.realised, realised.margin != nil else { return nil }
        return "the realised-performance trigger is off for champion v\(facts.championVersion): \(problem)"
    }
}

/// Why a trigger did not lead to a judged challenger.
package struct RetrainSkipped: Sendable, Equatable {
    package enum Cause: String, Sendable, Equatable {
        /// Fewer labelled rows since the champion than `retrain.min-labelled-rows`.
        case notEnoughLabels = "not-enough-labels"
        /// The last challenger trial already used every one of them.
        case alreadyJudged = "already-judged"
        /// The held-out new rows have too few of a class to judge (`EvidenceRule`).
        case heldOutCannotJudge = "held-out-cannot-judge"
        /// Training ran and failed.
        case trainingFailed = "training-failed"
        /// A rollout of the champion is running: its challenger, trained on newer data, is being
        /// judged on the outcomes; retraining waits for its verdict.
        case rolloutRunning = "rollout-running"
    }

    package var cause: Cause
    package var reason: String
    package var labelledRows: Int
    package var requiredRows: Int

    package init(cause: Cause, reason: String, labelledRows: Int, requiredRows: Int) {
        self.cause = cause
        self.reason = reason
        self.labelledRows = labelledRows
        self.requiredRows = requiredRows
    }
}
