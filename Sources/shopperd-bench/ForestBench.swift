// `shopperd-bench forest`: fit time, scoring throughput, single-row latency and held-out quality
// of the random forest. See docs/forest.md.
import Foundation
import ShopperCore
import ShopperML

/// Modes:
/// - `--train FILE --test FILE` (default: `--data FILE` split 80/20, stratified, seed 42): tune on
///   the training rows' out-of-bag predictions, then fit time, test metrics, scoring speed.
/// - `--temporal`: train on the Feb–Sep sessions of `--data FILE`, test on Oct–Dec.
/// - `--resplits N`: N random stratified 80/20 splits of `--data FILE`; how often the stored
///   threshold reaches the target recall on the test part, for the plain and the 95 % rule.
/// Options: `--trees N` (100), `--repeats N` (fit timings, 5), `--features inputs|gold` (the 17
/// inputs, or those plus the 8 gold features), `--class-weight balanced|none` (balanced), `--json`
/// (one JSON object, for bench/compare_forest.py).
struct ForestBenchOptions {
    var train: URL?
    var test: URL?
    var data = URL(fileURLWithPath: "data/online_shoppers_intention.csv")
    var trees = 100
    var repeats = 5
    var json = false
    var temporal = false
    var resplits: Int?
    var classWeight = ClassWeight.balanced
    var features = FeatureSet.inputs
    var featureSetName = "inputs"
}

enum ForestBench {
    static func clock() -> ContinuousClock.Instant { ContinuousClock.now }
    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    static func load(_ url: URL, features: FeatureSet) throws -> (FeatureMatrix, [Bool], [Session]) {
        let sessions = try BatchReader().read(contentsOf: url).sessions
        return (features.matrix(for: sessions), try FeatureSet.labels(for: sessions), sessions)
    }

    static func run(_ options: ForestBenchOptions) async throws {
        let train: (FeatureMatrix, [Bool])
        let test: (FeatureMatrix, [Bool])
        if let trainURL = options.train, let testURL = options.test {
            let a = try load(trainURL, features: options.features)
            let b = try load(testURL, features: options.features)
            train = (a.0, a.1)
            test = (b.0, b.1)
        } else {
            let (all, labels, _) = try load(options.data, features: options.features)
            let split = try StratifiedSplit(labels: labels, validationFraction: 0, testFraction: 0.2, seed: 42)
            train = (all.rows(split.train), split.train.map { labels[$0] })
            test = (all.rows(split.test), split.test.map { labels[$0] })
        }
        var report = try await measure(train: train, test: test, options: options)
        report["dataset"] = options.train == nil ? "bundled data, stratified 80/20 seed 42" : "given files"
        emit(report, json: options.json)
    }

    /// Tunes, fits, scores and times; returns the figures by name.
    static func measure(
        train: (FeatureMatrix, [Bool]), test: (FeatureMatrix, [Bool]), options: ForestBenchOptions
    ) async throws -> [String: any Sendable] {
        let workers = ProcessInfo.processInfo.activeProcessorCount
        // Tuning and threshold on out-of-bag predictions of the training rows only.
        let configuration = TrainingConfiguration(treeCount: options.trees, classWeight: options.classWeight, holdoutFraction: 0)
        var start = clock()
        let model = try await Trainer(configuration: configuration).train(train.0, labels: train.1)
        let tuneSeconds = seconds(since: start)

        // Fit timing of the chosen parameters (the same model each time: same seed).
        var fitTimes: [Double] = []
        for _ in 0..<options.repeats {
            start = clock()
            _ = try await RandomForest(parameters: model.parameters).fit(train.0, labels: train.1, workers: workers)
            fitTimes.append(seconds(since: start))
        }
        // scikit-learn's defaults (leaf 1, √p, no class weight) for reference.
        let defaults = ForestParameters(treeCount: options.trees, classWeight: .none)
        start = clock()
        let defaultFit = try await RandomForest(parameters: defaults).fit(train.0, labels: train.1, workers: workers)
        let defaultFitSeconds = seconds(since: start)

        let scores = try await model.probabilities(for: test.0, workers: workers)
        let report = ClassificationReport(dataset: "test", scores: scores, labels: test.1, threshold: model.threshold)
        // For comparison only (never stored): the precision at recall 0.80 when the threshold is
        // picked on the test rows themselves.
        let oracle = ThresholdChoice.forRecall(0.8, scores: scores, labels: test.1, chosenOn: "test")
        let defaultScores = try defaultFit.model.probabilities(for: test.0)
        let defaultAUC = Metrics.rocAUC(scores: defaultScores, labels: test.1) ?? .nan
        let defaultAP = Metrics.averagePrecision(scores: defaultScores, labels: test.1) ?? .nan

        // Batch throughput: the whole test set, repeated for at least half a second.
        let rows = test.0.rowCount
        var passes = 0
        start = clock()
        var checksum = 0.0
        repeat {
            checksum += try await model.probabilities(for: test.0, workers: workers)[passes % rows]
            passes += 1
        } while seconds(since: start) < 0.5
        let batchRowsPerSecond = Double(passes * rows) / seconds(since: start)
        passes = 0
        start = clock()
        repeat {
            checksum += try model.probabilities(for: test.0)[passes % rows]
            passes += 1
        } while seconds(since: start) < 0.5
        let singleTaskRowsPerSecond = Double(passes * rows) / seconds(since: start)

        // Single-row latency: one row at a time, as the daemon scores a lone session.
        let rowsInOrder = (0..<rows).map { test.0.row($0) }
        var latencies: [Double] = []
        for _ in 0..<3 {
            start = clock()
            for row in rowsInOrder { checksum += model.probability(row: row) }
            latencies.append(seconds(since: start) / Double(rows) * 1e6)
        }

        let permutation = try await PermutationImportance.aucDrops(model: model, data: test.0, labels: test.1, repeats: 5, seed: 42)
        let importances = model.metadata.importances.map { importance -> [String: any Sendable] in
            let f = test.0.featureNames.firstIndex(of: importance.feature)!
            return ["feature": importance.feature, "mdi": importance.meanDecreaseImpurity, "permutationAUCDrop": permutation[f].mean]
        }
        let nodes = model.trees.reduce(0) { $0 + $1.nodeCount }
        let depth = model.trees.map(\.depth).max() ?? 0
        precondition(checksum.isFinite)
        return [
            "features": options.featureSetName, "trainRows": train.0.rowCount, "testRows": rows, "trees": options.trees, "workers": workers,
            "chosen": "maxFeatures=\(model.parameters.maxFeatures) minSamplesLeaf=\(model.parameters.minSamplesLeaf) maxDepth=\(model.parameters.maxDepth.map(String.init) ?? "none") classWeight=\(model.parameters.classWeight.rawValue)",
            "oobAUC": model.metadata.outOfBag?.rocAUC ?? .nan,
            "tuneSeconds": tuneSeconds, "tuneCandidates": model.metadata.tuning.count,
            "fitSecondsMin": fitTimes.min()!, "fitSecondsMedian": fitTimes.sorted()[fitTimes.count / 2],
            "rocAUC": report.rocAUC ?? .nan, "averagePrecision": report.averagePrecision ?? .nan,
            "threshold": model.threshold, "thresholdOOBRecall": model.metadata.thresholdChoice?.recall ?? .nan,
            "thresholdOOBPrecision": model.metadata.thresholdChoice?.precision ?? .nan,
            "oraclePrecision": oracle?.precision ?? .nan,
            "recall": report.recall, "precision": report.precision, "accuracy": report.accuracy, "f1": report.f1,
            "confusion": [
                "tp": report.confusion.truePositives, "fp": report.confusion.falsePositives,
                "tn": report.confusion.trueNegatives, "fn": report.confusion.falseNegatives,
            ],
            "defaultsRocAUC": defaultAUC, "defaultsAveragePrecision": defaultAP, "defaultsFitSeconds": defaultFitSeconds,
            "batchRowsPerSecond": batchRowsPerSecond, "singleTaskRowsPerSecond": singleTaskRowsPerSecond,
            "singleRowMicroseconds": latencies.min()!, "nodes": nodes, "maxTreeDepth": depth,
            "importances": importances,
        ]
    }

    /// Train on February–September sessions, test on October–December: does the model hold when
    /// the season changes?
    static func temporal(_ options: ForestBenchOptions) async throws {
        let (_, _, sessions) = try load(options.data, features: options.features)
        let early = sessions.filter { $0.month < .oct }
        let late = sessions.filter { $0.month >= .oct }
        let train = (options.features.matrix(for: early), try FeatureSet.labels(for: early))
        let test = (options.features.matrix(for: late), try FeatureSet.labels(for: late))
        var report = try await measure(train: train, test: test, options: options)
        report["dataset"] = "temporal: train Feb–Sep (\(early.count) rows), test Oct–Dec (\(late.count) rows)"
        emit(report, json: options.json)
    }

    /// N random stratified 80/20 splits: tune and fit on the 80 %, choose both thresholds (plain,
    /// 95 %) on out-of-bag predictions, and count how often each reaches the target on the 20 %.
    static func resplits(_ count: Int, _ options: ForestBenchOptions) async throws {
        let (all, labels, _) = try load(options.data, features: options.features)
        let target = 0.8
        var outcomes: [String: [(recall: Double, precision: Double)]] = ["plain": [], "confident95": []]
        var aucs: [Double] = []
        for seed in 1...count {
            let split = try StratifiedSplit(labels: labels, validationFraction: 0, testFraction: 0.2, seed: UInt64(seed))
            let train = all.rows(split.train)
            let trainLabels = split.train.map { labels[$0] }
            let test = all.rows(split.test)
            let testLabels = split.test.map { labels[$0] }
            let configuration = TrainingConfiguration(
                treeCount: options.trees, seed: UInt64(seed), classWeight: options.classWeight, holdoutFraction: 0)
            let tuned = try await Trainer(configuration: configuration).train(train, labels: trainLabels)
            // The same fit again (same parameters and seed), for its out-of-bag predictions.
            let fit = try await RandomForest(parameters: tuned.parameters).fit(train, labels: trainLabels)
            var oobScores: [Double] = []
            var oobLabels: [Bool] = []
            for (p, y) in zip(fit.outOfBagProbabilities, trainLabels) where !p.isNaN {
                oobScores.append(p)
                oobLabels.append(y)
            }
            let scores = try fit.model.probabilities(for: test)
            aucs.append(Metrics.rocAUC(scores: scores, labels: testLabels) ?? .nan)
            for (name, confidence) in [("plain", 0.5), ("confident95", 0.95)] {
                guard let choice = ThresholdChoice.forRecall(
                    target, confidence: confidence, scores: oobScores, labels: oobLabels, chosenOn: "outOfBag")
                else { continue }
                let matrix = ConfusionMatrix(scores: scores, labels: testLabels, threshold: choice.threshold)
                outcomes[name]!.append((matrix.recall, matrix.precision))
            }
        }
        func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(1, values.count)) }
        var report: [String: any Sendable] = [:]
        report["dataset"] = "\(count) stratified 80/20 splits of the bundled data (seeds 1…\(count))"
        report["features"] = options.featureSetName
        report["targetRecall"] = target
        report["meanTestRocAUC"] = mean(aucs)
        report["minTestRocAUC"] = aucs.min() ?? .nan
        for (name, values) in outcomes {
            let recalls: [Double] = values.map(\.recall)
            var summary: [String: any Sendable] = [:]
            summary["meanTestRecall"] = mean(recalls)
            summary["minTestRecall"] = recalls.min() ?? .nan
            summary["splitsBelowTarget"] = recalls.filter { $0 < target }.count
            summary["meanTestPrecision"] = mean(values.map(\.precision))
            report[name] = summary
        }
        emit(report, json: options.json)
    }

    static func emit(_ report: [String: any Sendable], json: Bool) {
        if json {
            let data = try! JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for key in report.keys.sorted() where key != "importances" {
            print("\(key): \(report[key]!)")
        }
        guard let importances = report["importances"] as? [[String: any Sendable]] else { return }
        print("importances (MDI, permutation AUC drop on test):")
        for item in importances {
            let mdi = item["mdi"] as? Double ?? 0
            let drop = item["permutationAUCDrop"] as? Double ?? 0
            print("  \(item["feature"]!): \(String(format: "%.4f", mdi))  \(String(format: "%+.4f", drop))")
        }
    }
}
