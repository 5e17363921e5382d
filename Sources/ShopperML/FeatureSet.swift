import ShopperCore

/// One named numeric feature a model reads, and how to compute it from a session.
///
/// Models only know names; the extractor lives here so a feature added later (a gold feature such
/// as a total duration) is one more `Feature` value, not a change to the forest.
package struct Feature: Sendable {
    /// The name a model file records, e.g. `PageValues`.
    package let name: String
    /// The value for one session. Should be finite; NaN and ±∞ are allowed and always routed to
    /// the right ("greater than") side of every split, consistently in training and scoring.
    package let value: @Sendable (Session) -> Double

    package init(name: String, value: @escaping @Sendable (Session) -> Double) {
        self.name = name
        self.value = value
    }

    /// A raw input column read through `Session.numericValue`, named as published.
    package init(column: Column) {
        self.init(name: column.name) { $0.numericValue(column) }
    }

    /// A gold feature (ShopperCore's `GoldFeatures`), derived from the session with `configuration`
    /// and named as the gold table names it.
    package init(gold: GoldFeatures.Feature, configuration: GoldFeatures.Configuration = .standard) {
        self.init(name: gold.rawValue) { GoldFeatures(session: $0, configuration: configuration).value(gold) }
    }
}

/// An ordered list of features: builds the feature matrix a forest trains on or scores.
package struct FeatureSet: Sendable {
    /// The features, in the order a model's columns have.
    package let features: [Feature]

    /// A feature set from its features; names must be unique.
    package init(_ features: [Feature]) throws(ForestError) {
        guard Set(features.map(\.name)).count == features.count else {
            throw .invalidParameters("feature names must be unique: [\(features.map(\.name).joined(separator: ", "))]")
        }
        self.features = features
    }

    /// The 17 published inputs (`Column.inputs`), in published order.
    package static let inputs: FeatureSet = try! FeatureSet(Column.inputs.map(Feature.init(column:)))

    /// The 17 inputs then the 8 gold features (`FeatureRow.featureNames` order).
    package static func inputsAndGold(configuration: GoldFeatures.Configuration = .standard) -> FeatureSet {
        try! inputs.adding(GoldFeatures.Feature.allCases.map { Feature(gold: $0, configuration: configuration) })
    }

    /// The features a model file names, resolved among the inputs and gold features: how a loaded
    /// model gets its extractors back. Throws `featureMismatch` for a name neither knows.
    package static func named(_ names: [String], configuration: GoldFeatures.Configuration = .standard) throws(ForestError) -> FeatureSet {
        try inputsAndGold(configuration: configuration).selecting(names)
    }

    /// The feature names, in column order.
    package var names: [String] { features.map(\.name) }

    /// This set followed by `more` (e.g. the 17 inputs plus gold features).
    package func adding(_ more: [Feature]) throws(ForestError) -> FeatureSet {
        try FeatureSet(features + more)
    }

    /// The set of those of `names` this set knows, in the order given: how a loaded model's
    /// feature list is turned back into extractors. Throws `featureMismatch` for an unknown name.
    package func selecting(_ names: [String]) throws(ForestError) -> FeatureSet {
        var picked: [Feature] = []
        for name in names {
            guard let feature = features.first(where: { $0.name == name }) else {
                throw .featureMismatch(expected: names, found: self.names)
            }
            picked.append(feature)
        }
        return try FeatureSet(picked)
    }

    /// The column-major feature matrix of `sessions`.
    package func matrix(for sessions: [Session]) -> FeatureMatrix {
        var values = [Double]()
        values.reserveCapacity(features.count * sessions.count)
        for feature in features {
            for session in sessions { values.append(feature.value(session)) }
        }
        return try! FeatureMatrix(featureNames: names, rowCount: sessions.count, columnMajor: values)
    }

    /// The purchase labels of `sessions`; throws `missingLabels` if any session has none.
    package static func labels(for sessions: [Session]) throws(ForestError) -> [Bool] {
        var labels = [Bool]()
        labels.reserveCapacity(sessions.count)
        var missing: [Int] = []
        for (index, session) in sessions.enumerated() {
            if let revenue = session.revenue { labels.append(revenue) } else { missing.append(index + 1) }
        }
        guard missing.isEmpty else { throw .missingLabels(rows: missing) }
        return labels
    }
}
