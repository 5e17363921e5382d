import Foundation
import ShopperCore
import Testing
import ShopperTestSupport

/// Hostile and odd JSON bodies against the real `shopperd serve`: each is answered (a 4xx naming
/// the problem, or a 200 where the JSON is valid and the values fit), never a 5xx, and the
/// server keeps serving. And the single-row path gives the very numbers the batch path gives.
@Suite struct ServeHostileJSONTests {
    @Test func hostileBodiesGet4xxAndTheServerStaysUp() async throws {
        try await ServeFixture.with { fixture in
            let good = try JSONSerialization.data(withJSONObject: ["dataframe_records": [ServeFixture.record(try ServeFixture.sessions(1)[0])]])
            let text = String(decoding: good, as: UTF8.self)
            /// The good request with the text of one cell's value replaced (`"Month":"Feb"` → `"Month":VALUE`).
            func with(_ field: String, _ value: String) throws -> Data {
                let pattern = try Regex("\"\(field)\":(\"[^\"]*\"|[^,}]*)")
                return Data(text.replacing(pattern, maxReplacements: 1) { _ in "\"\(field)\":\(value)" }.utf8)
            }
            struct Case {
                var name: String
                var body: Data
                var status = 400
                var field: String? = nil
                var reason: String? = nil
            }
            let cases: [Case] = [
                Case(name: "513 deep", body: Data((String(repeating: "[", count: 513) + String(repeating: "]", count: 513)).utf8), reason: "nested more than 512 deep"),
                Case(name: "512 deep: valid JSON, not a request", body: Data((String(repeating: "[", count: 512) + String(repeating: "]", count: 512)).utf8)),
                Case(name: "a megabyte of brackets", body: Data(repeating: UInt8(ascii: "["), count: 1 << 20), reason: "nested more than 512 deep"),
                Case(name: "number beyond a double", body: try with("Administrative", "1e400"), reason: "beyond the range of a double"),
                Case(name: "huge but finite", body: try with("PageValues", "1e300"), field: "PageValues", reason: "too large"),
                Case(name: "count beyond Int", body: try with("Administrative", "99999999999999999999"), field: "Administrative"),
                Case(name: "lone surrogate", body: try with("Month", #""\ud800""#), reason: "surrogate"),
                Case(name: "escaped NUL", body: try with("Month", #""N\u0000v""#), field: "Month", reason: "not a month"),
                Case(name: "invalid UTF-8", body: try with("Month", "\"N\u{FFFD}v\"").replacingFFFD(), reason: "UTF-8"),
                Case(name: "key given twice", body: Data(text.replacingOccurrences(of: "{\"", with: "{\"Month\":\"Nov\",\"", options: [], range: text.range(of: "[{\"")).utf8),
                     reason: "given twice"),
                Case(name: "trailing comma", body: Data(text.replacingOccurrences(of: "}]", with: "},]").utf8), reason: "trailing comma"),
                Case(name: "text after the document", body: good + Data(" {}".utf8), reason: "after the end"),
                Case(name: "escaped month", body: try with("Month", #""\u004eov""#), status: 200),
                Case(name: "whole number written 2.0", body: try with("Browser", "2.0"), status: 200),
            ]
            for test in cases {
                let answer = try fixture.http.post("/invocations", body: test.body)
                #expect(answer.status == test.status, "\(test.name): \(answer.status) \(answer.text.prefix(400))")
                guard test.status != 200 else { continue }
                let error = answer.json["error"] as? [String: Any] ?? [:]
                #expect(error["reason"] is String, "\(test.name): \(answer.text.prefix(400))")
                if let field = test.field { #expect(error["field"] as? String == field, "\(test.name): \(answer.text.prefix(400))") }
                if let reason = test.reason { #expect((error["reason"] as? String)?.contains(reason) == true, "\(test.name): \(answer.text.prefix(400))") }
            }
            #expect(try fixture.http.get("/v2/health/live").status == 200)
            #expect(fixture.server.isRunning)
        }
    }

    /// A row scored alone (the forest's single-row walk) gets the probability it gets among others
    /// (the batch walk), bit for bit.
    @Test func aRowAloneScoresAsInABatch() async throws {
        try await ServeFixture.with { fixture in
            let sessions = try ServeFixture.sessions(6)
            let batch = ServeFixture.predictions(try fixture.http.post("/invocations", json: ["dataframe_records": sessions.map(ServeFixture.record)]))
            #expect(batch.count == 6)
            for (k, session) in sessions.enumerated() {
                let alone = ServeFixture.predictions(try fixture.http.post("/invocations", json: ["dataframe_records": [ServeFixture.record(session)]]))
                #expect(alone.count == 1)
                #expect(alone.first?["probability"] as? Double == batch[k]["probability"] as? Double, "row \(k)")
                #expect(alone.first?["label"] as? Bool == batch[k]["label"] as? Bool, "row \(k)")
            }
        }
    }
}

private extension Data {
    /// U+FFFD's UTF-8 replaced by a lone 0xFF byte: invalid UTF-8 inside a JSON string.
    func replacingFFFD() -> Data {
        var bytes = [UInt8](self)
        if let at = bytes.indices.first(where: { bytes[$0] == 0xEF && bytes[$0 + 1] == 0xBF && bytes[$0 + 2] == 0xBD }) {
            bytes.replaceSubrange(at..<(at + 3), with: [0xFF])
        }
        return Data(bytes)
    }
}
