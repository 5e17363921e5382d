import Foundation
import Testing
@testable import ShopperDaemon
import ShopperTestSupport

/// What a reload (SIGHUP) may change while the daemon runs.
@Suite struct ReloadTests {
    static func settings(_ values: [String: String]) async throws -> DaemonSettings {
        try DaemonConfiguration.load(commandLine: DaemonConfiguration.commandLine(values), configFile: nil, environment: [:])
    }

    /// The MLflow mirror is started once, with the daemon: a reload that points it at another
    /// server or other names is refused (the running configuration is kept) instead of being
    /// accepted and silently ignored.
    @Test func changingTheMLflowDestinationNeedsARestart() async throws {
        let running = try await Self.settings(["mlflow.tracking-uri": "http://127.0.0.1:5000"])
        #expect(running.restartOnlyDifferences(from: running).isEmpty)
        let moved = try await Self.settings(["mlflow.tracking-uri": "http://127.0.0.1:5001"])
        #expect(moved.restartOnlyDifferences(from: running) == ["mlflow.tracking-uri"])
        let renamed = try await Self.settings(["mlflow.tracking-uri": "http://127.0.0.1:5000",
                                               "mlflow.registered-model": "another-model",
                                               "mlflow.monitoring-experiment": "another-experiment"])
        #expect(renamed.restartOnlyDifferences(from: running) == ["mlflow.monitoring-experiment", "mlflow.registered-model"])
        let removed = try await Self.settings([:])
        #expect(removed.restartOnlyDifferences(from: running) == ["mlflow.tracking-uri"])
        #expect(running.restartOnlyDifferences(from: removed) == ["mlflow.tracking-uri"])
        // What a reload is for still goes through.
        let tuned = try await Self.settings(["mlflow.tracking-uri": "http://127.0.0.1:5000", "drift.alpha": "0.01"])
        #expect(tuned.restartOnlyDifferences(from: running).isEmpty)
    }

    /// The daemon reads MLflow's credentials with its settings (MLflow's variables here), keeps them
    /// out of every description, and refuses a reload that changes them (the mirror holds them).
    @Test func mlflowCredentialsComeWithTheSettingsAndTakeARestart() throws {
        let uri = ["mlflow.tracking-uri": "http://127.0.0.1:5000"]
        func load(_ environment: [String: String]) throws(ConfigurationError) -> DaemonSettings {
            try DaemonConfiguration.load(commandLine: DaemonConfiguration.commandLine(uri), configFile: nil, environment: environment)
        }
        let running = try load(["MLFLOW_TRACKING_USERNAME": "shopperd", "MLFLOW_TRACKING_PASSWORD": "hunter2-secret"])
        #expect(running.mlflow?.credentials?.authorization == "Basic " + Data("shopperd:hunter2-secret".utf8).base64EncodedString())
        #expect(!String(describing: running).contains("hunter2-secret"))
        let rotated = try load(["MLFLOW_TRACKING_USERNAME": "shopperd", "MLFLOW_TRACKING_PASSWORD": "another-secret"])
        #expect(rotated.restartOnlyDifferences(from: running) == ["the MLflow credentials"])
        #expect(try load([:]).mlflow?.credentials == nil)
        #expect(throws: ConfigurationError.credentials("invalid MLflow setting: in the environment, MLFLOW_TRACKING_PASSWORD "
            + "is given but MLFLOW_TRACKING_USERNAME is not: give both, or neither")) {
            try load(["MLFLOW_TRACKING_PASSWORD": "hunter2-secret"])
        }
    }

    /// A reload that changes what needs a restart is refused with a message that says so.
    @Test func aRestartOnlyChangeIsRefusedNamingTheKeys() {
        let error = ConfigurationError.needsRestart(keys: ["inbox", "mlflow.tracking-uri"])
        #expect(error.description.hasPrefix("inbox, mlflow.tracking-uri changed, which takes a restart (systemctl restart shopperd)"))
    }

    /// A shell that ignores SIGHUP and sleeps (not shopperd: it never publishes a verdict),
    /// started and given time to install its trap.
    static func childIgnoringHangUp() async throws -> Process {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        child.arguments = ["-c", "trap '' HUP; sleep 30"]
        try child.run()
        try await Task.sleep(for: .milliseconds(200))
        return child
    }

    /// A process that ignores SIGHUP and never answers (not shopperd): a bounded wait that says
    /// where it looked, not a hang and not a success.
    @Test func aReloadWithoutAVerdictTimesOutNamingTheFile() async throws {
        let directory = try TemporaryDirectory("verdicts")
        let child = try await Self.childIgnoringHangUp()
        defer { child.terminate() }
        let file = ReloadVerdictFile(path: directory.file("reload.json"))
        // A verdict of another process (a previous daemon) does not count.
        file.publish(ReloadVerdict(pid: child.processIdentifier + 1, generation: 7, accepted: true, message: "stale"))
        await #expect(throws: ReloadRequestError.noVerdict(pid: child.processIdentifier, path: file.path, timeout: .milliseconds(500))) {
            try await file.requestReload(of: child.processIdentifier, timeout: .milliseconds(500))
        }
    }

    /// The waiter takes the first verdict newer than the one it saw before signalling.
    @Test func aReloadReturnsTheNextGenerationsVerdict() async throws {
        let directory = try TemporaryDirectory("verdicts")
        let child = try await Self.childIgnoringHangUp()
        defer { child.terminate() }
        let pid = child.processIdentifier
        let file = ReloadVerdictFile(path: directory.file("reload.json"))
        file.publish(ReloadVerdict(pid: pid, generation: 3, accepted: true, message: "old"))
        let answer = Task {
            try? await Task.sleep(for: .milliseconds(300))
            file.publish(ReloadVerdict(pid: pid, generation: 4, accepted: false, message: "setting \"drift.alpha\" …"))
        }
        let verdict = try await file.requestReload(of: pid, timeout: .seconds(30))
        await answer.value
        #expect(verdict == ReloadVerdict(pid: pid, generation: 4, accepted: false, message: "setting \"drift.alpha\" …"))
    }

    /// A daemon that died is reported at once.
    @Test func aReloadOfAnExitedProcessFails() async throws {
        let file = ReloadVerdictFile(path: try TemporaryDirectory("verdicts").file("reload.json"))
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        await #expect(throws: ReloadRequestError.self) {
            try await file.requestReload(of: child.processIdentifier, timeout: .seconds(30))
        }
    }

    /// The retry backoff and its ceiling are settings (docs/daemon.md, "Failures"), with a day as the
    /// default ceiling, and a reload may change them (the next failure uses them).
    @Test func theRetryBackoffAndCeilingAreSettingsAReloadMayChange() async throws {
        let defaults = try await Self.settings([:])
        #expect(defaults.retryPolicy.firstDelay == .milliseconds(500) && defaults.retryPolicy.limit == .seconds(86_400))
        let short = try await Self.settings(["retry-delay-seconds": "0.2", "retry-limit-seconds": "90"])
        #expect(short.retryPolicy.firstDelay == .milliseconds(200) && short.retryPolicy.limit == .seconds(90))
        #expect(short.restartOnlyDifferences(from: defaults).isEmpty)
        await #expect(throws: ConfigurationError.self) { _ = try await Self.settings(["retry-limit-seconds": "0"]) }
    }
}
