import Foundation
import ShopperCore
import ShopperML
import ShopperStore

/// Starting and ending rollouts: the one place that pairs a rollout with the `challenger` alias
/// (set while it runs, removed when it ends) and writes both in one transaction. Used by
/// `shopperd rollout start|stop`, by a retrain under `retrain.after=shadow`, and by `RolloutJudge`.
package enum RolloutControl {
    /// Starts a rollout of `challenger` against the current champion, in `tx`.
    @discardableResult
    package static func start(
        challenger: Int, mode: RolloutMode, share: Double?, settings: RolloutSettings, reason: String, at date: Date = Date(),
        in tx: StoreTransaction
    ) throws -> RolloutRecord {
        guard let champion = try tx.aliases()[.champion] else { throw StoreError.aliasNotSet(.champion) }
        guard challenger != champion else {
            throw PipelineError.model("model v\(challenger) is the champion: a rollout needs another model (see `shopperd models list`)")
        }
        let share: Double = mode == .shadow ? 0 : (share ?? settings.abShare)
        guard share >= 0, share <= 1 else { throw PipelineError.model("the A/B share must be between 0 and 1, not \(share)") }
        let record = try tx.startRollout(RolloutDraft(
            mode: mode, share: share, championVersion: champion, challengerVersion: challenger, startedAt: date,
            deadline: date.addingTimeInterval(settings.maxDays * 86_400), maxOutcomes: settings.maxOutcomes,
            settings: try JSONPolicy.encode(settings.test), reason: reason))
        if try tx.aliases()[.challenger] != challenger {
            try tx.promote(version: challenger, to: .challenger, reason: "rollout \(record.id) (\(mode.rawValue)) started: \(reason)", at: date)
        }
        return record
    }

    /// Ends the running rollout `id` in `tx` (nothing when it already ended), removing the
    /// challenger alias if it still names the rollout's challenger; promotes the challenger first
    /// when `state` is `.promoted`. Returns whether it was running.
    @discardableResult
    package static func end(
        _ rollout: RolloutRecord, state: RolloutState, verdict: String, look: Data?, at date: Date = Date(), in tx: StoreTransaction
    ) throws -> Bool {
        guard try tx.endRollout(id: rollout.id, state: state, verdict: verdict, look: look, at: date) else { return false }
        if state == .promoted {
            let change = try tx.promote(version: rollout.challengerVersion, to: .champion,
                                        reason: "rollout \(rollout.id): \(verdict)", at: date)
            try tx.recordModelChange(change)
        }
        if try tx.aliases()[.challenger] == rollout.challengerVersion {
            try tx.removeAlias(.challenger, reason: "rollout \(rollout.id) \(state.rawValue): \(verdict)", at: date)
        }
        return true
    }

    /// Stops the running rollout (an operator's `shopperd rollout stop`): the champion stays.
    package static func stop(store: ShopperStore, reason: String, at date: Date = Date()) throws -> RolloutRecord? {
        try store.transaction { tx -> RolloutRecord? in
            guard let running = try tx.runningRollout() else { return nil }
            try end(running, state: .stopped, verdict: "stopped by the operator: \(reason)", look: nil, at: date, in: tx)
            return running
        }.flatMap { try store.rollout(id: $0.id) }
    }
}
