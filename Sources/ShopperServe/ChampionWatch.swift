import Foundation
import ShopperML
import ShopperPipeline
import ShopperStore
import Synchronization

/// The model that answers a request, and its registry version. Immutable: a request takes one
/// and uses it throughout, so every row of an answer comes from the version the answer names.
package struct ServingModel: Sendable {
    package let version: Int
    package let model: ForestModel
    /// The model's features, resolved once when it is loaded rather than on every request.
    package let features: FeatureSet

    package init(version: Int, model: ForestModel) throws(ForestError) {
        self.version = version
        self.model = model
        features = try FeatureSet.named(model.featureNames)
    }
}

/// Follows the store's `champion` alias: reads it every `pollInterval` (one indexed SELECT on a
/// WAL reader, which never blocks the daemon's writes) and, when it points elsewhere, decodes the
/// new model and swaps it in atomically. Requests in flight finish on the model they took.
package final class ChampionWatch: Sendable {
    private let catalog: ModelCatalog
    private let current = Mutex<ServingModel?>(nil)
    private let running = Mutex<LiveRollout?>(nil)
    private let lastProblem = Mutex<String?>(nil)
    /// Told each time the served champion changes: its version (nil: none) and the load's duration.
    private let onChange: @Sendable (Int?, Duration?) -> Void

    package init(catalog: ModelCatalog, onChange: @escaping @Sendable (Int?, Duration?) -> Void = { _, _ in }) {
        self.catalog = catalog
        self.onChange = onChange
    }

    /// The model to serve now; nil while the store has no champion (or it cannot be read yet).
    package var model: ServingModel? { current.withLock { $0 } }

    /// The running rollout, its challenger loaded; nil when none runs.
    package var rollout: LiveRollout? { running.withLock { $0 } }

    /// Reads the alias once and loads the champion if it changed. A failure keeps the model
    /// being served (a busy or briefly unreadable store must not stop scoring) and is returned.
    @discardableResult
    package func refresh() -> String? {
        do {
            try refreshRollout()
            let version = try catalog.store.aliases()[.champion]
            if version == model?.version { return nil }
            guard let version else {
                current.withLock { $0 = nil }
                onChange(nil, nil)
                return nil
            }
            let clock = ContinuousClock()
            let started = clock.now
            let serving = try ServingModel(version: version, model: try catalog.model(version: version))
            current.withLock { $0 = serving }
            onChange(version, clock.now - started)
            return nil
        } catch {
            return "cannot load the champion: \(error)"
        }
    }

    /// Reads the running rollout; loads its challenger when the rollout is new.
    private func refreshRollout() throws {
        guard let record = try catalog.store.runningRollout() else {
            running.withLock { $0 = nil }
            return
        }
        if let known = rollout, known.id == record.id { return }  // a rollout's mode, share and models never change
        let challenger = try ServingModel(version: record.challengerVersion, model: try catalog.model(version: record.challengerVersion))
        let live = LiveRollout(id: record.id, mode: record.mode, share: record.share, championVersion: record.championVersion,
                               challenger: challenger)
        running.withLock { $0 = live }
    }

    /// Polls until cancelled; each new problem is written to stderr once.
    package func watch(every interval: Duration) async {
        while !Task.isCancelled {
            let problem = refresh()
            let isNew = lastProblem.withLock { last in
                defer { last = problem }
                return problem != nil && problem != last
            }
            if isNew, let problem { FileHandle.standardError.write(Data("shopperd serve: \(problem)\n".utf8)) }
            try? await Task.sleep(for: interval)
        }
    }
}
