import Foundation
import Testing

/// One case of `ks_golden_public.json`: a KS case (x, y, method) or a chi-square case
/// (kind "chi2", counts per category), with scipy 1.17's answers.
struct GoldenCase: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var kind: String?
    // KS
    var x: [Double]?
    var y: [Double]?
    var method: String?
    var statisticLocation: Double?
    var statisticSign: Int?
    var effectiveMethod: String?
    // chi-square
    var categories: [String]?
    var refCounts: [String: Int]?
    var curCounts: [String: Int]?
    var dof: Int?
    // both
    var statistic: Double
    var pvalue: Double

    enum CodingKeys: String, CodingKey {
        case name, kind, x, y, method, categories, dof, statistic, pvalue
        case statisticLocation = "statistic_location"
        case statisticSign = "statistic_sign"
        case effectiveMethod = "effective_method"
        case refCounts = "ref_counts"
        case curCounts = "cur_counts"
    }

    var isChiSquare: Bool { kind == "chi2" }
    var testDescription: String { name }
}


enum GoldenFixture {
    /// Every case of the fixture, read from the test bundle's copy.
    static let cases: [GoldenCase] = {
        guard let url = Bundle.module.url(forResource: "ks_golden_public", withExtension: "json", subdirectory: "Fixtures"),
              let data = try? Data(contentsOf: url),
              let decoded = try? JSONDecoder().decode([GoldenCase].self, from: data)
        else { return [] }
        return decoded
    }()

    static var ksCases: [GoldenCase] { cases.filter { !$0.isChiSquare } }
    static var chiSquareCases: [GoldenCase] { cases.filter(\.isChiSquare) }
}

/// The agreement the issue asks for: 1e-9 absolute or 1e-7 relative.
func pValuesAgree(_ actual: Double, _ expected: Double) -> Bool {
    if actual == expected { return true }
    let difference = abs(actual - expected)
    return difference <= 1e-9 || difference <= 1e-7 * abs(expected)
}
