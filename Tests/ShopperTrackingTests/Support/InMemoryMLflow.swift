import Foundation
import Synchronization
@testable import ShopperTracking

/// A small in-memory MLflow tracking server behind the `HTTPTransport` protocol.
///
/// A stand-in, on purpose: `swift test` must pass without a running MLflow server (installing one
/// takes ~1 GB and 2 minutes), so the mirror's ordering, idempotency and failure handling are
/// checked here against this model of the REST API, with faults injected exactly where a real
/// server or network would fail (refused connections, answers lost after the write was applied,
/// HTTP errors). It mimics the real server's behaviour that the mirror relies on — run search by
/// tag, immutable params, de-duplicated metrics, model versions numbered 1, 2…, idempotent
/// artifact PUTs — as observed on MLflow 3.17. The real server is exercised by tests/mlflow
/// (`ci/mlflow.sh`), with MLflow's own Python client checking the result.
final class InMemoryMLflow: HTTPTransport, Sendable {
    struct StoredRun: Sendable {
        var id: String
        var experimentID: String
        var name: String
        var status = "RUNNING"
        var startTime: Int64
        var tags: [String: String] = [:]
        var params: [String: String] = [:]
        var metrics: [MLflowMetric] = []
        var artifacts: [String: Data] = [:]
    }

    struct StoredVersion: Sendable {
        var version: String
        var runID: String
        var source: String
        var tags: [String: String]
    }

    /// How an injected fault fails a request.
    enum FaultMode: Sendable {
        /// Connection refused: nothing reaches the server.
        case refuse
        /// The server applies the request, then the answer is lost (a crash or cut connection after the write).
        case loseAnswer
        /// The server answers this status and MLflow error code without applying anything.
        case answer(Int, String)
    }

    struct Fault: Sendable {
        var pathSuffix: String
        var mode: FaultMode
        var remaining: Int
    }

    struct State: Sendable {
        var down = false
        var experiments: [String: String] = [:]
        var runs: [String: StoredRun] = [:]
        var runOrder: [String] = []
        var registeredModels: Set<String> = []
        var versions: [StoredVersion] = []
        var aliases: [String: String] = [:]
        var requests: [String] = []
        var faults: [Fault] = []
        var nextID = 1
    }

    let state = Mutex(State())

    // MARK: Test controls and views

    var isDown: Bool {
        get { state.withLock { $0.down } }
        set { state.withLock { $0.down = newValue } }
    }

    func inject(_ mode: FaultMode, on pathSuffix: String, times: Int = 1) {
        state.withLock { $0.faults.append(Fault(pathSuffix: pathSuffix, mode: mode, remaining: times)) }
    }

    var requests: [String] { state.withLock { $0.requests } }
    func clearRequests() { state.withLock { $0.requests = [] } }

    func runs(experiment name: String) -> [StoredRun] {
        state.withLock { state in
            guard let id = state.experiments[name] else { return [] }
            return state.runOrder.compactMap { state.runs[$0] }.filter { $0.experimentID == id }
        }
    }

    var versions: [StoredVersion] { state.withLock { $0.versions } }
    var aliases: [String: String] { state.withLock { $0.aliases } }

    // MARK: HTTPTransport

    func send(_ request: HTTPRequest) async throws(MLflowError) -> HTTPResponse {
        let outcome: Result<HTTPResponse, MLflowError> = state.withLock { state in
            state.requests.append(request.endpoint)
            if state.down { return .failure(.unreachable(url: "memory", reason: "connection refused")) }
            var lose = false
            if let index = state.faults.firstIndex(where: { request.path.hasSuffix($0.pathSuffix) && $0.remaining > 0 }) {
                state.faults[index].remaining -= 1
                switch state.faults[index].mode {
                case .refuse: return .failure(.unreachable(url: "memory", reason: "connection refused"))
                case .answer(let status, let code): return .success(Self.error(status, code, "injected"))
                case .loseAnswer: lose = true
                }
            }
            let response = Self.handle(request, &state)
            return lose ? .failure(.unreachable(url: "memory", reason: "connection reset")) : .success(response)
        }
        return try outcome.get()
    }

    // MARK: The API

    static func handle(_ request: HTTPRequest, _ state: inout State) -> HTTPResponse {
        let body = (request.body.flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [String: Any]) ?? [:]
        let query = Dictionary(request.query.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        switch (request.method, request.path) {
        case (.get, "/health"):
            return HTTPResponse(status: 200, body: Data("OK".utf8))
        case (.get, "/api/2.0/mlflow/experiments/get-by-name"):
            guard let name = query["experiment_name"], let id = state.experiments[name] else {
                return error(404, "RESOURCE_DOES_NOT_EXIST", "Could not find experiment")
            }
            return ok(["experiment": ["experiment_id": id, "name": name, "artifact_location": "mlflow-artifacts:/\(id)",
                                      "lifecycle_stage": "active"]])
        case (.post, "/api/2.0/mlflow/experiments/create"):
            let name = body["name"] as? String ?? ""
            if state.experiments[name] != nil { return error(400, "RESOURCE_ALREADY_EXISTS", "exists") }
            let id = String(state.experiments.count + 1)
            state.experiments[name] = id
            return ok(["experiment_id": id])
        case (.post, "/api/2.0/mlflow/runs/search"):
            let experiments = body["experiment_ids"] as? [String] ?? []
            let filter = body["filter"] as? String ?? ""
            guard let match = filter.firstMatch(of: /tags\.`(.+)` = '(.+)'/) else { return error(400, "INVALID_PARAMETER_VALUE", filter) }
            let found = state.runOrder.compactMap { state.runs[$0] }.filter {
                experiments.contains($0.experimentID) && $0.tags[String(match.1)] == String(match.2)
            }
            return ok(["runs": found.map(runJSON)])
        case (.post, "/api/2.0/mlflow/runs/create"):
            let id = String(format: "run%04d", state.nextID)
            state.nextID += 1
            var run = StoredRun(id: id, experimentID: body["experiment_id"] as? String ?? "", name: body["run_name"] as? String ?? "",
                                startTime: (body["start_time"] as? NSNumber)?.int64Value ?? 0)
            for tag in body["tags"] as? [[String: String]] ?? [] { run.tags[tag["key"]!] = tag["value"]! }
            state.runs[id] = run
            state.runOrder.append(id)
            return ok(["run": runJSON(run)])
        case (.post, "/api/2.0/mlflow/runs/log-batch"):
            guard let id = body["run_id"] as? String, var run = state.runs[id] else { return error(404, "RESOURCE_DOES_NOT_EXIST", "run") }
            for param in body["params"] as? [[String: String]] ?? [] {
                if let old = run.params[param["key"]!], old != param["value"]! {
                    return error(400, "INVALID_PARAMETER_VALUE", "Changing param values is not allowed")
                }
                run.params[param["key"]!] = param["value"]!
            }
            for tag in body["tags"] as? [[String: String]] ?? [] { run.tags[tag["key"]!] = tag["value"]! }
            for metric in body["metrics"] as? [[String: Any]] ?? [] {
                let value = MLflowMetric(key: metric["key"] as! String, value: (metric["value"] as! NSNumber).doubleValue,
                                         timestamp: (metric["timestamp"] as! NSNumber).int64Value,
                                         step: (metric["step"] as! NSNumber).int64Value)
                if !run.metrics.contains(value) { run.metrics.append(value) }  // MLflow drops exact duplicates
            }
            state.runs[id] = run
            return ok([:])
        case (.post, "/api/2.0/mlflow/runs/update"):
            guard let id = body["run_id"] as? String, state.runs[id] != nil else { return error(404, "RESOURCE_DOES_NOT_EXIST", "run") }
            state.runs[id]!.status = body["status"] as? String ?? "RUNNING"
            return ok([:])
        case (.put, let path) where path.hasPrefix("/api/2.0/mlflow-artifacts/artifacts/"):
            let parts = path.dropFirst("/api/2.0/mlflow-artifacts/artifacts/".count).split(separator: "/").map(String.init)
            guard parts.count > 3, parts[2] == "artifacts", state.runs[parts[1]] != nil else { return error(404, "RESOURCE_DOES_NOT_EXIST", path) }
            state.runs[parts[1]]!.artifacts[parts[3...].joined(separator: "/").removingPercentEncoding!] = request.body ?? Data()
            return ok([:])
        case (.post, "/api/2.0/mlflow/registered-models/create"):
            let name = body["name"] as? String ?? ""
            if state.registeredModels.contains(name) { return error(400, "RESOURCE_ALREADY_EXISTS", "exists") }
            state.registeredModels.insert(name)
            return ok(["registered_model": ["name": name]])
        case (.get, "/api/2.0/mlflow/model-versions/search"):
            guard let match = (query["filter"] ?? "").firstMatch(of: /run_id = '(.+)'/) else { return error(400, "INVALID_PARAMETER_VALUE", "filter") }
            return ok(["model_versions": state.versions.filter { $0.runID == String(match.1) }.map(versionJSON)])
        case (.post, "/api/2.0/mlflow/model-versions/create"):
            guard state.registeredModels.contains(body["name"] as? String ?? "") else { return error(404, "RESOURCE_DOES_NOT_EXIST", "model") }
            var tags: [String: String] = [:]
            for tag in body["tags"] as? [[String: String]] ?? [] { tags[tag["key"]!] = tag["value"]! }
            let version = StoredVersion(version: String(state.versions.count + 1), runID: body["run_id"] as? String ?? "",
                                        source: body["source"] as? String ?? "", tags: tags)
            state.versions.append(version)
            return ok(["model_version": versionJSON(version)])
        case (.post, "/api/2.0/mlflow/model-versions/set-tag"):
            guard let index = state.versions.firstIndex(where: { $0.version == body["version"] as? String }) else {
                return error(404, "RESOURCE_DOES_NOT_EXIST", "version")
            }
            state.versions[index].tags[body["key"] as! String] = body["value"] as? String
            return ok([:])
        case (.post, "/api/2.0/mlflow/registered-models/alias"):
            guard let version = body["version"] as? String, state.versions.contains(where: { $0.version == version }) else {
                return error(404, "RESOURCE_DOES_NOT_EXIST", "version")
            }
            state.aliases[body["alias"] as! String] = version
            return ok([:])
        case (.delete, "/api/2.0/mlflow/registered-models/alias"):
            state.aliases[body["alias"] as! String] = nil
            return ok([:])
        default:
            return error(404, "ENDPOINT_NOT_FOUND", "\(request.endpoint)")
        }
    }

    static func runJSON(_ run: StoredRun) -> [String: Any] {
        ["info": ["run_id": run.id, "run_uuid": run.id, "experiment_id": run.experimentID, "status": run.status,
                  "artifact_uri": "mlflow-artifacts:/\(run.experimentID)/\(run.id)/artifacts", "lifecycle_stage": "active"],
         "data": ["tags": run.tags.map { ["key": $0.key, "value": $0.value] }]]
    }

    static func versionJSON(_ version: StoredVersion) -> [String: Any] {
        ["name": "m", "version": version.version, "run_id": version.runID, "source": version.source, "status": "READY",
         "tags": version.tags.map { ["key": $0.key, "value": $0.value] }]
    }

    static func ok(_ object: [String: Any]) -> HTTPResponse {
        HTTPResponse(status: 200, body: try! JSONSerialization.data(withJSONObject: object))
    }

    static func error(_ status: Int, _ code: String, _ message: String) -> HTTPResponse {
        HTTPResponse(status: status, body: try! JSONSerialization.data(withJSONObject: ["error_code": code, "message": message]))
    }
}
