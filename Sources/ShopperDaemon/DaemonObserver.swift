import Foundation
import ShopperInbox
import ShopperPipeline
import ShopperStore
import ShopperNotify
import ShopperTracking

/// Turns the pipeline's reports into what operators see: journal events (drift at warning, with
/// the drifted features), `STATUS=` and watchdog health, the `--on-event` hook, and a nudge to the
/// MLflow mirror.
struct DaemonObserver: PipelineObserver {
    let context: ServiceContext
    let monitor: HealthMonitor
    let live: LiveState
    let outbox: String
    let mirror: MLflowMirror?
    let courier: NotificationCourier?
    let pipeline: Pipeline

    func batchStarted(_ entry: SpoolEntry) async {
        await monitor.batchStarted(entry.name)
    }

    func batchFinished(_ entry: SpoolEntry, outcome: BatchOutcome, files: [String]) async {
        await monitor.batchFinished(entry.name)
        courier?.nudge()  // the batch's notification event was committed with its job
        let name = entry.name
        let job = outcome.job
        let reportPath = outbox + "/" + (files.last ?? "")
        if let rejection = outcome.rejection {
            let decision: BatchDecision = rejection.duplicateOf == nil ? .reject : .duplicate
            context.log(.batchRejected(batch: name, reason: rejection.reason, errorCount: max(1, rejection.issueCount),
                                       decision: decision))
            await notify("rejection", reportPath)
        } else if let report = outcome.report {
            let duration = Duration.milliseconds(Int64(report.timingsMS.total.rounded()))
            let drift = report.drift?.criticalDrift == true
            let serving = report.models.serving.map { "v\($0)" } ?? "none"
            if report.decision == .waitForChampion {
                context.log(.firstChampionWaiting(batch: name, reason: report.reason))
                await mirror?.nudge()
                return
            }
            if let driftReport = report.drift, drift {
                context.log(.driftDetected(batch: name, rows: report.rows, driftedFeatures: driftReport.drivers.map(\.name),
                                           featuresTested: driftReport.columns.count, decision: report.decision,
                                           modelVersion: serving))
                await monitor.driftDetected()
                await notify("drift", reportPath)
            }
            if report.decision == .retrainPromoted || report.decision == .bootstrapTrained {
                let evaluation = report.models.evaluation
                context.log(.modelPromoted(
                    batch: name, previousVersion: report.models.championBefore.map { "v\($0)" }, modelVersion: serving,
                    metric: evaluation?.metric.rawValue ?? "bootstrap holdout roc_auc", championScore: evaluation?.champion,
                    challengerScore: evaluation?.challenger ?? report.evidence?.heldOut?.value, duration: .milliseconds(Int64(report.timingsMS.retrain.rounded())),
                    decision: report.decision, pairedTest: evaluation?.pairedTest))
                await monitor.championChanged(to: serving)
                await notify("promotion", reportPath)
            }
            if report.quarantinedRows > 0 {
                context.log(.rowsQuarantined(
                    batch: name, keptRows: report.rows, quarantinedRows: report.quarantinedRows,
                    listed: QuarantineListing.firstRows(of: report.quarantinedIssues ?? []),
                    issueCount: report.quarantinedIssueCount ?? report.quarantinedRows))
            }
            if let skipped = outcome.retrainSkipped {
                context.log(.retrainSkipped(batch: name, reason: skipped.reason, labelledRows: skipped.labelledRows,
                                            requiredRows: skipped.requiredRows, cause: skipped.cause))
                await notify("retrain-skipped", reportPath)
            }
            if let step = outcome.rolloutStep { await Daemon.report(step, context: context, monitor: monitor) }
            context.log(.batchScored(batch: name, rows: report.rows, modelVersion: serving, drift: drift,
                                     decision: report.decision, duration: duration,
                                     pairedTest: report.decision == .retrainKept ? report.models.evaluation?.pairedTest : nil))
        } else {
            context.log(.batchScored(batch: name, rows: job.rowCount, modelVersion: job.modelVersion.map { "v\($0)" } ?? "none",
                                     drift: false, decision: BatchDecision(rawValue: job.decision) ?? .score, duration: .zero))
        }
        await mirror?.nudge()
    }

    func batchWaiting(_ entry: SpoolEntry, reason: String) async {
        await monitor.batchFinished(entry.name, counted: false)
        await updateIdleNote(reason: reason)
    }

    func retrying(_ entry: SpoolEntry?, error: PipelineError, attempt: Int, delay: Duration) async {
        if let entry { await monitor.batchFinished(entry.name, counted: false) }
        await monitor.setNote("retrying (\(error.category)): \(error.description)")
        context.log(.errorRetrying(batch: entry?.name, error: error.description, attempt: attempt, retryIn: delay))
    }

    func batchLeftPending(_ entry: SpoolEntry, reason: String) async {
        await monitor.batchFinished(entry.name, counted: false)
        context.log(.batchLeftPending(batch: entry.name, reason: reason))
    }

    /// STATUS says when batches wait for a retry or for a champion; otherwise the note is cleared.
    func updateIdleNote(reason: String? = nil) async {
        let waiting = await pipeline.waitingCount
        let retrying = await pipeline.retryingCount
        var notes: [String] = []
        if retrying > 0, let failure = await pipeline.latestFailure {
            notes.append("retrying \(failure)" + (retrying > 1 ? " · \(retrying) batches waiting for a retry" : ""))
        }
        if waiting > 0 {
            notes.append("\(waiting) batch\(waiting == 1 ? "" : "es") waiting for a champion" + (reason.map { ": \($0)" } ?? ""))
        }
        await monitor.setNote(notes.isEmpty ? nil : notes.joined(separator: " · "))
    }

    /// Runs the operator's hook in its own task: it never holds up the next batch.
    private func notify(_ event: String, _ reportPath: String) async {
        guard let hooks = await live.hooks else { return }
        let context = self.context
        Task.detached {
            let outcome = await hooks.run(event: event, reportPath: reportPath)
            if !outcome.succeeded {
                context.log(.hookFailed(event: event, program: hooks.program, outcome: outcome.description, report: reportPath))
            }
        }
    }
}
