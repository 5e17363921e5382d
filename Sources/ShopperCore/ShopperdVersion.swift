/// The version of shopperd that wrote a model or a report: recorded as every model's code version
/// (lineage) and printed by `shopperd --version`. Bump it with every release.
package enum ShopperdVersion {
    package static let current = "0.1.0"
}
