import Foundation
import Testing
@testable import ShopperTracking

extension ShopperTrackingSuite {
    @Suite struct RequestTests {
        @Test func logBatchesStayWithinMLflowLimitsAndKeepOrder() {
            let params = (0..<250).map { MLflowParam(key: "p\($0)", value: "\($0)") }
            let metrics = (0..<2_345).map { MLflowMetric(key: "m", value: Double($0), timestamp: 1, step: Int64($0)) }
            let tags = (0..<130).map { MLflowTag(key: "t\($0)", value: "\($0)") }
            let batches = LogBatchPlan.batches(runID: "r", params: params, metrics: metrics, tags: tags)
            for batch in batches {
                #expect(batch.run_id == "r")
                #expect(batch.params.count <= 100 && batch.tags.count <= 100 && batch.metrics.count <= 1_000)
                #expect(batch.params.count + batch.tags.count + batch.metrics.count <= 1_000)
            }
            #expect(batches.flatMap(\.params) == params)
            #expect(batches.flatMap(\.metrics) == metrics)
            #expect(batches.flatMap(\.tags) == tags)
            #expect(batches.count == 3)
            #expect(LogBatchPlan.batches(runID: "r", params: [], metrics: [], tags: []).isEmpty)
        }

        @Test func artifactsGoThroughTheProxyPathOfTheRun() throws {
            #expect(try ArtifactLocation.proxyPath(of: "mlflow-artifacts:/1/abc/artifacts") == "1/abc/artifacts")
            #expect(try ArtifactLocation.proxyPath(of: "mlflow-artifacts://127.0.0.1:5000/7/abc/artifacts/") == "7/abc/artifacts")
            for uri in ["/srv/mlruns/1/abc/artifacts", "s3://bucket/1/abc", "file:///x", "mlflow-artifacts:/1/../../etc", "mlflow-artifacts:/"] {
                #expect(throws: MLflowError.self, "\(uri)") { try ArtifactLocation.proxyPath(of: uri) }
            }
            #expect(ArtifactLocation.encode("1/abc/artifacts/drift report#1.html") == "1/abc/artifacts/drift%20report%231.html")
        }

        @Test func requestURLsKeepTheServerPrefixAndEncodeQueries() throws {
            let transport = URLSessionTransport(baseURL: try MLflowSettings(trackingURI: "http://h:5000/mlflow").trackingURI)
            let url = try transport.url(for: HTTPRequest(
                method: .get, path: "/api/2.0/mlflow/model-versions/search",
                query: [URLQueryItem(name: "filter", value: "name = 'a+b' AND run_id = 'r1'")], timeout: .seconds(1)))
            #expect(url.absoluteString == "http://h:5000/mlflow/api/2.0/mlflow/model-versions/search?filter=name%20%3D%20'a%2Bb'%20AND%20run_id%20%3D%20'r1'"
                || url.absoluteString == "http://h:5000/mlflow/api/2.0/mlflow/model-versions/search?filter=name%20%3D%20%27a%2Bb%27%20AND%20run_id%20%3D%20%27r1%27")
        }

        /// Answers recorded from a real MLflow 3.17 server (`mlflow server`, SQLite backend, --serve-artifacts).
        @Test func realServerAnswersDecode() throws {
            let search = Data("""
                {"runs": [{"info": {"run_uuid": "f081410b08e44766b086198fdc10ccb8", "experiment_id": "1", "run_name": "model-1",
                "user_id": "", "status": "FINISHED", "start_time": 1795631713702, "end_time": 1795631713702,
                "artifact_uri": "mlflow-artifacts:/1/f081410b08e44766b086198fdc10ccb8/artifacts", "lifecycle_stage": "active",
                "run_id": "f081410b08e44766b086198fdc10ccb8"}, "data": {"tags": [{"key": "shopperd.entity", "value": "model:1"},
                {"key": "shopperd.model_version", "value": "1"}]}, "inputs": {}, "outputs": {}}]}
                """.utf8)
            let runs = try JSONDecoder().decode(SearchRunsResponse.self, from: search).runs ?? []
            #expect(runs.count == 1)
            #expect(runs.first?.info.run_id == "f081410b08e44766b086198fdc10ccb8")
            #expect(runs.first?.info.status == "FINISHED")
            #expect(try ArtifactLocation.proxyPath(of: runs.first?.info.artifact_uri ?? "") == "1/f081410b08e44766b086198fdc10ccb8/artifacts")
            #expect(runs.first?.data?.tags?.first == MLflowTag(key: "shopperd.entity", value: "model:1"))
            #expect(try JSONDecoder().decode(SearchRunsResponse.self, from: Data("{}".utf8)).runs == nil)

            let experiment = Data("""
                {"experiment": {"experiment_id": "1", "name": "shopperd-training", "artifact_location": "mlflow-artifacts:/1",
                "lifecycle_stage": "active", "last_update_time": 1795631717310, "creation_time": 1795631717310, "workspace": "default"}}
                """.utf8)
            #expect(try JSONDecoder().decode(GetExperimentResponse.self, from: experiment).experiment.experiment_id == "1")

            let versions = Data("""
                {"model_versions": [{"name": "shopperd-purchase-intent", "version": "1", "creation_timestamp": 1795631721082,
                "last_updated_timestamp": 1795631721082, "current_stage": "None", "description": "d",
                "source": "runs:/f081410b08e44766b086198fdc10ccb8/model", "run_id": "f081410b08e44766b086198fdc10ccb8",
                "status": "READY", "tags": [{"key": "shopperd.model_version", "value": "1"}], "run_link": ""}]}
                """.utf8)
            let version = try JSONDecoder().decode(SearchModelVersionsResponse.self, from: versions).model_versions?.first
            #expect(version?.version == "1" && version?.run_id == "f081410b08e44766b086198fdc10ccb8")
        }

        @Test func errorsCarryMLflowsCodeAndSayWhetherTheServerIsDown() {
            let request = HTTPRequest(method: .post, path: "/api/2.0/mlflow/registered-models/create", timeout: .seconds(1))
            let exists = MLflowClient.error(request, HTTPResponse(status: 400, body: Data("""
                {"error_code": "RESOURCE_ALREADY_EXISTS", "message": "Registered Model (name=shopperd-purchase-intent) already exists.",
                "sqlstate": "KAM00", "error_class": "RESOURCE_ALREADY_EXISTS"}
                """.utf8)))
            #expect(exists == .server(endpoint: "POST /api/2.0/mlflow/registered-models/create", status: 400,
                                      code: "RESOURCE_ALREADY_EXISTS", message: "Registered Model (name=shopperd-purchase-intent) already exists."))
            #expect(!exists.isServerUnavailable)
            let gateway = MLflowClient.error(request, HTTPResponse(status: 502, body: Data("<html>Bad Gateway</html>".utf8)))
            #expect(gateway == .server(endpoint: request.endpoint, status: 502, code: nil, message: "<html>Bad Gateway</html>"))
            #expect(gateway.isServerUnavailable)
            #expect(MLflowError.unreachable(url: "u", reason: "r").isServerUnavailable)
            #expect(MLflowError.server(endpoint: "e", status: 429, code: nil, message: "").isServerUnavailable)
            #expect(!MLflowError.unreadableEntity("x").isServerUnavailable)
            // A 404 with MLflow's error body is about one entity; without it, the URI is not an MLflow server.
            #expect(!MLflowError.server(endpoint: "e", status: 404, code: "RESOURCE_DOES_NOT_EXIST", message: "").isServerUnavailable)
            #expect(MLflowError.server(endpoint: "e", status: 404, code: nil, message: "Not Found").isServerUnavailable)
        }
    }
}
