import ArgumentParser
import Foundation
import ShopperStore
import ShopperTracking

/// `shopperd mlflow status|sync`: the MLflow mirror, by hand (the daemon runs it in the background).
struct MLflowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mlflow",
        abstract: "Mirror the model registry and drift checks into an MLflow tracking server.",
        discussion: """
            The store is the source of truth: MLflow receives a copy of every trained model (a run and a \
            registered version), every alias change and every batch's drift check. `status` shows what the \
            server has not received yet; `sync` sends it now.
            """,
        subcommands: [MLflowStatusCommand.self, MLflowSyncCommand.self]
    )
}

/// Where the mirror goes: `--mlflow-uri` (or `MLFLOW_TRACKING_URI`), experiment and model names.
struct MLflowOptions: ParsableArguments {
    @Option(name: .customLong("mlflow-uri"),
            help: ArgumentHelp("The tracking server (default: $MLFLOW_TRACKING_URI).", valueName: "URL"))
    var mlflowURI: String?

    @Option(help: ArgumentHelp("The experiment of training runs.", valueName: "NAME"))
    var trainingExperiment = "shopperd-training"

    @Option(help: ArgumentHelp("The experiment of drift-check runs.", valueName: "NAME"))
    var monitoringExperiment = "shopperd-monitoring"

    @Option(help: ArgumentHelp("The registered model's name.", valueName: "NAME"))
    var registeredModel = "shopperd-purchase-intent"

    @Option(help: ArgumentHelp("Seconds to wait for each request.", valueName: "SECONDS"))
    var timeout: Double = 15

    @Option(help: ArgumentHelp("""
        MLflow user, with --password-file (systemd credentials mlflow-username/mlflow-password and \
        $MLFLOW_TRACKING_USERNAME/$MLFLOW_TRACKING_PASSWORD come first).
        """, valueName: "NAME"))
    var username: String?

    @Option(help: ArgumentHelp("File holding the MLflow password (mode 600).", valueName: "FILE"))
    var passwordFile: String?

    @Option(help: ArgumentHelp("""
        File holding an MLflow bearer token (mode 600; the systemd credential mlflow-token and \
        $MLFLOW_TRACKING_TOKEN come first).
        """, valueName: "FILE"))
    var tokenFile: String?

    /// The URI from the option, else the environment; nil when neither is set.
    var uri: String? {
        if let mlflowURI, !mlflowURI.isEmpty { return mlflowURI }
        if let value = ProcessInfo.processInfo.environment[MLflowSettings.environmentVariable], !value.isEmpty { return value }
        return nil
    }

    /// The settings, or nil without a URI; a usage error for an invalid one. `credentials`: read
    /// them too (`status` reads only the store, so it does not).
    func settings(credentials readCredentials: Bool = true) throws -> MLflowSettings? {
        guard let uri else { return nil }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
        do {
            return try MLflowSettings(
                trackingURI: uri, trainingExperiment: trainingExperiment, monitoringExperiment: monitoringExperiment,
                registeredModel: registeredModel, requestTimeout: .milliseconds(Int64(timeout * 1000)),
                uploadTimeout: .milliseconds(Int64(timeout * 4000)),
                credentials: readCredentials ? CredentialSources(environment: ProcessInfo.processInfo.environment, username: username,
                                                                 passwordFile: passwordFile, tokenFile: tokenFile).resolve() : nil)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

/// `shopperd mlflow status`: what the server has not received yet, and why.
struct MLflowStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what is pending for the MLflow server and the last error (reads the store only).",
        discussion: "Exit status: 0 (whatever is pending), 74 when the store cannot be read, 64 on a usage error."
    )

    @OptionGroup var state: StateOptions
    @OptionGroup var mlflow: MLflowOptions

    @Option(help: "Output format: text or json.")
    var format: ReportFormat = .text

    func run() throws {
        let store = try state.openStore()
        let status: MirrorStatus
        var note: String? = nil
        do {
            let target: String
            if let settings = try mlflow.settings(credentials: false) {
                target = settings.target
            } else if let recent = try store.mirrorTargets().first {
                target = recent
                note = "no --mlflow-uri or $MLFLOW_TRACKING_URI: showing the destination last mirrored to"
            } else {
                target = ""
                note = "no --mlflow-uri or $MLFLOW_TRACKING_URI, and nothing mirrored yet: everything is pending"
            }
            status = try MirrorStatus.read(store: store, target: target)
        } catch let error as StoreError {
            throw Terminal.fail(error)
        }
        switch format {
        case .json:
            print(try Terminal.json(status))
        case .text:
            if let note { Terminal.error("note: \(note)") }
            print(Self.text(status))
        }
    }

    static func text(_ status: MirrorStatus) -> String {
        func counts(_ c: MirrorCounts) -> String {
            "\(c.models) model\(c.models == 1 ? "" : "s"), \(c.aliasChanges) alias change\(c.aliasChanges == 1 ? "" : "s"), "
                + "\(c.jobs) drift check\(c.jobs == 1 ? "" : "s")"
        }
        var lines = [
            "destination: \(status.target.isEmpty ? "(none)" : status.target)",
            "status:      \(status.health.rawValue.replacingOccurrences(of: "_", with: " "))",
            "pending:     \(counts(status.pending)) (\(status.pending.total) in all)",
            "mirrored:    \(counts(status.mirrored))",
            "last success: \(status.lastSuccessAt.map(Terminal.timestamp) ?? "never")",
        ]
        if let error = status.lastError {
            lines.append("last error:  \(status.lastErrorAt.map(Terminal.timestamp) ?? "?") \(error)")
        }
        if !status.failures.isEmpty {
            lines.append("")
            let rows = status.failures.map { record in
                [record.kind.rawValue, record.key, String(record.attempts), record.lastAttemptAt.map(Terminal.timestamp) ?? "",
                 record.nextAttemptAt.map(Terminal.timestamp) ?? "next pass", record.lastError ?? ""]
            }
            lines.append(TextTable.render(header: ["KIND", "KEY", "ATTEMPTS", "LAST ATTEMPT", "NEXT ATTEMPT", "ERROR"],
                                          rows: rows, rightAligned: [2]))
        }
        return lines.joined(separator: "\n")
    }
}

/// `shopperd mlflow sync`: one pass now.
struct MLflowSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Send everything pending to the MLflow server now (one pass; failed entities are retried at once).",
        discussion: """
            Exit status: 0 when everything is on the server; 1 when some entity failed (see `shopperd mlflow status`); \
            69 when the server is unavailable; 74 when the store cannot be read; 64 on a usage error.
            """
    )

    @OptionGroup var state: StateOptions
    @OptionGroup var mlflow: MLflowOptions

    @Flag(help: ArgumentHelp("""
        Forget what was recorded as mirrored to this destination first (after its server was wiped); writes are \
        idempotent, so nothing already there is duplicated.
        """))
    var reset = false

    func run() async throws {
        guard let settings = try mlflow.settings() else {
            throw ValidationError("no MLflow server: pass --mlflow-uri URL or set \(MLflowSettings.environmentVariable)")
        }
        let store = try state.openStore()
        if reset {
            do {
                let forgotten = try store.resetMirror(target: settings.target)
                print("forgot \(forgotten) progress record\(forgotten == 1 ? "" : "s") of \(settings.target)")
            } catch {
                throw Terminal.fail(error)
            }
        }
        let mirror = MLflowMirror(store: store, settings: settings)
        let progress = await mirror.syncOnce(force: true)
        let m = progress.mirrored
        print("mirrored \(m.models) model\(m.models == 1 ? "" : "s"), \(m.aliasChanges) alias change\(m.aliasChanges == 1 ? "" : "s"), "
            + "\(m.jobs) drift check\(m.jobs == 1 ? "" : "s") to \(settings.trackingURI.absoluteString); "
            + "\(progress.failed.count) failed, \(progress.pending.total) pending")
        for failure in progress.failed { Terminal.error("\(failure.entity): \(failure.error)") }
        if progress.failed.contains(where: { $0.entity == "store" }) { throw CLIExit.storeFailure }
        if progress.failed.contains(where: \.serverUnavailable) { throw ExitCode(69) }
        if !progress.failed.isEmpty || progress.pending.total > 0 { throw ExitCode(1) }
    }
}
