import Foundation
import ShopperStore
import ShopperCore
import Synchronization
import Testing
import ShopperTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `shopperd serve` as an operator runs it: the real binary on a store the real binary filled,
/// spoken to over loopback HTTP.
@Suite struct ServeEndToEndTests {
    @Test func healthAndMetadataName17InputsAndTheChampion() async throws {
        try await ServeFixture.with { fixture in
            #expect(try fixture.http.get("/v2/health/live").status == 200)
            let ready = try fixture.http.get("/v2/health/ready")
            #expect(ready.status == 200)
            #expect(ready.json["model_version"] as? Int == 1)
            #expect(try fixture.http.get("/ping").status == 200)
            let metadata = try fixture.http.get("/v2/models/shopperd")
            #expect(metadata.status == 200)
            #expect(metadata.json["name"] as? String == "shopperd")
            #expect(metadata.json["versions"] as? [String] == ["1"])
            let inputs = metadata.json["inputs"] as? [[String: Any]] ?? []
            #expect(inputs.map { $0["name"] as? String } == Column.inputs.map(\.name))
            #expect(inputs.first { $0["name"] as? String == "Month" }?["datatype"] as? String == "BYTES")
            #expect(inputs.first { $0["name"] as? String == "Weekend" }?["datatype"] as? String == "BOOL")
            #expect(try fixture.http.get("/v2/models/other").status == 404)
        }
    }

    /// The four MLflow JSON forms (instances also as lists of values, as in MLflow's own example) and text/csv give the same probabilities for the same rows, with
    /// labels at one threshold, the champion's version, and an id per row never seen before.
    @Test func everyMLflowFormScoresTheSameRows() async throws {
        try await ServeFixture.with { fixture in
            let sessions = try ServeFixture.sessions(7)
            // The count the daemon's trainings watch (`training.yield-above`): one per scoring request.
            let activity = try #require(ServingActivity.forReading(in: URL(fileURLWithPath: fixture.workspace.state)),
                                        "shopperd serve made no serving-activity count in the state directory")
            let before = activity.answered
            var answers: [String: [[String: Any]]] = [:]
            for (form, payload) in ServeFixture.mlflowForms(sessions) {
                let answer = try fixture.http.post("/invocations", json: payload)
                #expect(answer.status == 200, "\(form): \(answer.text)")
                answers[form] = ServeFixture.predictions(answer)
            }
            let csv = try fixture.http.post("/invocations", contentType: "text/csv", body: Data(ServeFixture.csv(sessions).utf8))
            #expect(csv.status == 200, "\(csv.text)")
            answers["text/csv"] = ServeFixture.predictions(csv)
            #expect(activity.answered == before + UInt64(answers.count), "\(activity.answered - before) counted for \(answers.count) requests")

            let reference = answers["dataframe_split"]!.map { $0["probability"] as? Double }
            var ids = Set<String>()
            for (form, predictions) in answers {
                #expect(predictions.count == 7, "\(form)")
                #expect(predictions.map { $0["probability"] as? Double } == reference, "\(form)")
                for prediction in predictions {
                    #expect(prediction["model_version"] as? Int == 1)
                    #expect(prediction["label"] is Bool)
                    ids.insert(prediction["prediction_id"] as? String ?? "")
                }
            }
            #expect(ids.count == 6 * 7)
            // One threshold: every buyer scores at least as high as every non-buyer.
            let rows = answers["dataframe_split"]!
            let buyers = rows.filter { $0["label"] as? Bool == true }.compactMap { $0["probability"] as? Double }
            let others = rows.filter { $0["label"] as? Bool == false }.compactMap { $0["probability"] as? Double }
            #expect((buyers.min() ?? 1) >= (others.max() ?? 0))
        }
    }

    @Test func openInferenceProtocolInfer() async throws {
        try await ServeFixture.with { fixture in
            let sessions = try ServeFixture.sessions(4)
            let answer = try fixture.http.post("/v2/models/shopperd/infer", json: ServeFixture.inferRequest(sessions, id: "abc"))
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json["model_name"] as? String == "shopperd")
            #expect(answer.json["model_version"] as? String == "1")
            #expect(answer.json["id"] as? String == "abc")
            let outputs = answer.json["outputs"] as? [[String: Any]] ?? []
            #expect(outputs.map { $0["name"] as? String } == ["probability", "label", "prediction_id"])
            for output in outputs { #expect((output["data"] as? [Any])?.count == 4) }
            let mlflow = try fixture.http.post("/invocations", json: ServeFixture.mlflowForms(sessions)["dataframe_records"]!)
            #expect(outputs.first?["data"] as? [Double] == ServeFixture.predictions(mlflow).map { $0["probability"] as? Double ?? -1 })
        }
    }

    /// Every bad request gets a 4xx naming what is wrong, never a 5xx; the server stays up.
    @Test func badInputsAreRefusedWith4xxNamingRowFieldValueAndReason() async throws {
        try await ServeFixture.with(["--max-rows", "5", "--max-body-bytes", "20000"]) { fixture in
            let good = ServeFixture.record(try ServeFixture.sessions(2)[1])
            func records(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
                var bad = good
                change(&bad)
                return ["dataframe_records": [good, bad]]
            }
            func json(_ object: Any) throws -> Data { try JSONSerialization.data(withJSONObject: object) }
            struct Case {
                var name: String
                var path = "/invocations"
                var contentType: String? = "application/json"
                var body: Data
                var status = 400
                var row: Int?
                var field: String?
                var value: String?
            }
            let cases: [Case] = [
                Case(name: "unknown month", body: try json(records { $0["Month"] = "Foo" }), row: 1, field: "Month", value: "Foo"),
                Case(name: "missing column", body: try json(records { $0["Region"] = nil }), row: 1, field: "Region"),
                Case(name: "extra column", body: try json(records { $0["Colour"] = "red" }), row: 1, field: "Colour"),
                Case(name: "label sent", body: try json(records { $0["Revenue"] = true }), row: 1, field: "Revenue"),
                Case(name: "wrong type", body: try json(records { $0["Administrative"] = "three" }), row: 1, field: "Administrative", value: "\"three\""),
                Case(name: "out of range", body: try json(records { $0["ExitRates"] = 1.5 }), row: 1, field: "ExitRates", value: "1.5"),
                Case(name: "negative count", body: try json(records { $0["ProductRelated"] = -2 }), row: 1, field: "ProductRelated", value: "-2"),
                Case(name: "fractional count", body: try json(records { $0["Browser"] = 2.5 }), row: 1, field: "Browser", value: "2.5"),
                Case(name: "null", body: try json(records { $0["Weekend"] = NSNull() }), row: 1, field: "Weekend"),
                Case(name: "quote in a value", body: try json(records { $0["VisitorType"] = "New\"Visitor" }), row: 1, field: "VisitorType"),
                Case(name: "malformed JSON", body: Data("{\"dataframe_records\": [".utf8)),
                Case(name: "empty body", body: Data()),
                Case(name: "not an object", body: Data("[1, 2]".utf8)),
                Case(name: "two forms", body: try json(["instances": [good], "inputs": [good]])),
                Case(name: "split row too short", body: try json(["dataframe_split": ["columns": ["Month"], "data": [["Nov", 1]]]]), row: 0),
                Case(name: "uneven columns", body: try json(["inputs": ["Month": ["Nov"], "Region": [1, 2]]])),
                Case(name: "too many rows", body: try json(["dataframe_records": Array(repeating: good, count: 6)]), status: 413),
                Case(name: "too large a body", body: Data(repeating: 0x20, count: 30_000), status: 413),
                Case(name: "no content type", contentType: nil, body: try json(["instances": [good]]), status: 415),
                Case(name: "csv unknown month", contentType: "text/csv", body: Data(try csvWithUnknownMonth().utf8), field: "Month", value: "Foo"),
                Case(name: "csv missing column", contentType: "text/csv", body: Data("Month,Region\nNov,1\n".utf8), field: "Administrative"),
                Case(name: "csv binary", contentType: "text/csv", body: Data([0x41, 0x00, 0x42])),
                Case(name: "infer wrong datatype", path: "/v2/models/shopperd/infer",
                     body: try json(["inputs": [["name": "Month", "shape": [1], "datatype": "INT64", "data": [3]]]]), field: "Month"),
                Case(name: "infer shape mismatch", path: "/v2/models/shopperd/infer",
                     body: try json(["inputs": [["name": "Month", "shape": [2], "datatype": "BYTES", "data": ["Nov"]]]]), field: "Month"),
                Case(name: "infer not tensors", path: "/v2/models/shopperd/infer", body: try json(["inputs": [1, 2]])),
                Case(name: "infer unknown month", path: "/v2/models/shopperd/infer",
                     body: try ServeFixture.inferRequest(try ServeFixture.sessions(3)).replacingMonth(), row: 0, field: "Month", value: "Foo"),
            ]
            for test in cases {
                let answer = try fixture.http.post(test.path, contentType: test.contentType, body: test.body)
                #expect(answer.status == test.status, "\(test.name): \(answer.status) \(answer.text)")
                let error = answer.json["error"] as? [String: Any] ?? [:]
                #expect(error["reason"] is String && answer.json["message"] is String, "\(test.name): \(answer.text)")
                if let row = test.row { #expect(error["row"] as? Int == row, "\(test.name): \(answer.text)") }
                if let field = test.field { #expect(error["field"] as? String == field, "\(test.name): \(answer.text)") }
                if let value = test.value { #expect(error["value"] as? String == value, "\(test.name): \(answer.text)") }
            }
            #expect(try fixture.http.get("/v2/health/live").status == 200)
            #expect(fixture.server.isRunning)
        }
    }

    /// Clients that stall mid-request or speak no HTTP hold nobody else up: answers go on while
    /// they wait, a line that is not HTTP is refused with a 4xx, and SIGTERM does not wait for them.
    @Test func stalledAndGarbageClientsDoNotHoldUpOthers() async throws {
        try await ServeFixture.with { fixture in
            let payload = ServeFixture.mlflowForms(try ServeFixture.sessions(1))["dataframe_records"]!
            let partialBody = "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"dataframe_"
            let partialHead = "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Le"
            let stalled = try (0..<8).map { k in try fixture.http.stall(after: Data((k % 2 == 0 ? partialBody : partialHead).utf8)) }
            defer { for fd in stalled { close(fd) } }
            let started = ContinuousClock.now
            for _ in 0..<5 {
                let answer = try fixture.http.post("/invocations", json: payload)
                #expect(answer.status == 200, "\(answer.text)")
            }
            #expect(ContinuousClock.now - started < .seconds(5))
            let garbage = try fixture.http.send(Data("NOT HTTP AT ALL\r\n\r\n".utf8 + Data(repeating: 0xFF, count: 64)))
            #expect((400..<500).contains(garbage.status), "\(garbage.status) \(garbage.text)")
            #expect(try fixture.http.get("/v2/health/live").status == 200)
            // SIGTERM with the stalled clients still connected: out within the 5 s grace, not
            // after the 30 s idle timeout.
            let stopping = ContinuousClock.now
            #expect(await fixture.stop() == 0)
            #expect(ContinuousClock.now - stopping < .seconds(15), "stopped after \(ContinuousClock.now - stopping)")
        }
    }

    /// A promotion by `shopperd models promote` in another process reaches the endpoint within a
    /// second; every answer in between is whole and names the one version that produced it.
    @Test func promotionIsServedWithinASecondWithoutAMixedAnswer() async throws {
        try await ServeFixture.with { fixture in
            let state = fixture.workspace.state
            let train = try await DaemonProcess.run(["train", "--state", state, "--trees", "10", "--min-samples-leaf", "5", "--max-features", "sqrt", "--seed", "11"],
                                                    timeout: .seconds(120))
            #expect(train.status == 0, "\(train.stderr)")
            let payload = ServeFixture.mlflowForms(try ServeFixture.sessions(5))["dataframe_records"]!
            let http = fixture.http
            let seen = Mutex<[(at: ContinuousClock.Instant, version: Int)]>([])
            let stop = Atomic<Bool>(false)
            let client = Task.detached {
                while !stop.load(ordering: .relaxed) {
                    let answer = try http.post("/invocations", json: payload)
                    #expect(answer.status == 200, "\(answer.text)")
                    let versions = Set(ServeFixture.predictions(answer).compactMap { $0["model_version"] as? Int })
                    #expect(versions.count == 1, "mixed answer: \(answer.text)")
                    if let version = versions.first { seen.withLock { $0.append((.now, version)) } }
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            let promote = try await DaemonProcess.run(["models", "promote", "2", "--state", state, "--reason", "serve test"])
            let promoted = ContinuousClock.now
            #expect(promote.status == 0, "\(promote.stderr)")
            let switched = await eventually(timeout: .seconds(5), every: .milliseconds(20)) {
                seen.withLock { $0.contains { $0.version == 2 } }
            }
            try await Task.sleep(for: .milliseconds(300))
            stop.store(true, ordering: .relaxed)
            try await client.value
            #expect(switched)
            let log = seen.withLock { $0 }
            let firstNew = try #require(log.firstIndex { $0.version == 2 })
            #expect(log[firstNew].at - promoted < .seconds(1), "v2 first served \(log[firstNew].at - promoted) after the promotion")
            #expect(log[..<firstNew].allSatisfy { $0.version == 1 } && log[firstNew...].allSatisfy { $0.version == 2 })
            #expect(try fixture.http.get("/v2/health/ready").json["model_version"] as? Int == 2)

            let rollback = try await DaemonProcess.run(["models", "rollback", "--state", state, "--reason", "serve test"])
            #expect(rollback.status == 0, "\(rollback.stderr)")
            #expect(await eventually(timeout: .seconds(2), every: .milliseconds(20)) {
                (try? fixture.http.get("/v2/health/ready").json["model_version"] as? Int) == 1
            })
        }
    }
}

/// Two rows as CSV, the second (line 3) with Month `Foo`.
private func csvWithUnknownMonth() throws -> String {
    var lines = ServeFixture.csv(try ServeFixture.sessions(2)).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    lines[2][Column.inputs.firstIndex(of: .month)!] = "Foo"
    return lines.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
}

private extension Dictionary where Key == String, Value == Any {
    /// An infer request with its Month tensor's first value replaced by `Foo`, as JSON.
    func replacingMonth() throws -> Data {
        var request = self
        var inputs = request["inputs"] as? [[String: Any]] ?? []
        if let k = inputs.firstIndex(where: { $0["name"] as? String == "Month" }), var data = inputs[k]["data"] as? [Any] {
            data[0] = "Foo"
            inputs[k]["data"] = data
        }
        request["inputs"] = inputs
        return try JSONSerialization.data(withJSONObject: request)
    }
}
