/// What the pipeline decided for one batch; the journal's `DECISION=` field.
///
/// The raw values are part of the operator interface (`journalctl DECISION=retrain-promoted`):
/// never rename one.
public enum BatchDecision: String, CaseIterable, Sendable, Codable {
    /// No drift: scored with the champion.
    case score
    /// Drift, but not enough labelled rows to retrain: scored with the champion, retraining waits.
    case scoreAwaitingLabels = "score-awaiting-labels"
    /// Drift with labels: a challenger was trained and promoted.
    case retrainPromoted = "retrain-promoted"
    /// Drift with labels: a challenger was trained but did worse; the champion stays.
    case retrainKept = "retrain-kept"
    /// No champion yet: the first one was trained from this labelled batch (and the labelled rows
    /// stored before it), then it scored the batch.
    case bootstrapTrained = "bootstrap-trained"
    /// No champion yet and no labels to train one: the batch waits.
    case waitForChampion = "wait-for-champion"
    /// The batch is invalid: `NAME.rejected.json` written, the original quarantined.
    case reject
    /// The batch's content was already ingested from another file: `NAME.rejected.json` says
    /// which version; nothing is stored twice.
    case duplicate
}
