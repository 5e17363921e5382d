import Foundation
import Testing
@testable import ShopperML

struct ModelFileTests {
    /// A trained model with every metadata field filled, as `shopperd train` saves it.
    static func trainedModel() async throws -> ForestModel {
        let train = Synthetic.make(rows: 400, seed: 11)
        let configuration = TrainingConfiguration(
            treeCount: 8, grid: TuningGrid(maxDepth: [nil], minSamplesLeaf: [2], maxFeatures: [.sqrt]),
            holdoutFraction: 0.25, permutationRepeats: 2)
        return try await Trainer(configuration: configuration).train(
            train.data, labels: train.labels,
            provenance: Provenance(storeVersion: 3, codeVersion: "0.1.0", trainedAt: Date(timeIntervalSince1970: 1_700_000_000)))
    }

    @Test func roundTripScoresBitIdentically() async throws {
        let model = try await Self.trainedModel()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shopperml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.json")
        try ModelFile.write(model, to: url)
        let loaded = try ModelFile.read(from: url)

        #expect(loaded.featureNames == model.featureNames)
        #expect(loaded.trees == model.trees)
        #expect(loaded.parameters == model.parameters)
        #expect(loaded.threshold.bitPattern == model.threshold.bitPattern)
        #expect(loaded.metadata == model.metadata)
        #expect(loaded.calibration != nil && loaded.calibration == model.calibration)

        let rows = Synthetic.make(rows: 300, seed: 12).data
        let before = try model.probabilities(for: rows)
        let after = try loaded.probabilities(for: rows)
        #expect(Synthetic.bits(before) == Synthetic.bits(after))
        #expect(model.labels(for: before) == loaded.labels(for: after))
    }

    @Test func fileIsVersionedJSONWithPackedTrees() async throws {
        let model = try await Self.trainedModel()
        let object = try JSONSerialization.jsonObject(with: try ModelFile.encode(model)) as! [String: Any]
        #expect(object["format"] as? String == "shopperd-forest")
        #expect(object["formatVersion"] as? Int == 2)
        let calibration = try #require(object["calibration"] as? [String: Any])
        #expect(calibration["method"] as? String == "isotonic" && calibration["fittedOn"] as? String == "outOfBag")
        #expect(object["featureNames"] as? [String] == Synthetic.names)
        let trees = try #require(object["trees"] as? [[String: Any]])
        #expect(trees.count == 8)
        let first = trees[0]
        let nodes = try #require(first["nodeCount"] as? Int)
        #expect(Data(base64Encoded: first["threshold"] as! String)?.count == nodes * 8)
        #expect(Data(base64Encoded: first["feature"] as! String)?.count == nodes * 4)
        let metadata = try #require(object["metadata"] as? [String: Any])
        let provenance = try #require(metadata["provenance"] as? [String: Any])
        #expect(provenance["storeVersion"] as? Int == 3)
        #expect(provenance["codeVersion"] as? String == "0.1.0")
        let parameters = try #require(object["parameters"] as? [String: Any])
        #expect(parameters["seed"] as? Int == 42)
        #expect(parameters["maxFeatures"] as? String == "sqrt")
    }

    /// Files written before calibration (version 1) keep loading; their models serve the raw
    /// score, the scale their threshold was chosen on.
    @Test func versionOneFilesLoadWithoutCalibrationAndScoreRaw() async throws {
        let model = try await Self.trainedModel()
        var object = try JSONSerialization.jsonObject(with: try ModelFile.encode(model)) as! [String: Any]
        object["formatVersion"] = 1
        let withCalibration = try JSONSerialization.data(withJSONObject: object)
        object["calibration"] = nil
        let old = try ModelFile.decode(try JSONSerialization.data(withJSONObject: object))
        #expect(old.calibration == nil && old.threshold == model.threshold && old.trees == model.trees)
        let rows = Synthetic.make(rows: 50, seed: 14).data
        #expect(Synthetic.bits(try old.probabilities(for: rows)) == Synthetic.bits(try model.rawScores(for: rows)))
        #expect(Synthetic.bits(try old.probabilities(for: rows)) == Synthetic.bits(try old.rawScores(for: rows)))
        // A version 1 file never had a calibration: one that claims to is not what it says.
        #expect(throws: ForestError.self) { try ModelFile.decode(withCalibration) }
    }

    @Test func calibrationKnotsAreCheckedOnLoad() async throws {
        let model = try await Self.trainedModel()
        let original = try JSONSerialization.jsonObject(with: try ModelFile.encode(model)) as! [String: Any]
        let calibration = try #require(original["calibration"] as? [String: Any])
        let scores = calibration["scores"] as! [Double]
        for (key, value) in [("scores", scores.reversed() as [Double]), ("probabilities", [Double](repeating: 2, count: scores.count)),
                             ("probabilities", [0.5])] as [(String, [Double])] {
            var broken = calibration
            broken[key] = value
            var object = original
            object["calibration"] = broken
            #expect(throws: ForestError.self, "calibration \(key) \(value.prefix(3))") {
                try ModelFile.decode(try JSONSerialization.data(withJSONObject: object))
            }
        }
    }

    @Test func scoringOtherFeaturesFailsWithATypedError() async throws {
        let model = try await Self.trainedModel()
        let rows = Synthetic.make(rows: 10, seed: 13).data
        let reordered = try FeatureMatrix(
            featureNames: ["helper", "signal", "noise", "code"], columns: [1, 0, 2, 3].map { Array(rows.column($0)) })
        #expect(throws: ForestError.featureMismatch(expected: Synthetic.names, found: ["helper", "signal", "noise", "code"])) {
            try model.probabilities(for: reordered)
        }
        let fewer = try FeatureMatrix(featureNames: ["signal", "helper"], columns: [Array(rows.column(0)), Array(rows.column(1))])
        await #expect(throws: ForestError.self) { try await model.probabilities(for: fewer, workers: 2) }
        do {
            _ = try model.probabilities(for: fewer)
            Issue.record("scoring with missing features should fail")
        } catch {
            #expect("\(error)".contains("retrain"))
        }
    }

    @Test func rejectsOtherFormatsNewerVersionsAndCorruptTrees() async throws {
        let model = try await Self.trainedModel()
        let text = String(decoding: try ModelFile.encode(model), as: UTF8.self)

        let newer = text.replacingOccurrences(of: "\"formatVersion\" : 2", with: "\"formatVersion\" : 3")
        #expect(throws: ForestError.unsupportedModelVersion(found: 3, supported: 2)) {
            try ModelFile.decode(Data(newer.utf8))
        }
        let other = text.replacingOccurrences(of: "\"shopperd-forest\"", with: "\"something-else\"")
        #expect(throws: ForestError.self) { try ModelFile.decode(Data(other.utf8)) }
        #expect(throws: ForestError.self) { try ModelFile.decode(Data("not json".utf8)) }

        // A tree whose node count no longer matches its arrays.
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        var trees = object["trees"] as! [[String: Any]]
        trees[0]["nodeCount"] = (trees[0]["nodeCount"] as! Int) + 1
        var broken = object
        broken["trees"] = trees
        #expect(throws: ForestError.self) {
            try ModelFile.decode(try JSONSerialization.data(withJSONObject: broken))
        }
        #expect(throws: ForestError.self) {
            try ModelFile.read(from: URL(fileURLWithPath: "/nonexistent/model.json"))
        }
    }

    @Test func treeValidationRejectsLoopsAndBadIndices() {
        // Node 1 points back to the root: a loop.
        #expect(throws: ForestError.self) {
            try DecisionTree(feature: [0, 0, -1], threshold: [0.5, 0.5, 0], left: [1, 0, -1], right: [2, 2, -1], value: [0.5, 0.5, 1], featureCount: 1)
        }
        // Feature out of range.
        #expect(throws: ForestError.self) {
            try DecisionTree(feature: [3, -1, -1], threshold: [0.5, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0.5, 0, 1], featureCount: 1)
        }
        // Probability outside [0, 1].
        #expect(throws: ForestError.self) {
            try DecisionTree(feature: [-1], threshold: [0], left: [-1], right: [-1], value: [1.5], featureCount: 1)
        }
        let stump = try? DecisionTree(
            feature: [0, -1, -1], threshold: [0.5, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0.5, 0.25, 0.75], featureCount: 1)
        #expect(stump?.probability { _ in 0.2 } == 0.25)
        #expect(stump?.probability { _ in 0.5 } == 0.25)  // ≤ goes left
        #expect(stump?.probability { _ in 0.9 } == 0.75)
        #expect(stump?.depth == 1 && stump?.leafCount == 2)
    }

    @Test func aHandWrittenForestScoresAsWritten() throws {
        // Two stumps with right listed before left in the arrays: the scorer re-lays them out.
        let a = try DecisionTree(feature: [0, -1, -1], threshold: [1, 0, 0], left: [2, -1, -1], right: [1, -1, -1], value: [0.5, 0.8, 0.2], featureCount: 2)
        let b = try DecisionTree(feature: [1, -1, -1], threshold: [10, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0.5, 0.0, 1.0], featureCount: 2)
        let model = try ForestModel(featureNames: ["x", "y"], trees: [a, b], parameters: ForestParameters(treeCount: 2))
        #expect(model.probability(row: [0, 0]) == (0.2 + 0.0) * 0.5)
        #expect(model.probability(row: [2, 20]) == (0.8 + 1.0) * 0.5)
        let batch = try model.probabilities(for: try FeatureMatrix(featureNames: ["x", "y"], columns: [[0, 2], [0, 20]]))
        #expect(batch == [0.1, 0.9])
    }
}
