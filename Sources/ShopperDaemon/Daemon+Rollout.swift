import Foundation
import ShopperPipeline
import ShopperStore

/// The daemon's side of rollouts: outcomes also arrive between batches (the live endpoint's
/// feedback calls write them to the store), so the running rollout is looked at on a timer too.
/// A look that finds nothing new does nothing; one that ends the rollout logs `rollout-ended` and
/// moves the champion in the same transaction.
extension Daemon {
    static func watchRollouts(store: ShopperStore, every interval: Duration, context: ServiceContext, monitor: HealthMonitor) async {
        let judge = RolloutJudge(store: store)
        while !Task.isCancelled {
            do {
                if let step = try judge.look() { await report(step, context: context, monitor: monitor) }
            } catch {
                context.log(.errorRetrying(batch: nil, error: "rollout look: \(error)", attempt: 1, retryIn: interval))
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// A look in the journal; a promotion also in the health monitor's STATUS (a batch's look and
    /// the timer's alike).
    static func report(_ step: RolloutStep, context: ServiceContext, monitor: HealthMonitor) async {
        context.log(.rollout(RolloutJournalEntry(step)))
        if step.ended, step.rollout.state == .promoted {
            await monitor.championChanged(to: "v\(step.rollout.challengerVersion)")
        }
    }
}
