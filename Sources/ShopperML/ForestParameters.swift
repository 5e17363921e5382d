/// How many features a node may look at when it searches for a split.
package enum MaxFeatures: Sendable, Codable, Hashable, CustomStringConvertible {
    /// ⌊√p⌋ (at least 1): the classic random-forest default for classification.
    case sqrt
    /// ⌊log₂ p⌋ (at least 1).
    case log2
    /// A fixed count (clamped to p).
    case count(Int)
    /// ⌊fraction · p⌋ (at least 1), fraction in (0, 1].
    case fraction(Double)
    /// Every feature (bagged trees rather than a random forest).
    case all

    /// The number of features for `featureCount` inputs.
    package func resolve(featureCount p: Int) -> Int {
        let k: Int
        switch self {
        case .sqrt: k = Int(Double(p).squareRoot())
        case .log2: k = p > 0 ? Int(Double(p).exponent) : 1
        case .count(let n): k = n
        case .fraction(let f): k = Int(f * Double(p))
        case .all: k = p
        }
        return max(1, min(p, k))
    }

    package var description: String {
        switch self {
        case .sqrt: "sqrt"
        case .log2: "log2"
        case .count(let n): "\(n)"
        case .fraction(let f): "\(f)"
        case .all: "all"
        }
    }

    /// Parses `sqrt`, `log2`, `all`, an integer count or a fraction such as `0.5`.
    package init?(parsing text: String) {
        switch text.lowercased() {
        case "sqrt": self = .sqrt
        case "log2": self = .log2
        case "all": self = .all
        default:
            if let n = Int(text), n > 0 {
                self = .count(n)
            } else if let f = Double(text), f > 0, f <= 1 {
                self = .fraction(f)
            } else {
                return nil
            }
        }
    }
}

/// How training weighs the two classes.
package enum ClassWeight: String, Sendable, Codable, Hashable, CaseIterable {
    /// Every row counts 1.
    case none
    /// Rows weigh n / (2 · n_class), as scikit-learn's `class_weight="balanced"`: buyers (15 %)
    /// count as much in total as non-buyers.
    case balanced
}

/// The hyper-parameters of one forest. Stored with every model and in the registry.
package struct ForestParameters: Sendable, Codable, Hashable {
    /// The number of trees.
    package var treeCount: Int
    /// Features looked at per node.
    package var maxFeatures: MaxFeatures
    /// The deepest a node may be (root is depth 0); nil grows until leaves are pure or too small.
    package var maxDepth: Int?
    /// The fewest distinct training rows a leaf may hold.
    package var minSamplesLeaf: Int
    /// Class weighting.
    package var classWeight: ClassWeight
    /// Whether each tree trains on a bootstrap sample (with replacement) of the rows. Without it
    /// there are no out-of-bag predictions.
    package var bootstrap: Bool
    /// At most this many quantile bins per feature (2…256); a bin index is one byte.
    package var maxBins: Int
    /// The seed every random draw derives from (tree t uses stream t of this seed).
    package var seed: UInt64

    package init(
        treeCount: Int = 100, maxFeatures: MaxFeatures = .sqrt, maxDepth: Int? = nil,
        minSamplesLeaf: Int = 1, classWeight: ClassWeight = .none, bootstrap: Bool = true,
        maxBins: Int = 255, seed: UInt64 = 42
    ) {
        self.treeCount = treeCount
        self.maxFeatures = maxFeatures
        self.maxDepth = maxDepth
        self.minSamplesLeaf = minSamplesLeaf
        self.classWeight = classWeight
        self.bootstrap = bootstrap
        self.maxBins = maxBins
        self.seed = seed
    }

    /// Throws `invalidParameters` naming the first value out of range.
    package func validate() throws(ForestError) {
        guard treeCount >= 1 else { throw .invalidParameters("treeCount must be at least 1 (got \(treeCount))") }
        if let maxDepth, maxDepth < 1 { throw .invalidParameters("maxDepth must be at least 1 (got \(maxDepth))") }
        guard minSamplesLeaf >= 1 else {
            throw .invalidParameters("minSamplesLeaf must be at least 1 (got \(minSamplesLeaf))")
        }
        guard (2...256).contains(maxBins) else { throw .invalidParameters("maxBins must be in 2…256 (got \(maxBins))") }
        switch maxFeatures {
        case .count(let n) where n < 1:
            throw .invalidParameters("maxFeatures count must be at least 1 (got \(n))")
        case .fraction(let f) where !(f > 0 && f <= 1):
            throw .invalidParameters("maxFeatures fraction must be in (0, 1] (got \(f))")
        default: break
        }
    }
}

extension MaxFeatures {
    /// Encoded as its text (`"sqrt"`, `"log2"`, `"all"`, `"4"`, `"0.5"`) so model files and the
    /// registry stay readable.
    package init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = MaxFeatures(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad maxFeatures \(text)"))
        }
        self = parsed
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
