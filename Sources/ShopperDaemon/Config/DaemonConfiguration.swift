import Configuration
import Foundation
import ShopperCore
import ShopperDrift
import ShopperML
import ShopperPipeline
import ShopperTracking
import SystemPackage

/// Reads ``DaemonSettings`` from three layers, the first that has a key winning:
/// 1. the command line (`--inbox`, …, and `--set KEY=VALUE` for any key),
/// 2. environment variables: `SHOPPERD_` + the key in upper case with `.`/`-` as `_`
///    (`drift.min-effect` → `SHOPPERD_DRIFT_MIN_EFFECT`), plus MLflow's own `MLFLOW_TRACKING_URI`,
/// 3. the JSON config file (`--config FILE`): nested objects (`{"drift": {"alpha": 0.01}}`) or
///    dotted keys.
///
/// Built on swift-configuration's providers. Unknown keys in the file or in `--set` are errors (a
/// typo must not silently fall back to a default), and every value is checked before the daemon
/// starts: the message names the key, the layer and what is allowed.
public enum DaemonConfiguration {
    /// Every key, with what it means. `docs/daemon.md` lists them.
    public static let keys: [(key: String, help: String)] = [
        ("inbox", "directory watched for CSV batches (default ./inbox)"),
        ("outbox", "directory for predictions, reports and rejections (default ./outbox)"),
        ("state", "state directory: store, spool bookkeeping, archive, quarantine (default ./state)"),
        ("log-target", "auto | journal | stderr"),
        ("on-event", "program run as PROGRAM EVENT REPORT_PATH on drift, promotion, rejection, retrain-skipped"),
        ("hook-timeout-seconds", "a hook still running after this is killed (default 10)"),
        ("bootstrap", "labelled CSV that trains the first champion when there is none"),
        ("stuck-limit-seconds", "a batch running longer stops the watchdog pings (default 600)"),
        ("stop-grace-seconds", "time a batch may take to finish after SIGTERM (default 20)"),
        ("rescan-interval-seconds", "inbox listed again and waiting batches retried this often (default 30)"),
        ("retry-delay-seconds", "first backoff after a transient failure, doubling up to 30 s (default 0.5)"),
        ("retry-limit-seconds", "a batch still failing this long after its first failure is rejected, saying why (default 86400)"),
        ("max-file-bytes", "inputs larger than this are refused unread (default 268435456)"),
        ("on-invalid", "reject | quarantine-rows"),
        ("drift.alpha", "per-feature level (default 0.05)"),
        ("drift.correction", "bh | bonferroni | none"),
        ("drift.min-effect", "effect-size floor in [0, 1] (KS D, total variation distance); unset: none"),
        ("drift.categorical", "pooled | plain | monte-carlo"),
        ("retrain.min-labelled-rows", "labelled rows needed before drift retrains (default 200)"),
        ("retrain.min-bootstrap-rows", "labelled rows needed to train the first champion (default 100)"),
        ("retrain.window-rows", "sliding training window, newest rows (default 50000)"),
        ("retrain.evaluation-fraction", "share of new labelled rows held out to judge champion vs challenger (default 0.3)"),
        ("retrain.metric", "roc_auc | average_precision | recall | f1"),
        ("retrain.tolerance", "promote when challenger >= champion - tolerance (default 0)"),
        ("retrain.tuning", "around-champion (3 candidates near the champion's settings) | full (the whole grid)"),
        ("retrain.performance-margin", "realised ROC AUC drop that triggers a retrain (default 0.05; negative disables)"),
        ("training.trees", "trees per forest (default 100)"),
        ("training.seed", "random seed (default 42)"),
        ("training.class-weight", "balanced | none"),
        ("training.target-recall", "recall the stored threshold must reach (default 0.8)"),
        ("training.grid", "standard | quick (one candidate: depth 12, leaf 5, sqrt features)"),
        ("training.features", "inputs | gold"),
        ("gold.peak-months", "comma-separated months counted as peak season (default Nov,Dec)"),
        ("mlflow.tracking-uri", "MLflow server to mirror runs and models to (also MLFLOW_TRACKING_URI)"),
        ("mlflow.training-experiment", "default shopperd-training"),
        ("mlflow.monitoring-experiment", "default shopperd-monitoring"),
        ("mlflow.registered-model", "default shopperd-purchase-intent"),
    ]

    static let knownKeys = Set(keys.map(\.key))

    /// Loads the settings. `commandLine` holds the keys given on the command line (values as typed).
    public static func load(
        commandLine: [String: String], configFile: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws(ConfigurationError) -> DaemonSettings {
        for key in commandLine.keys where !knownKeys.contains(key) {
            throw .unknownKey(key, source: "the command line")
        }
        var providers: [any ConfigProvider] = [prefixed(EnvironmentVariablesProvider(environmentVariables: environmentNames(commandLine)))]
        providers.append(prefixed(EnvironmentVariablesProvider(environmentVariables: environment)))
        if let uri = environment[MLflowSettings.environmentVariable], !uri.isEmpty {
            providers.append(InMemoryProvider(name: "MLFLOW_TRACKING_URI", values: [AbsoluteConfigKey(["mlflow", "tracking-uri"]): .init(.string(uri), isSecret: false)]))
        }
        if let configFile {
            try checkFileKeys(configFile)
            do {
                providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(configFile)))
            } catch {
                throw .unreadableFile(configFile, reason: String(describing: error))
            }
        }
        return try settings(from: ConfigReader(providers: providers))
    }

    /// The environment-variable names the command-line keys would have, so both layers parse
    /// values the same way.
    static func environmentNames(_ values: [String: String]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: values.map { (environmentName(for: $0.key), $0.value) })
    }

    /// `drift.min-effect` → `SHOPPERD_DRIFT_MIN_EFFECT`.
    public static func environmentName(for key: String) -> String {
        "SHOPPERD_" + String(key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    private static func prefixed(_ provider: EnvironmentVariablesProvider) -> some ConfigProvider {
        KeyMappingProvider(upstream: provider) { key in AbsoluteConfigKey(["shopperd"] + key.components, context: key.context) }
    }

    /// Rejects a config file with keys shopperd does not know.
    static func checkFileKeys(_ path: String) throws(ConfigurationError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadableFile(path, reason: error.localizedDescription)
        }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw .unreadableFile(path, reason: "not valid JSON: \(error.localizedDescription)")
        }
        guard let root = object as? [String: Any] else { throw .unreadableFile(path, reason: "the top level must be a JSON object") }
        func walk(_ dictionary: [String: Any], prefix: String) throws(ConfigurationError) {
            for (name, value) in dictionary {
                let key = prefix.isEmpty ? name : prefix + "." + name
                if let nested = value as? [String: Any], !knownKeys.contains(key) {
                    try walk(nested, prefix: key)
                } else if !knownKeys.contains(key) {
                    throw .unknownKey(key, source: path)
                }
            }
        }
        try walk(root, prefix: "")
    }

    /// Reads and checks every key.
    static func settings(from config: ConfigReader) throws(ConfigurationError) -> DaemonSettings {
        var s = DaemonSettings()
        var p = PipelineSettings()
        s.inbox = config.string(forKey: "inbox", default: s.inbox)
        s.outbox = config.string(forKey: "outbox", default: s.outbox)
        s.state = config.string(forKey: "state", default: s.state)
        s.logTarget = try choice("log-target", config, default: s.logTarget)
        s.onEvent = config.string(forKey: "on-event").flatMap { $0.isEmpty ? nil : $0 }
        s.hookTimeout = try seconds("hook-timeout-seconds", config, default: s.hookTimeout)
        s.bootstrap = config.string(forKey: "bootstrap").flatMap { $0.isEmpty ? nil : $0 }
        s.stuckLimit = try seconds("stuck-limit-seconds", config, default: s.stuckLimit)
        s.stopGrace = try seconds("stop-grace-seconds", config, default: s.stopGrace)
        s.rescanInterval = try seconds("rescan-interval-seconds", config, default: s.rescanInterval)
        s.retryDelay = try seconds("retry-delay-seconds", config, default: s.retryDelay)
        s.retryLimit = try seconds("retry-limit-seconds", config, default: s.retryLimit)
        p.maxFileBytes = try integer("max-file-bytes", config, default: p.maxFileBytes, range: 1...Int.max)
        p.invalidRowPolicy = try choice("on-invalid", config, default: p.invalidRowPolicy)

        p.drift.alpha = try number("drift.alpha", config, default: p.drift.alpha, open: 0...1)
        p.drift.correction = try choice("drift.correction", config, default: p.drift.correction)
        if let effect = config.double(forKey: "drift.min-effect") {
            guard (0...1).contains(effect) else { throw .invalidValue(key: "drift.min-effect", value: "\(effect)", allowed: "a number in [0, 1]") }
            p.drift.minEffect = effect
        }
        switch config.string(forKey: "drift.categorical", default: "pooled") {
        case "pooled": p.drift.categoricalMethod = .pooled(minimumExpected: 5)
        case "plain": p.drift.categoricalMethod = .plain
        case "monte-carlo": p.drift.categoricalMethod = .monteCarlo(replicates: 1999, seed: 42)
        case let other: throw .invalidValue(key: "drift.categorical", value: other, allowed: "pooled, plain or monte-carlo")
        }

        p.minLabelledRows = try integer("retrain.min-labelled-rows", config, default: p.minLabelledRows, range: 1...Int.max)
        p.minBootstrapRows = try integer("retrain.min-bootstrap-rows", config, default: p.minBootstrapRows, range: 2...Int.max)
        p.trainingWindowRows = try integer("retrain.window-rows", config, default: p.trainingWindowRows, range: 10...2_000_000)
        p.evaluationFraction = try number("retrain.evaluation-fraction", config, default: p.evaluationFraction, open: 0...1)
        p.promotionMetric = try choice("retrain.metric", config, default: p.promotionMetric)
        p.promotionTolerance = try number("retrain.tolerance", config, default: p.promotionTolerance, closed: 0...1)
        p.retrainTuning = try choice("retrain.tuning", config, default: p.retrainTuning)
        let margin = try number("retrain.performance-margin", config, default: p.performanceMargin ?? -1, closed: -1...1)
        p.performanceMargin = margin < 0 ? nil : margin

        p.training.treeCount = try integer("training.trees", config, default: p.training.treeCount, range: 1...10_000)
        p.training.seed = UInt64(try integer("training.seed", config, default: Int(p.training.seed), range: 0...Int.max))
        p.training.classWeight = try choice("training.class-weight", config, default: p.training.classWeight)
        p.training.targetRecall = try number("training.target-recall", config, default: p.training.targetRecall, open: 0...1)
        switch config.string(forKey: "training.grid", default: "standard") {
        case "standard": p.training.grid = .standard
        case "quick": p.training.grid = TuningGrid(maxDepth: [12], minSamplesLeaf: [5], maxFeatures: [.sqrt])
        case let other: throw .invalidValue(key: "training.grid", value: other, allowed: "standard or quick")
        }
        p.features = try choice("training.features", config, default: p.features)
        if let months = config.string(forKey: "gold.peak-months") {
            var set = Set<Month>()
            for name in months.split(separator: ",") {
                guard let month = Month(parsing: name.trimmingCharacters(in: .whitespaces)) else {
                    throw .invalidValue(key: "gold.peak-months", value: months, allowed: "comma-separated month names (Nov,Dec)")
                }
                set.insert(month)
            }
            p.gold = GoldFeatures.Configuration(peakMonths: set)
        }
        s.pipeline = p

        if let uri = config.string(forKey: "mlflow.tracking-uri"), !uri.isEmpty {
            do {
                s.mlflow = try MLflowSettings(
                    trackingURI: uri,
                    trainingExperiment: config.string(forKey: "mlflow.training-experiment", default: "shopperd-training"),
                    monitoringExperiment: config.string(forKey: "mlflow.monitoring-experiment", default: "shopperd-monitoring"),
                    registeredModel: config.string(forKey: "mlflow.registered-model", default: "shopperd-purchase-intent"))
            } catch {
                throw .invalidValue(key: "mlflow.tracking-uri", value: uri, allowed: error.description)
            }
        }
        return s
    }

    // MARK: - Typed reads with checks

    private static func integer(_ key: String, _ config: ConfigReader, default value: Int, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let text = config.string(forKey: ConfigKey(key)) ?? config.int(forKey: ConfigKey(key)).map(String.init) else { return value }
        guard let parsed = Int(text), range.contains(parsed) else {
            throw .invalidValue(key: key, value: text, allowed: "an integer in \(range.lowerBound)...\(range.upperBound == Int.max ? "∞" : String(range.upperBound))")
        }
        return parsed
    }

    private static func double(_ key: String, _ config: ConfigReader) -> String? {
        config.string(forKey: ConfigKey(key)) ?? config.double(forKey: ConfigKey(key)).map { "\($0)" }
            ?? config.int(forKey: ConfigKey(key)).map { "\($0)" }
    }

    private static func number(_ key: String, _ config: ConfigReader, default value: Double, open range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        guard let text = double(key, config) else { return value }
        guard let parsed = Double(text), parsed > range.lowerBound, parsed < range.upperBound else {
            throw .invalidValue(key: key, value: text, allowed: "a number strictly between \(range.lowerBound) and \(range.upperBound)")
        }
        return parsed
    }

    private static func number(_ key: String, _ config: ConfigReader, default value: Double, closed range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        guard let text = double(key, config) else { return value }
        guard let parsed = Double(text), range.contains(parsed) else {
            throw .invalidValue(key: key, value: text, allowed: "a number in [\(range.lowerBound), \(range.upperBound)]")
        }
        return parsed
    }

    private static func seconds(_ key: String, _ config: ConfigReader, default value: Duration) throws(ConfigurationError) -> Duration {
        guard let text = double(key, config) else { return value }
        guard let parsed = Double(text), parsed > 0, parsed.isFinite else {
            throw .invalidValue(key: key, value: text, allowed: "a positive number of seconds")
        }
        return .milliseconds(Int64((parsed * 1000).rounded()))
    }

    private static func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ config: ConfigReader, default value: T) throws(ConfigurationError) -> T where T.RawValue == String {
        guard let text = config.string(forKey: ConfigKey(key)) else { return value }
        guard let parsed = T(rawValue: text) else {
            throw .invalidValue(key: key, value: text, allowed: T.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return parsed
    }
}

/// Why the configuration was refused. Each message names the key and what it accepts.
public enum ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownKey(String, source: String)
    case invalidValue(key: String, value: String, allowed: String)
    case unreadableFile(String, reason: String)

    public var description: String {
        switch self {
        case let .unknownKey(key, source):
            "unknown setting \"\(key)\" in \(source); `shopperd run --help` lists the settings"
        case let .invalidValue(key, value, allowed):
            "setting \"\(key)\" = \"\(value)\" is invalid: expected \(allowed) (\(DaemonConfiguration.environmentName(for: key)) in the environment)"
        case let .unreadableFile(path, reason):
            "cannot read the configuration file \(path): \(reason)"
        }
    }
}
