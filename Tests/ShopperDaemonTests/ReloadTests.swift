import Foundation
import Testing
@testable import ShopperDaemon

/// What a reload (SIGHUP) may change while the daemon runs.
@Suite struct ReloadTests {
    static func settings(_ values: [String: String]) async throws -> DaemonSettings {
        try await DaemonConfiguration.load(commandLine: values, configFile: nil, environment: [:])
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
