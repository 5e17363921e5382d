import ArgumentParser
import Foundation
import ShopperDaemon

/// `shopperd run`: the daemon. Every option is also a configuration key (`--set KEY=VALUE` reaches
/// all of them), an environment variable `SHOPPERD_KEY`, or a key of the JSON `--config` file; the
/// command line wins, then the environment, then the file.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Watch the inbox and run every batch through the pipeline (the daemon).",
        discussion: """
            Each CSV batch renamed or written into the inbox is ingested, checked for drift against \
            the champion's training data, scored (or used to retrain and maybe promote a challenger), \
            and answered in the outbox with NAME.predictions.csv + NAME.report.json, or \
            NAME.rejected.json. Write files under a .tmp/.part or dot name and rename them in.

            Settings (command line > SHOPPERD_<KEY> environment variables > --config file):
            \(DaemonConfiguration.keys.map { "  \($0.key): \($0.help)" }.joined(separator: "\n"))
            """)

    @Option(help: ArgumentHelp("Directory watched for CSV batches.", valueName: "DIR")) var inbox: String?
    @Option(help: ArgumentHelp("Directory for predictions, reports and rejections.", valueName: "DIR")) var outbox: String?
    @Option(help: ArgumentHelp("State directory (store, archive, quarantine).", valueName: "DIR")) var state: String?
    @Option(help: ArgumentHelp("JSON configuration file.", valueName: "FILE")) var config: String?
    @Option(name: .customLong("log-target"), help: "Where events go: auto, journal or stderr.") var logTarget: String?
    @Option(name: .customLong("on-event"), help: ArgumentHelp(
        "Program run as PROGRAM EVENT REPORT_PATH (no shell) on drift, promotion, rejection, retrain-skipped.",
        valueName: "PROGRAM")) var onEvent: String?
    @Option(help: ArgumentHelp("Labelled CSV that trains the first champion when there is none.", valueName: "FILE"))
    var bootstrap: String?
    @Option(name: .customLong("mlflow-uri"), help: ArgumentHelp("MLflow tracking server to mirror to.", valueName: "URL"))
    var mlflowURI: String?
    @Option(name: .customLong("set"), help: ArgumentHelp("Any setting, e.g. --set drift.alpha=0.01 (repeatable).", valueName: "KEY=VALUE"))
    var overrides: [String] = []
    @Flag(help: "Process what is waiting in the inbox, then exit (no watching).") var once = false

    /// The settings given on the command line, as configuration keys, each with the option that
    /// gave it (named in a refusal).
    func commandLineSettings() throws(ConfigurationError) -> [String: SettingValue] {
        var values = try Self.settings(fromOverrides: overrides)
        let named: [(String, String, String?)] = [
            ("inbox", "--inbox", inbox), ("outbox", "--outbox", outbox), ("state", "--state", state),
            ("log-target", "--log-target", logTarget), ("on-event", "--on-event", onEvent),
            ("bootstrap", "--bootstrap", bootstrap), ("mlflow.tracking-uri", "--mlflow-uri", mlflowURI),
        ]
        for case let (key, option, value?) in named { values[key] = SettingValue(.text(value), from: .commandLine(option: option)) }
        return values
    }

    func run() async throws {
        let configFile = config
        let settings: DaemonSettings
        let load: @Sendable () throws -> DaemonSettings
        do {
            let commandLine = try commandLineSettings()
            load = { try DaemonConfiguration.load(commandLine: commandLine, configFile: configFile) }
            settings = try load()
        } catch {
            // EX_CONFIG: the unit lists 78 in RestartPreventExitStatus=, so systemd does not retry
            // a configuration that will be refused again.
            StartFailure.report("shopperd run: \(error)", exitStatus: 78, logTarget: LogTarget(rawValue: logTarget ?? "") ?? .auto)
            throw ExitCode(78)
        }
        let daemon = Daemon(settings: settings, reload: load)
        let exit = once ? await daemon.runOnce() : await daemon.run()
        if exit != .success { throw ExitCode(exit.rawValue) }
    }
}

extension RunCommand {
    /// `--set KEY=VALUE` texts as configuration keys (`run`, `notify test`).
    static func settings(fromOverrides overrides: [String]) throws(ConfigurationError) -> [String: SettingValue] {
        var values: [String: SettingValue] = [:]
        for text in overrides {
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else { throw .malformedOverride(text) }
            values[String(text[..<equals])] = SettingValue(.text(String(text[text.index(after: equals)...])),
                                                           from: .commandLine(option: "--set"))
        }
        return values
    }
}
