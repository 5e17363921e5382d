import Foundation
import ShopperCore
import ShopperML
import ShopperStore

/// One look of the running rollout's sequential test, and what it did.
package struct RolloutStep: Sendable {
    /// The rollout after the look (its state is final when the look ended it).
    package var rollout: RolloutRecord
    package var look: SequentialLook
    /// The joined outcomes and predictions the look saw.
    package var outcomes: Int
    package var predictions: Int
    /// Whether the look ended the rollout (`rollout.state` says how).
    package var ended: Bool
    /// One line: the running estimate, its bound and what follows.
    package var summary: String
}

/// Looks at the running rollout's joined outcomes with the sequential test (`SequentialAUCTest`,
/// valid when looked at after every outcome) and acts: promotes the challenger when it is better,
/// ends the rollout when it is worse (an A/B rollout is rolled back: every row goes to the
/// champion again), times out at the rollout's outcome or time limit with the champion kept, and
/// ends it as superseded when the champion was changed by someone else meanwhile.
///
/// Stateless and idempotent: each look recomputes the test on every joined outcome, and the end
/// is one transaction guarded by the rollout still running, so the daemon may look after every
/// batch and on a timer, and a crash between looks loses nothing.
package struct RolloutJudge: Sendable {
    package let store: ShopperStore

    package init(store: ShopperStore) {
        self.store = store
    }

    /// Looks at the running rollout in a transaction of its own (the daemon's timer after
    /// outcomes arrived over HTTP). nil when none runs, or when nothing changed since the last
    /// look (no new outcome, no limit reached) and `force` is false.
    package func look(now: Date = Date(), force: Bool = false) throws -> RolloutStep? {
        // A read first: with no rollout running (the usual case) the timer takes no write lock.
        guard try store.runningRollout() != nil else { return nil }
        let step = try store.transaction { tx in try Self.look(in: tx, now: now, force: force) }
        guard var step else { return nil }
        step.rollout = try store.rollout(id: step.rollout.id) ?? step.rollout
        return step
    }

    /// Looks at the running rollout inside `tx` (a batch's commit: the outcomes it joined and the
    /// look they lead to are one transaction).
    package static func look(in tx: StoreTransaction, now: Date = Date(), force: Bool = false) throws -> RolloutStep? {
        guard let rollout = try tx.runningRollout() else { return nil }
        let previous = rollout.lastLook.flatMap { try? JSONPolicy.decode(SequentialLook.self, from: $0) }
        let champion = try tx.aliases()[.champion]
        // Nothing new since the last look (the same outcomes give the same verdict), the champion
        // unchanged, no limit reached: one COUNT, not every outcome read and the test run again.
        if !force, let previous, champion == rollout.championVersion, now < rollout.deadline,
           try tx.rolloutOutcomeCount(id: rollout.id) == previous.outcomes, previous.outcomes < rollout.maxOutcomes {
            return nil
        }
        let settings = (try? JSONPolicy.decode(SequentialSettings.self, from: rollout.settings)) ?? .standard
        let outcomes = try tx.rolloutOutcomes(id: rollout.id)
        let look = SequentialAUCTest.look(labels: outcomes.labels, champion: outcomes.champion, challenger: outcomes.challenger,
                                          settings: settings)

        let state: RolloutState?
        let verdict: String
        if champion != rollout.championVersion {
            state = .superseded
            verdict = "the champion changed to \(champion.map { "v\($0)" } ?? "none") outside the rollout; v\(rollout.challengerVersion) was not judged"
        } else if look.verdict == .better {
            state = .promoted
            verdict = "challenger v\(rollout.challengerVersion) is better: " + estimate(look)
        } else if look.verdict == .worse {
            state = .rejected
            verdict = "challenger v\(rollout.challengerVersion) is worse: " + estimate(look)
                + (rollout.mode == .ab ? "; rolled back: the champion answers every row again" : "")
        } else if look.outcomes >= rollout.maxOutcomes {
            state = .timedOut
            verdict = "no verdict after \(look.outcomes) outcomes (limit \(rollout.maxOutcomes)): the champion stays; " + estimate(look)
        } else if now >= rollout.deadline {
            state = .timedOut
            verdict = "no verdict by the deadline (\(ReportJSON.timestamp(rollout.deadline))): the champion stays; " + estimate(look)
        } else {
            state = nil
            verdict = "undecided: " + estimate(look)
        }
        let encoded = try JSONPolicy.encode(look)
        let ended: Bool
        if let state {
            ended = try RolloutControl.end(rollout, state: state, verdict: verdict, look: encoded, at: now, in: tx)
        } else {
            try tx.recordLook(rolloutID: rollout.id, look: encoded)
            ended = false
        }
        let after = try tx.rollout(id: rollout.id) ?? rollout
        return RolloutStep(rollout: after, look: look, outcomes: outcomes.labels.count, predictions: outcomes.predictions,
                           ended: ended, summary: "rollout \(rollout.id) (\(rollout.mode.rawValue), v\(rollout.challengerVersion) vs "
                               + "v\(rollout.championVersion)): \(verdict)")
    }

    /// "ROC AUC 0.8470 vs 0.8060 on 412 outcomes (97 buyers), difference +0.0410, always-valid 95 % bounds +0.0120 … +0.0700".
    package static func estimate(_ look: SequentialLook) -> String {
        guard look.verdict != .tooFewOutcomes, let champion = look.championAUC, let challenger = look.challengerAUC,
              let difference = look.difference, let lower = look.lower, let upper = look.upper else {
            return "\(look.outcomes) outcomes (\(look.positives) buyers): too few to judge yet"
        }
        let level = Int((1 - look.alpha) * 100)
        return String(format: "ROC AUC %.4f vs champion %.4f on %d outcomes (%d buyers), difference %+.4f, always-valid %d %% bounds %+.4f … %+.4f",
                      challenger, champion, look.outcomes, look.positives, difference, level, lower, upper)
    }
}
