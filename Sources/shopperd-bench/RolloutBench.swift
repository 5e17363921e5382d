import ArgumentParser
import Foundation
import ShopperCore
import ShopperML

/// `shopperd-bench rollout`: the sequential (always-valid) rollout test (`SequentialAUCTest`) on
/// the bundled data, looked at after **every** outcome, against the naive fixed-horizon rule
/// looked at just as often.
///
/// Models are the daemon's (`Trainer`: 100 trees, √p features, leaf 5, balanced classes,
/// isotonic calibration on out-of-bag scores; `--raw` for the uncalibrated forests). Scenarios:
///
/// * A/A (a): one model (Feb–Jul, seed 1) as champion and challenger, judged on Aug–Dec.
/// * A/A (b): Feb–Jul seed 1 against Feb–Jul seed 2, judged on Aug–Dec.
/// * better: Feb–Jul against Feb–Jul + a random half of Nov (stratified), judged on the other half.
/// * worse: Feb–Jul against Feb–Jul + all of Nov, judged on Dec.
///
/// Each run takes the judged rows in a fresh random order (seed, stream = run) and feeds them one
/// by one to a `PairedAUCAccumulator` (the same figures as `SequentialAUCTest.look`, checked at
/// start-up) until the sequential test says `better` or `worse` or the rows run out (no
/// promotion). The naive rule promotes at the first look with DeLong's one-sided p < α (with the
/// same minimum per class). Several τ and minimums run on the same orders (`--taus`, `--minimums`).
struct RolloutSuite: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Error rates and speed of the sequential rollout test (SequentialAUCTest) by simulation from the bundled data.")
    @OptionGroup var dataOption: DataOption
    @Option(help: "Runs (random orders of the judged rows) per scenario.") var runs = 1_000
    @Option(help: "Trees per forest.") var trees = 100
    @Option(help: "Alpha of the sequential test and of the naive rule.") var alpha = SequentialSettings.standard.alpha
    @Option(help: ArgumentHelp("Mixing standard deviations τ to compare, comma-separated.", valueName: "T,T,…"))
    var taus = String(SequentialSettings.standard.mixingSD)
    @Option(help: ArgumentHelp("Minimum buyers and non-buyers before a verdict, comma-separated.", valueName: "N,N,…"))
    var minimums = String(SequentialSettings.standard.minimumPerClass)
    @Option(help: "Margin of the sequential test.") var margin = SequentialSettings.standard.margin
    @Option(help: "Look every k outcomes (1: after every outcome, the main result).") var every = 1
    @Option(help: "Seed of the models and the orders.") var seed: UInt64 = 1
    @Flag(help: "Judge the uncalibrated forests' scores instead of the calibrated probabilities.") var raw = false

    func validate() throws {
        try requirePositive([("runs", runs), ("trees", trees), ("every", every)])
        guard alpha > 0, alpha < 0.5 else { throw ValidationError("--alpha must be in (0, 0.5)") }
        _ = try parsedTaus()
        _ = try positiveIntegers(minimums, option: "minimums")
        for rule in try rules() {
            do { try rule.validate() } catch { throw ValidationError(error.description) }
        }
    }

    func parsedTaus() throws -> [Double] {
        let values = taus.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--taus takes comma-separated positive numbers, e.g. 0.01,0.02 (got \"\(taus)\")")
        }
        return values.compactMap { $0 }
    }

    func rules() throws -> [SequentialSettings] {
        try parsedTaus().flatMap { tau in
            try positiveIntegers(minimums, option: "minimums").map {
                SequentialSettings(alpha: alpha, mixingSD: tau, minimumPerClass: $0, margin: margin)
            }
        }
    }

    func run() async throws {
        let rules = try rules()
        let sessions = try BatchReader().read(contentsOf: URL(fileURLWithPath: dataOption.data)).sessions
        let all = FeatureSet.inputs.matrix(for: sessions)
        let labels = try FeatureSet.labels(for: sessions)
        func rows(_ months: Set<Month>) -> [Int] { sessions.indices.filter { months.contains(sessions[$0].month) } }
        let early = rows([.feb, .mar, .may, .jun, .jul]), late = rows([.aug, .sep, .oct, .nov, .dec])
        let november = rows([.nov]), december = rows([.dec])
        let halves = try StratifiedSplit(labels: november.map { labels[$0] }, validationFraction: 0, testFraction: 0.5, seed: seed)
        let novemberTrain = halves.train.map { november[$0] }, novemberJudged = halves.test.map { november[$0] }

        let clock = ContinuousClock()
        let trainStart = clock.now
        func model(_ trainRows: [Int], seed: UInt64) async throws -> ForestModel {
            let configuration = TrainingConfiguration(
                treeCount: trees, seed: seed, classWeight: .balanced,
                grid: TuningGrid(maxDepth: [nil], minSamplesLeaf: [5], maxFeatures: [.sqrt]), holdoutFraction: 0, permutationRepeats: 0)
            return try await Trainer(configuration: configuration).train(all.rows(trainRows), labels: trainRows.map { labels[$0] })
        }
        func scores(_ model: ForestModel, _ judged: [Int]) throws -> [Double] {
            let data = all.rows(judged)
            return try raw ? model.rawScores(for: data) : model.probabilities(for: data)
        }
        let champion = try await model(early, seed: seed)
        let twin = try await model(early, seed: seed + 1)
        let withHalfNovember = try await model(early + novemberTrain, seed: seed)
        let withNovember = try await model(early + november, seed: seed)
        print("data: \(sessions.count) rows; Feb–Jul \(early.count) rows, Aug–Dec \(late.count), Nov \(november.count) "
            + "(\(novemberTrain.count) to train, \(novemberJudged.count) judged), Dec \(december.count)")
        print(String(format: "training: 4 models (%@) in %.1f s", raw ? "raw forest scores" : "calibrated",
                     (clock.now - trainStart) / .seconds(1)))

        let scenarios: [Scenario] = [
            Scenario(name: "A/A (a): the same model", judged: late, champion: try scores(champion, late), challenger: try scores(champion, late)),
            Scenario(name: "A/A (b): Feb–Jul, seed \(seed) vs seed \(seed + 1)", judged: late,
                     champion: try scores(champion, late), challenger: try scores(twin, late)),
            Scenario(name: "better: + half of Nov, judged on the other half", judged: novemberJudged,
                     champion: try scores(champion, novemberJudged), challenger: try scores(withHalfNovember, novemberJudged)),
            Scenario(name: "worse: + all of Nov, judged on Dec", judged: december,
                     champion: try scores(champion, december), challenger: try scores(withNovember, december)),
        ].map { var s = $0; s.labels = $0.judged.map { labels[$0] }; return s }

        // The accumulator must give SequentialAUCTest.look's figures: checked on one order per scenario.
        for scenario in scenarios { try scenario.checkAccumulator(rules[0]) }

        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        print("\n\(runs) runs per scenario, looked at every \(every == 1 ? "outcome" : "\(every) outcomes"), α = \(alpha), margin \(margin), "
            + "\(workers) workers; naive rule: DeLong one-sided p < \(alpha) at any look")
        var tableRows: [String] = []
        for scenario in scenarios {
            let start = clock.now
            let full = SequentialAUCTest.look(labels: scenario.labels, champion: scenario.champion, challenger: scenario.challenger, settings: rules[0])
            let results = await scenario.simulate(runs: runs, rules: rules, every: every, alpha: alpha, seed: seed, workers: workers)
            let elapsed = (clock.now - start) / .seconds(1)
            let buyers = scenario.labels.filter { $0 }.count
            print(String(format: "\n%@: %d judged rows (%d buyers); full stream ROC AUC %.4f vs %.4f (difference %+.4f, SE %.4f), "
                + "log-loss %.4f vs %.4f, Brier %.4f vs %.4f; %.1f s",
                scenario.name, scenario.labels.count, buyers, full.championAUC ?? .nan, full.challengerAUC ?? .nan, full.difference ?? .nan,
                full.standardError ?? .nan, full.championLogLoss ?? .nan, full.challengerLogLoss ?? .nan,
                full.championBrier ?? .nan, full.challengerBrier ?? .nan, elapsed))
            for (rule, result) in zip(rules, results.rules) {
                let line = "| \(scenario.name) | "
                    + String(format: "%.4f / %.4f | %.4f / %.4f | ", full.championAUC ?? .nan, full.challengerAUC ?? .nan,
                             full.championLogLoss ?? .nan, full.challengerLogLoss ?? .nan)
                    + (rules.count > 1 ? String(format: "%g / %d | ", rule.mixingSD, rule.minimumPerClass) : "")
                    + "\(share(result.better)) | \(share(result.worse)) | \(share(runs - result.better - result.worse)) | "
                    + "\(median(result.outcomesToVerdict)) | \(share(results.naivePromoted)) | \(median(results.naiveOutcomes)) |"
                tableRows.append(line)
                print(line)
            }
        }
        print("\n| scenario | full-stream ROC AUC champion / challenger | log-loss champion / challenger | "
            + (rules.count > 1 ? "τ / minimum per class | " : "")
            + "promoted (sequential) | ended worse | no verdict (rows ran out) | median outcomes to verdict | "
            + "promoted (fixed-horizon, checked every outcome) | its median outcomes to promotion |")
        print("| --- | --- | --- | " + (rules.count > 1 ? "--- | " : "") + "--- | --- | --- | --- | --- | --- |")
        for line in tableRows { print(line) }
    }

    func share(_ k: Int) -> String { String(format: "%.1f %%", 100 * Double(k) / Double(runs)) }

    func median(_ values: [Int]) -> String {
        guard !values.isEmpty else { return "–" }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? "\(sorted[mid])" : String(format: "%g", Double(sorted[mid - 1] + sorted[mid]) / 2)
    }
}

/// One judged stream: its rows, labels and both models' probabilities of each.
struct Scenario: Sendable {
    var name: String
    var judged: [Int]
    var labels: [Bool] = []
    var champion: [Double]
    var challenger: [Double]

    init(name: String, judged: [Int], champion: [Double], challenger: [Double]) {
        self.name = name
        self.judged = judged
        self.champion = champion
        self.challenger = challenger
    }

    struct RuleResult: Sendable {
        var better = 0
        var worse = 0
        /// Outcomes seen at each run's verdict (runs with one).
        var outcomesToVerdict: [Int] = []
    }

    struct Results: Sendable {
        var rules: [RuleResult]
        var naivePromoted = 0
        /// Outcomes seen at each naive promotion.
        var naiveOutcomes: [Int] = []
    }

    /// Feeds the rows of scenario `name` in one shuffled order to the accumulator and compares its
    /// look with `SequentialAUCTest.look` after every 97th outcome and the last: a bench whose fast
    /// path disagreed with the API would measure something else.
    func checkAccumulator(_ settings: SequentialSettings) throws {
        var order = Array(labels.indices)
        var rng = Xoshiro256(seed: 99, stream: 0)
        rng.shuffle(&order)
        var accumulator = PairedAUCAccumulator()
        for (k, i) in order.enumerated() {
            accumulator.append(label: labels[i], champion: champion[i], challenger: challenger[i])
            guard (k + 1) % 97 == 0 || k + 1 == order.count else { continue }
            let prefix = order.prefix(k + 1)
            let look = SequentialAUCTest.look(
                labels: prefix.map { labels[$0] }, champion: prefix.map { champion[$0] }, challenger: prefix.map { challenger[$0] }, settings: settings)
            let fast = accumulator.look(settings: settings)
            let pairs = [(fast.difference, look.difference), (fast.standardError, look.standardError), (fast.lower, look.lower),
                         (fast.championAUC, look.championAUC), (fast.championLogLoss, look.championLogLoss)]
            let agree = fast.verdict == look.verdict && pairs.allSatisfy { a, b in
                (a == nil && b == nil) || (a != nil && b != nil && abs(a! - b!) <= 1e-9 * max(1, abs(b!)))
            }
            guard agree else { throw ValidationError("\(name): the accumulator disagrees with SequentialAUCTest.look at \(k + 1) outcomes") }
        }
    }

    /// `runs` random orders, shared among `workers` tasks; run r's order is seeded (seed, stream r),
    /// so the figures do not depend on the number of workers.
    func simulate(runs: Int, rules: [SequentialSettings], every: Int, alpha: Double, seed: UInt64, workers: Int) async -> Results {
        let z = NormalDistribution.quantile(1 - alpha)
        // The naive rule waits for the smallest minimum per class of the rules compared.
        let naiveMinimum = rules.map(\.minimumPerClass).min() ?? SequentialSettings.standard.minimumPerClass
        let parts = await withTaskGroup(of: Results.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var results = Results(rules: Array(repeating: RuleResult(), count: rules.count))
                    for run in stride(from: worker, to: runs, by: workers) {
                        var order = Array(labels.indices)
                        var rng = Xoshiro256(seed: seed, stream: 1_000 + UInt64(run))
                        rng.shuffle(&order)
                        var accumulator = PairedAUCAccumulator()
                        var open = Array(repeating: true, count: rules.count)
                        var openCount = rules.count
                        var naiveOpen = true
                        for (k, i) in order.enumerated() {
                            accumulator.append(label: labels[i], champion: champion[i], challenger: challenger[i])
                            guard (k + 1) % every == 0 || k + 1 == order.count else { continue }
                            for (r, rule) in rules.enumerated() where open[r] {
                                switch accumulator.look(settings: rule).verdict {
                                case .better: results.rules[r].better += 1
                                case .worse: results.rules[r].worse += 1
                                case .tooFewOutcomes, .undecided: continue
                                }
                                results.rules[r].outcomesToVerdict.append(k + 1)
                                open[r] = false
                                openCount -= 1
                            }
                            if naiveOpen, accumulator.positives >= naiveMinimum, accumulator.negatives >= naiveMinimum,
                                let d = accumulator.difference, let s = accumulator.standardError, s > 0, d / s > z {
                                results.naivePromoted += 1
                                results.naiveOutcomes.append(k + 1)
                                naiveOpen = false
                            }
                            if openCount == 0 && !naiveOpen { break }
                        }
                    }
                    return results
                }
            }
            var total = Results(rules: Array(repeating: RuleResult(), count: rules.count))
            for await part in group {
                total.naivePromoted += part.naivePromoted
                total.naiveOutcomes += part.naiveOutcomes
                for r in rules.indices {
                    total.rules[r].better += part.rules[r].better
                    total.rules[r].worse += part.rules[r].worse
                    total.rules[r].outcomesToVerdict += part.rules[r].outcomesToVerdict
                }
            }
            return total
        }
        return parts
    }
}
