import ArgumentParser
import Foundation
import ShopperCore
import ShopperML
import ShopperPipeline
import ShopperStore

/// `shopperd train`: trains a forest on every labelled row of the store (as of a version),
/// registers it with its metrics, importances and lineage, and optionally makes it champion.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a random forest on the store's labelled rows and register it as a new model version.",
        discussion: """
            Reads every labelled silver row of store versions 1…N (--as-of, default: the current version). \
            A stratified holdout (20 %) is set aside; each tuning candidate (by default min_samples_leaf 1…80 × \
            max_features sqrt and 0.5; --max-depth, --min-samples-leaf and --max-features pin a value) is judged \
            by its out-of-bag ROC AUC; the winner is scored once on the holdout; then the final model is fitted \
            on EVERY labelled row and its threshold chosen on its out-of-bag predictions to reach \
            --target-recall (at 95 % confidence). The model is registered with its parameters, metrics, \
            importances and lineage (store version, seed, code version). --promote makes it champion; when a champion serves, only if it passes \
            the paired test (DeLong, promoted unless significantly worse) on the holdout rows the champion never \
            trained on, else it is registered, not promoted, and the exit status is 1 (docs/rollout.md). \
            Exit status: 0 trained (and promoted, with --promote); 1 trained, but --promote refused by the paired test; 64 bad option or unknown --as-of version; 65 no labelled rows, or data that \
            cannot train (one class only, too few rows); 66 no store; 74 the store failed. See docs/registry.md.
            """
    )

    enum Features: String, ExpressibleByArgument, CaseIterable {
        /// The 17 published inputs.
        case inputs
        /// The 17 inputs and the 8 gold features.
        case gold
    }

    @OptionGroup var state: StateOptions

    @Option(name: .customLong("as-of"), help: ArgumentHelp("Train on the labelled rows of store versions 1…N (default: the current version).", valueName: "N"))
    var asOf: Int?

    @Option(help: ArgumentHelp("Trees per forest.", valueName: "T"))
    var trees: Int = 100

    @Option(name: .customLong("max-depth"), help: ArgumentHelp("Pin the maximum tree depth (default: unlimited; leaf size limits growth).", valueName: "D"))
    var maxDepth: Int?

    @Option(name: .customLong("min-samples-leaf"), help: ArgumentHelp("Pin the leaf size instead of tuning it over 1, 3, 5, 10, 20, 40, 80.", valueName: "L"))
    var minSamplesLeaf: Int?

    @Option(name: .customLong("max-features"), help: ArgumentHelp("Pin the features per split (sqrt, log2, all, a count or a fraction such as 0.5) instead of tuning sqrt and 0.5.", valueName: "F"))
    var maxFeatures: String?

    @Option(help: "Seed of every random draw (holdout, bootstrap, features): same data and seed, same model.")
    var seed: UInt64 = 42

    @Option(name: .customLong("target-recall"), help: "The recall the stored threshold must reach (out of bag, at 95 % confidence).")
    var targetRecall: Double = 0.8

    @Option(name: .customLong("class-weight"), help: "Class weights: balanced (buyers weigh as much in total as non-buyers) or none.")
    var classWeight: ClassWeight = .balanced

    @Option(help: "Features: inputs (the 17 published columns) or gold (the inputs and the 8 gold features).")
    var features: Features = .inputs

    @Flag(help: "Make the new model champion.")
    var promote = false

    @Option(help: ArgumentHelp("Why it is promoted, for the alias history (with --promote).", valueName: "TEXT"))
    var reason: String?

    @Option(help: "Output format: text or json.")
    var format: ReportFormat = .text

    func validate() throws {
        if let asOf, asOf < 0 { throw ValidationError("--as-of must be a store version (0 or more)") }
        guard trees >= 1 else { throw ValidationError("--trees must be at least 1") }
        if let maxDepth, maxDepth < 1 { throw ValidationError("--max-depth must be at least 1") }
        if let minSamplesLeaf, minSamplesLeaf < 1 { throw ValidationError("--min-samples-leaf must be at least 1") }
        if let maxFeatures, MaxFeatures(parsing: maxFeatures) == nil {
            throw ValidationError("--max-features must be sqrt, log2, all, a count (e.g. 6) or a fraction in (0, 1] (e.g. 0.5)")
        }
        guard targetRecall > 0, targetRecall <= 1 else { throw ValidationError("--target-recall must be in (0, 1], e.g. 0.8") }
        if reason != nil && !promote { throw ValidationError("--reason is recorded when the model is promoted: add --promote") }
    }

    /// The training configuration the options describe: the default grid, with pinned values.
    var trainingConfiguration: TrainingConfiguration {
        var configuration = TrainingConfiguration(treeCount: trees, seed: seed, classWeight: classWeight, targetRecall: targetRecall)
        if let maxDepth { configuration.grid.maxDepth = [maxDepth] }
        if let minSamplesLeaf { configuration.grid.minSamplesLeaf = [minSamplesLeaf] }
        if let maxFeatures, let parsed = MaxFeatures(parsing: maxFeatures) { configuration.grid.maxFeatures = [parsed] }
        return configuration
    }

    func run() async throws {
        let store = try RegistryCLI.openExistingStore(state)
        let catalog = ModelCatalog(store: store)
        var refused = false
        do {
            let data = try catalog.trainingRows(asOf: asOf)
            let featureSet: FeatureSet = features == .gold ? .inputsAndGold() : .inputs
            let clock = ContinuousClock()
            let started = clock.now
            let (model, holdout) = try await ModelCatalog.trainReportingHoldout(
                data.sessions, features: featureSet, configuration: trainingConfiguration, storeVersion: data.storeVersion)
            let seconds = (clock.now - started) / .milliseconds(1) / 1000
            // With a champion in office, --promote is a challenger trial: the paired test on the
            // holdout rows neither model trained on (`OperatorTrial`).
            var trial: OperatorTrial?
            if promote, let championVersion = try store.aliases()[.champion] {
                let record = try store.model(version: championVersion)
                trial = try await OperatorTrial.judge(
                    holdout: holdout, sessions: data.sessions, versions: data.versions, championVersion: championVersion,
                    champion: try catalog.model(version: championVersion),
                    championWindow: (record.trainingFromVersion ?? 1)...record.trainingStoreVersion,
                    rule: PromotionRule(), evidence: EvidenceRule(), seed: seed)
            }
            let promoting = promote && (trial == nil || trial?.verdict == .passed)
            refused = promote && !promoting
            var reason = self.reason ?? "trained on store version \(data.storeVersion) and promoted by `shopperd train --promote`"
            if let trial, promoting { reason += "; \(trial.summary)" }
            let (record, change) = try catalog.register(model, promoteTo: promoting ? .champion : nil, reason: reason)
            let entry = try ModelEntry(record: record)
            switch format {
            case .json:
                print(try RegistryCLI.json(Outcome(model: ModelReport.Full(entry: entry), trainingSeconds: seconds,
                                                   promotion: change.map(ModelReport.Change.init), trial: trial)))
            case .text:
                let versions = data.storeVersion == 1 ? "store version 1" : "store versions 1…\(data.storeVersion)"
                print("Trained model version \(record.version) in \(String(format: "%.2f", seconds)) s"
                    + " on the \(data.sessions.count) labelled rows of \(versions).\n")
                print(ModelReport.text(entry, topFeatures: 10))
                print("")
                if let trial { print("Paired test against champion v\(trial.championVersion): \(trial.summary)") }
                if let change {
                    print(ModelReport.describe(change))
                } else if refused {
                    print("Not promoted: v\(record.version) \(trial?.verdict == .keptOut ? "is kept out" : "cannot be judged"). "
                        + "Collect evidence with `shopperd rollout start \(record.version)`, or promote it explicitly with "
                        + "`shopperd models promote \(record.version) --reason TEXT`.")
                } else {
                    print("Not promoted: make it champion with `shopperd models promote \(record.version) --reason TEXT`.")
                }
            }
        } catch {
            throw RegistryCLI.fail(error)
        }
        if refused { throw ExitCode(1) }
    }

    /// `train --format json`: the model as `models show` prints it, the training time, and the
    /// promotion (null without --promote).
    struct Outcome: Encodable {
        let model: ModelReport.Full
        let trainingSeconds: Double
        @ExplicitNull var promotion: ModelReport.Change?
        /// With --promote and a champion: the paired test that decided (null otherwise).
        @ExplicitNull var trial: OperatorTrial?

        enum CodingKeys: String, CodingKey {
            case model, trainingSeconds = "training_seconds", promotion, trial
        }
    }
}
