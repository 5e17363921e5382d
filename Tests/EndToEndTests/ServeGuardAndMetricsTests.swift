import Foundation
import ShopperStore
import ShopperTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `shopperd serve`'s bearer token, `/metrics` and `/openapi.json`, over loopback HTTP against the
/// real binary.
@Suite struct ServeGuardAndMetricsTests {
    static let token = "s3cr3t-Token_0123456789abcdef"

    /// A token file in a fresh directory, with the given mode.
    static func tokenFile(mode: mode_t, content: String = token + "\n") throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory("shopperd-token")
        let path = directory.file("serve-token")
        try Data(content.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, mode)
        return (directory, path)
    }

    @Test func bearerTokenGuardsScoringMetadataAndMetricsButNotHealth() async throws {
        let (directory, path) = try Self.tokenFile(mode: 0o600)
        defer { _ = directory }
        try await ServeFixture.with(["--token-file", path]) { fixture in
            let body = try JSONSerialization.data(withJSONObject: ServeFixture.mlflowForms(try ServeFixture.sessions(2))["dataframe_records"]!)
            let anonymous = try fixture.http.post("/invocations", body: body)
            #expect(anonymous.status == 401)
            #expect(anonymous.headers["www-authenticate"] == #"Bearer realm="shopperd""#)
            #expect((anonymous.json["error"] as? [String: Any])?["reason"] as? String == "send Authorization: Bearer TOKEN")
            let wrong = try fixture.http.post("/invocations", body: body, headers: ["Authorization": "Bearer \(Self.token)x"])
            #expect(wrong.status == 401)
            #expect(wrong.headers["www-authenticate"]?.contains(#"error="invalid_token""#) == true)
            #expect(try fixture.http.post("/invocations", body: body, headers: ["Authorization": "Basic \(Self.token)"]).status == 401)
            let good = try fixture.http.post("/invocations", body: body, headers: ["Authorization": "Bearer \(Self.token)"])
            #expect(good.status == 200, "\(good.text)")
            #expect(ServeFixture.predictions(good).count == 2)
            #expect(try fixture.http.post("/invocations", body: body, headers: ["authorization": "bearer \(Self.token)"]).status == 200)

            let infer = try JSONSerialization.data(withJSONObject: ServeFixture.inferRequest(try ServeFixture.sessions(1)))
            #expect(try fixture.http.post("/v2/models/shopperd/infer", body: infer).status == 401)
            #expect(try fixture.http.post("/v2/models/shopperd/infer", body: infer, headers: ["Authorization": "Bearer \(Self.token)"]).status == 200)
            #expect(try fixture.http.get("/v2/models/shopperd").status == 401)
            #expect(try fixture.http.get("/v2/models/shopperd", headers: ["Authorization": "Bearer \(Self.token)"]).status == 200)
            #expect(try fixture.http.get("/metrics").status == 401)
            #expect(try fixture.http.get("/metrics", headers: ["Authorization": "Bearer \(Self.token)"]).status == 200)
            // Probes stay open: they carry no data beyond "running" and the version.
            for path in ["/v2/health/live", "/v2/health/ready", "/v2/models/shopperd/ready", "/ping", "/health", "/openapi.json"] {
                #expect(try fixture.http.get(path).status == 200, "\(path)")
            }
            #expect(fixture.server.stdout.contains("bearer token required"))
            #expect(!fixture.server.stdout.contains(Self.token) && !fixture.server.stderr.contains(Self.token))
        }
    }

    @Test func aTokenFileOthersCanReadIsRefused() async throws {
        let (directory, path) = try Self.tokenFile(mode: 0o640)
        defer { _ = directory }
        let workspace = try await DaemonWorkspace.bootstrapped()
        let server = try DaemonProcess(arguments: ["serve", "--state", workspace.state, "--listen", "127.0.0.1:0", "--token-file", path])
        #expect(await server.exitStatus(timeout: .seconds(30)) == 64)
        #expect(server.stderr.contains("the token file \(path) is readable by group or others (mode 640): make it the owner's only (chmod 600 \(path))"),
                "stderr: \(server.stderr)")
        #expect(!server.stderr.contains(Self.token) && !server.stdout.contains("listening"))
    }

    @Test func theServeTokenCredentialFromSystemdIsUsed() async throws {
        let (directory, path) = try Self.tokenFile(mode: 0o400)
        defer { _ = directory }
        let credentials = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try await ServeFixture.with(environment: ["CREDENTIALS_DIRECTORY": credentials]) { (fixture: ServeFixture) async throws in
            #expect(try fixture.http.get("/v2/models/shopperd").status == 401)
            #expect(try fixture.http.get("/v2/models/shopperd", headers: ["Authorization": "Bearer \(Self.token)"]).status == 200)
            #expect(try fixture.http.get("/v2/health/ready").status == 200)
        }
    }

    /// Requests and latencies by route and status, predictions by version, the champion and its
    /// load time, and the daemon's batches by decision exactly as the store's jobs table has them.
    @Test func metricsCountWhatWasServedAndReadTheDaemonsJobsFromTheStore() async throws {
        try await ServeFixture.with { fixture in
            let forms = ServeFixture.mlflowForms(try ServeFixture.sessions(3))
            #expect(try fixture.http.post("/invocations", json: forms["dataframe_records"]!).status == 200)
            #expect(try fixture.http.post("/invocations", json: ServeFixture.mlflowForms(try ServeFixture.sessions(2))["dataframe_split"]!).status == 200)
            #expect(try fixture.http.post("/invocations", json: ["dataframe_records": [["Month": "Foo"]]]).status == 400)
            #expect(try fixture.http.get("/no/such/path").status == 404)

            let answer = try fixture.http.get("/metrics")
            #expect(answer.status == 200)
            #expect(answer.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            let samples = PrometheusSamples(answer.text)
            let ok = ["endpoint": "/invocations", "method": "POST", "status": "200"]
            #expect(samples.value("shopperd_http_requests_total", ok) == 2)
            #expect(samples.value("shopperd_http_requests_total", ["endpoint": "/invocations", "method": "POST", "status": "400"]) == 1)
            #expect(samples.value("shopperd_http_requests_total", ["endpoint": "other", "method": "GET", "status": "404"]) == 1)
            #expect(samples.value("shopperd_http_request_duration_seconds_count", ok) == 2)
            #expect(samples.value("shopperd_http_request_duration_seconds_bucket", ok.merging(["le": "+Inf"]) { $1 }) == 2)
            #expect(samples.value("shopperd_predictions_total", ["model_version": "1"]) == 5)
            #expect(samples.value("shopperd_champion_version", [:]) == 1)
            #expect((samples.value("shopperd_model_load_seconds", [:]) ?? 0) > 0)
            #expect(answer.text.contains("# TYPE shopperd_http_requests_total counter"))
            #expect(answer.text.contains("# TYPE shopperd_batches_total counter"))

            let store = try ShopperStore.open(directory: URL(fileURLWithPath: fixture.workspace.state), mode: .existing)
            let decisions = try store.jobCountsByDecision()
            for (decision, count) in decisions {
                #expect(samples.value("shopperd_batches_total", ["decision": decision]) == Double(count), "\(decision)")
            }
            #expect(samples.series("shopperd_batches_total").count == decisions.count)
            #expect(samples.value("shopperd_drift_alarms_total", [:]) == Double(try store.driftAlarmCount()))
        }
    }

    /// Every path and method the committed OpenAPI document lists is answered (never 404 or a
    /// 5xx), with a status the document lists for it.
    @Test func theOpenAPIDocumentIsServedAndMatchesTheRoutes() async throws {
        try await ServeFixture.with { fixture in
            let answer = try fixture.http.get("/openapi.json")
            #expect(answer.status == 200)
            #expect((answer.json["openapi"] as? String)?.hasPrefix("3.") == true)
            let paths = answer.json["paths"] as? [String: [String: Any]] ?? [:]
            #expect(Set(paths.keys) == ["/invocations", "/v2/models/shopperd/infer", "/v2/models/shopperd", "/v2/models/shopperd/ready",
                                        "/v2/health/ready", "/v2/health/live", "/ping", "/health", "/metrics", "/openapi.json", "/v2/feedback"])
            for (path, operations) in paths {
                for (method, operation) in operations {
                    let documented = Set(((operation as? [String: Any])?["responses"] as? [String: Any] ?? [:]).keys)
                    let got = method == "post" ? try fixture.http.post(path, json: [String: Any]()) : try fixture.http.get(path)
                    #expect(got.status != 404 && got.status < 500, "\(method) \(path): \(got.status)")
                    #expect(documented.contains(String(got.status)), "\(method) \(path): \(got.status) not in \(documented)")
                }
            }
        }
    }
}

/// Sample lines of a Prometheus text exposition, by metric name and labels.
struct PrometheusSamples {
    var samples: [(name: String, labels: [String: String], value: Double)] = []

    init(_ text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            var labels: [String: String] = [:]
            var name = String(series)
            if let brace = series.firstIndex(of: "{") {
                name = String(series[..<brace])
                for pair in series[series.index(after: brace)..<(series.lastIndex(of: "}") ?? series.endIndex)].split(separator: ",") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    if parts.count == 2 { labels[String(parts[0])] = String(parts[1].dropFirst().dropLast()) }
                }
            }
            samples.append((name, labels, value))
        }
    }

    func value(_ name: String, _ labels: [String: String]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    func series(_ name: String) -> [[String: String]] {
        samples.filter { $0.name == name }.map(\.labels)
    }
}
