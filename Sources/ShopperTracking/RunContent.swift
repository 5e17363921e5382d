import Foundation
import ShopperStore

/// Everything one MLflow run receives, built from the store without talking to the server, so
/// what is sent can be checked on its own.
package struct RunContent: Sendable, Hashable {
    /// The entity the run mirrors; also its `shopperd.entity` tag, the key replays search for.
    package var entity: MirrorEntity
    package var runName: String
    /// The entity's own time (training or processing), in ms: runs sort by when things happened in
    /// shopperd, not by when they reached the server.
    package var startTime: Int64
    package var params: [MLflowParam]
    package var metrics: [MLflowMetric]
    /// Tags set when the run is created (the entity tag among them).
    package var tags: [MLflowTag]
    package var artifacts: [RunArtifact]

    package init(entity: MirrorEntity, runName: String, startTime: Int64, params: [MLflowParam], metrics: [MLflowMetric],
                tags: [MLflowTag], artifacts: [RunArtifact]) {
        self.entity = entity
        self.runName = runName
        self.startTime = startTime
        self.params = params
        self.metrics = metrics
        self.tags = tags
        self.artifacts = artifacts
    }

    /// The value of one param, tag or the last value of a metric (for tests and messages).
    package func param(_ key: String) -> String? { params.first { $0.key == key }?.value }
    package func tag(_ key: String) -> String? { tags.first { $0.key == key }?.value }
    package func metric(_ key: String) -> Double? { metrics.last { $0.key == key }?.value }
}

/// A file uploaded into a run's artifacts.
package struct RunArtifact: Sendable, Hashable {
    /// Relative to the run's artifact root (`model/model.json`, `drift_report.html`…).
    package var path: String
    package var data: Data
    package var contentType: String

    package init(path: String, data: Data, contentType: String) {
        self.path = path
        self.data = data
        self.contentType = contentType
    }
}

/// What a store entity is to the mirror, and how it is named on the server.
package enum MirrorEntity: Sendable, Hashable, CustomStringConvertible {
    case model(version: Int)
    case aliasChange(id: Int)
    case job(id: String)

    /// The tag every run carries, so a replay finds the run instead of creating a second one.
    package static let tagKey = "shopperd.entity"

    package var kind: MirrorKind {
        switch self {
        case .model: .model
        case .aliasChange: .alias
        case .job: .job
        }
    }

    /// The key in the entity's own table, as text (the `mlflow_mirror.key`).
    package var key: String {
        switch self {
        case .model(let version): String(version)
        case .aliasChange(let id): String(id)
        case .job(let id): id
        }
    }

    /// `model:3`, `alias:12`, `job:000042`.
    package var description: String { "\(kind.rawValue):\(key)" }

    package var tag: MLflowTag { MLflowTag(key: Self.tagKey, value: description) }
}

/// The store's entity kinds (`MirrorEntityKind`), under the name this module uses.
package typealias MirrorKind = MirrorEntityKind

extension Date {
    /// Milliseconds since 1970, as MLflow counts time.
    var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
}
