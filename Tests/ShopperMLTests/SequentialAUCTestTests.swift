import Foundation
import Testing
@testable import ShopperML

/// The sequential (always-valid) AUC comparison: its figures against an independent
/// implementation (`bench/sequential_golden.py`: O(m·n) DeLong, the radius solved numerically from
/// the mixture likelihood ratio), the incremental accumulator against the stateless look, and its
/// error rates on seeded streams looked at after every outcome.
struct SequentialAUCTestTests {
    struct Case: Decodable {
        let name: String
        let settings: SequentialSettings
        let labels: [Bool]
        let champion: [Double]
        let challenger: [Double]
        let looks: [SequentialLook]
    }

    struct Fixture: Decodable {
        let cases: [Case]
    }

    static func cases() throws -> [Case] {
        guard let url = Bundle.module.url(forResource: "sequential_golden", withExtension: "json", subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url)).cases
    }

    static func close(_ a: Double?, _ b: Double?, _ tolerance: Double = 1e-9) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return abs(a - b) <= tolerance * max(1, abs(b))
    }

    /// Every figure of `ours` within 1e-9 (relative) of `golden`, and the same verdict.
    static func expectAgree(_ ours: SequentialLook, _ golden: SequentialLook, _ context: String) {
        #expect(ours.outcomes == golden.outcomes && ours.positives == golden.positives, "\(context): counts")
        #expect(ours.verdict == golden.verdict, "\(context): verdict \(ours.verdict) vs \(golden.verdict)")
        let pairs: [(String, Double?, Double?)] = [
            ("champion AUC", ours.championAUC, golden.championAUC), ("challenger AUC", ours.challengerAUC, golden.challengerAUC),
            ("difference", ours.difference, golden.difference), ("standard error", ours.standardError, golden.standardError),
            ("lower", ours.lower, golden.lower), ("upper", ours.upper, golden.upper),
            ("champion log-loss", ours.championLogLoss, golden.championLogLoss),
            ("challenger log-loss", ours.challengerLogLoss, golden.challengerLogLoss),
            ("champion Brier", ours.championBrier, golden.championBrier), ("challenger Brier", ours.challengerBrier, golden.challengerBrier),
        ]
        for (name, a, b) in pairs {
            #expect(close(a, b), "\(context): \(name) \(String(describing: a)) vs \(String(describing: b))")
        }
    }

    /// Labels, and two models' scores: normal noise (correlation `rho`), buyers shifted by
    /// `shiftA` / `shiftB`; equal shifts give exactly equal AUCs. `decimals` rounds (ties).
    static func stream(
        rows: Int, rate: Double = 0.2, shiftA: Double, shiftB: Double, rho: Double, decimals: Double? = nil, rng: inout Xoshiro256
    ) -> (labels: [Bool], a: [Double], b: [Double]) {
        var labels: [Bool] = [], a: [Double] = [], b: [Double] = []
        for _ in 0..<rows {
            let buyer = rng.unitInterval() < rate
            // Box–Muller: two independent standard normals.
            let u = 1 - rng.unitInterval(), v = rng.unitInterval()
            let z1 = (-2 * log(u)).squareRoot() * cos(2 * .pi * v), z2 = (-2 * log(u)).squareRoot() * sin(2 * .pi * v)
            let noiseB = rho * z1 + (1 - rho * rho).squareRoot() * z2
            var x = 1 / (1 + exp(-(z1 + (buyer ? shiftA : 0) - 1.5))), y = 1 / (1 + exp(-(noiseB + (buyer ? shiftB : 0) - 1.5)))
            if let decimals {
                x = (x * decimals).rounded() / decimals
                y = (y * decimals).rounded() / decimals
            }
            labels.append(buyer)
            a.append(x)
            b.append(y)
        }
        return (labels, a, b)
    }

    @Test func fixtureHoldsEveryVerdict() throws {
        let looks = try Self.cases().flatMap(\.looks)
        for verdict in [SequentialLook.Verdict.tooFewOutcomes, .undecided, .better, .worse] {
            #expect(looks.contains { $0.verdict == verdict }, "no golden look says \(verdict)")
        }
        #expect(looks.contains { $0.standardError == 0 && $0.verdict == .undecided })
        #expect(looks.contains { $0.outcomes >= 2000 })
    }

    @Test(arguments: try SequentialAUCTestTests.cases().map(\.name))
    func agreesWithIndependentImplementation(name: String) throws {
        let golden = try #require(try Self.cases().first { $0.name == name })
        for expected in golden.looks {
            let k = expected.outcomes
            let ours = SequentialAUCTest.look(
                labels: Array(golden.labels.prefix(k)), champion: Array(golden.champion.prefix(k)),
                challenger: Array(golden.challenger.prefix(k)), settings: golden.settings)
            Self.expectAgree(ours, expected, "\(name), \(k) outcomes")
            #expect(ours.alpha == golden.settings.alpha && ours.mixingSD == golden.settings.mixingSD && ours.margin == golden.settings.margin)
        }
    }

    /// The closed-form radius is where the mixture likelihood ratio reaches 1/α, on both sides.
    @Test func radiusIsWhereTheMixtureRatioReachesOneOverAlpha() {
        for s in [1e-4, 0.003, 0.01, 0.05, 0.3] {
            for (alpha, tau) in [(0.05, 0.01), (0.01, 0.03), (0.2, 0.002)] {
                let r = SequentialAUCTest.radius(standardError: s, alpha: alpha, mixingSD: tau)
                for sign in [1.0, -1.0] {
                    let lambda = SequentialAUCTest.likelihoodRatio(difference: 0.1 + sign * r, null: 0.1, standardError: s, mixingSD: tau)
                    #expect(abs(lambda * alpha - 1) < 1e-9, "s \(s), α \(alpha), τ \(tau): Λ = \(lambda)")
                }
            }
        }
    }

    /// The incremental accumulator gives the stateless look's figures after every outcome.
    @Test func accumulatorAgreesWithLookAfterEveryOutcome() {
        var rng = Xoshiro256(seed: 11)
        let settings = SequentialSettings(alpha: 0.1, mixingSD: 0.05, minimumPerClass: 5)
        for (shiftB, decimals) in [(1.0, nil), (2.5, 10.0)] as [(Double, Double?)] {
            let (labels, a, b) = Self.stream(rows: 250, shiftA: 1.5, shiftB: shiftB, rho: 0.5, decimals: decimals, rng: &rng)
            var accumulator = PairedAUCAccumulator()
            for k in 1...labels.count {
                accumulator.append(label: labels[k - 1], champion: a[k - 1], challenger: b[k - 1])
                let look = SequentialAUCTest.look(
                    labels: Array(labels.prefix(k)), champion: Array(a.prefix(k)), challenger: Array(b.prefix(k)), settings: settings)
                Self.expectAgree(accumulator.look(settings: settings), look, "shift \(shiftB), \(k) outcomes")
            }
        }
    }

    @Test func identicalModelsAreNeverBetter() {
        var rng = Xoshiro256(seed: 5)
        let (labels, a, _) = Self.stream(rows: 400, shiftA: 1.5, shiftB: 1.5, rho: 0, decimals: 20, rng: &rng)
        // The same scores, and the same ranking on another scale.
        for challenger in [a, a.map { $0 * $0 }] {
            var accumulator = PairedAUCAccumulator()
            for k in 1...labels.count {
                accumulator.append(label: labels[k - 1], champion: a[k - 1], challenger: challenger[k - 1])
                let look = accumulator.look(settings: .standard)
                #expect(look.verdict == .tooFewOutcomes || look.verdict == .undecided, "\(k) outcomes: \(look.verdict)")
                if look.verdict == .undecided {
                    #expect(look.standardError == 0 && look.difference == 0 && look.lower == nil && look.upper == nil)
                }
            }
            let whole = SequentialAUCTest.look(labels: labels, champion: a, challenger: challenger, settings: .standard)
            #expect(whole.verdict == .undecided && whole.standardError == 0)
        }
    }

    @Test func noVerdictBeforeTheMinimumPerClass() {
        var rng = Xoshiro256(seed: 8)
        // A challenger far better: its verdict comes as soon as the minimum allows, not before.
        let (labels, a, b) = Self.stream(rows: 600, rate: 0.3, shiftA: 0.3, shiftB: 6, rho: 0, rng: &rng)
        for minimum in [10, 40] {
            let settings = SequentialSettings(alpha: 0.05, mixingSD: 0.1, minimumPerClass: minimum)
            var accumulator = PairedAUCAccumulator()
            var first: Int?
            for k in 1...labels.count {
                accumulator.append(label: labels[k - 1], champion: a[k - 1], challenger: b[k - 1])
                let look = accumulator.look(settings: settings)
                let enough = look.positives >= minimum && look.outcomes - look.positives >= minimum
                #expect((look.verdict == .tooFewOutcomes) == !enough, "\(k) outcomes, \(look.positives) buyers: \(look.verdict)")
                if !enough { #expect(look.lower == nil && look.upper == nil) }
                if first == nil, look.verdict == .better { first = k }
            }
            #expect(first != nil, "minimum \(minimum): never better")
        }
    }

    @Test func clearlyBetterReachesBetterAndClearlyWorseReachesWorse() {
        var rng = Xoshiro256(seed: 21)
        for (shiftA, shiftB, expected) in [(1.0, 2.0, SequentialLook.Verdict.better), (2.0, 1.0, .worse)] {
            let (labels, a, b) = Self.stream(rows: 2_000, shiftA: shiftA, shiftB: shiftB, rho: 0.6, rng: &rng)
            var accumulator = PairedAUCAccumulator()
            var reached: Int?
            for k in 1...labels.count where reached == nil {
                accumulator.append(label: labels[k - 1], champion: a[k - 1], challenger: b[k - 1])
                let verdict = accumulator.look(settings: .standard).verdict
                #expect(verdict != (expected == .better ? .worse : .better), "\(k) outcomes: the wrong verdict")
                if verdict == expected { reached = k }
            }
            #expect(reached != nil, "never \(expected) in 2,000 outcomes")
            // The stateless look says the same at that outcome.
            if let k = reached {
                let look = SequentialAUCTest.look(
                    labels: Array(labels.prefix(k)), champion: Array(a.prefix(k)), challenger: Array(b.prefix(k)), settings: .standard)
                #expect(look.verdict == expected)
            }
        }
    }

    /// Under H₀ (equal AUCs, correlated scores), 2,000 seeded streams of 300 outcomes, looked at after
    /// every outcome: the share that is ever called `better` (and `worse`) stays at most α plus
    /// three binomial standard errors (√(α(1 − α)/2000) = 0.0049, so ≤ 0.0646), for the default τ
    /// and for τ = 0.05, which makes the boundary tightest near these streams' standard error
    /// (~0.015 at 300 outcomes). The naive rule, one-sided DeLong p < α at every look, promotes
    /// several times more often on the same streams: the check can tell a valid rule from one that is not.
    @Test func underTheNullEverBetterStaysWithinAlpha() {
        let streams = 2_000, rows = 300, alpha = 0.05
        let settings = [SequentialSettings.standard, SequentialSettings(mixingSD: 0.05)]
        var better = [Int](repeating: 0, count: settings.count), worse = better
        var naive = 0
        var rng = Xoshiro256(seed: 2024)
        let z = NormalDistribution.quantile(1 - alpha)
        for _ in 0..<streams {
            let (labels, a, b) = Self.stream(rows: rows, shiftA: 1.5, shiftB: 1.5, rho: 0.9, rng: &rng)
            var accumulator = PairedAUCAccumulator()
            var everBetter = [Bool](repeating: false, count: settings.count), everWorse = everBetter
            var everNaive = false
            for k in 0..<rows {
                accumulator.append(label: labels[k], champion: a[k], challenger: b[k])
                for (i, setting) in settings.enumerated() {
                    switch accumulator.look(settings: setting).verdict {
                    case .better: everBetter[i] = true
                    case .worse: everWorse[i] = true
                    case .tooFewOutcomes, .undecided: break
                    }
                }
                if accumulator.positives >= 10, accumulator.negatives >= 10, let d = accumulator.difference,
                    let s = accumulator.standardError, s > 0, d / s > z {
                    everNaive = true
                }
            }
            for i in settings.indices {
                if everBetter[i] { better[i] += 1 }
                if everWorse[i] { worse[i] += 1 }
            }
            if everNaive { naive += 1 }
        }
        let limit = alpha + 3 * (alpha * (1 - alpha) / Double(streams)).squareRoot()
        for i in settings.indices {
            let betterRate = Double(better[i]) / Double(streams), worseRate = Double(worse[i]) / Double(streams)
            #expect(betterRate <= limit, "τ \(settings[i].mixingSD): ever better in \(better[i]) of \(streams) streams")
            #expect(worseRate <= limit, "τ \(settings[i].mixingSD): ever worse in \(worse[i]) of \(streams) streams")
        }
        #expect(Double(naive) / Double(streams) > 2 * alpha, "the naive rule promoted in only \(naive) of \(streams) streams")
    }

    @Test func settingsDecodeWithDefaultsAndValidate() throws {
        let decoded = try JSONDecoder().decode(SequentialSettings.self, from: Data(#"{"mixing_sd": 0.02}"#.utf8))
        #expect(decoded == SequentialSettings(mixingSD: 0.02))
        #expect(try JSONDecoder().decode(SequentialSettings.self, from: Data("{}".utf8)) == .standard)
        try SequentialSettings.standard.validate()
        for bad in [SequentialSettings(alpha: 1), SequentialSettings(mixingSD: 0), SequentialSettings(minimumPerClass: 1),
                    SequentialSettings(margin: -0.01)] {
            #expect(throws: SequentialSettings.Invalid.self) { try bad.validate() }
        }
    }

    @Test func lookIsWrittenWithSnakeCaseKeysAndNulls() throws {
        let look = SequentialAUCTest.look(labels: [true, false, false], champion: [0.9, 0.2, 0.1], challenger: [0.8, 0.3, 0.4], settings: .standard)
        #expect(look.verdict == .tooFewOutcomes)
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(look)) as? [String: Any])
        #expect(object["verdict"] as? String == "too-few-outcomes")
        #expect(object["lower"] is NSNull && object["upper"] is NSNull)
        #expect(object["champion_auc"] as? Double == 1 && object["challenger_auc"] as? Double == 1)
        for key in ["standard_error", "mixing_sd", "champion_log_loss", "challenger_log_loss", "champion_brier", "challenger_brier"] {
            #expect(object[key] != nil, "no \(key)")
        }
        #expect(try JSONDecoder().decode(SequentialLook.self, from: JSONEncoder().encode(look)) == look)
    }
}
