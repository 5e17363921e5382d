import Foundation
import ShopperCore
import ShopperDrift
import ShopperML
import ShopperStore

/// What the retrain step decided for a batch the champion scored, with the challenger trial when
/// one ran.
struct RetrainDecision: Sendable {
    var outcome: RetrainPolicy.Outcome
    var trial: ChallengerTrial?
    /// Whether drift or the realised-performance drop called for retraining.
    var triggered: Bool
}

extension BatchProcessor {
    /// Runs the retrain rule (`RetrainPolicy`) on a batch the champion scored: gathers each fact
    /// the rule asks for — the labelled rows since the champion, the last challenger trial, the
    /// held-out split, a trained and judged challenger — until it decides. A cancelled training
    /// (`ForestError.cancelled`: the daemon is stopping) is no decision: it propagates and nothing
    /// is committed. `rollout` is the running rollout of this champion, if any: retraining waits for it.
    func decideRetrain(
        drift: DriftReport, realised: BatchReport.RealisedPerformance?, champion: Champion, batch: ParsedBatch, baseVersion: Int,
        rollout: RolloutRecord?
    ) async throws -> RetrainDecision {
        let policy = RetrainPolicy(settings: settings)
        var facts = RetrainPolicy.Facts(
            drift: drift, realised: realised, championVersion: champion.version, batchIsLabelled: batch.isLabelled,
            validationUnknown: champion.validationUnknown)
        facts.rolloutChallenger = rollout?.challengerVersion
        var newLabelled: [VersionedSession] = []
        var plan: ChallengerTrial.Plan?
        var trial: ChallengerTrial?
        while true {
            switch policy.next(facts) {
            case .decided(let outcome):
                let triggered = RetrainPolicy.trigger(drift: drift, realised: realised) != nil
                return RetrainDecision(outcome: outcome, trial: trial, triggered: triggered)
            case .countLabelledRows:
                newLabelled = try labelledRows(since: champion, batch: batch, baseVersion: baseVersion)
                facts.labelled = .init(count: newLabelled.count, newestVersion: newLabelled.map(\.version).max())
            case .findLastTrial:
                facts.lastTrial = try store.newestTrialTrainingVersion(sinceChampion: champion.version)
                    .map { .trainedThrough(storeVersion: $0) } ?? RetrainPolicy.LastTrial.none
            case .planHeldOut:
                let planned = try ChallengerTrial.plan(champion: champion, newLabelled: newLabelled, settings: settings)
                plan = planned
                facts.heldOut = planned.verdict
            case .train:
                guard let plan else { throw PipelineError.model("internal: the retrain rule asked to train before the held-out split") }
                do {
                    let judged = try await ChallengerTrial.run(
                        champion: champion, plan: plan, settings: settings, storeVersion: baseVersion + 1, yield: trainingYield)
                    trial = judged
                    facts.training = .judged(promoted: judged.promoted, verdict: judged.verdict)
                } catch let error as ForestError where error != .cancelled {
                    facts.training = .failed(String(describing: error))
                }
            }
        }
    }

    /// The labelled rows stored after the champion's training window, then the batch's own (as the
    /// next store version).
    private func labelledRows(since champion: Champion, batch: ParsedBatch, baseVersion: Int) throws -> [VersionedSession] {
        let stored = baseVersion > champion.trainingStoreVersion
            ? try store.labelledSessions(fromVersion: champion.trainingStoreVersion + 1, throughVersion: baseVersion) : []
        return stored.filter { $0.session.revenue != nil }.map { VersionedSession(version: $0.version, session: $0.session) }
            + batch.sessions.filter { $0.revenue != nil }.map { VersionedSession(version: baseVersion + 1, session: $0) }
    }
}
