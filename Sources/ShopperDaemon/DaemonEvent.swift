import ShopperCore
import ShopperInbox
import ShopperPipeline
/// Something the daemon did that an operator may want to read, filter or alert on.
///
/// Each case carries typed values; ``EventLog`` turns them into journal fields with a fixed
/// `MESSAGE_ID` per ``DaemonEventKind``, so `journalctl MESSAGE_ID=… DECISION=…` works without
/// parsing prose. Field names are part of the operator interface: see docs/systemd.md.
package enum DaemonEvent: Equatable, Sendable {
    /// Start-up finished: the inbox is watched and the service is ready.
    case serviceStarted(version: String, inbox: String, outbox: String, watchdogTimeout: Duration?)
    /// Shutdown began (`reason`: the signal or cause), possibly with a batch still in flight.
    case serviceStopping(reason: String, batchInFlight: InboxFileName?)
    /// The daemon is exiting with a failure; systemd's `Restart=on-failure` will start it again.
    case serviceFailed(error: String)
    /// The daemon refused to start (a configuration error: exit 78): restarting cannot help until
    /// the operator fixes what `error` names, so the unit does not restart it.
    case serviceStartRefused(error: String, exitStatus: Int32)
    /// `SIGHUP`: the configuration was read again and applied.
    case configReloaded(summary: String)
    /// `SIGHUP`: the new configuration was refused; the previous one stays in force.
    case configReloadFailed(error: String)
    /// A batch was scored and its predictions written. `pairedTest` is the trial's paired test when
    /// a challenger was judged and kept out (`retrain-kept`).
    case batchScored(batch: InboxFileName, rows: Int, modelVersion: String, drift: Bool,
                     decision: BatchDecision, duration: Duration, pairedTest: PairedComparison? = nil)
    /// A batch's features drifted from the champion's reference data.
    case driftDetected(batch: InboxFileName, rows: Int, driftedFeatures: [String], featuresTested: Int,
                       decision: BatchDecision, modelVersion: String)
    /// A challenger passed the paired test on held-out rows (`pairedTest`: not significantly worse)
    /// and now serves. `decision` is `retrain-promoted`, or `bootstrap-trained` for a first champion.
    case modelPromoted(batch: InboxFileName?, previousVersion: String?, modelVersion: String, metric: String,
                       championScore: Double?, challengerScore: Double?, duration: Duration,
                       decision: BatchDecision = .retrainPromoted, pairedTest: PairedComparison? = nil)
    /// A batch was invalid: rejected with its errors, the original quarantined.
    /// `decision` is `reject` or `duplicate` (the same content already stored): both end in quarantine.
    case batchRejected(batch: InboxFileName, reason: String, errorCount: Int, decision: BatchDecision = .reject)
    /// Under `on-invalid = quarantine-rows`, an accepted batch had invalid rows, set aside:
    /// `listed` holds the issues of the first `QuarantineListing.journalRowLimit` of them.
    case rowsQuarantined(batch: InboxFileName, keptRows: Int, quarantinedRows: Int, listed: [ValidationIssue], issueCount: Int)
    /// A trigger called for retraining but no challenger was judged: too few labelled rows, rows
    /// already judged, held-out rows that cannot judge, or training failed (`cause`).
    case retrainSkipped(batch: InboxFileName, reason: String, labelledRows: Int, requiredRows: Int,
                        cause: RetrainSkipped.Cause = .notEnoughLabels)
    /// No champion yet and the store's labelled rows are not enough evidence for one: the labelled
    /// batch (nil: the `--bootstrap` file) was stored as data; `reason` says what is missing.
    case firstChampionWaiting(batch: InboxFileName?, reason: String)
    /// A transient failure (disk full, store busy): the batch stays pending and is retried.
    case errorRetrying(batch: InboxFileName?, error: String, attempt: Int, retryIn: Duration)
    /// A batch has run past the stuck limit: watchdog pings stop so systemd restarts the daemon.
    case batchStuck(batch: InboxFileName, running: Duration, limit: Duration)
    /// The operator's `--on-event` program failed, timed out or could not start.
    case hookFailed(event: String, program: String, outcome: String, report: String)
    /// The MLflow mirror cannot reach its server (or is refused) while entities are pending.
    case mlflowBehind(pending: Int, error: String, message: String)
    /// Everything pending has reached the MLflow server again.
    case mlflowCaughtUp(mirrored: Int, target: String, message: String)
    /// The inotify queue overflowed (`IN_Q_OVERFLOW`): events were dropped, so the inbox was
    /// listed again; `claimed` files were found and claimed.
    case inboxOverflow(claimed: Int)
    /// The daemon is stopping and leaves the batch claimed for the next start (never "retrying":
    /// this process will not): a stop cancelled it before its outcome was committed, nothing kept,
    /// or it failed while stopping (`reason`).
    case batchLeftPending(batch: InboxFileName, reason: String)
    /// A notification was handed to the mail system or accepted by a webhook (`eventIDs`: one
    /// event, or the events a digest carried).
    case notificationSent(channel: String, eventIDs: [Int64], kind: String)
    /// A notification could not be delivered: retried in `retryIn`, or given up (`retryIn` nil;
    /// `shopperd notify retry` puts it back in the queue).
    case notificationFailed(channel: String, eventID: Int64?, attempt: Int, error: String, retryIn: Duration?)
    /// The running rollout's sequential test looked at new outcomes (`rollout-look`) or ended it
    /// (`rollout-ended`: promoted, rejected, timed out, stopped or superseded).
    case rollout(RolloutJournalEntry)

    /// The event's type, which fixes its `MESSAGE_ID` and priority.
    package var kind: DaemonEventKind {
        switch self {
        case .serviceStarted: .serviceStarted
        case .serviceStopping: .serviceStopping
        case .serviceFailed: .serviceFailed
        case .serviceStartRefused: .serviceStartRefused
        case .configReloaded: .configReloaded
        case .configReloadFailed: .configReloadFailed
        case .batchScored: .batchScored
        case .driftDetected: .driftDetected
        case .modelPromoted: .modelPromoted
        case .batchRejected: .batchRejected
        case .rowsQuarantined: .rowsQuarantined
        case .retrainSkipped: .retrainSkipped
        case .firstChampionWaiting: .firstChampionWaiting
        case .errorRetrying: .errorRetrying
        case .batchStuck: .batchStuck
        case .hookFailed: .hookFailed
        case .mlflowBehind: .mlflowBehind
        case .mlflowCaughtUp: .mlflowCaughtUp
        case .inboxOverflow: .inboxOverflow
        case .batchLeftPending: .batchLeftPending
        case .notificationSent: .notificationSent
        case .notificationFailed: .notificationFailed
        case .rollout(let entry): entry.ended ? .rolloutEnded : .rolloutLook
        }
    }

    /// The human-readable `MESSAGE=`: one line, saying what happened and what follows.
    package var message: String {
        switch self {
        case let .serviceStarted(version, inbox, outbox, watchdog):
            let dog = watchdog.map { "watchdog \(Self.milliseconds($0)) ms" } ?? "no watchdog"
            return "shopperd \(version) started: watching \(inbox), writing to \(outbox), \(dog)"
        case let .serviceStopping(reason, batch):
            let inFlight = batch.map { ", finishing or abandoning batch \($0)" } ?? ""
            return "shopperd stopping (\(reason))\(inFlight)"
        case let .serviceFailed(error):
            return "shopperd failed: \(error)"
        case let .serviceStartRefused(error, status):
            return "shopperd refused to start (exit status \(status)): \(error)"
        case let .configReloaded(summary):
            return "configuration reloaded: \(summary)"
        case let .configReloadFailed(error):
            return "configuration reload refused, previous configuration kept: \(error)"
        case let .batchScored(batch, rows, model, drift, _, duration, paired?):
            return "batch \(batch) scored: \(rows) rows with model \(model)\(drift ? " despite drift" : "") in \(Self.milliseconds(duration)) ms; "
                + "challenger kept out: \(paired.metric.rawValue) \(paired.summary)"
        case let .batchScored(batch, rows, model, drift, _, duration, nil):
            return "batch \(batch) scored: \(rows) rows with model \(model)\(drift ? " despite drift" : "") in \(Self.milliseconds(duration)) ms"
        case let .driftDetected(batch, _, features, tested, decision, model):
            return "drift in batch \(batch): \(features.count) of \(tested) features drifted (\(features.joined(separator: ", "))); "
                + "model \(model); decision \(decision.rawValue)"
        case let .modelPromoted(_, previous, model, _, _, _, _, _, paired?):
            return "model \(model) promoted\(previous.map { " over \($0)" } ?? ""): \(paired.metric.rawValue) \(paired.summary)"
        case let .modelPromoted(_, previous, model, metric, champion, challenger, _, _, nil):
            let versus = champion.map { " vs champion \($0)" } ?? ""
            return "model \(model) promoted\(previous.map { " over \($0)" } ?? ""): \(metric) \(challenger.map { "\($0)" } ?? "undefined")\(versus)"
        case let .batchRejected(batch, reason, _, .duplicate):
            return "batch \(batch) is a duplicate, not stored again: \(reason)"
        case let .batchRejected(batch, reason, errors, _):
            return "batch \(batch) rejected (\(errors) error\(errors == 1 ? "" : "s")): \(reason)"
        case let .rowsQuarantined(batch, kept, quarantined, listed, _):
            let total = kept + quarantined
            let first = listed.first.map { "; first: \(QuarantineListing.text([$0]))" } ?? ""
            return "batch \(batch): \(quarantined) of \(total) row\(total == 1 ? "" : "s") quarantined, \(kept) kept\(first)"
                + " (rows listed in QUARANTINED and the report's quarantined_issues)"
        case let .retrainSkipped(batch, reason, labelled, required, cause):
            switch cause {
            case .notEnoughLabels, .alreadyJudged:
                return "retraining skipped for batch \(batch): \(reason) (\(labelled) labelled rows, \(required) needed)"
            case .heldOutCannotJudge:
                return "retraining skipped for batch \(batch): \(reason) (\(labelled) labelled rows)"
            case .trainingFailed:
                return "retraining failed for batch \(batch) on \(labelled) labelled rows: \(reason); the champion serves"
            case .rolloutRunning:
                return "retraining skipped for batch \(batch): \(reason); its verdict comes first (\(labelled) labelled rows wait)"
            }
        case let .firstChampionWaiting(batch, reason):
            return (batch.map { "batch \($0) stored as data: " } ?? "") + reason
        case let .errorRetrying(batch, error, attempt, retryIn):
            let which = batch.map { "batch \($0)" } ?? "work"
            return "\(which) failed (attempt \(attempt)), retrying in \(Self.milliseconds(retryIn)) ms: \(error)"
        case let .batchStuck(batch, running, limit):
            return "batch \(batch) stuck for \(Self.milliseconds(running)) ms (limit \(Self.milliseconds(limit)) ms): "
                + "watchdog pings stopped, systemd will restart shopperd"
        case let .hookFailed(event, program, outcome, _):
            return "hook \(program) for \(event) \(outcome); the pipeline went on"
        case let .mlflowBehind(_, _, message), let .mlflowCaughtUp(_, _, message):
            return message
        case let .inboxOverflow(claimed):
            return "inotify queue overflowed (more arrivals than fs.inotify.max_queued_events): listed the inbox again and "
                + "claimed \(claimed) file\(claimed == 1 ? "" : "s"); nothing is lost. If this repeats, raise fs.inotify.max_queued_events"
        case let .batchLeftPending(batch, reason):
            return "batch \(batch) left pending for the next start: \(reason)"
        case let .notificationSent(channel, ids, kind):
            return ids.count == 1 ? "notification \(ids[0]) (\(kind)) sent to \(channel)"
                : "\(kind) of \(ids.count) notifications sent to \(channel)"
        case let .notificationFailed(channel, id, attempt, error, retryIn?):
            return "notification\(id.map { " \($0)" } ?? "s") to \(channel) failed (attempt \(attempt)), retrying in "
                + "\(Self.milliseconds(retryIn) / 1_000) s: \(error)"
        case let .notificationFailed(channel, id, attempt, error, nil):
            return "notification\(id.map { " \($0)" } ?? "s") to \(channel) given up after \(attempt) attempt\(attempt == 1 ? "" : "s"): "
                + "\(error); `shopperd notify retry` sends it again"
        case let .rollout(entry):
            return entry.summary
        }
    }

    /// The event's own fields (the log adds `MESSAGE`, `MESSAGE_ID`, `PRIORITY`,
    /// `SYSLOG_IDENTIFIER` and `SHOPPERD_EVENT`).
    package var fields: [JournalField] {
        switch self {
        case let .serviceStarted(version, inbox, outbox, watchdog):
            var fields = [JournalField("VERSION", version), JournalField("INBOX", inbox), JournalField("OUTBOX", outbox)]
            if let watchdog { fields.append(JournalField("WATCHDOG_USEC", Self.microseconds(watchdog))) }
            return fields
        case let .serviceStopping(reason, batch):
            return [JournalField("REASON", reason)] + Self.batchField(batch)
        case let .serviceFailed(error):
            return [JournalField("ERROR", error)]
        case let .serviceStartRefused(error, status):
            return [JournalField("ERROR", error), JournalField("EXIT_STATUS", Int(status))]
        case let .configReloaded(summary):
            return [JournalField("SUMMARY", summary)]
        case let .configReloadFailed(error):
            return [JournalField("ERROR", error)]
        case let .batchScored(batch, rows, model, drift, decision, duration, paired):
            return Self.batchField(batch) + [
                JournalField("ROWS", rows), JournalField("MODEL_VERSION", model),
                JournalField("DRIFT", drift ? "yes" : "no"), JournalField("DECISION", decision.rawValue),
                JournalField("DURATION_MS", Self.milliseconds(duration)),
            ] + Self.pairedFields(paired)
        case let .driftDetected(batch, rows, features, tested, decision, model):
            return Self.batchField(batch) + [
                JournalField("ROWS", rows), JournalField("DRIFT", "yes"),
                JournalField("DRIFTED_FEATURES", features.joined(separator: ",")),
                JournalField("FEATURES_TESTED", tested), JournalField("DECISION", decision.rawValue),
                JournalField("MODEL_VERSION", model),
            ]
        case let .modelPromoted(batch, previous, model, metric, champion, challenger, duration, decision, paired):
            var fields = Self.batchField(batch) + [JournalField("MODEL_VERSION", model)] + Self.pairedFields(paired)
            if let previous { fields.append(JournalField("PREVIOUS_MODEL_VERSION", previous)) }
            fields.append(JournalField("METRIC", metric))
            if let challenger { fields.append(JournalField("CHALLENGER_SCORE", "\(challenger)")) }
            if let champion { fields.append(JournalField("CHAMPION_SCORE", "\(champion)")) }
            fields.append(JournalField("DECISION", decision.rawValue))
            fields.append(JournalField("DURATION_MS", Self.milliseconds(duration)))
            return fields
        case let .batchRejected(batch, reason, errors, decision):
            return Self.batchField(batch) + [
                JournalField("DECISION", decision.rawValue), JournalField("REASON", reason),
                JournalField("ERRORS", errors),
            ]
        case let .rowsQuarantined(batch, kept, quarantined, listed, issueCount):
            return Self.batchField(batch) + [
                JournalField("ROWS", kept), JournalField("QUARANTINED_ROWS", quarantined),
                JournalField("QUARANTINED_LISTED", Set(listed.map(\.line)).count), JournalField("ISSUE_COUNT", issueCount),
                JournalField("QUARANTINED", QuarantineListing.text(listed)),
            ]
        case let .retrainSkipped(batch, reason, labelled, required, cause):
            return Self.batchField(batch) + [
                JournalField("REASON", reason), JournalField("LABELLED_ROWS", labelled),
                JournalField("REQUIRED_ROWS", required), JournalField("CAUSE", cause.rawValue),
            ]
        case let .firstChampionWaiting(batch, reason):
            return Self.batchField(batch) + [
                JournalField("DECISION", BatchDecision.waitForChampion.rawValue), JournalField("REASON", reason),
            ]
        case let .errorRetrying(batch, error, attempt, retryIn):
            return Self.batchField(batch) + [
                JournalField("ERROR", error), JournalField("ATTEMPT", attempt),
                JournalField("RETRY_IN_MS", Self.milliseconds(retryIn)),
            ]
        case let .batchStuck(batch, running, limit):
            return Self.batchField(batch) + [
                JournalField("RUNNING_MS", Self.milliseconds(running)), JournalField("LIMIT_MS", Self.milliseconds(limit)),
            ]
        case let .hookFailed(event, program, outcome, report):
            return [JournalField("HOOK_EVENT", event), JournalField("HOOK_PROGRAM", program),
                    JournalField("HOOK_OUTCOME", outcome), JournalField("REPORT", report)]
        case let .mlflowBehind(pending, error, _):
            return [JournalField("MLFLOW_PENDING", pending), JournalField("ERROR", error)]
        case let .mlflowCaughtUp(mirrored, target, _):
            return [JournalField("MLFLOW_MIRRORED", mirrored), JournalField("MLFLOW_TARGET", target)]
        case let .inboxOverflow(claimed):
            return [JournalField("SHOPPERD_CLAIMED", claimed)]
        case let .batchLeftPending(batch, reason):
            return Self.batchField(batch) + [JournalField("REASON", reason)]
        case let .notificationSent(channel, ids, kind):
            return [JournalField("NOTIFY_CHANNEL", channel), JournalField("NOTIFY_EVENT_IDS", ids.map(String.init).joined(separator: ",")),
                    JournalField("NOTIFY_KIND", kind)]
        case let .notificationFailed(channel, id, attempt, error, retryIn):
            var fields = [JournalField("NOTIFY_CHANNEL", channel), JournalField("ATTEMPT", attempt), JournalField("ERROR", error)]
            if let id { fields.append(JournalField("NOTIFY_EVENT_IDS", String(id))) }
            if let retryIn { fields.append(JournalField("RETRY_IN_MS", Self.milliseconds(retryIn))) }
            return fields
        case let .rollout(entry):
            return entry.fields
        }
    }

    /// `SHOPPERD_BATCH=` carries the file name's exact bytes, even when they are not UTF-8.
    private static func batchField(_ batch: InboxFileName?) -> [JournalField] {
        batch.map { [JournalField("SHOPPERD_BATCH", bytes: $0.bytes)] } ?? []
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1_000 + Int(attoseconds / 1_000_000_000_000_000)
    }

    static func microseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1_000_000 + Int(attoseconds / 1_000_000_000_000)
    }
}
