import Foundation
import ShopperCore
import ShopperIO
import ShopperDrift
import ShopperML
import ShopperPipeline
import ShopperTracking

/// Reads ``DaemonSettings`` from three layers, the first that has a key winning:
/// 1. the command line (`--inbox`, …, and `--set KEY=VALUE` for any key),
/// 2. environment variables: `SHOPPERD_` + the key in upper case with `.`/`-` as `_`
///    (`drift.min-effect` → `SHOPPERD_DRIFT_MIN_EFFECT`), plus MLflow's own `MLFLOW_TRACKING_URI`,
/// 3. the JSON config file: nested objects (`{"drift": {"alpha": 0.01}}`) or dotted keys. Either
///    named with `--config FILE` (then it must exist), or the default `shopperd.json` in
///    `$CONFIGURATION_DIRECTORY` (set by systemd's `ConfigurationDirectory=`), read when present:
///    a fresh install without one runs on the defaults.
///
/// Unknown keys in the file or in `--set` are errors (a typo must not silently fall back to a
/// default), and every value is checked, with the same rules whatever its source, before the
/// daemon starts (``SettingsReader``): the message names the key, the source and the expected type.
package enum DaemonConfiguration {
    /// Every key, with what it means. `docs/daemon.md` lists them.
    package static let keys: [(key: String, help: String)] = [
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
        ("evidence.min-class-rows", "buyers, and non-buyers, needed among a first champion's labelled rows (default 25)"),
        ("evidence.min-held-out-class-rows", "buyers, and non-buyers, needed among the held-out rows a model is judged on (default 5)"),
        ("retrain.window-rows", "sliding training window, newest rows (default 50000)"),
        ("retrain.evaluation-fraction", "share of new labelled rows held out to judge champion vs challenger (default 0.3)"),
        ("retrain.metric", "roc_auc | average_precision | recall | f1"),
        ("retrain.tolerance", "margin: the challenger is kept out only when significantly worse by more than this (default 0)"),
        ("retrain.alpha", "one-sided level of the paired test (DeLong for roc_auc) that keeps out a worse challenger (default 0.05)"),
        ("retrain.after", "promote (a challenger that passes the paired test is promoted at once) | shadow (a shadow rollout decides; docs/rollout.md)"),
        ("rollout.look-interval-seconds", "the running rollout is looked at this often for outcomes sent between batches (default 5)"),
        ("rollout.max-outcomes", "a rollout with this many joined outcomes and no verdict times out; the champion stays (default 5000)"),
        ("rollout.max-days", "a rollout running this long with no verdict times out; the champion stays (default 14)"),
        ("rollout.ab-share", "share of rows an A/B rollout gives the challenger when `rollout start` names none (default 0.5)"),
        ("rollout.alpha", "error bound of the sequential test: promoting a challenger that is not better, ending one that is not worse (default 0.05)"),
        ("retrain.tuning", "around-champion (3 candidates near the champion's settings) | full (the whole grid)"),
        ("retrain.performance-margin", "realised ROC AUC drop that triggers a retrain (default 0.05; negative disables)"),
        ("training.trees", "trees per forest (default 100)"),
        ("training.seed", "random seed (default 42)"),
        ("training.threads", "threads a training uses (default: one per core); fewer leaves cores to `shopperd serve` on the same machine"),
        ("training.background-seconds", "a retrain runs at the lowest CPU priority (SCHED_IDLE) this long, then at normal priority; 0: normal throughout (default 120)"),
        ("training.yield-above", "while shopperd serve on the same state answers this many requests a second or more, a retrain in the background pauses (for training.background-seconds at most); 0: never (default 100)"),
        ("training.class-weight", "balanced | none"),
        ("training.target-recall", "recall the stored threshold must reach (default 0.8)"),
        ("training.grid", "standard | quick (one candidate: depth 12, leaf 5, sqrt features)"),
        ("training.features", "inputs | gold"),
        ("gold.peak-months", "comma-separated months counted as peak season (default Nov,Dec)"),
        ("mlflow.tracking-uri", "MLflow server to mirror runs and models to (also MLFLOW_TRACKING_URI)"),
        ("mlflow.training-experiment", "default shopperd-training"),
        ("mlflow.monitoring-experiment", "default shopperd-monitoring"),
        ("mlflow.registered-model", "default shopperd-purchase-intent"),
        ("mlflow.username", "MLflow user, with mlflow.password-file (systemd credentials and MLFLOW_TRACKING_* come first)"),
        ("mlflow.password-file", "file holding the MLflow password; must not be readable by group or others (chmod 600)"),
        ("mlflow.token-file", "file holding an MLflow bearer token; must not be readable by group or others (chmod 600)"),
    ] + NotifyConfiguration.keys

    static let knownKeys = Set(keys.map(\.key))

    /// The file read when `--config` is not given: `shopperd.json` in the first directory of
    /// `$CONFIGURATION_DIRECTORY` (systemd sets it for `ConfigurationDirectory=shopperd`, i.e.
    /// `/etc/shopperd`). `nil` outside such a unit.
    package static func defaultConfigFile(environment: [String: String]) -> String? {
        guard let directories = environment["CONFIGURATION_DIRECTORY"],
              let first = directories.split(separator: ":").first, !first.isEmpty else { return nil }
        return String(first) + "/shopperd.json"
    }

    /// Loads the settings.
    ///
    /// - Parameters:
    ///   - commandLine: the keys given on the command line, each with the option that gave it.
    ///   - configFile: `--config FILE`: must exist. When `nil`, ``defaultConfigFile(environment:)``
    ///     is read if it exists, and missing means the defaults.
    package static func load(
        commandLine: [String: SettingValue], configFile: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> DaemonSettings {
        for (key, value) in commandLine where !knownKeys.contains(key) {
            throw .unknownKey(key, source: value.source)
        }
        var file: [String: SettingValue] = [:]
        if let configFile {
            file = try SettingLayers.fileSettings(configFile)
        } else if let fallback = defaultConfigFile(environment: environment), FileManager.default.fileExists(atPath: fallback) {
            file = try SettingLayers.fileSettings(fallback)
        }
        return try settings(from: SettingsReader(layers: SettingLayers(commandLine: commandLine, environment: environment, file: file)))
    }

    /// Command-line keys given as `--set` texts (tests and tools).
    package static func commandLine(_ values: [String: String]) -> [String: SettingValue] {
        values.mapValues { SettingValue(.text($0), from: .commandLine(option: "--set")) }
    }

    /// `drift.min-effect` → `SHOPPERD_DRIFT_MIN_EFFECT`.
    package static func environmentName(for key: String) -> String {
        "SHOPPERD_" + String(key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    /// Reads and checks every key.
    static func settings(from config: SettingsReader) throws(ConfigurationError) -> DaemonSettings {
        var s = DaemonSettings()
        var p = PipelineSettings()
        s.inbox = try config.string("inbox") ?? s.inbox
        s.outbox = try config.string("outbox") ?? s.outbox
        s.state = try config.string("state") ?? s.state
        s.logTarget = try config.choice("log-target", default: s.logTarget)
        s.onEvent = try config.string("on-event").flatMap { $0.isEmpty ? nil : $0 }
        s.hookTimeout = try config.seconds("hook-timeout-seconds", default: s.hookTimeout)
        s.bootstrap = try config.string("bootstrap").flatMap { $0.isEmpty ? nil : $0 }
        s.stuckLimit = try config.seconds("stuck-limit-seconds", default: s.stuckLimit)
        s.stopGrace = try config.seconds("stop-grace-seconds", default: s.stopGrace)
        s.rescanInterval = try config.seconds("rescan-interval-seconds", default: s.rescanInterval)
        s.rolloutLookInterval = try config.seconds("rollout.look-interval-seconds", default: s.rolloutLookInterval)
        s.retryDelay = try config.seconds("retry-delay-seconds", default: s.retryDelay)
        s.retryLimit = try config.seconds("retry-limit-seconds", default: s.retryLimit)
        p.maxFileBytes = try config.integer("max-file-bytes", default: p.maxFileBytes, range: 1...Int.max)
        p.invalidRowPolicy = try config.choice("on-invalid", default: p.invalidRowPolicy)

        p.drift.alpha = try config.number("drift.alpha", default: p.drift.alpha, open: 0...1)
        p.drift.correction = try config.choice("drift.correction", default: p.drift.correction)
        p.drift.minEffect = try config.number("drift.min-effect", expected: "a number in [0, 1]") { (0...1).contains($0) } ?? p.drift.minEffect
        p.drift.categoricalMethod = try config.choice("drift.categorical", default: .pooled(minimumExpected: 5), [
            ("pooled", .pooled(minimumExpected: 5)), ("plain", .plain), ("monte-carlo", .monteCarlo(replicates: 1999, seed: 42)),
        ])

        p.minLabelledRows = try config.integer("retrain.min-labelled-rows", default: p.minLabelledRows, range: 1...Int.max)
        p.minBootstrapRows = try config.integer("retrain.min-bootstrap-rows", default: p.minBootstrapRows, range: 2...Int.max)
        p.evidence.minClassRows = try config.integer("evidence.min-class-rows", default: p.evidence.minClassRows, range: 1...Int.max)
        p.evidence.minHeldOutClassRows = try config.integer(
            "evidence.min-held-out-class-rows", default: p.evidence.minHeldOutClassRows, range: 1...Int.max)
        p.trainingWindowRows = try config.integer("retrain.window-rows", default: p.trainingWindowRows, range: 10...2_000_000)
        p.evaluationFraction = try config.number("retrain.evaluation-fraction", default: p.evaluationFraction, open: 0...1)
        p.promotionMetric = try config.choice("retrain.metric", default: p.promotionMetric)
        p.promotion.margin = try config.number("retrain.tolerance", default: p.promotion.margin, closed: 0...1)
        p.promotion.alpha = try config.number("retrain.alpha", default: p.promotion.alpha, open: 0...0.5)
        p.retrainTuning = try config.choice("retrain.tuning", default: p.retrainTuning)
        p.rollout.afterRetrain = try config.choice("retrain.after", default: p.rollout.afterRetrain)
        p.rollout.maxOutcomes = try config.integer("rollout.max-outcomes", default: p.rollout.maxOutcomes, range: 20...10_000_000)
        p.rollout.maxDays = try config.number("rollout.max-days", default: p.rollout.maxDays, open: 0...3_650)
        p.rollout.abShare = try config.number("rollout.ab-share", default: p.rollout.abShare, open: 0...1)
        p.rollout.test.alpha = try config.number("rollout.alpha", default: p.rollout.test.alpha, open: 0...0.5)
        let margin = try config.number("retrain.performance-margin", default: p.performanceMargin ?? -1, closed: -1...1)
        p.performanceMargin = margin < 0 ? nil : margin

        p.training.treeCount = try config.integer("training.trees", default: p.training.treeCount, range: 1...10_000)
        p.trainingThreads = try config.integer("training.threads", default: p.trainingWorkers, range: 1...1_024)
        if let seconds = try config.number("training.background-seconds", expected: "a number of seconds, 0 or more",
                                           accepts: { $0 >= 0 && $0 <= 86_400 }) {
            p.trainingBackground = seconds > 0 ? .milliseconds(Int64((seconds * 1000).rounded())) : nil
        }
        if let rate = try config.number("training.yield-above", expected: "a number of requests a second, 0 or more (0: never yield)",
                                        accepts: { $0 >= 0 && $0 <= 1e9 }) {
            p.trainingYieldAbove = rate > 0 ? rate : nil
        }
        p.training.seed = UInt64(try config.integer("training.seed", default: Int(p.training.seed), range: 0...Int.max))
        p.training.classWeight = try config.choice("training.class-weight", default: p.training.classWeight)
        p.training.targetRecall = try config.number("training.target-recall", default: p.training.targetRecall, open: 0...1)
        p.training.grid = try config.choice("training.grid", default: p.training.grid, [
            ("standard", .standard), ("quick", TuningGrid(maxDepth: [12], minSamplesLeaf: [5], maxFeatures: [.sqrt])),
        ])
        p.features = try config.choice("training.features", default: p.features)
        if let months = try config.string("gold.peak-months") {
            var set = Set<Month>()
            for name in months.split(separator: ",") {
                guard let month = Month(parsing: name.trimmingCharacters(in: .whitespaces)) else {
                    throw .invalidValue(key: "gold.peak-months", value: config.layers["gold.peak-months"]!,
                                        expected: "comma-separated month names (Nov,Dec)")
                }
                set.insert(month)
            }
            p.gold = GoldFeatures.Configuration(peakMonths: set)
        }
        s.pipeline = p

        if let uri = try config.string("mlflow.tracking-uri"), !uri.isEmpty {
            let training = try config.string("mlflow.training-experiment") ?? "shopperd-training"
            let monitoring = try config.string("mlflow.monitoring-experiment") ?? "shopperd-monitoring"
            let model = try config.string("mlflow.registered-model") ?? "shopperd-purchase-intent"
            do {
                s.mlflow = try MLflowSettings(trackingURI: uri, trainingExperiment: training, monitoringExperiment: monitoring,
                                              registeredModel: model)
            } catch {
                throw .invalidValue(key: "mlflow.tracking-uri", value: config.layers["mlflow.tracking-uri"]!, expected: error.description)
            }
            s.mlflow?.credentials = try credentials(config)
        }
        s.notify = try NotifyConfiguration.settings(from: config, host: HostName.current)
        return s
    }

    /// The MLflow credentials (``CredentialSources``): systemd credentials, MLflow's variables, then the files named here.
    static func credentials(_ config: SettingsReader) throws(ConfigurationError) -> MLflowCredentials? {
        let sources = CredentialSources(
            environment: config.layers.environment, username: try config.string("mlflow.username"),
            passwordFile: try config.string("mlflow.password-file"), tokenFile: try config.string("mlflow.token-file"))
        do {
            return try sources.resolve()
        } catch {
            throw .credentials(error.description)
        }
    }
}
