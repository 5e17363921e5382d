import Foundation
import Testing
@testable import ShopperML

/// DeLong's test against R's pROC (`roc.test(method = "delong", paired = TRUE)`) on the cases of
/// `bench/delong_golden.R`, committed as `Fixtures/delong_golden.json`: small with ties, unbalanced,
/// six buyers, 2,000 rounded scores, a model below chance, independent models, the same ranking.
struct DeLongGoldenTests {
    struct Case: Decodable {
        let name: String
        let labels: [Bool]
        let scoresA: [Double]
        let scoresB: [Double]
        let aucA: Double
        let aucB: Double
        let varianceA: Double
        let varianceB: Double
        let covariance: Double
        let zAMinusB: Double?
        let pValue: Double?
        let ci95AMinusB: [Double?]?

        enum CodingKeys: String, CodingKey {
            case name, labels, covariance
            case scoresA = "scores_a", scoresB = "scores_b", aucA = "auc_a", aucB = "auc_b"
            case varianceA = "variance_a", varianceB = "variance_b", zAMinusB = "z_a_minus_b", pValue = "p_value"
            case ci95AMinusB = "ci95_a_minus_b"
        }
    }

    struct Fixture: Decodable {
        let cases: [Case]
    }

    static func cases() throws -> [Case] {
        guard let url = Bundle.module.url(forResource: "delong_golden", withExtension: "json", subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url)).cases
    }

    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
        abs(a - b) <= tolerance * max(1, abs(b))
    }

    @Test func fixtureHoldsEveryKindOfCase() throws {
        let cases = try Self.cases()
        #expect(cases.count >= 7)
        #expect(cases.contains { $0.labels.count >= 2000 })
        #expect(cases.contains { $0.labels.filter { $0 }.count <= 6 })
    }

    @Test(arguments: try DeLongGoldenTests.cases().map(\.name))
    func agreesWithPROC(name: String) throws {
        let golden = try #require(try Self.cases().first { $0.name == name })
        let test = try #require(DeLongTest(labels: golden.labels, scoresA: golden.scoresA, scoresB: golden.scoresB))
        #expect(Self.close(test.aucA, golden.aucA), "AUC A \(test.aucA) vs pROC \(golden.aucA)")
        #expect(Self.close(test.aucB, golden.aucB), "AUC B \(test.aucB) vs pROC \(golden.aucB)")
        #expect(Self.close(test.varianceA, golden.varianceA), "var A \(test.varianceA) vs pROC \(golden.varianceA)")
        #expect(Self.close(test.varianceB, golden.varianceB), "var B \(test.varianceB) vs pROC \(golden.varianceB)")
        #expect(Self.close(test.covariance, golden.covariance), "cov \(test.covariance) vs pROC \(golden.covariance)")
        // The scikit-learn-style AUC of Metrics is the same number.
        #expect(Self.close(try #require(Metrics.rocAUC(scores: golden.scoresA, labels: golden.labels)), golden.aucA))
        if let z = golden.zAMinusB, let p = golden.pValue {
            // pROC's z is (A − B) / SE; ours is (B − A) / SE.
            #expect(Self.close(-test.z, z), "z \(-test.z) vs pROC \(z)")
            #expect(Self.close(test.pValue, p), "p \(test.pValue) vs pROC \(p)")
            if let ci = golden.ci95AMinusB, let low = ci.first ?? nil, let high = ci.last ?? nil {
                let ours = test.confidenceInterval(level: 0.95)
                #expect(Self.close(-ours.upperBound, low) && Self.close(-ours.lowerBound, high), "CI \(ours) vs pROC \(low)…\(high)")
            }
        } else {
            // pROC has no z when both curves rank alike (SE 0); the test then says "no difference".
            #expect(test.difference == 0 && test.z == 0 && test.pValue == 1)
        }
    }
}
