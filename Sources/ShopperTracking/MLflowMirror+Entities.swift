import Foundation
import ShopperCore
import ShopperDrift
import ShopperML
import ShopperStore

extension MLflowMirror {
    /// A model: its training run (in the training experiment), then its registered version.
    func mirrorModel(_ version: Int) async throws(MLflowError) -> MirrorLocation {
        let record = try storeCall { () throws(StoreError) in try store.model(version: version) }
        let file = try storeCall { () throws(StoreError) in try store.modelFile(version: version) }
        guard SHA256.hex(of: file) == record.modelSHA256 else {
            throw .unreadableEntity("model \(version)'s file does not match its SHA-256 in the registry (the store is damaged)")
        }
        let model: ForestModel
        do {
            model = try ModelFile.decode(file)
        } catch {
            throw .unreadableEntity("model \(version)'s file: \(error)")
        }
        let cause = try storeCall { () throws(StoreError) in try store.jobs(batchVersion: record.trainingStoreVersion) }
            .last { $0.decision.lowercased().contains("train") }
        let content = try TrainingRun.content(record: record, model: model, modelFile: file, cause: cause)
        let experimentID = try await experimentID(settings.trainingExperiment)
        let run = try await ensureRun(content, experimentID: experimentID)
        try await ensureRegisteredModel()
        let registered: String
        if let existing = try await client.findModelVersion(name: settings.registeredModel, runID: run.run_id) {
            registered = existing.version
        } else {
            registered = try await client.createModelVersion(
                name: settings.registeredModel, source: "runs:/\(run.run_id)/\(TrainingRun.modelDirectory)", runID: run.run_id,
                description: TrainingRun.versionDescription(record: record, model: model),
                tags: TrainingRun.versionTags(record: record)).version
        }
        return MirrorLocation(experimentID: experimentID, runID: run.run_id, registeredVersion: registered)
    }

    /// An alias change: the registered model's alias set to the model's MLflow version (with the
    /// reason as a version tag), or deleted.
    func mirrorAlias(_ entry: AliasHistoryEntry) async throws(MLflowError) -> MirrorLocation {
        let change = entry.change
        try await ensureRegisteredModel()
        let note = MLflowTag(key: "shopperd.\(change.alias.rawValue)",
                             value: "\(change.action.rawValue) \(JSONPolicy.timestamp(change.changedAt)): \(change.reason)")
        guard let model = change.toVersion else {
            try await client.deleteAlias(name: settings.registeredModel, alias: change.alias.rawValue)
            // The version that lost the alias says when and why.
            if let from = change.fromVersion, let version = try registeredVersion(of: from) {
                try await client.setModelVersionTag(name: settings.registeredModel, version: version, tag: note)
            }
            return MirrorLocation()
        }
        guard let version = try registeredVersion(of: model) else {
            throw .unreadableEntity("alias change \(entry.id) points at model \(model), which is not mirrored yet")
        }
        try await client.setAlias(name: settings.registeredModel, alias: change.alias.rawValue, version: version)
        try await client.setModelVersionTag(name: settings.registeredModel, version: version, tag: note)
        return MirrorLocation(registeredVersion: version)
    }

    /// A drift-checked job: its monitoring run, with the HTML report rebuilt from the store.
    func mirrorJob(_ id: String) async throws(MLflowError) -> MirrorLocation {
        guard let job = try storeCall({ () throws(StoreError) in try store.job(id: id) }), let data = job.driftReport else {
            throw .unreadableEntity("job \(id) has no drift report")
        }
        let report: DriftReport
        do {
            report = try JSONPolicy.decode(DriftReport.self, from: data)
        } catch {
            throw .unreadableEntity("job \(id)'s drift report is not a DriftReport: \(error)")
        }
        let (html, referenceModel) = try driftHTML(job: job, report: report)
        let content = MonitoringRun.content(job: job, report: report, html: html, referenceModel: referenceModel)
        let experimentID = try await experimentID(settings.monitoringExperiment)
        let run = try await ensureRun(content, experimentID: experimentID)
        return MirrorLocation(experimentID: experimentID, runID: run.run_id)
    }

    /// The HTML drift report of a job, against the training rows of the model it was checked
    /// against — the model that scored the batch, or the champion before the job (when the job
    /// itself promoted a new one) — recognised by its number of reference rows. Nil when no
    /// candidate matches: a report with the wrong reference would mislead.
    func driftHTML(job: JobRecord, report: DriftReport) throws(MLflowError) -> (String?, Int?) {
        guard let batch = job.batchVersion else { return (nil, nil) }
        var candidates: [Int] = []
        if let model = job.modelVersion { candidates.append(model) }
        let history = try storeCall { () throws(StoreError) in try store.aliasHistoryEntries() }
        if let last = history.last(where: { $0.change.alias == .champion && $0.change.changedAt <= job.processedAt }) {
            candidates += [last.change.toVersion, last.change.fromVersion].compactMap { $0 }
        }
        for model in candidates where !(candidates.prefix { $0 != model }.contains(model)) {
            guard let reference = try reference(model: model, rows: report.referenceRows) else { continue }
            let current = try storeCall { () throws(StoreError) in try store.sessions(fromVersion: batch, throughVersion: batch) }
            let html = DriftHTMLReport(report: report, reference: reference, current: current.map(\.session),
                                       title: "Drift report — batch \(batch) (job \(job.id))").render()
            return (html, model)
        }
        return (nil, nil)
    }

    /// The drift reference of a model's training rows, if it has `rows` rows (cached: consecutive
    /// batches are checked against the same model).
    private func reference(model: Int, rows: Int) throws(MLflowError) -> DriftReference? {
        if let cached = referenceCache.reference(model: model) { return cached.rowCount == rows ? cached : nil }
        let record: ModelRecord
        do {
            record = try store.model(version: model)
        } catch .unknownModel {
            return nil  // no such model: no reference to draw against
        } catch {
            throw .store(error)
        }
        let sessions = try storeCall { () throws(StoreError) in
            try store.labelledSessions(fromVersion: record.trainingFromVersion ?? 1, throughVersion: record.trainingStoreVersion)
        }
        let reference = DriftReference(sessions: sessions.map(\.session))
        referenceCache.insert(reference, model: model)
        return reference.rowCount == rows ? reference : nil
    }
}

/// The last few drift references built, by model version.
struct ReferenceCache {
    private var entries: [(model: Int, reference: DriftReference)] = []
    private let capacity = 2

    func reference(model: Int) -> DriftReference? { entries.first { $0.model == model }?.reference }

    mutating func insert(_ reference: DriftReference, model: Int) {
        entries.removeAll { $0.model == model }
        entries.insert((model, reference), at: 0)
        if entries.count > capacity { entries.removeLast() }
    }
}
