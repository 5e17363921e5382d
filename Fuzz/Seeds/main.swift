// Writes the model fuzzer's seed corpus (run by `Fuzz/run.sh seeds`; the output is committed in
// Fuzz/corpus/model/). Every JSON seed is `ModelFile.encode` of a small forest, so it is exactly what
// shopperd writes: a trained one with every metadata field (the bundled data, 3 shallow trees), and
// hand-made edge shapes (one leaf, no features, stumps listed right-before-left). The `tree-*` seeds
// are tree-mode inputs (see `TreeSpec` in Fuzz/Model/ModelFuzzer.swift): valid little forests the
// fuzzer mutates into malformed ones.
import Foundation
import ShopperCore
import ShopperML

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    print("usage: make-seeds DATA.csv OUTPUT-DIRECTORY")
    exit(64)
}
let output = URL(fileURLWithPath: arguments[2])
try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)

func write(_ name: String, _ data: Data) throws {
    try data.write(to: output.appendingPathComponent(name))
    print("\(name): \(data.count) bytes")
}

// A trained forest, as `shopperd train` saves it (holdout, out-of-bag, importances, tuning).
let batch = try BatchReader().read(
    bytes: Array(try Data(contentsOf: URL(fileURLWithPath: arguments[1]))), fileName: URL(fileURLWithPath: arguments[1]).lastPathComponent)
let sessions = Array(batch.sessions.prefix(2_000))
let features = FeatureSet.inputsAndGold()
let configuration = TrainingConfiguration(
    treeCount: 3, grid: TuningGrid(maxDepth: [2], minSamplesLeaf: [50], maxFeatures: [.sqrt]),
    holdoutFraction: 0.25, permutationRepeats: 1)
let trained = try await Trainer(configuration: configuration, workers: 1).train(
    features.matrix(for: sessions), labels: try FeatureSet.labels(for: sessions),
    provenance: Provenance(storeVersion: 1, codeVersion: "fuzz-seed", trainedAt: Date(timeIntervalSince1970: 1_735_732_800),
                           trainingRows: sessions.count, positiveRows: sessions.filter { $0.revenue == true }.count))
try write("trained-3-trees.json", try ModelFile.encode(trained))
// trained-3-trees-v1.json, committed beside it and not rewritten here, is the same forest as
// version 1 wrote it, before calibration: old files must keep loading (with raw scores).

// Hand-made shapes.
let leaf = try DecisionTree(feature: [-1], threshold: [0], left: [-1], right: [-1], value: [0.25], featureCount: 0)
try write("one-leaf-no-features.json", try ModelFile.encode(
    try ForestModel(featureNames: [], trees: [leaf], parameters: ForestParameters(treeCount: 1))))
let a = try DecisionTree(feature: [0, -1, -1], threshold: [1, 0, 0], left: [2, -1, -1], right: [1, -1, -1], value: [0.5, 0.8, 0.2], featureCount: 2)
let b = try DecisionTree(feature: [1, 0, -1, -1, -1], threshold: [10, -0.0, 0, 0, 0], left: [1, 3, -1, -1, -1], right: [2, 4, -1, -1, -1],
                         value: [0.5, 0.4, 1, 0, 1], featureCount: 2)
try write("two-stumps.json", try ModelFile.encode(
    try ForestModel(featureNames: ["x", "y"], trees: [a, b], parameters: ForestParameters(treeCount: 2, maxFeatures: .fraction(0.5)),
                    threshold: 0.4)))
try write("two-stumps-calibrated.json", try ModelFile.encode(
    try ForestModel(featureNames: ["x", "y"], trees: [a, b], parameters: ForestParameters(treeCount: 2, maxFeatures: .fraction(0.5)),
                    threshold: 0.4, calibration: try ScoreCalibration(
                        scores: [0.2, 0.45, 0.9], probabilities: [0, 0.3, 0.3], fittedOn: "outOfBag", rows: 10))))

// Tree mode: byte 0 not '{'; features; trees; per tree a node count, then 4 bytes per node
// (feature, left, right, threshold/value selector). 0xFF children are −1; 0x80 is a leaf.
try write("tree-stump", Data([0x01, 2, 0, 2, 0, 1, 2, 0x00, 0x80, 0xFF, 0xFF, 0x10, 0x80, 0xFF, 0xFF, 0x20]))
try write("tree-two-deep", Data([0x01, 3, 0,
                                 4, 0, 1, 2, 0x00, 1, 3, 4, 0x0B, 0x80, 0xFF, 0xFF, 0x30, 0x80, 0xFF, 0xFF, 0x10, 0x80, 0xFF, 0xFF, 0x20]))
try write("tree-leaf", Data([0x01, 0, 0, 0, 0x80, 0xFF, 0xFF, 0x40]))
// A chain where node i has children i+1 and i+2: shared children, Fibonacci(48) paths. Refused at
// load since 42b6e99; before, the scorer's layout exhausted memory.
var dag = Data([0x01, 1, 0, 47])
for i in 0..<48 { dag += i < 46 ? [0, UInt8(i + 1), UInt8(i + 2), 0] : [0x80, 0xFF, 0xFF, 0] }
try write("tree-dag-chain", dag)
