import Foundation
import ShopperCore
import ShopperDrift
import ShopperML
import ShopperStore

/// What the retrain step decided for a batch that triggered one (drift, or the realised-performance
/// drop).
struct RetrainDecision: Sendable {
    var decision: BatchDecision
    var reason: String
    var trial: ChallengerTrial?
    var skipped: RetrainSkipped?
}

extension BatchProcessor {
    /// Drift or the realised-performance trigger fired: trains and judges a challenger when the
    /// labelled rows since the champion allow it, and says why not otherwise. Each way out has its
    /// own decision and reason: too few labelled rows (`score-awaiting-labels`), rows the last trial
    /// already used, held-out rows that cannot judge (`EvidenceRule`), a training failure
    /// (`retrain-failed`). A cancelled training (`ForestError.cancelled`: the daemon is stopping)
    /// is none of these: it propagates and nothing is committed.
    func retrain(
        why: String, champion: Champion, batch: ParsedBatch, baseVersion: Int
    ) async throws -> RetrainDecision {
        let stored = baseVersion > champion.trainingStoreVersion
            ? try store.labelledSessions(fromVersion: champion.trainingStoreVersion + 1, throughVersion: baseVersion) : []
        let newLabelled = stored.filter { $0.session.revenue != nil }.map { VersionedSession(version: $0.version, session: $0.session) }
            + batch.sessions.filter { $0.revenue != nil }.map { VersionedSession(version: baseVersion + 1, session: $0) }
        let required = settings.minLabelledRows
        guard newLabelled.count >= required else {
            return RetrainDecision(
                decision: .scoreAwaitingLabels,
                reason: "\(why); retraining waits for labelled data (\(newLabelled.count) of \(required) labelled rows)",
                skipped: RetrainSkipped(cause: .notEnoughLabels, reason: "not enough labelled rows",
                                        labelledRows: newLabelled.count, requiredRows: required))
        }
        if !batch.isLabelled, let judged = try store.newestTrialTrainingVersion(sinceChampion: champion.version),
           newLabelled.allSatisfy({ $0.version <= judged }) {
            // A challenger trained since this champion took office (a rollback or a manual
            // promotion starts afresh) already used every one of these labelled rows and was kept
            // out. Training is seeded: the same rows would give the same challenger and the same
            // verdict. A batch without labels waits for new ones.
            return RetrainDecision(
                decision: .scoreAwaitingLabels,
                reason: "\(why); every one of the \(newLabelled.count) labelled rows since champion v\(champion.version) was already used by the last challenger trial (store version \(judged)); retraining waits for new labelled rows",
                skipped: RetrainSkipped(cause: .alreadyJudged, reason: "no labelled rows since the last challenger trial",
                                        labelledRows: newLabelled.count, requiredRows: required))
        }
        let plan = try ChallengerTrial.plan(champion: champion, newLabelled: newLabelled, settings: settings)
        guard plan.verdict.sufficient else {
            let needs = plan.verdict.needs.joined(separator: ", ")
            return RetrainDecision(
                decision: .scoreAwaitingLabels,
                reason: "\(why); the held-out new rows cannot judge a challenger (\(settings.promotionMetric.rawValue) would be "
                    + "undefined or decided by a handful of rows): need \(needs); retraining waits for labelled rows of both classes",
                skipped: RetrainSkipped(cause: .heldOutCannotJudge, reason: "held-out rows cannot judge: need \(needs)",
                                        labelledRows: newLabelled.count, requiredRows: required))
        }
        do {
            let trial = try await ChallengerTrial.run(champion: champion, plan: plan, settings: settings, storeVersion: baseVersion + 1)
            return RetrainDecision(
                decision: trial.promoted ? .retrainPromoted : .retrainKept,
                reason: "\(why): challenger \(trial.promoted ? "promoted" : "kept out") — \(trial.verdict)", trial: trial)
        } catch let error as ForestError where error != .cancelled {
            return RetrainDecision(
                decision: .retrainFailed,
                reason: "\(why): training a challenger on \(newLabelled.count) new labelled rows failed: \(error); the champion serves",
                skipped: RetrainSkipped(cause: .trainingFailed, reason: "training failed: \(error)",
                                        labelledRows: newLabelled.count, requiredRows: required))
        }
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
