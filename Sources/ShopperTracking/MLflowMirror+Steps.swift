import Foundation
import ShopperStore

/// The steps every entity's mirroring shares: store calls, MLflow ids, the registered model, a run.
extension MLflowMirror {
    @discardableResult
    func storeCall<T>(_ body: () throws(StoreError) -> T) throws(MLflowError) -> T {
        do {
            return try body()
        } catch {
            throw .store(error)
        }
    }

    /// The MLflow version of a shopperd model, once mirrored.
    func registeredVersion(of model: Int) throws(MLflowError) -> String? {
        let target = settings.target
        let record = try storeCall { () throws(StoreError) in try store.mirrorRecord(target: target, kind: .model, key: String(model)) }
        guard let record, record.state == .done else { return nil }
        return record.registeredVersion
    }

    func experimentID(_ name: String) async throws(MLflowError) -> String {
        if let known = experimentIDs[name] { return known }
        let id = try await client.experimentID(named: name)
        experimentIDs[name] = id
        return id
    }

    func ensureRegisteredModel() async throws(MLflowError) {
        guard !registeredModelReady else { return }
        try await client.ensureRegisteredModel(
            name: settings.registeredModel,
            description: "Purchase-intent random forests trained by shopperd. The `champion` alias is the model that "
                + "serves; `challenger` a model under evaluation. Mirrored from shopperd's store, which is the source of truth.",
            tags: [MLflowTag(key: "shopperd.mirrored", value: "true")])
        registeredModelReady = true
    }

    /// Finds the entity's run (by its tag) or creates it, then completes it: params, metrics and
    /// tags, artifacts, and status FINISHED last — a FINISHED run has everything, so a replay
    /// that finds one skips it.
    func ensureRun(_ content: RunContent, experimentID: String) async throws(MLflowError) -> RunInfo {
        let run: Run
        var tags: [MLflowTag] = []
        if let existing = try await client.findRun(experimentID: experimentID, tag: content.entity.tag) {
            if existing.info.status == "FINISHED" { return existing.info }
            run = existing
            tags = content.tags  // set again: the earlier attempt may have stopped before the run had them all
        } else {
            run = try await client.createRun(experimentID: experimentID, name: content.runName, startTime: content.startTime,
                                             tags: content.tags)
        }
        let runID = run.info.run_id
        try await client.logBatch(runID: runID, params: content.params, metrics: content.metrics, tags: tags)
        if !content.artifacts.isEmpty {
            guard let artifactURI = run.info.artifact_uri else {
                throw .unexpectedResponse(endpoint: "runs/create", detail: "run \(runID) has no artifact_uri")
            }
            for artifact in content.artifacts {
                try await client.uploadArtifact(runArtifactURI: artifactURI, path: artifact.path, data: artifact.data,
                                                contentType: artifact.contentType)
            }
        }
        try await client.finishRun(runID: runID, endTime: content.startTime)
        return run.info
    }
}
