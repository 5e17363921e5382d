import Foundation

// The subset of MLflow's REST API 2.0 messages shopperd sends and reads (field names as in
// MLflow's protobuf JSON). These endpoints are the same in MLflow 2 and 3.

/// A run metric: one point of a (possibly stepped) series.
package struct MLflowMetric: Codable, Sendable, Hashable {
    package var key: String
    package var value: Double
    /// Milliseconds since 1970. Replays send the same timestamp, so the server's duplicate check
    /// (key, value, timestamp, step) keeps a replayed metric from becoming a second point.
    package var timestamp: Int64
    package var step: Int64

    package init(key: String, value: Double, timestamp: Int64, step: Int64 = 0) {
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.step = step
    }
}

/// A run parameter (written once; the same value may be written again).
package struct MLflowParam: Codable, Sendable, Hashable {
    package var key: String
    package var value: String

    package init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// A run, experiment or model-version tag.
package struct MLflowTag: Codable, Sendable, Hashable {
    package var key: String
    package var value: String

    package init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

struct MLflowErrorBody: Decodable {
    var error_code: String?
    var message: String?
}

struct Experiment: Decodable, Sendable {
    var experiment_id: String
    var name: String
    var artifact_location: String?
    var lifecycle_stage: String?
}

struct GetExperimentResponse: Decodable { var experiment: Experiment }
struct CreateExperimentRequest: Encodable { var name: String }
struct CreateExperimentResponse: Decodable { var experiment_id: String }

struct RunInfo: Decodable, Sendable, Hashable {
    var run_id: String
    var experiment_id: String
    var status: String?
    var artifact_uri: String?
    var lifecycle_stage: String?
}

struct RunData: Decodable, Sendable, Hashable {
    var tags: [MLflowTag]?
}

struct Run: Decodable, Sendable, Hashable {
    var info: RunInfo
    var data: RunData?
}

struct CreateRunRequest: Encodable {
    var experiment_id: String
    var run_name: String
    var start_time: Int64
    var tags: [MLflowTag]
}

struct RunResponse: Decodable { var run: Run }

struct SearchRunsRequest: Encodable {
    var experiment_ids: [String]
    var filter: String
    var max_results: Int
    var run_view_type: String
}

struct SearchRunsResponse: Decodable { var runs: [Run]? }

struct LogBatchRequest: Encodable, Sendable, Hashable {
    var run_id: String
    var metrics: [MLflowMetric]
    var params: [MLflowParam]
    var tags: [MLflowTag]
}

struct UpdateRunRequest: Encodable {
    var run_id: String
    var status: String
    var end_time: Int64
}

struct CreateRegisteredModelRequest: Encodable {
    var name: String
    var description: String
    var tags: [MLflowTag]
}

struct ModelVersion: Decodable, Sendable, Hashable {
    var name: String
    var version: String
    var run_id: String?
    var source: String?
    var status: String?
    var tags: [MLflowTag]?
}

struct CreateModelVersionRequest: Encodable {
    var name: String
    var source: String
    var run_id: String
    var description: String
    var tags: [MLflowTag]
}

struct ModelVersionResponse: Decodable { var model_version: ModelVersion }
struct SearchModelVersionsResponse: Decodable { var model_versions: [ModelVersion]? }

struct SetAliasRequest: Encodable {
    var name: String
    var alias: String
    var version: String
}

struct DeleteAliasRequest: Encodable {
    var name: String
    var alias: String
}

struct SetModelVersionTagRequest: Encodable {
    var name: String
    var version: String
    var key: String
    var value: String
}

struct RegisteredModel: Decodable, Sendable {
    var name: String
    var aliases: [RegisteredModelAlias]?
}

struct RegisteredModelAlias: Decodable, Sendable, Hashable {
    var alias: String
    var version: String
}

struct RegisteredModelResponse: Decodable { var registered_model: RegisteredModel }
