import Foundation
import ShopperCore
import ShopperInbox
import ShopperML
import ShopperStore

/// What `--bootstrap FILE` did.
package enum BootstrapResult: Sendable, Equatable {
    /// There already was a champion: nothing done.
    case championExists
    /// The first champion was trained and promoted (its version), with the evidence it passed.
    case trained(version: Int, evidence: EvidenceVerdict)
    /// The file is stored, but the store's labelled rows are not yet enough for a first champion
    /// (or training failed): the daemon runs without one; `reason` says what it waits for.
    case waiting(reason: String)
}

extension BatchProcessor {
    /// No champion yet. An unlabelled batch waits for one (it stays in the spool). A labelled batch
    /// is data: with the labelled rows stored before it, it trains the first champion when they are
    /// enough evidence (`FirstChampion`), and is then scored by it; otherwise it is stored with its
    /// one outcome now (`stored`: a report saying what the first champion waits for, no
    /// predictions) and the next labelled batch tries again with its rows too.
    func planFirstChampion(
        _ entry: SpoolEntry, _ batch: ParsedBatch, baseVersion: Int, receivedAt: Date, timings: inout BatchReport.Timings
    ) async throws -> PreparedBatch {
        guard batch.isLabelled else {
            throw PipelineError.waitingForChampion(
                "no champion yet: \(entry.name) is unlabelled and waits until labelled batches (or --bootstrap FILE) train one")
        }
        return try await firstChampion(.spool(entry), batch, baseVersion: baseVersion, alreadyStored: false,
                                       receivedAt: receivedAt, timings: &timings)
    }

    /// `--bootstrap FILE`: with no champion, stores the labelled file as a version (unless its
    /// content already is) and tries to train the first champion on the store's labelled rows, by
    /// the same rule and the same commit as a labelled batch (`FirstChampion`, `commit`). Not
    /// enough evidence is no error: the rows are stored and the daemon starts without a champion.
    package func bootstrapChampion(from path: String) async throws(PipelineError) -> BootstrapResult {
        do {
            guard try store.aliases()[.champion] == nil else { return .championExists }
            let batch: ParsedBatch
            do {
                batch = try BatchReader(policy: .reject, maxBytes: settings.maxFileBytes).read(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw PipelineError.model("bootstrap file \(error.report(maxIssues: 20))")
            }
            guard batch.isLabelled else {
                throw PipelineError.model("bootstrap file \(path) has no labelled row (no Revenue column, or Revenue blank on every row): the first champion needs labelled rows")
            }
            let baseVersion = try store.currentVersion()
            let alreadyStored = try store.version(sha256: batch.sha256) != nil
            var timings = BatchReport.Timings()
            let prepared = try await firstChampion(.bootstrapFile(path), batch, baseVersion: baseVersion, alreadyStored: alreadyStored,
                                                   receivedAt: Date(), timings: &timings)
            let committed = try commit(prepared, timings: timings, started: ContinuousClock.now)
            guard let registered = committed.registered, let evidence = prepared.evidence else {
                return .waiting(reason: "bootstrap file \(path) stored; " + prepared.reason)
            }
            return .trained(version: registered, evidence: evidence)
        } catch {
            throw PipelineError.wrap(error)
        }
    }

    /// The first-champion attempt both ways share: every labelled row the store holds, the batch's
    /// own included (as the next version unless its content is already stored), then the model
    /// that may serve (scoring a spooled batch with it) or the reason there is none yet.
    private func firstChampion(
        _ source: BatchSource, _ batch: ParsedBatch, baseVersion: Int, alreadyStored: Bool, receivedAt: Date,
        timings: inout BatchReport.Timings
    ) async throws -> PreparedBatch {
        let storeVersion = alreadyStored ? baseVersion : baseVersion + 1
        let own = alreadyStored ? [] : batch.sessions.filter { $0.revenue != nil }.map { VersionedSession(version: storeVersion, session: $0) }
        let labelled = try storedLabelledRows(through: baseVersion) + own
        let clock = ContinuousClock()
        let trainStart = clock.now
        let result = try await FirstChampion.attempt(labelled: labelled, settings: settings, storeVersion: storeVersion, yield: trainingYield)
        timings.retrain = (clock.now - trainStart).milliseconds
        if case .trained(let trial, _) = result, trial.paused > .zero { timings.paused = trial.paused.milliseconds }
        switch result {
        case .waiting(let verdict), .failed(_, let verdict):
            return PreparedBatch(
                source: source, batch: batch, baseVersion: baseVersion, receivedAt: receivedAt, decision: .waitForChampion,
                reason: result.reason, drift: nil, championBefore: nil, realised: nil, trial: nil, championPredictions: [],
                servingPredictions: [], skipped: nil, evidence: verdict)
        case .trained(let trial, let verdict):
            var predictions: [Prediction] = []
            if case .spool = source {
                let scoreStart = clock.now
                predictions = try await ModelCatalog.score(batch.sessions, with: trial.model)
                timings.score = (clock.now - scoreStart).milliseconds
            }
            return PreparedBatch(
                source: source, batch: batch, baseVersion: baseVersion, receivedAt: receivedAt, decision: .bootstrapTrained,
                reason: result.reason, drift: nil, championBefore: nil, realised: nil, trial: trial, championPredictions: [],
                servingPredictions: predictions, skipped: nil, evidence: verdict)
        }
    }

    /// Every labelled row of store versions 1…`version`, oldest first (rows without a label left out).
    private func storedLabelledRows(through version: Int) throws -> [VersionedSession] {
        guard version > 0 else { return [] }
        return try store.labelledSessions(fromVersion: 1, throughVersion: version)
            .filter { $0.session.revenue != nil }
            .map { VersionedSession(version: $0.version, session: $0.session) }
    }
}
