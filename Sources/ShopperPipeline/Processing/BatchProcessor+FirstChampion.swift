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
    func bootstrap(
        _ entry: SpoolEntry, _ batch: ParsedBatch, baseVersion: Int, receivedAt: Date,
        timings: BatchReport.Timings, started: ContinuousClock.Instant
    ) async throws -> BatchOutcome {
        guard batch.isLabelled else {
            throw PipelineError.waitingForChampion(
                "no champion yet: \(entry.name) is unlabelled and waits until labelled batches (or --bootstrap FILE) train one")
        }
        let stored = try storedLabelledRows(through: baseVersion)
        let labelled = stored + batch.sessions.filter { $0.revenue != nil }.map { VersionedSession(version: baseVersion + 1, session: $0) }
        var timings = timings
        let clock = ContinuousClock()
        let trainStart = clock.now
        let result = try await FirstChampion.attempt(labelled: labelled, settings: settings, storeVersion: baseVersion + 1)
        timings.retrain = (clock.now - trainStart).milliseconds
        switch result {
        case .waiting(let verdict), .failed(_, let verdict):
            let prepared = PreparedBatch(
                entry: entry, batch: batch, baseVersion: baseVersion, receivedAt: receivedAt, decision: .waitForChampion,
                reason: result.reason, drift: nil, championBefore: nil, realised: nil, trial: nil, championPredictions: [],
                servingPredictions: [], skipped: nil, evidence: verdict)
            return try commit(prepared, timings: timings, started: started)
        case .trained(let trial, let verdict):
            let scoreStart = clock.now
            let predictions = try await ModelCatalog.score(batch.sessions, with: trial.model)
            timings.score = (clock.now - scoreStart).milliseconds
            let prepared = PreparedBatch(
                entry: entry, batch: batch, baseVersion: baseVersion, receivedAt: receivedAt, decision: .bootstrapTrained,
                reason: result.reason, drift: nil, championBefore: nil, realised: nil, trial: trial, championPredictions: [],
                servingPredictions: predictions, skipped: nil, evidence: verdict)
            return try commit(prepared, timings: timings, started: started)
        }
    }

    /// `--bootstrap FILE`: with no champion, stores the labelled file as a version (unless its
    /// content already is) and tries to train the first champion on the store's labelled rows, by
    /// the same rule as a labelled batch (`FirstChampion`). Not enough evidence is no error: the
    /// rows stay stored and the daemon starts without a champion.
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
            _ = try store.ingest(batch, receivedAt: Date(), gold: settings.gold)
            let version = try store.currentVersion()
            let result = try await FirstChampion.attempt(
                labelled: try storedLabelledRows(through: version), settings: settings, storeVersion: version)
            guard case .trained(let trial, let verdict) = result else {
                return .waiting(reason: "bootstrap file \(path) stored; " + result.reason)
            }
            let draft = try ModelCatalog.draft(for: trial.model, trainingFromVersion: trial.trainingFromVersion)
            let registered = try store.transaction { tx in
                let registered = try tx.registerModel(draft)
                try tx.promote(version: registered, to: .champion,
                               reason: "bootstrap: first champion, trained on \(trial.trainingRows) labelled rows of \(batch.fileName) and the store "
                                   + "(store versions \(trial.trainingFromVersion ?? version)…\(version)); evidence: \(verdict.summary)")
                return registered
            }
            return .trained(version: registered, evidence: verdict)
        } catch {
            throw PipelineError.wrap(error)
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
