import Foundation
import Testing
@testable import ShopperInbox
import ShopperCore
import ShopperDaemon
import ShopperML
import ShopperPipeline
import ShopperStore
import ShopperTestSupport

/// Events written with `sd_journal_sendv` to a real journald and read back with `journalctl`.
@Suite struct JournalTests {
    /// A batch name no other run can have produced, so the query finds exactly our entries.
    static func uniqueName(_ label: String) -> String {
        "\(label)-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).csv"
    }

    @Test func driftAlertsAreWarningsWithTheirFieldsAndFixedMessageID() async throws {
        try await Journald.ensureRunning()
        let log = try EventLog(target: .journal)
        #expect(log.sink == .journal)
        let name = Self.uniqueName("drifted")
        log.log(.driftDetected(batch: InboxFileName(name)!, rows: 1_000, driftedFeatures: ["ExitRates", "PageValues"],
                               featuresTested: 17, decision: .retrainPromoted, modelVersion: "v3"))
        let id = DaemonEventKind.driftDetected.messageID.hex
        #expect(id == "1281d81328f946139ceca24f756954ae")
        let entries = try await Journald.waitForEntries(matching: ["MESSAGE_ID=\(id)", "SHOPPERD_BATCH=\(name)"])
        let entry = try #require(entries.first)
        #expect(entries.count == 1)
        #expect(entry["PRIORITY"] as? String == "4")
        #expect(entry["SYSLOG_IDENTIFIER"] as? String == "shopperd")
        #expect(entry["SHOPPERD_EVENT"] as? String == "drift-detected")
        #expect(entry["ROWS"] as? String == "1000")
        #expect(entry["DRIFT"] as? String == "yes")
        #expect(entry["DRIFTED_FEATURES"] as? String == "ExitRates,PageValues")
        #expect(entry["FEATURES_TESTED"] as? String == "17")
        #expect(entry["DECISION"] as? String == "retrain-promoted")
        #expect(entry["MODEL_VERSION"] as? String == "v3")
        #expect(entry["MESSAGE"] as? String
            == "drift in batch \(name): 2 of 17 features drifted (ExitRates, PageValues); model v3; decision retrain-promoted")
        // Sent by this process over the native protocol, not scraped from stderr.
        #expect(entry["_PID"] as? String == String(getpid()))
        #expect(entry["_TRANSPORT"] as? String == "journal")
    }

    @Test func everyKindReachesTheJournalWithItsOwnIDAndPriority() async throws {
        try await Journald.ensureRunning()
        let log = try EventLog(target: .journal)
        let name = Self.uniqueName("all-kinds")
        let batch = InboxFileName(name)!
        let events: [DaemonEvent] = [
            .serviceStarted(version: name, inbox: "/in", outbox: "/out", watchdogTimeout: .seconds(60)),
            .serviceStopping(reason: "SIGTERM", batchInFlight: batch),
            .serviceFailed(error: name),
            .serviceStartRefused(error: name, exitStatus: 78),
            .configReloaded(summary: name),
            .configReloadFailed(error: name),
            .batchScored(batch: batch, rows: 12, modelVersion: "v1", drift: false, decision: .score, duration: .milliseconds(7)),
            .driftDetected(batch: batch, rows: 12, driftedFeatures: ["Month"], featuresTested: 17,
                           decision: .scoreAwaitingLabels, modelVersion: "v1"),
            .modelPromoted(batch: batch, previousVersion: "v1", modelVersion: "v2", metric: "roc_auc",
                           championScore: 0.9, challengerScore: 0.93, duration: .milliseconds(1_500)),
            .batchRejected(batch: batch, reason: "missing column Revenue", errorCount: 1),
            .rowsQuarantined(batch: batch, keptRows: 10, quarantinedRows: 2, listed: [
                ValidationIssue(file: name, line: 3, column: "Month", value: "Foo", reason: "not a month"),
                ValidationIssue(file: name, line: 7, column: "BounceRates", value: "2", reason: "BounceRates must be between 0 and 1"),
            ], issueCount: 2),
            .retrainSkipped(batch: batch, reason: "too few labelled rows", labelledRows: 10, requiredRows: 200),
            .firstChampionWaiting(batch: batch, reason: "no champion yet: 184 labelled rows, 3 buyers; need ≥ 25 buyers (have 3)"),
            .errorRetrying(batch: batch, error: "disk full", attempt: 2, retryIn: .seconds(4)),
            .batchStuck(batch: batch, running: .seconds(301), limit: .seconds(300)),
            .hookFailed(event: "drift", program: "/usr/local/bin/alert", outcome: "exited with status 3", report: name),
            .mlflowBehind(pending: 3, error: name, message: "MLflow mirror falling behind"),
            .mlflowCaughtUp(mirrored: 7, target: "http://127.0.0.1:5000?run=" + name, message: "MLflow mirror caught up"),
            .inboxOverflow(claimed: 42),
            .batchLeftPending(batch: batch, reason: "cancelled by a stop before its outcome was committed; nothing was kept"),
            .notificationSent(channel: "webhook:ops", eventIDs: [7], kind: "batch"),
            .notificationFailed(channel: "email", eventID: 8, attempt: 2, error: name, retryIn: .seconds(60)),
            .rollout(Self.rolloutEntry(name, ended: false)),
            .rollout(Self.rolloutEntry(name, ended: true)),
        ]
        #expect(Set(events.map(\.kind)) == Set(DaemonEventKind.allCases))
        for event in events { log.log(event) }
        for event in events {
            let kind = event.kind
            // Each event names the unique run in SHOPPERD_BATCH or a text field, or (mlflow-caught-up,
            // whose only field is a count) in MESSAGE.
            let marker = event.fields.first { String(decoding: $0.value, as: UTF8.self).contains(name) }
                .map { "\($0.name)=\(String(decoding: $0.value, as: UTF8.self))" } ?? "MESSAGE=\(event.message)"
            let entries = try await Journald.waitForEntries(matching: ["MESSAGE_ID=\(kind.messageID.hex)", marker])
            let entry = try #require(entries.first, "no journal entry for \(kind)")
            #expect(entry["PRIORITY"] as? String == String(kind.priority.rawValue), "\(kind)")
            #expect(entry["SHOPPERD_EVENT"] as? String == kind.rawValue)
            for field in event.fields {
                #expect(entry[field.name] as? String == String(decoding: field.value, as: UTF8.self), "\(kind) \(field.name)")
            }
        }
    }

    static func rolloutEntry(_ name: String, ended: Bool) -> RolloutJournalEntry {
        let look = SequentialLook(
            outcomes: 412, positives: 70, championAUC: 0.81, challengerAUC: 0.85, difference: 0.04, standardError: 0.01,
            lower: ended ? 0.004 : -0.01, upper: 0.076, alpha: 0.05, mixingSD: 0.03, margin: 0, verdict: ended ? .better : .undecided,
            championLogLoss: 0.4, challengerLogLoss: 0.38, championBrier: 0.1, challengerBrier: 0.09)
        return RolloutJournalEntry(rolloutID: 3, mode: .shadow, state: ended ? .promoted : .running, championVersion: 4, challengerVersion: 5,
                                   outcomes: 412, positives: 70, predictions: 900, look: look, ended: ended, summary: "rollout 3 \(name)")
    }

    @Test func hostileBatchNamesKeepTheirExactBytesInTheJournal() async throws {
        try await Journald.ensureRunning()
        let log = try EventLog(target: .journal)
        let marker = Self.uniqueName("hostile")
        let hostile = InboxFileName(bytes: Array("-rf \n".utf8) + [0xFF, 0xFE] + Array(".csv".utf8))!
        log.log(.batchRejected(batch: hostile, reason: marker, errorCount: 3))
        let entries = try await Journald.waitForEntries(matching: [
            "MESSAGE_ID=\(DaemonEventKind.batchRejected.messageID.hex)", "REASON=\(marker)",
        ])
        let entry = try #require(entries.first)
        // journalctl renders binary values as arrays of bytes.
        let bytes = try #require(entry["SHOPPERD_BATCH"] as? [Int])
        #expect(bytes.map(UInt8.init) == hostile.bytes)
        #expect(entry["DECISION"] as? String == "reject")
        #expect(entry["PRIORITY"] as? String == "4")
    }

    @Test func aProbeDaemonUnderAutoWritesToTheJournalWhenStderrIsNotATerminal() async throws {
        try await Journald.ensureRunning()
        let inbox = try TemporaryDirectory("inbox")
        let probe = try ProbeProcess(arguments: ["--inbox", inbox.path, "--log-target", "auto"])
        #expect(await probe.waitForLine("sink journal"))
        let name = Self.uniqueName("probe")
        try FileOps.deliver("drift", as: name, in: inbox.path)
        #expect(await probe.waitForLine("done \(name.hex)"))
        let entries = try await Journald.waitForEntries(matching: [
            "MESSAGE_ID=\(DaemonEventKind.driftDetected.messageID.hex)", "SHOPPERD_BATCH=\(name)",
        ])
        #expect(entries.first?["_PID"] as? String == String(probe.pid))
        #expect(entries.first?["PRIORITY"] as? String == "4")
        probe.send(SIGTERM)
        #expect(await probe.exitStatus() == 0)
        #expect(probe.stderrLines.isEmpty, "nothing may be double-logged to stderr")
    }
}
