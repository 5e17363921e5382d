import Foundation
import ShopperCore

/// Reads and writes model files: one JSON document, format `shopperd-forest`, version 2.
///
/// Version 2 adds `calibration` (see `ScoreCalibration`), the map from raw score to probability.
/// Version 1 files still load: they have no calibration, and their models keep scoring raw scores
/// (and their thresholds, chosen on that scale, keep their meaning).
///
/// Metadata (features, threshold, parameters, metrics, lineage) is plain JSON an operator can read;
/// each tree's five node arrays are base64 of little-endian Int32 / IEEE-754 Float64 values, so
/// thresholds and leaf probabilities come back bit for bit and a loaded model scores exactly like
/// the one that was saved. The layout is documented in `docs/forest.md`.
package enum ModelFile {
    /// The `format` field of every model file.
    package static let formatName = "shopperd-forest"
    /// The version this build writes and the newest it reads.
    package static let formatVersion = 2

    /// The file's bytes for `model`.
    package static func encode(_ model: ForestModel) throws(ForestError) -> Data {
        let file = Document(
            format: formatName, formatVersion: formatVersion, featureNames: model.featureNames,
            threshold: model.threshold, parameters: model.parameters, metadata: model.metadata,
            calibration: model.calibration, trees: model.trees.map(Tree.init))
        do {
            return try JSONPolicy.encode(file)
        } catch {
            throw .invalidModelFile("cannot encode the model: \(error)")
        }
    }

    /// The model in `data`; throws `invalidModelFile` or `unsupportedModelVersion`.
    package static func decode(_ data: Data) throws(ForestError) -> ForestModel {
        let header: Header
        do {
            header = try JSONPolicy.decode(Header.self, from: data)
        } catch {
            throw .invalidModelFile("not a JSON model file (\(error))")
        }
        guard header.format == formatName else {
            throw .invalidModelFile("format is \"\(header.format)\", expected \"\(formatName)\"")
        }
        guard header.formatVersion <= formatVersion, header.formatVersion >= 1 else {
            throw .unsupportedModelVersion(found: header.formatVersion, supported: formatVersion)
        }
        let file: Document
        do {
            file = try JSONPolicy.decode(Document.self, from: data)
        } catch {
            throw .invalidModelFile("\(error)")
        }
        var trees: [DecisionTree] = []
        for (index, tree) in file.trees.enumerated() {
            do {
                trees.append(try tree.decoded(featureCount: file.featureNames.count))
            } catch {
                // The tree's own reason, placed: not the whole message nested in another.
                guard case .invalidModelFile(let reason) = error else { throw error }
                throw .invalidModelFile("tree \(index): \(reason)")
            }
        }
        if let calibration = file.calibration {
            guard header.formatVersion >= 2 else {
                throw .invalidModelFile("a version 1 model file has no calibration; found one (formatVersion must be 2)")
            }
            try calibration.validate()
        }
        return try ForestModel(
            featureNames: file.featureNames, trees: trees, parameters: file.parameters, threshold: file.threshold,
            metadata: file.metadata, calibration: file.calibration)
    }

    /// Writes `model` to `url` atomically (a reader never sees half a file).
    package static func write(_ model: ForestModel, to url: URL) throws(ForestError) {
        let data = try encode(model)
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw .invalidModelFile("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// Reads the model at `url`.
    package static func read(from url: URL) throws(ForestError) -> ForestModel {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .invalidModelFile("cannot read \(url.path): \(error.localizedDescription)")
        }
        return try decode(data)
    }

    private struct Header: Decodable {
        var format: String
        var formatVersion: Int
    }

    private struct Document: Codable {
        var format: String
        var formatVersion: Int
        var featureNames: [String]
        var threshold: Double
        var parameters: ForestParameters
        var metadata: ModelMetadata
        /// Absent in version 1 files and for models never calibrated.
        var calibration: ScoreCalibration?
        var trees: [Tree]
    }

    /// One tree: node count and five packed arrays.
    private struct Tree: Codable {
        var nodeCount: Int
        var feature: String
        var threshold: String
        var left: String
        var right: String
        var value: String

        init(_ tree: DecisionTree) {
            nodeCount = tree.nodeCount
            feature = Packing.pack(tree.feature)
            threshold = Packing.pack(tree.threshold)
            left = Packing.pack(tree.left)
            right = Packing.pack(tree.right)
            value = Packing.pack(tree.value)
        }

        func decoded(featureCount: Int) throws(ForestError) -> DecisionTree {
            try DecisionTree(
                feature: Packing.unpackInt32(feature, count: nodeCount, field: "feature"),
                threshold: Packing.unpackDouble(threshold, count: nodeCount, field: "threshold"),
                left: Packing.unpackInt32(left, count: nodeCount, field: "left"),
                right: Packing.unpackInt32(right, count: nodeCount, field: "right"),
                value: Packing.unpackDouble(value, count: nodeCount, field: "value"),
                featureCount: featureCount)
        }
    }
}

/// Base64 of little-endian fixed-width numbers.
enum Packing {
    static func pack(_ values: [Int32]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 4)
        for v in values {
            let bits = UInt32(bitPattern: v)
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
        }
        return Data(bytes).base64EncodedString()
    }

    static func pack(_ values: [Double]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 8)
        for v in values {
            let bits = v.bitPattern
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        }
        return Data(bytes).base64EncodedString()
    }

    static func bytes(_ text: String, count: Int, width: Int, field: String) throws(ForestError) -> [UInt8] {
        guard count > 0 else { throw .invalidModelFile("nodeCount is \(count); a tree has at least one node") }
        guard let data = Data(base64Encoded: text) else { throw .invalidModelFile("\(field) is not base64") }
        // Compared by division: a hostile nodeCount times the width would overflow an Int.
        guard data.count % width == 0, data.count / width == count else {
            throw .invalidModelFile("\(field) holds \(data.count) bytes, not nodeCount \(count) × \(width)")
        }
        return [UInt8](data)
    }

    static func unpackInt32(_ text: String, count: Int, field: String) throws(ForestError) -> [Int32] {
        let raw = try bytes(text, count: count, width: 4, field: field)
        return (0..<count).map { i in
            var bits: UInt32 = 0
            for k in 0..<4 { bits |= UInt32(raw[i * 4 + k]) << UInt32(8 * k) }
            return Int32(bitPattern: bits)
        }
    }

    static func unpackDouble(_ text: String, count: Int, field: String) throws(ForestError) -> [Double] {
        let raw = try bytes(text, count: count, width: 8, field: field)
        return (0..<count).map { i in
            var bits: UInt64 = 0
            for k in 0..<8 { bits |= UInt64(raw[i * 8 + k]) << UInt64(8 * k) }
            return Double(bitPattern: bits)
        }
    }
}
