import Foundation
import ShopperCore
import ShopperML
import ShopperPipeline
import ShopperStore
import Testing
import ShopperTestSupport

/// `shopperd train`, `models` and `score` as an operator runs them: the real binary on a real
/// store built from the bundled data, exit statuses and messages; results checked against the
/// store and the forest read in-process.
@Suite struct RegistryEndToEndTests {
    static let bundled = IngestEndToEndTests.bundled
    /// One tuning candidate and 20 trees: training takes a fraction of a second in debug.
    static let quick = ["--trees", "20", "--max-depth", "8", "--min-samples-leaf", "5", "--max-features", "sqrt"]

    /// Every sixth data row of the bundled file starting at `offset` (2,055 rows, ~15 % buyers),
    /// with or without the Revenue column; `blankLineAfter` inserts an empty line after that many
    /// data rows, so physical lines and row numbers part ways.
    static func slice(offset: Int, labelled: Bool, limit: Int? = nil, blankLineAfter: Int? = nil) throws -> String {
        let lines = try String(contentsOfFile: bundled, encoding: .utf8).split(separator: "\n").map(String.init)
        func cut(_ line: String) -> String {
            labelled ? line : line.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",")
        }
        var rows = lines.dropFirst().enumerated().filter { $0.offset % 6 == offset }.map { cut($0.element) }
        if let limit { rows = Array(rows.prefix(limit)) }
        if let blankLineAfter { rows.insert("", at: blankLineAfter) }
        return ([cut(lines[0])] + rows).joined(separator: "\n") + "\n"
    }

    struct Trained: Decodable {
        struct Model: Decodable {
            struct Lineage: Decodable {
                var training_store_version: Int
                var training_from_version: Int?
                var training_rows: Int
                var positive_rows: Int
                var seed: UInt64
                var code_version: String
            }
            struct Parameters: Decodable {
                var tree_count: Int
                var max_depth: Int?
                var min_samples_leaf: Int
                var max_features: String
                var class_weight: String
            }
            struct Report: Decodable {
                struct Reliability: Decodable {
                    struct Bin: Decodable { var count: Int; var mean_predicted: Double; var observed_rate: Double }
                    var ece: Double
                    var brier: Double
                    var bins: [Bin]
                }
                var rows: Int
                var positives: Int
                var roc_auc: Double
                var threshold: Double
                var recall: Double
                var reliability: Reliability
            }
            struct Calibration: Decodable {
                var method: String
                var fitted_on: String
                var rows: Int
                var scores: [Double]
                var probabilities: [Double]
            }
            struct Choice: Decodable {
                var target_recall: Double
                var threshold: Double
            }
            struct Importance: Decodable {
                var feature: String
                var mean_decrease_impurity: Double
            }
            struct Trial: Decodable {
                var max_depth: Int?
                var min_samples_leaf: Int
                var roc_auc: Double
            }
            struct File: Decodable {
                var bytes: Int
                var sha256: String
            }
            var version: Int
            var aliases: [String]
            var lineage: Lineage
            var parameters: Parameters
            var feature_names: [String]
            var threshold: Double
            var threshold_choice: Choice
            var calibration: Calibration?
            var holdout: Report
            var out_of_bag: Report
            var importances: [Importance]
            var tuning: [Trial]
            var model_file: File
        }
        struct Change: Decodable {
            var alias: String
            var action: String
            var from_version: Int?
            var to_version: Int?
            var reason: String
        }
        struct Trial: Decodable {
            struct Paired: Decodable { var test: String; var difference: Double; var passed: Bool }
            var verdict: String
            var champion_version: Int
            var rows: Int
            var buyers: Int
            var paired_test: Paired?
            var summary: String
        }
        var model: Model
        var training_seconds: Double
        var promotion: Change?
        var trial: Trial?
    }

    struct Listed: Decodable {
        var version: Int
        var aliases: [String]
        var training_store_version: Int
        var training_rows: Int
        var threshold: Double
        var holdout_roc_auc: Double?
        var model_sha256: String
    }

    /// Runs the binary on a Dispatch thread: `ShopperdBinary.run` blocks until the process exits,
    /// and blocking the (two-thread) cooperative pool from these async tests would stall every
    /// other test's tasks meanwhile.
    func run(_ arguments: [String]) async throws -> ShopperdBinary.Outcome {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try ShopperdBinary.run(arguments) }) }
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ outcome: ShopperdBinary.Outcome) throws -> T {
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return try JSONDecoder().decode(type, from: Data(outcome.stdout.utf8))
    }

    @Test func trainListShowPromoteRollbackScoreAndExport() async throws {
        let scratch = try TemporaryDirectory("shopperd-e2e")
        let state = scratch.file("state")
        let first = try scratch.write("first.csv", Self.slice(offset: 0, labelled: true))
        let second = try scratch.write("second.csv", Self.slice(offset: 3, labelled: true))
        #expect(try await run(["ingest", first, second, "--state", state]).status == 0)

        // Train on version 1 only, promote.
        let trained = try decode(Trained.self, try await run(
            ["train", "--state", state, "--as-of", "1", "--promote", "--format", "json"] + Self.quick))
        let model1 = trained.model
        #expect(model1.version == 1 && model1.aliases == ["champion"])
        #expect(model1.lineage.training_store_version == 1 && model1.lineage.training_from_version == nil)
        #expect(model1.lineage.training_rows == 2_055 && model1.lineage.positive_rows == 313)  // every labelled row
        #expect(model1.lineage.seed == 42 && model1.lineage.code_version == ShopperdVersion.current)
        #expect(model1.parameters.tree_count == 20 && model1.parameters.max_depth == 8)
        #expect(model1.parameters.min_samples_leaf == 5 && model1.parameters.max_features == "sqrt")
        #expect(model1.parameters.class_weight == "balanced")
        #expect(model1.tuning.count == 1)
        #expect(model1.feature_names == Column.inputs.map(\.name))
        // Stratified 20 %, split by content (repeated rows stay on one side, ContentSplit): 410, not 411.
        #expect(model1.holdout.rows == 410)
        #expect(model1.holdout.positives == 63)
        #expect(model1.holdout.roc_auc > 0.85)
        // Calibrated on the out-of-bag predictions of every training row; reliability reported.
        let calibration = try #require(model1.calibration)
        #expect(calibration.method == "isotonic" && calibration.fitted_on == "outOfBag")
        // Every training row a tree did not see (with 20 trees, a row in every bootstrap is rare).
        #expect(calibration.rows > 2_000 && calibration.rows <= 2_055)
        #expect(!calibration.scores.isEmpty && calibration.scores.count == calibration.probabilities.count)
        #expect(model1.holdout.reliability.bins.map(\.count).reduce(0, +) == model1.holdout.rows)
        #expect(model1.holdout.reliability.ece >= 0 && model1.holdout.reliability.ece < 0.2)
        #expect(model1.holdout.reliability.brier > 0 && model1.holdout.reliability.brier < 0.2)
        #expect(model1.out_of_bag.threshold == model1.threshold && model1.threshold_choice.threshold == model1.threshold)
        #expect(model1.out_of_bag.recall >= 0.8 && model1.threshold_choice.target_recall == 0.8)
        #expect(model1.importances.count == 17 && model1.importances.first?.feature == "PageValues")
        #expect(abs(model1.importances.map(\.mean_decrease_impurity).reduce(0, +) - 1) < 1e-9)
        #expect(trained.training_seconds > 0)
        #expect(trained.promotion?.to_version == 1 && trained.promotion?.from_version == nil)
        #expect(trained.promotion?.reason.contains("shopperd train --promote") == true)

        // Train again on everything (versions 1…2), with the gold features and another seed; not promoted.
        let again = try await run(["train", "--state", state, "--seed", "7", "--features", "gold"] + Self.quick)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("Trained model version 2 in "))
        #expect(again.stdout.contains("on the 4110 labelled rows of store versions 1…2."))
        #expect(again.stdout.contains("features     25: Administrative,"))
        #expect(again.stdout.contains("EVALUATED ON"))
        #expect(again.stdout.contains("probability  calibrated: isotonic on ") && again.stdout.contains(" out-of-bag predictions ("))
        #expect(again.stdout.contains("Reliability on the holdout rows: ECE "))
        #expect(again.stdout.contains("PROBABILITY  ROWS  MEAN PREDICTED  OBSERVED RATE"))
        #expect(again.stdout.contains("… 15 more features"))
        #expect(again.stdout.contains("Not promoted: make it champion with `shopperd models promote 2"))

        let listed = try decode([Listed].self, try await run(["models", "list", "--state", state, "--format", "json"]))
        #expect(listed.map(\.version) == [1, 2])
        #expect(listed.map(\.aliases) == [["champion"], []])
        #expect(listed.map(\.training_store_version) == [1, 2])
        #expect(listed.map(\.training_rows) == [2_055, 4_110])
        #expect(listed[0].threshold == model1.threshold && listed[0].holdout_roc_auc == model1.holdout.roc_auc)
        #expect(listed[0].model_sha256 == model1.model_file.sha256)
        let listText = try await run(["models", "--state", state])  // `list` is the default
        #expect(listText.stdout.hasPrefix("VERSION  CREATED"))
        #expect(listText.stdout.contains("champion"))

        let shown = try decode(Trained.Model.self, try await run(["models", "show", "2", "--state", state, "--format", "json"]))
        #expect(shown.lineage.seed == 7 && shown.lineage.training_rows == 4_110 && shown.feature_names.count == 25)
        #expect(shown.model_file.sha256 == listed[1].model_sha256)
        let showText = try await run(["models", "show", "champion", "--state", state])
        #expect(showText.status == 0)
        #expect(showText.stdout.hasPrefix("model version 1  [champion]"))
        #expect(showText.stdout.contains("SHA-256 \(model1.model_file.sha256)"))
        #expect(showText.stdout.contains("min_samples_leaf 5"))
        #expect(showText.stdout.contains("Weekend"))  // every importance, not only the top 10

        // Promote 2, then roll back to 1; the history keeps every reason.
        let promoted = try await run(["models", "promote", "2", "--state", state, "--reason", "more data"])
        #expect(promoted.status == 0, "\(promoted.stderr)")
        #expect(promoted.stdout == "champion promoted: version 1 → version 2 (reason: more data)\n")
        let rolledBack = try await run(["models", "rollback", "--state", state, "--reason", "gold features not reviewed yet"])
        #expect(rolledBack.stdout == "champion rolled back: version 2 → version 1 (reason: gold features not reviewed yet)\n")
        let history = try decode([Trained.Change].self, try await run(["models", "history", "--state", state, "--format", "json"]))
        #expect(history.map(\.action) == ["promote", "promote", "rollback"])
        #expect(history.map(\.from_version) == [nil, 1, 2] && history.map(\.to_version) == [1, 2, 1])
        #expect(history.map(\.reason).dropFirst() == ["more data", "gold features not reviewed yet"])
        let historyText = try await run(["models", "history", "--state", state])
        #expect(historyText.stdout.contains("champion  rollback     2   1  gold features not reviewed yet"))

        // Score an unlabelled file with a blank line in it, with the champion (model 1).
        let batch = try scratch.write("batch.csv", Self.slice(offset: 1, labelled: false, limit: 300, blankLineAfter: 2))
        let predictionsFile = scratch.file("predictions.csv")
        let scored = try await run(["score", batch, "--state", state, "--out", predictionsFile])
        #expect(scored.status == 0, "\(scored.stderr)")
        #expect(scored.stdout.contains("300 rows scored with model version 1"))

        let store = try ShopperStore.open(directory: URL(fileURLWithPath: state))
        let catalog = ModelCatalog(store: store)
        let sessions = try BatchReader().read(contentsOf: URL(fileURLWithPath: batch)).sessions
        let inProcess = try await ModelCatalog.score(sessions, with: try catalog.model(version: 1))
        let csv = try String(contentsOfFile: predictionsFile, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(csv.first == "row,line,probability,label,model_version,prediction_id")
        #expect(csv.count == 301)
        let expected = inProcess.enumerated().map { index, p in
            "\(index + 1),\(index < 2 ? index + 2 : index + 3),\(CSVWriter.number(p.probability)),\(p.label ? "TRUE" : "FALSE"),1,"  // no prediction id: `score` keeps nothing
        }
        #expect(Array(csv.dropFirst()) == expected)
        #expect(inProcess.contains { $0.label } && inProcess.contains { !$0.label })

        // The same file by model 2 (gold features) as JSON on stdout; a labelled file scores too.
        struct Row: Decodable { var row: Int; var line: Int; var probability: Double; var label: Bool; var model_version: Int }
        let json = try decode([Row].self, try await run(["score", batch, "--state", state, "--model", "2", "--format", "json"]))
        let byTwo = try await ModelCatalog.score(sessions, with: try catalog.model(version: 2))
        #expect(json.map(\.probability) == byTwo.map(\.probability))
        #expect(json.map(\.label) == byTwo.map(\.label) && json.allSatisfy { $0.model_version == 2 })
        let labelled = try await run(["score", first, "--state", state])
        #expect(labelled.status == 0 && labelled.stdout.split(separator: "\n").count == 2_056)
        #expect(try store.currentVersion() == 2)  // score stored nothing

        // Export: the file loads, is the registered one, and scores like the registry's model.
        let exportPath = scratch.file("model-1.json")
        let exported = try await run(["models", "export", "1", "--state", state, "--out", exportPath])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout.contains("SHA-256 \(model1.model_file.sha256)"))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: exportPath))
        #expect(bytes.count == model1.model_file.bytes)
        #expect(bytes.withUnsafeBytes { SHA256.hex(of: $0) } == model1.model_file.sha256)
        let loaded = try ModelFile.read(from: URL(fileURLWithPath: exportPath))
        #expect(loaded.threshold == model1.threshold && loaded.metadata.provenance.trainingRows == 2_055)
        #expect(try await ModelCatalog.score(sessions, with: loaded) == inProcess)
    }

    /// `train --promote` while a champion serves is a challenger trial: the paired test on the
    /// holdout rows the champion never trained on, or no promotion at all.
    @Test func trainPromoteFacesThePairedTestWhenAChampionServes() async throws {
        let scratch = try TemporaryDirectory("shopperd-e2e")
        let state = scratch.file("state")
        let first = try scratch.write("first.csv", Self.slice(offset: 0, labelled: true))
        let second = try scratch.write("second.csv", Self.slice(offset: 3, labelled: true))
        #expect(try await run(["ingest", first, "--state", state]).status == 0)
        let champion = try decode(Trained.self, try await run(["train", "--state", state, "--promote", "--format", "json"] + Self.quick))
        #expect(champion.model.aliases == ["champion"] && champion.trial == nil, "no champion yet: nothing to judge against")

        // Same rows as the champion's: nothing unseen by both, no promotion (exit 1), registered.
        let blind = try await run(["train", "--state", state, "--promote", "--seed", "9", "--format", "json"] + Self.quick)
        #expect(blind.status == 1, "\(blind.stderr)")
        let refused = try JSONDecoder().decode(Trained.self, from: Data(blind.stdout.utf8))
        #expect(refused.promotion == nil && refused.model.version == 2 && refused.model.aliases.isEmpty)
        #expect(refused.trial?.verdict == "cannot-judge" && refused.trial?.rows == 0 && refused.trial?.paired_test == nil)

        // New labelled rows: the holdout's rows from version 2 judge. A comparable forest passes ...
        #expect(try await run(["ingest", second, "--state", state]).status == 0)
        let fair = try decode(Trained.self, try await run(["train", "--state", state, "--promote", "--format", "json"] + Self.quick))
        let trial = try #require(fair.trial)
        #expect(trial.verdict == "passed" && trial.champion_version == 1 && trial.paired_test?.test == "delong")
        #expect(trial.rows > 150 && trial.rows < 411 && trial.buyers >= 5, "version 2's share of the 20 % holdout: \(trial.rows)")
        #expect(fair.promotion?.to_version == 3 && fair.promotion?.reason.contains("not significantly worse") == true)

        // ... a one-split stump on one random feature is kept out: registered, not promoted, exit 1
        // (judged on a third slice, which the new champion v3 never saw).
        let third = try scratch.write("third.csv", Self.slice(offset: 5, labelled: true))
        #expect(try await run(["ingest", third, "--state", state]).status == 0)
        let stump = try await run(["train", "--state", state, "--promote", "--trees", "1", "--max-depth", "1", "--max-features", "1",
                                   "--min-samples-leaf", "50", "--format", "json"])
        #expect(stump.status == 1, "\(stump.stderr)")
        let kept = try JSONDecoder().decode(Trained.self, from: Data(stump.stdout.utf8))
        #expect(kept.trial?.verdict == "kept-out" && kept.trial?.paired_test?.passed == false && kept.promotion == nil)
        #expect((kept.trial?.paired_test?.difference ?? 0) < -0.05, "\(kept.trial?.summary ?? "")")
        let listed = try JSONDecoder().decode([Listed].self, from: Data(try await run(["models", "list", "--state", state, "--format", "json"]).stdout.utf8))
        #expect(listed.first { $0.aliases.contains("champion") }?.version == 3)
    }

    @Test func errorsSayWhatToDoWithTheirExitStatus() async throws {
        let scratch = try TemporaryDirectory("shopperd-e2e")
        let state = scratch.file("state")

        let noStore = try await run(["models", "list", "--state", state])
        #expect(noStore.status == 66)
        #expect(noStore.stderr.contains("no store at"))
        #expect(!FileManager.default.fileExists(atPath: state))  // reading did not create a store

        let unlabelled = try scratch.write("unlabelled.csv", Self.slice(offset: 2, labelled: false, limit: 200))
        #expect(try await run(["ingest", unlabelled, "--state", state]).status == 0)
        let noLabels = try await run(["train", "--state", state] + Self.quick)
        #expect(noLabels.status == 65)
        #expect(noLabels.stderr.contains("no labelled row as of version 1"))
        #expect(try await run(["train", "--state", state, "--as-of", "4"]).status == 64)

        let noChampion = try await run(["score", unlabelled, "--state", state])
        #expect(noChampion.status == 64)
        #expect(noChampion.stderr.contains("no model is champion yet"))
        let unknown = try await run(["models", "show", "3", "--state", state])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("model version 3 does not exist"))
        #expect(try await run(["models", "promote", "3", "--state", state]).status == 64)
        let nothingToRollBack = try await run(["models", "rollback", "--state", state])
        #expect(nothingToRollBack.status == 64)
        #expect(nothingToRollBack.stderr.contains("no earlier model to roll back to"))
        #expect(try await run(["models", "history", "--state", state]).stdout.contains("No alias has been set yet"))
        #expect(try await run(["train", "--state", state, "--trees", "0"]).status == 64)
        #expect(try await run(["train", "--state", state, "--max-features", "1.5"]).status == 64)

        // A model reading a feature this build cannot compute (registered in-process: no command
        // trains one) is refused with the names on both sides.
        let store = try ShopperStore.open(directory: URL(fileURLWithPath: state))
        let labelledSessions = try BatchReader().read(bytes: Array(try Self.slice(offset: 4, labelled: true, limit: 400).utf8),
                                                      fileName: "labelled.csv").sessions
        let features = try FeatureSet.inputs.adding([Feature(name: "PagesPerMinute") { $0.pageValues / 60 }])
        let configuration = TrainingConfiguration(
            treeCount: 5, grid: TuningGrid(maxDepth: [4], minSamplesLeaf: [5], maxFeatures: [.sqrt]), permutationRepeats: 0)
        let foreign = try await ModelCatalog.train(labelledSessions, features: features, configuration: configuration, storeVersion: 1)
        let (record, _) = try ModelCatalog(store: store).register(foreign, promoteTo: .champion, reason: "foreign features")
        let mismatch = try await run(["score", unlabelled, "--state", state, "--model", String(record.version)])
        #expect(mismatch.status == 65)
        #expect(mismatch.stderr.contains("the data's features do not match the model's"))
        #expect(mismatch.stderr.contains("PagesPerMinute"))
        #expect(try await run(["models", "show", "champion", "--state", state]).stdout.contains("PagesPerMinute"))

        let missingFile = try await run(["score", scratch.file("nope.csv"), "--state", state])
        #expect(missingFile.status == 66)
        let invalid = try await run(["score", try scratch.write("bad.csv", "PageValues\n1\n"), "--state", state])
        #expect(invalid.status == 65)
        #expect(invalid.stderr.contains("invalid header"))
        let unwritable = try await run(["models", "export", "1", "--state", state, "--out", scratch.file("no/such/dir/m.json")])
        #expect(unwritable.status == 73)
        #expect(unwritable.stderr.contains("cannot write the output"))

        for command in [["train"], ["score"], ["models"], ["models", "list"], ["models", "show"], ["models", "promote"],
                        ["models", "rollback"], ["models", "history"], ["models", "export"]] {
            let help = try await run(command + ["--help"])
            #expect(help.status == 0)
            #expect(help.stdout.contains("USAGE: shopperd \(command.joined(separator: " "))"))
        }
    }
}
