import Foundation
import Testing
@testable import ShopperML

/// Model files crafted to break the loader (regressions of what `Fuzz/run.sh model` found): each must
/// be refused with `invalidModelFile` at load, never trap, loop or exhaust memory, here or when scoring.
struct ModelFileHostileTests {
    /// A valid model file whose first tree is replaced by `tree` (already packed as the file holds it).
    static func file(replacingFirstTreeWith tree: [String: Any], featureNames: [String] = ["x", "y"]) throws -> Data {
        let stump = try DecisionTree(
            feature: [0, -1, -1], threshold: [0.5, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0.5, 0, 1],
            featureCount: featureNames.count)
        let model = try ForestModel(featureNames: featureNames, trees: [stump], parameters: ForestParameters(treeCount: 1))
        var object = try JSONSerialization.jsonObject(with: try ModelFile.encode(model)) as! [String: Any]
        object["trees"] = [tree]
        return try JSONSerialization.data(withJSONObject: object)
    }

    /// A tree's JSON object from its arrays, with `nodeCount` as given (it may lie).
    static func packed(
        nodeCount: Int, feature: [Int32], threshold: [Double], left: [Int32], right: [Int32], value: [Double]
    ) -> [String: Any] {
        ["nodeCount": nodeCount, "feature": Packing.pack(feature), "threshold": Packing.pack(threshold),
         "left": Packing.pack(left), "right": Packing.pack(right), "value": Packing.pack(value)]
    }

    static func loadError(_ data: Data) -> ForestError? {
        do {
            _ = try ModelFile.decode(data)
            return nil
        } catch {
            return error
        }
    }

    /// `nodeCount` × element width overflowed an Int and trapped (found by the fuzzer with
    /// nodeCount 2^61); a negative count must not reach `0..<count` either.
    @Test(arguments: [1 << 61, 1 << 62, Int.max, Int.min, -1, -(1 << 62)])
    func absurdNodeCountsAreRefused(nodeCount: Int) throws {
        let tree = Self.packed(nodeCount: nodeCount, feature: [-1], threshold: [0], left: [-1], right: [-1], value: [0.5])
        guard case .invalidModelFile(let reason)? = Self.loadError(try Self.file(replacingFirstTreeWith: tree)) else {
            Issue.record("nodeCount \(nodeCount) was not refused as an invalid model file")
            return
        }
        #expect(reason.hasPrefix("tree 0: "))
        #expect(reason.contains("nodeCount") || reason.contains("bytes"))
    }

    /// A tree's problem used to come back wrapped twice ("not a valid shopperd model file: tree 0:
    /// not a valid shopperd model file: …; retrain …; retrain …"); now it is the tree's reason, placed.
    @Test func aBadTreeIsNamedOnceWithItsReason() throws {
        let tree = Self.packed(nodeCount: 1, feature: [-1], threshold: [0], left: [-1], right: [-1], value: [1.5])
        let error = Self.loadError(try Self.file(replacingFirstTreeWith: tree))
        #expect(error == .invalidModelFile("tree 0: node 0 has probability 1.5"))
        #expect(error?.description == "not a valid shopperd model file: tree 0: node 0 has probability 1.5;"
            + " retrain the model or restore the file from the registry")
    }
}

extension ModelFileHostileTests {
    /// Children after their parent rule out loops, but not shared children: node i → (i+1, i+2)
    /// is a DAG whose paths number Fibonacci(n). Laying it out for scoring expanded every path, so a
    /// 60-node "tree" (a few hundred bytes of file) asked for ~10^12 nodes: memory exhausted at load.
    /// Found by review of the loader while writing the fuzz harness (random mutation rarely builds
    /// such a chain); now every node but the root must have exactly one parent.
    @Test func sharedChildrenAreRefusedAtLoad() throws {
        let n = 60
        var feature = [Int32](repeating: 0, count: n)
        var left = (0..<n).map { Int32($0 + 1) }
        var right = (0..<n).map { Int32($0 + 2) }
        for leaf in [n - 2, n - 1] {
            feature[leaf] = -1
            left[leaf] = -1
            right[leaf] = -1
        }
        let tree = Self.packed(
            nodeCount: n, feature: feature, threshold: [Double](repeating: 0.5, count: n), left: left, right: right,
            value: [Double](repeating: 0.5, count: n))
        guard case .invalidModelFile(let reason)? = Self.loadError(try Self.file(replacingFirstTreeWith: tree)) else {
            Issue.record("a tree with shared children was loaded")
            return
        }
        #expect(reason == "tree 0: node 2 has two parents (nodes 0 and 1): not a tree")

        // Directly, too: the smallest shared child.
        #expect(throws: ForestError.invalidModelFile("node 2 has two parents (nodes 0 and 1): not a tree")) {
            try DecisionTree(
                feature: [0, 0, -1, -1], threshold: [0.5, 0.5, 0, 0], left: [1, 2, -1, -1], right: [2, 3, -1, -1],
                value: [0.5, 0.5, 0, 1], featureCount: 1)
        }
    }
}
