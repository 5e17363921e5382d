import Foundation
import ShopperCore

/// MLflow's REST API 2.0, the calls shopperd needs, typed. Every call has the settings' timeout;
/// an HTTP error becomes `MLflowError.server` with MLflow's `error_code` and message.
package struct MLflowClient: Sendable {
    package let transport: any HTTPTransport
    package let settings: MLflowSettings

    package init(settings: MLflowSettings, transport: (any HTTPTransport)? = nil) {
        self.settings = settings
        self.transport = transport ?? URLSessionTransport(baseURL: settings.trackingURI, authorization: settings.credentials?.authorization)
    }

    /// The server's `/health` answers 200.
    package func health() async throws(MLflowError) {
        let request = HTTPRequest(method: .get, path: "/health", timeout: settings.requestTimeout)
        let response = try await transport.send(request)
        guard response.status == 200 else { throw failure(request, response) }
    }

    // MARK: Experiments

    /// The id of the experiment called `name`, created when it does not exist yet.
    func experimentID(named name: String) async throws(MLflowError) -> String {
        if let existing = try await experiment(named: name) {
            guard existing.lifecycle_stage != "deleted" else {
                throw .invalidSetting("the MLflow experiment \"\(name)\" is deleted: restore it in MLflow "
                    + "(`mlflow experiments restore --experiment-id \(existing.experiment_id)`) or configure another name")
            }
            return existing.experiment_id
        }
        do {
            let created: CreateExperimentResponse = try await call(.post, "/api/2.0/mlflow/experiments/create",
                                                                  body: CreateExperimentRequest(name: name))
            return created.experiment_id
        } catch .server(_, _, "RESOURCE_ALREADY_EXISTS", _) {
            // Created meanwhile by another client: use theirs.
            if let existing = try await experiment(named: name) { return existing.experiment_id }
            throw .unexpectedResponse(endpoint: "experiments/create", detail: "experiment \(name) exists but cannot be read")
        }
    }

    func experiment(named name: String) async throws(MLflowError) -> Experiment? {
        do {
            let response: GetExperimentResponse = try await call(
                .get, "/api/2.0/mlflow/experiments/get-by-name", query: [URLQueryItem(name: "experiment_name", value: name)])
            return response.experiment
        } catch .server(_, 404, _, _) {
            return nil
        } catch .server(_, _, "RESOURCE_DOES_NOT_EXIST", _) {
            return nil
        }
    }

    // MARK: Runs

    /// The active run of `experimentID` tagged `tag.key = tag.value`, if one exists (if several —
    /// only another client could have made a second — always the same one: the lowest run id).
    func findRun(experimentID: String, tag: MLflowTag) async throws(MLflowError) -> Run? {
        guard !tag.value.contains("'") else {
            throw .unreadableEntity("the entity key \(tag.value) contains a quote and cannot be searched for")
        }
        let response: SearchRunsResponse = try await call(.post, "/api/2.0/mlflow/runs/search", body: SearchRunsRequest(
            experiment_ids: [experimentID], filter: "tags.`\(tag.key)` = '\(tag.value)'", max_results: 10,
            run_view_type: "ACTIVE_ONLY"))
        return (response.runs ?? []).min { $0.info.run_id < $1.info.run_id }
    }

    func createRun(experimentID: String, name: String, startTime: Int64, tags: [MLflowTag]) async throws(MLflowError) -> Run {
        let response: RunResponse = try await call(.post, "/api/2.0/mlflow/runs/create", body: CreateRunRequest(
            experiment_id: experimentID, run_name: name, start_time: startTime, tags: tags))
        return response.run
    }

    /// Logs everything in as many `log-batch` calls as MLflow's limits need.
    func logBatch(runID: String, params: [MLflowParam], metrics: [MLflowMetric], tags: [MLflowTag]) async throws(MLflowError) {
        for batch in LogBatchPlan.batches(runID: runID, params: params, metrics: metrics, tags: tags) {
            let _: Empty = try await call(.post, "/api/2.0/mlflow/runs/log-batch", body: batch)
        }
    }

    func finishRun(runID: String, endTime: Int64) async throws(MLflowError) {
        let _: Empty = try await call(.post, "/api/2.0/mlflow/runs/update",
                                      body: UpdateRunRequest(run_id: runID, status: "FINISHED", end_time: endTime))
    }

    /// Uploads one artifact of a run through the server's artifact proxy (a PUT: uploading the same
    /// path again replaces the file, so a replay is harmless).
    func uploadArtifact(runArtifactURI: String, path: String, data: Data, contentType: String) async throws(MLflowError) {
        let root = try ArtifactLocation.proxyPath(of: runArtifactURI)
        let request = HTTPRequest(
            method: .put, path: "/api/2.0/mlflow-artifacts/artifacts/" + ArtifactLocation.encode(root + "/" + path),
            body: data, contentType: contentType, timeout: settings.uploadTimeout)
        let response = try await transport.send(request)
        guard (200..<300).contains(response.status) else { throw failure(request, response) }
    }

    // MARK: Model registry

    /// Creates the registered model unless it exists.
    func ensureRegisteredModel(name: String, description: String, tags: [MLflowTag]) async throws(MLflowError) {
        do {
            let _: Empty = try await call(.post, "/api/2.0/mlflow/registered-models/create",
                                          body: CreateRegisteredModelRequest(name: name, description: description, tags: tags))
        } catch .server(_, _, "RESOURCE_ALREADY_EXISTS", _) {
            return
        }
    }

    func registeredModel(name: String) async throws(MLflowError) -> RegisteredModel {
        let response: RegisteredModelResponse = try await call(
            .get, "/api/2.0/mlflow/registered-models/get", query: [URLQueryItem(name: "name", value: name)])
        return response.registered_model
    }

    /// The version of registered model `name` created from run `runID`, if any (the lowest, if several).
    func findModelVersion(name: String, runID: String) async throws(MLflowError) -> ModelVersion? {
        let response: SearchModelVersionsResponse = try await call(
            .get, "/api/2.0/mlflow/model-versions/search",
            query: [URLQueryItem(name: "filter", value: "name = '\(name)' AND run_id = '\(runID)'"),
                    URLQueryItem(name: "max_results", value: "10")])
        return (response.model_versions ?? []).filter { $0.run_id == runID }.min { (Int($0.version) ?? 0) < (Int($1.version) ?? 0) }
    }

    func createModelVersion(
        name: String, source: String, runID: String, description: String, tags: [MLflowTag]
    ) async throws(MLflowError) -> ModelVersion {
        let response: ModelVersionResponse = try await call(.post, "/api/2.0/mlflow/model-versions/create", body: CreateModelVersionRequest(
            name: name, source: source, run_id: runID, description: description, tags: tags))
        return response.model_version
    }

    func setModelVersionTag(name: String, version: String, tag: MLflowTag) async throws(MLflowError) {
        let _: Empty = try await call(.post, "/api/2.0/mlflow/model-versions/set-tag", body: SetModelVersionTagRequest(
            name: name, version: version, key: tag.key, value: tag.value))
    }

    func setAlias(name: String, alias: String, version: String) async throws(MLflowError) {
        let _: Empty = try await call(.post, "/api/2.0/mlflow/registered-models/alias",
                                      body: SetAliasRequest(name: name, alias: alias, version: version))
    }

    /// Deletes an alias; an alias that is already gone is not an error (a replay deletes twice).
    func deleteAlias(name: String, alias: String) async throws(MLflowError) {
        do {
            let _: Empty = try await call(.delete, "/api/2.0/mlflow/registered-models/alias",
                                          body: DeleteAliasRequest(name: name, alias: alias))
        } catch .server(_, 404, _, _) {
            return
        }
    }

    // MARK: Plumbing

    struct Empty: Decodable {}

    func call<Response: Decodable>(
        _ method: HTTPRequest.Method, _ path: String, query: [URLQueryItem] = [], body: (any Encodable)? = nil
    ) async throws(MLflowError) -> Response {
        var request = HTTPRequest(method: method, path: path, query: query, timeout: settings.requestTimeout)
        if let body {
            do {
                request.body = try JSONPolicy.encode(body, form: .compact)
            } catch {
                throw .unexpectedResponse(endpoint: request.endpoint, detail: "cannot encode the request: \(error)")
            }
            request.contentType = "application/json"
        }
        let response = try await transport.send(request)
        guard (200..<300).contains(response.status) else { throw failure(request, response) }
        do {
            return try JSONPolicy.decode(Response.self, from: response.body.isEmpty ? Data("{}".utf8) : response.body)
        } catch {
            throw .unexpectedResponse(endpoint: request.endpoint, detail: "cannot decode \(Response.self): \(error)")
        }
    }

    /// The error for a non-2xx answer: refused credentials, or the server's own error. A 401 is
    /// always about credentials; a 403 when it is not MLflow's own JSON error (MLflow's basic-auth
    /// app answers a plain "Permission denied"); a 403 with an `error_code` stays one entity's error.
    func failure(_ request: HTTPRequest, _ response: HTTPResponse) -> MLflowError {
        let mlflowError = (try? JSONPolicy.decode(MLflowErrorBody.self, from: response.body))?.error_code != nil
        if response.status == 401 || (response.status == 403 && !mlflowError) {
            return .unauthorized(url: settings.trackingURI.absoluteString, status: response.status,
                                 check: settings.credentials.map { "the \($0.source)" })
        }
        return Self.error(request, response)
    }

    /// MLflow's error for a non-2xx answer: its `error_code` and `message` when the body has them.
    static func error(_ request: HTTPRequest, _ response: HTTPResponse) -> MLflowError {
        // Not every error answer is MLflow's JSON (a proxy's HTML page): then the raw text is the message.
        let body = try? JSONPolicy.decode(MLflowErrorBody.self, from: response.body)
        let text = String(decoding: response.body.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return .server(endpoint: request.endpoint, status: response.status, code: body?.error_code,
                       message: body?.message ?? (text.isEmpty ? "no details" : text))
    }
}

/// Where a run's artifacts go through the tracking server's artifact proxy.
enum ArtifactLocation {
    /// The proxy path of a run's artifact URI: `mlflow-artifacts:/1/abc/artifacts` (or
    /// `mlflow-artifacts://host:port/1/abc/artifacts`) → `1/abc/artifacts`.
    static func proxyPath(of artifactURI: String) throws(MLflowError) -> String {
        guard artifactURI.hasPrefix("mlflow-artifacts:"), let components = URLComponents(string: artifactURI) else {
            throw .artifactsNotProxied(artifactURI: artifactURI)
        }
        var path = components.path
        while path.hasPrefix("/") { path.removeFirst() }
        while path.hasSuffix("/") { path.removeLast() }
        guard !path.isEmpty, !path.split(separator: "/").contains("..") else { throw .artifactsNotProxied(artifactURI: artifactURI) }
        return path
    }

    /// Percent-encodes each segment of a relative path.
    static func encode(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/;?#%")
        return path.split(separator: "/", omittingEmptySubsequences: true)
            .map { String($0).addingPercentEncoding(withAllowedCharacters: allowed) ?? String($0) }
            .joined(separator: "/")
    }
}
