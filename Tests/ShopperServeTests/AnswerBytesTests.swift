import Foundation
import ShopperCore
import Testing
@testable import ShopperServe

/// The scoring answers are written as bytes by hand (`JSONBytes`); they must be exactly what
/// `JSONPolicy`'s encoder writes for the same values (sorted snake_case keys, compact).
@Suite struct AnswerBytesTests {
    static func scored(_ probabilities: [Double]) -> ScoredRows {
        let ids = PredictionIDs().next(probabilities.count)
        return ScoredRows(version: 12, threshold: 0.3, probabilities: probabilities, labels: probabilities.map { $0 >= 0.3 }, ids: ids)
    }

    static let probabilities: [Double] = [0, 1, 0.5, 0.1, 1e-5, 0.30000000000000004, 2.5e-300, 0.999999999999, 0.2260416666666667]

    @Test func mlflowAnswerBytesAreTheEncodersBytes() throws {
        for count in [0, 1, 2, Self.probabilities.count] {
            let answer = MLflowAnswer(Self.scored(Array(Self.probabilities.prefix(count))))
            let encoded = Array(try JSONPolicy.encode(answer, form: .compact, keys: .snakeCase))
            #expect(answer.jsonBytes == encoded, "\(String(decoding: answer.jsonBytes, as: UTF8.self))")
        }
    }

    @Test func inferenceAnswerBytesAreTheEncodersBytes() throws {
        for id in [nil, "req-1", "a \"quoted\"\n id ✓"] {
            let answer = InferenceAnswer(Self.scored(Self.probabilities), id: id)
            let encoded = Array(try JSONPolicy.encode(answer, form: .compact, keys: .snakeCase))
            #expect(answer.jsonBytes == encoded, "\(String(decoding: answer.jsonBytes, as: UTF8.self))")
        }
    }

    @Test func predictionIDsAreConsecutiveAndUniquePerProcessPrefix() {
        let ids = PredictionIDs()
        let first = ids.next(3), second = ids.next(2)
        let all = Array(first) + Array(second)
        #expect(Set(all).count == 5)
        let prefix = String(all[0].split(separator: "-")[0])
        #expect(prefix.count == 16 && prefix.allSatisfy(\.isHexDigit))
        #expect(all == (1...5).map { "\(prefix)-\($0)" })
        var bytes: [UInt8] = []
        second.appendJSON(1, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "\"\(prefix)-5\"")
    }
}
