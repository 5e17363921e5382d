/// What the pipeline decided for one batch; the journal's `DECISION=` field.
///
/// The raw values are part of the operator interface (`journalctl DECISION=retrain-promoted`):
/// never rename one.
package enum BatchDecision: String, CaseIterable, Sendable, Codable {
    /// No drift: scored with the champion.
    case score
    /// Drift, but not enough labelled rows to retrain: scored with the champion, retraining waits.
    case scoreAwaitingLabels = "score-awaiting-labels"
    /// Drift with labels: a challenger was trained and promoted.
    case retrainPromoted = "retrain-promoted"
    /// Drift with labels: a challenger was trained and passed the paired test, and a shadow rollout
    /// of it started (`retrain.after=shadow`): the champion keeps serving until the rollout's
    /// sequential test decides.
    case retrainRollout = "retrain-rollout"
    /// Drift with labels: a challenger was trained but did worse; the champion stays.
    case retrainKept = "retrain-kept"
    /// No champion yet: the first one was trained from this labelled batch (and the labelled rows
    /// stored before it), then it scored the batch.
    case bootstrapTrained = "bootstrap-trained"
    /// No champion yet, and the store's labelled rows (this batch's included) are not enough
    /// evidence to train one that may serve: the labelled batch is stored (outcome `stored`, a
    /// report saying what the first champion waits for, no predictions).
    case waitForChampion = "wait-for-champion"
    /// Drift (or the realised-performance trigger) with enough labelled rows, but training the
    /// challenger failed: scored with the champion; the reason says why.
    case retrainFailed = "retrain-failed"
    /// The batch is invalid: `NAME.rejected.json` written, the original quarantined.
    case reject
    /// The batch's content was already ingested from another file: `NAME.rejected.json` says
    /// which version; nothing is stored twice.
    case duplicate
}
