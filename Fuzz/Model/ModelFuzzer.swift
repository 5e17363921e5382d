import Foundation
import ShopperML

/// libFuzzer entry point for the model-file loader (built by `Fuzz/run.sh model`).
///
/// An input is either a model file itself (it starts with `{` or a blank: JSON mode), or a compact
/// binary description of a forest (tree mode, see `TreeSpec`) that the harness writes out as a model
/// file with correctly packed base64 arrays. JSON mode finds problems in parsing and in the document's
/// fields; tree mode reaches what a mutated JSON file almost never does: structurally odd trees
/// (loops, shared children, bad indices, NaN thresholds, probabilities outside [0, 1], lying node
/// counts) behind a file that is otherwise valid.
///
/// Whatever the input, `ModelFile.decode` must return or throw `ForestError`; a model it returns
/// must score a small matrix (NaN, ±∞, −0 and its own split values included) in bounded time, every
/// probability in [0, 1], bit-identical to walking each tree directly (then calibrating, when the
/// file carries a calibration) and to the single-row path,
/// and must survive `encode` → `decode` unchanged.
@_cdecl("LLVMFuzzerTestOneInput")
package func modelFuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let file: Data
    if let first = bytes.first, first != UInt8(ascii: "{") && first != 0x20 && first != 0x0A && first != 0x0D && first != 0x09 {
        file = TreeSpec(bytes).modelFile()
    } else {
        file = Data(bytes)
    }
    let model: ForestModel
    do throws(ForestError) {
        model = try ModelFile.decode(file)
    } catch {
        switch error {
        case .invalidModelFile, .unsupportedModelVersion:
            require(!error.description.isEmpty)
        default:
            fatalError("decode threw \(error), not a model-file error")
        }
        return 0
    }
    LoadedModelProperties(model: model).check()
    return 0
}

/// A forest described compactly so that mutations change trees, not JSON syntax.
///
/// Byte 0 selects tree mode; byte 1: feature count (mod 5); byte 2: tree count (1 + mod 4). Each tree:
/// one byte `h` (nodes = 1 + h mod 48; when `h ≥ 0xC0` the next byte picks a wrong `nodeCount` to
/// write), then 4 bytes per node: feature (≥ 0x80: leaf −1, 0xFF: −2; else mod featureCount + 2),
/// left, right (0xFF: −1; else the byte as an index), and one byte selecting the threshold (low
/// nibble) and the probability (high nibble) from tables of ordinary and hostile values. Missing
/// bytes read as 0xFF.
struct TreeSpec {
    struct Tree {
        var nodeCount: Int
        var feature: [Int32] = []
        var threshold: [Double] = []
        var left: [Int32] = []
        var right: [Int32] = []
        var value: [Double] = []
    }

    var featureCount: Int
    var trees: [Tree] = []

    static let thresholds: [Double] = [0.5, 0, 1, -1, 2.5, .infinity, -.infinity, .nan, -0.0, 1e308, .leastNonzeroMagnitude, 0.25, 0.75, 3, 10, -2]
    static let values: [Double] = [0.5, 0, 1, 0.25, 0.75, -0.0, 1.5, -1, .nan, .infinity, .leastNonzeroMagnitude, 0.1, 0.9, 1.0000000000000002, 0.3, 0.6]
    static let lyingCounts: [Int] = [0, -1, 1 << 61, 1 << 62, Int.max, Int.min, 1 << 30, 2]

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        var at = 1
        func next() -> UInt8 {
            defer { at += 1 }
            return at < bytes.count ? bytes[at] : 0xFF
        }
        featureCount = Int(next() % 5)
        let treeCount = 1 + Int(next() % 4)
        for _ in 0..<treeCount {
            let h = next()
            let nodes = 1 + Int(h % 48)
            var tree = Tree(nodeCount: nodes)
            if h >= 0xC0 { tree.nodeCount = TreeSpec.lyingCounts[Int(next()) % TreeSpec.lyingCounts.count] }
            for _ in 0..<nodes {
                let f = next()
                tree.feature.append(f == 0xFF ? -2 : f >= 0x80 ? -1 : Int32(Int(f) % (featureCount + 2)))
                let l = next()
                let r = next()
                tree.left.append(l == 0xFF ? -1 : Int32(l))
                tree.right.append(r == 0xFF ? -1 : Int32(r))
                let t = next()
                tree.threshold.append(TreeSpec.thresholds[Int(t & 0x0F)])
                tree.value.append(TreeSpec.values[Int(t >> 4)])
            }
            trees.append(tree)
        }
    }

    /// The model file: a minimal valid document around these trees.
    func modelFile() -> Data {
        let names = (0..<featureCount).map { "\"f\($0)\"" }.joined(separator: ",")
        let treeJSON = trees.map { tree in
            "{\"nodeCount\":\(tree.nodeCount),\"feature\":\"\(pack(tree.feature))\",\"threshold\":\"\(pack(tree.threshold))\","
                + "\"left\":\"\(pack(tree.left))\",\"right\":\"\(pack(tree.right))\",\"value\":\"\(pack(tree.value))\"}"
        }.joined(separator: ",")
        let text = "{\"format\":\"shopperd-forest\",\"formatVersion\":1,\"featureNames\":[\(names)],\"threshold\":0.5,"
            + "\"parameters\":{\"treeCount\":\(trees.count),\"maxFeatures\":\"sqrt\",\"minSamplesLeaf\":1,\"classWeight\":\"none\","
            + "\"bootstrap\":true,\"maxBins\":255,\"seed\":42},"
            + "\"metadata\":{\"provenance\":{\"codeVersion\":\"fuzz\",\"trainingRows\":0,\"positiveRows\":0},\"importances\":[],\"tuning\":[]},"
            + "\"trees\":[\(treeJSON)]}"
        return Data(text.utf8)
    }

    private func pack(_ values: [Int32]) -> String {
        Data(values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: UInt32(bitPattern: v) >> (8 * $0)) } }).base64EncodedString()
    }

    private func pack(_ values: [Double]) -> String {
        Data(values.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: v.bitPattern >> UInt64(8 * $0)) } }).base64EncodedString()
    }
}

/// What must hold for any model `ModelFile.decode` accepts.
struct LoadedModelProperties {
    let model: ForestModel

    /// Rows scored per input: not a multiple of the 64-row blocks the batch path is shared in (a
    /// decoded forest's tree count, rarely a multiple of the walk's 16 tree lanes, exercises the
    /// partial group of trees).
    static let rowCount = 37

    func check() {
        let p = model.featureNames.count
        require(!model.trees.isEmpty && Set(model.featureNames).count == p)
        for tree in model.trees {
            require(tree.nodeCount > 0)
            require(tree.feature.allSatisfy { Int($0) < p && $0 >= -1 }, "a loaded tree tests a feature the model lacks")
            require(tree.value.allSatisfy { $0 >= 0 && $0 <= 1 }, "a loaded tree has a probability outside [0, 1]")
        }
        let matrix = self.matrix()
        let probabilities: [Double]
        do throws(ForestError) {
            probabilities = try model.probabilities(for: matrix)
        } catch {
            fatalError("scoring a matrix with the model's own features failed: \(error)")
        }
        require(probabilities.count == matrix.rowCount)
        let scale = 1 / Double(model.trees.count)
        for row in 0..<matrix.rowCount {
            let probability = probabilities[row]
            require(probability >= 0 && probability <= 1, "probability \(probability) outside [0, 1]")
            var sum = 0.0
            for tree in model.trees { sum += tree.probability { matrix[row, $0] } }
            // Through the calibration when the file has one (version 2), the raw mean otherwise.
            require(model.calibrated(sum * scale).bitPattern == probability.bitPattern, "compiled scoring differs from the trees")
            require(model.probability(row: matrix.row(row)).bitPattern == probability.bitPattern, "single-row path differs")
        }
        require(model.labels(for: probabilities).count == probabilities.count)

        do throws(ForestError) {
            let again = try ModelFile.decode(try ModelFile.encode(model))
            // Bit patterns, not ==: a leaf's unused threshold may be NaN, which is never == itself.
            require(again.featureNames == model.featureNames && again.trees.count == model.trees.count, "encode/decode changed the model")
            for (x, y) in zip(again.trees, model.trees) {
                require(x.feature == y.feature && x.left == y.left && x.right == y.right
                        && x.threshold.map(\.bitPattern) == y.threshold.map(\.bitPattern)
                        && x.value.map(\.bitPattern) == y.value.map(\.bitPattern), "encode/decode changed a tree")
            }
            require(again.threshold.bitPattern == model.threshold.bitPattern && again.parameters == model.parameters)
            require(again.calibration == model.calibration, "encode/decode changed the calibration")
            let rescored = try again.probabilities(for: matrix)
            require(rescored.map(\.bitPattern) == probabilities.map(\.bitPattern), "a reloaded model scores differently")
        } catch {
            fatalError("a loaded model does not survive encode/decode: \(error)")
        }
    }

    /// Rows mixing ordinary values, hostile ones and the model's own split points (where `<=` matters).
    private func matrix() -> FeatureMatrix {
        let specials: [Double] = [.nan, .infinity, -.infinity, -0.0, 0, 1, -1, 1e308, -1e308, .leastNonzeroMagnitude, 0.5]
        let splits = Array(Set(model.trees.flatMap { tree in tree.feature.indices.filter { tree.feature[$0] >= 0 }.map { tree.threshold[$0] } })).sorted()
        let pool = specials + splits + splits.map { $0.nextUp } + splits.map { $0.nextDown }
        let rows = LoadedModelProperties.rowCount
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var values: [Double] = []
        values.reserveCapacity(rows * model.featureNames.count)
        for _ in 0..<(rows * model.featureNames.count) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            values.append(pool[Int(state >> 33) % pool.count])
        }
        do throws(ForestError) {
            return try FeatureMatrix(featureNames: model.featureNames, rowCount: rows, columnMajor: values)
        } catch {
            fatalError("cannot build a matrix for the model's features: \(error)")
        }
    }
}
