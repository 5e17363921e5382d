import Foundation
import Testing
@testable import ShopperDrift

/// scipy's values over grids that reach every branch of the distributions behind the tests
/// (`bench/drift/make_reference_values.py` writes the file; scipy 1.17).
struct ScipyReferenceValues: Decodable, Sendable {
    struct KolmogorovCase: Decodable, Sendable { var n: Int; var x: Double; var sf: Double }
    struct ChiSquareCase: Decodable, Sendable { var df: Double; var x: Double; var sf: Double }
    struct TwoSampleCase: Decodable, Sendable, CustomTestStringConvertible {
        var n1: Int, n2: Int, seed1: Int, seed2: Int, modulus: Int
        var shift1: Double, shift2: Double
        var method: String
        var statistic: Double, pvalue: Double, location: Double, sign: Int
        var warned: Bool
        var testDescription: String { "\(n1)×\(n2) \(method)" }

        /// The generator shared with the Python script.
        static func sample(count: Int, seed: Int, modulus: Int, shift: Double) -> [Double] {
            (0..<count).map { i in
                Double(((i * 7919 + seed * 104_729) % 10_007) % modulus) / Double(modulus) + shift
            }
        }
    }

    struct ExactCase: Decodable, Sendable { var m: Int; var n: Int; var h: Int; var p: Double }

    var kstwo_sf: [KolmogorovCase]
    var exact_outside: [ExactCase]
    var chi2_sf: [ChiSquareCase]
    var ks_2samp: [TwoSampleCase]

    static let shared: ScipyReferenceValues? = {
        guard let url = Bundle.module.url(forResource: "scipy_reference_values", withExtension: "json", subdirectory: "Fixtures"),
              let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(ScipyReferenceValues.self, from: data)
    }()
}

@Suite struct ScipyReferenceTests {
    @Test func kolmogorovSurvivalMatchesKstwo() throws {
        let reference = try #require(ScipyReferenceValues.shared)
        #expect(reference.kstwo_sf.count > 600)
        for item in reference.kstwo_sf {
            let sf = KolmogorovDistribution.survival(item.x, n: Double(item.n))
            #expect(pValuesAgree(sf, item.sf), "kstwo.sf(\(item.x), \(item.n)) = \(item.sf), got \(sf)")
        }
    }

    @Test func exactTwoSampleTailMatchesScipysRecursions() throws {
        let reference = try #require(ScipyReferenceValues.shared)
        #expect(reference.exact_outside.count == 120)
        for item in reference.exact_outside {
            let g = KolmogorovSmirnovTest.gcd(item.m, item.n)
            let p = item.m == item.n
                ? SmirnovTwoSampleExact.probabilityOutsideSquare(n: item.m, h: item.h)
                : SmirnovTwoSampleExact.probabilityOutsideBand(m: item.m, n: item.n, gcd: g, h: item.h)
            #expect(pValuesAgree(p, item.p), "m \(item.m) n \(item.n) h \(item.h): \(item.p) vs \(p)")
        }
    }

    @Test func chiSquareSurvivalMatchesChdtrc() throws {
        let reference = try #require(ScipyReferenceValues.shared)
        #expect(reference.chi2_sf.count > 400)
        for item in reference.chi2_sf {
            let sf = IncompleteGamma.chiSquareSurvival(item.x, degreesOfFreedom: item.df)
            // Cephes-grade: relative 1e-12 wherever the value is representable.
            let close = sf == item.sf || abs(sf - item.sf) <= 1e-12 * abs(item.sf) || abs(sf - item.sf) < 1e-300
            #expect(close, "chi2.sf(\(item.x), \(item.df)) = \(item.sf), got \(sf)")
        }
    }

    @Test(arguments: ScipyReferenceValues.shared?.ks_2samp ?? [])
    func twoSampleMatchesKs2samp(_ item: ScipyReferenceValues.TwoSampleCase) throws {
        let x = ScipyReferenceValues.TwoSampleCase.sample(count: item.n1, seed: item.seed1, modulus: item.modulus, shift: item.shift1)
        let y = ScipyReferenceValues.TwoSampleCase.sample(count: item.n2, seed: item.seed2, modulus: item.modulus, shift: item.shift2)
        let method = try #require(KSMethod(rawValue: item.method))
        let result = try KolmogorovSmirnovTest.twoSided(x, y, method: method)
        #expect(abs(result.statistic - item.statistic) <= 1e-12)
        #expect(pValuesAgree(result.pValue, item.pvalue), "p \(result.pValue) vs \(item.pvalue)")
        #expect(result.location == item.location)
        #expect(result.sign == item.sign)
        #expect(result.fellBackToAsymptotic == item.warned)
    }
}
