import Foundation
import ShopperStore

/// Everything one MLflow run receives, built from the store without talking to the server, so
/// what is sent can be checked on its own.
public struct RunContent: Sendable, Hashable {
    /// The entity the run mirrors; also its `shopperd.entity` tag, the key replays search for.
    public var entity: MirrorEntity
    public var runName: String
    /// The entity's own time (training or processing), in ms: runs sort by when things happened in
    /// shopperd, not by when they reached the server.
    public var startTime: Int64
    public var params: [MLflowParam]
    public var metrics: [MLflowMetric]
    /// Tags set when the run is created (the entity tag among them).
    public var tags: [MLflowTag]
    public var artifacts: [RunArtifact]

    public init(entity: MirrorEntity, runName: String, startTime: Int64, params: [MLflowParam], metrics: [MLflowMetric],
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
    public func param(_ key: String) -> String? { params.first { $0.key == key }?.value }
    public func tag(_ key: String) -> String? { tags.first { $0.key == key }?.value }
    public func metric(_ key: String) -> Double? { metrics.last { $0.key == key }?.value }
}

/// A file uploaded into a run's artifacts.
public struct RunArtifact: Sendable, Hashable {
    /// Relative to the run's artifact root (`model/model.json`, `drift_report.html`…).
    public var path: String
    public var data: Data
    public var contentType: String

    public init(path: String, data: Data, contentType: String) {
        self.path = path
        self.data = data
        self.contentType = contentType
    }
}

/// What a store entity is to the mirror, and how it is named on the server.
public enum MirrorEntity: Sendable, Hashable, CustomStringConvertible {
    case model(version: Int)
    case aliasChange(id: Int)
    case job(id: String)

    /// The tag every run carries, so a replay finds the run instead of creating a second one.
    public static let tagKey = "shopperd.entity"

    public var kind: MirrorKind {
        switch self {
        case .model: .model
        case .aliasChange: .alias
        case .job: .job
        }
    }

    /// The key in the entity's own table, as text (the `mlflow_mirror.key`).
    public var key: String {
        switch self {
        case .model(let version): String(version)
        case .aliasChange(let id): String(id)
        case .job(let id): id
        }
    }

    /// `model:3`, `alias:12`, `job:000042`.
    public var description: String { "\(kind.rawValue):\(key)" }

    public var tag: MLflowTag { MLflowTag(key: Self.tagKey, value: description) }
}

/// The store's entity kinds (`MirrorEntityKind`), under the name this module uses.
public typealias MirrorKind = MirrorEntityKind

extension Date {
    /// Milliseconds since 1970, as MLflow counts time.
    var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
}
