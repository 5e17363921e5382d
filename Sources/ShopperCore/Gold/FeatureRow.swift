/// A session with its gold features: the model-ready row, every input readable by name.
///
/// Models and drift tests address features by name so that a model file can record which features
/// it was trained on, in which order, and refuse data that does not have them.
package struct FeatureRow: Sendable, Hashable, Codable {
    package var session: Session
    package var gold: GoldFeatures

    package init(session: Session, gold: GoldFeatures) {
        self.session = session
        self.gold = gold
    }

    package init(session: Session, configuration: GoldFeatures.Configuration = .standard) {
        self.init(session: session, gold: GoldFeatures(session: session, configuration: configuration))
    }

    /// The 17 input columns (published order) then the gold features (`GoldFeatures.names` order).
    package static let featureNames: [String] = Column.inputs.map(\.name) + GoldFeatures.names

    /// A feature's numeric value by name (an input column or a gold feature), or nil if unknown.
    /// Categorical inputs use the codes of `Session.numericValue(_:)`.
    package func value(named name: String) -> Double? {
        if let column = Column(headerName: name), column != .revenue { return session.numericValue(column) }
        return gold.value(named: name)
    }

    /// The values of `names`, in that order; nil if a name is unknown.
    package func values(of names: [String]) -> [Double]? {
        var out: [Double] = []
        out.reserveCapacity(names.count)
        for name in names {
            guard let value = value(named: name) else { return nil }
            out.append(value)
        }
        return out
    }

    /// The label, when the batch had one.
    package var label: Bool? { session.revenue }
}
