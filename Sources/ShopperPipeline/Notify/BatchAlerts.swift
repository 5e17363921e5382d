import ShopperDrift
import ShopperStore

/// Why a batch's outcome is worth an administrator's attention: the alerts of its notification
/// event (`notification_events.alerts`). A channel set to "alerts" hears only of events with at
/// least one; a batch scored without drift has none.
package enum BatchAlert: String, Sendable, CaseIterable, Codable {
    /// At least one feature drifted (after the multiple-testing correction and the effect floor).
    case drift
    /// A model was promoted to champion (a challenger, or the first champion).
    case promotion
    /// A rollout started (a retrain under `retrain.after=shadow`) or ended with this batch's outcomes.
    case rollout
    /// A challenger was trained and kept out: the champion stays.
    case retrainKept = "retrain-kept"
    /// A retrain was called for and did not happen (too few labels, no evidence).
    case retrainSkipped = "retrain-skipped"
    /// Training the challenger failed.
    case retrainFailed = "retrain-failed"
    /// The input was refused.
    case rejection
    /// The input's content was already stored from another file.
    case duplicate

    /// The alerts of a batch with this decision, drift report and skipped retrain.
    package static func of(decision: BatchDecision, drift: DriftReport?, retrainSkipped: Bool) -> [BatchAlert] {
        var alerts: [BatchAlert] = []
        if drift?.criticalDrift == true { alerts.append(.drift) }
        switch decision {
        case .retrainPromoted, .bootstrapTrained: alerts.append(.promotion)
        case .retrainRollout: alerts.append(.rollout)
        case .retrainKept: alerts.append(.retrainKept)
        case .retrainFailed: alerts.append(.retrainFailed)
        case .reject: alerts.append(.rejection)
        case .duplicate: alerts.append(.duplicate)
        case .score, .scoreAwaitingLabels, .waitForChampion: break
        }
        if retrainSkipped { alerts.append(.retrainSkipped) }
        return alerts
    }

    /// The notification event recorded with a batch's job.
    package static func event(jobID: String, decision: BatchDecision, drift: DriftReport?, retrainSkipped: Bool,
                              rolloutEnded: RolloutState? = nil) -> NotificationEventDraft {
        let kind: NotificationKind = switch decision {
        case .reject: .rejected
        case .duplicate: .duplicate
        default: .batch
        }
        return NotificationEventDraft(
            kind: kind, jobID: jobID,
            alerts: (of(decision: decision, drift: drift, retrainSkipped: retrainSkipped)
                + (rolloutEnded == nil ? [] : rolloutEnded == .promoted ? [.rollout, .promotion] : [.rollout])).map(\.rawValue))
    }
}
