import Foundation
import ShopperDrift
import ShopperPipeline
import Synchronization
import Testing
import ShopperTestSupport

extension DaemonEndToEndTests {
    /// The read-only commands an operator runs against a store the daemon filled — `status`,
    /// `history`, `performance` and the store-backed `drift` — checked against the daemon's own
    /// reports for the same batches. The store is filled once (``FilledStore``) by the real daemon:
    /// a stationary labelled batch (scored), a drifted labelled batch (retrained, promoted) and an
    /// invalid one (rejected).
    @Suite struct DaemonStoreCommandTests {
        func run(_ arguments: [String]) async throws -> String {
            let outcome = try await DaemonProcess.run(arguments)
            guard outcome.status == 0 else {
                throw DaemonTestError("shopperd \(arguments.joined(separator: " ")) exited \(outcome.status.map(String.init) ?? "by a signal"): \(outcome.stderr)")
            }
            return outcome.stdout
        }

        func json<T: Decodable>(_ type: T.Type, _ arguments: [String]) async throws -> T {
            try JSONDecoder().decode(T.self, from: Data(try await run(arguments).utf8))
        }

        struct Status: Decodable {
            struct Champion: Decodable {
                var version: Int
                var training_from_version: Int
                var training_store_version: Int
                var training_rows: Int
                var holdout_roc_auc: Double?
                var threshold: Double?
            }
            struct Batches: Decodable, Equatable {
                var total: Int
                var scored: Int
                var rejected: Int
                var duplicate: Int
            }
            struct LastDrift: Decodable {
                var input: String
                var drifted_features: [String]
            }
            struct Inbox: Decodable, Equatable {
                var waiting: Int
                var claimed: Int
            }
            var store_versions: Int
            var rows: Int
            var labelled_rows: Int
            var champion: Champion?
            var challenger: Int?
            var models: Int
            var batches: Batches
            var last_batch: HistoryEntry?
            var last_drift: LastDrift?
            var inbox: Inbox?
        }

        struct HistoryEntry: Decodable {
            var job_id: String
            var input: String
            var outbox_stem: String
            var outcome: String
            var decision: String
            var rows: Int
            var store_version: Int?
            var model_version: Int?
            var critical_drift: Bool?
            var drifted_features: [String]
        }

        struct PerformanceEntry: Decodable {
            var store_version: Int
            var model_version: Int
            var rows: Int
            var positives: Int
            var threshold: Double
            var roc_auc: Double?
            var recall: Double?
            var precision: Double?
            var validation_roc_auc: Double?
        }

        @Test func statusHistoryAndPerformanceShowWhatTheDaemonDid() async throws {
            let filled = try await FilledStore.shared.value
            let state = filled.workspace.state
            let stationary = try filled.workspace.report("stationary")
            let holiday = try filled.workspace.report("holiday")
            let broken = try filled.workspace.rejection("broken")
            let holidayDrivers = try #require(holiday.drift).drivers.map(\.name)
            #expect(stationary.decision == .score && holiday.decision == .retrainPromoted)
            let bootstrapRows = DaemonBatches.bootstrapRowCount

            // status --format json: the store, the champion the promotion made, the three jobs.
            let status = try await json(Status.self, ["status", "--state", state, "--inbox", filled.workspace.inbox, "--format", "json"])
            #expect(status.store_versions == 3)
            #expect(status.rows == bootstrapRows + 600 && status.labelled_rows == bootstrapRows + 600)
            let champion = try #require(status.champion)
            // v2 trained on v1's rows plus the new labelled rows not held out: about 420 of the 600
            // (30 % of the distinct rows are held out, with their copies: 179 here).
            let heldOut = try #require(holiday.models.evaluation?.rows)
            #expect(champion.version == 2 && champion.training_from_version == 1 && champion.training_store_version == 3)
            #expect(champion.training_rows == bootstrapRows + 600 - heldOut && champion.training_rows == holiday.models.evaluation?.trainingRows)
            #expect(abs(heldOut - 180) <= 3)
            #expect(status.challenger == nil && status.models == 2)
            #expect(status.batches == .init(total: 3, scored: 2, rejected: 1, duplicate: 0))
            #expect(status.last_batch?.input == "broken.csv" && status.last_batch?.decision == "reject")
            #expect(status.last_drift?.input == "holiday.csv" && status.last_drift?.drifted_features == holidayDrivers)
            // The one file in the inbox is not yet renamed into place (`later.csv.part`): nothing
            // waits for the daemon, nothing is claimed.
            #expect(status.inbox == .init(waiting: 0, claimed: 0))
            let threshold = try #require(champion.threshold)
            #expect(threshold > 0 && threshold < 1)

            // status as text: the same facts in the operator's words.
            let text = try await run(["status", "--state", state])
            #expect(text.contains("store:      3 versions, \(bootstrapRows + 600) rows (\(bootstrapRows + 600) labelled)"), "\(text)")
            #expect(text.contains("champion:   v2 (trained "), "\(text)")
            #expect(text.contains("on \(bootstrapRows + 600 - heldOut) rows of versions 1…3;"), "\(text)")
            #expect(text.contains("threshold \(String(format: "%.4f", threshold)))"), "\(text)")
            #expect(text.contains("challenger: none   models registered: 2"), "\(text)")
            #expect(text.contains("batches:    3 (2 scored, 0 stored, 1 rejected, 0 duplicate)"), "\(text)")
            #expect(text.contains(" broken.csv: reject\n"), "\(text)")
            #expect(text.contains(" holiday.csv: \(holidayDrivers.joined(separator: ", "))\n"), "\(text)")
            #expect(!text.contains("inbox:"), "no --inbox, no inbox line")

            // history --format json: one entry per input, oldest first, as the reports say.
            let history = try await json([HistoryEntry].self, ["history", "--state", state, "--format", "json"])
            #expect(history.map(\.input) == ["stationary.csv", "holiday.csv", "broken.csv"])
            #expect(history.map(\.job_id) == [stationary.jobID, holiday.jobID, broken.jobID])
            #expect(history.map(\.outbox_stem) == ["stationary", "holiday", "broken"])
            #expect(history.map(\.outcome) == ["scored", "scored", "rejected"])
            #expect(history.map(\.decision) == ["score", "retrain-promoted", "reject"])
            #expect(history.map(\.rows) == [300, 300, 0])
            #expect(history.map(\.store_version) == [2, 3, nil])
            #expect(history.map(\.model_version) == [1, 2, nil])
            #expect(history.map(\.critical_drift) == [false, true, nil])
            #expect(history.map(\.drifted_features) == [[], holidayDrivers, []])
            let newest = try await json([HistoryEntry].self, ["history", "--state", state, "--format", "json", "--limit", "1"])
            #expect(newest.map(\.input) == ["broken.csv"])

            // history as a table: a header and one line per batch with its decision.
            let table = try await run(["history", "--state", state]).split(separator: "\n").map(String.init)
            #expect(table.count == 4, "\(table)")
            #expect(table.first?.hasPrefix("TIME") == true)
            let cells = table.dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
            #expect(cells.map { $0[1] } == ["stationary.csv", "holiday.csv", "broken.csv"])
            #expect(cells.map { $0[3] } == ["score", "retrain-promoted", "reject"])
            #expect(cells.map { $0[6] } == ["v1", "v2", "-"])
            #expect(cells.map { $0[7] } == ["no", holidayDrivers.joined(separator: ","), "-"])

            // performance: the champion's realised figures on both labelled batches, as reported.
            let performance = try await json([PerformanceEntry].self, ["performance", "--state", state, "--format", "json"])
            #expect(performance.map(\.store_version) == [2, 3])
            #expect(performance.map(\.model_version) == [1, 1], "each batch is judged by the champion that scored it blind")
            #expect(performance.map(\.rows) == [300, 300])
            #expect(performance.map(\.positives) == [DaemonBatches.buyers(filled.stationary), DaemonBatches.buyers(filled.holiday)])
            for (entry, report) in zip(performance, [stationary, holiday]) {
                let realised = try #require(report.realised)
                #expect(entry.threshold == realised.threshold)
                #expect(entry.roc_auc == realised.rocAUC && entry.recall == realised.recall && entry.precision == realised.precision)
                #expect(entry.validation_roc_auc == realised.validationROCAUC)
            }
            #expect(try #require(performance[0].roc_auc) > 0.8)
            #expect(try await json([PerformanceEntry].self, ["performance", "--state", state, "--format", "json", "--model", "2"]).isEmpty)
            #expect(try await run(["performance", "--state", state, "--model", "2"]).hasPrefix("no labelled batch scored yet"))
            let performanceText = try await run(["performance", "--state", state]).split(separator: "\n").map(String.init)
            #expect(performanceText.count == 3 && performanceText[0].hasPrefix("TIME"), "\(performanceText)")
            let first = performanceText[1].split(separator: " ").map(String.init)
            #expect(first[1] == "2" && first[2] == "v1" && first[3] == "300")
            #expect(first[6] == String(format: "%.4f", try #require(stationary.realised?.rocAUC)))
        }

        @Test func driftAgainstStoreVersionsAndTheChampionMatchesTheSameRowsReadFromFiles() async throws {
            let filled = try await FilledStore.shared.value
            let state = filled.workspace.state
            let holiday = try filled.workspace.report("holiday")
            let scratch = try TemporaryDirectory("shopperd-e2e")
            let bootstrapFile = try scratch.write("bootstrap.csv", DaemonBatches.bootstrap)
            let holidayFile = try scratch.write("holiday.csv", filled.holiday)
            // The champion (v2) was trained on store versions 1…3: its reference is every labelled
            // row of them, the three files one after the other.
            let championRows = DaemonBatches.bootstrap + DaemonBatches.dataLines(filled.stationary).joined(separator: "\n") + "\n"
                + DaemonBatches.dataLines(filled.holiday).joined(separator: "\n") + "\n"
            let championFile = try scratch.write("champion.csv", championRows)

            func drift(_ reference: String, _ current: String) async throws -> DriftReport {
                try await json(DriftReport.self, ["drift", "--state", state, "--reference", reference, "--current", current, "--format", "json"])
            }

            // Store version 1 (the bootstrap) against version 3 (the holiday batch) = the files.
            let byVersion = try await drift("1", "3")
            let byFile = try await drift(bootstrapFile, holidayFile)
            #expect(byVersion == byFile)
            #expect(byVersion.criticalDrift && byVersion.drivers.map(\.name).contains("Month"))
            #expect(byVersion.referenceRows == DaemonBatches.bootstrapRowCount && byVersion.currentRows == 300)
            // …and what the daemon decided on when the holiday batch arrived (champion v1's reference).
            #expect(byVersion == holiday.drift)

            // `champion` = the serving model's training window.
            let byChampion = try await drift("champion", "3")
            #expect(byChampion == (try await drift(championFile, holidayFile)))
            #expect(byChampion.referenceRows == DaemonBatches.bootstrapRowCount + 600)
            // Mixing sources: a store version against a file.
            #expect(try await drift("1", holidayFile) == byFile)

            // A version the store does not have: exit 64 with a message naming it.
            let missing = try await DaemonProcess.run(["drift", "--state", state, "--reference", "champion", "--current", "9"])
            #expect(missing.status == 64, "\(missing.stderr)")
            #expect(missing.stderr.contains("9"), "\(missing.stderr)")
        }
    }
}

/// A state filled once per test run by the real daemon (quick training): store version 1 the
/// bootstrap (champion v1), version 2 a stationary labelled batch (`score`), version 3 a Nov/Dec
/// labelled batch (`retrain-promoted`: champion v2), then an invalid batch (`reject`); the daemon
/// stopped, and `later.csv.part` left in the inbox (not yet renamed into place). Removed when the
/// test process exits.
final class FilledStore: @unchecked Sendable {  // immutable after init
    let workspace: DaemonWorkspace
    let stationary = DaemonBatches.stationary(part: 3, labelled: true)
    let holiday = DaemonBatches.drifted(part: 2, labelled: true)

    private init(workspace: DaemonWorkspace) {
        self.workspace = workspace
    }

    static let shared = Task<FilledStore, any Error> {
        let filled = FilledStore(workspace: try await DaemonWorkspace.bootstrapped())
        let workspace = filled.workspace
        let daemon = try await workspace.start()
        for (stem, contents) in [("stationary", filled.stationary), ("holiday", filled.holiday), ("broken", DaemonBatches.invalid())] {
            try workspace.deliver(contents, as: stem + ".csv")
            guard await workspace.waitForOutcome(stem) else {
                daemon.send(SIGTERM)
                throw DaemonTestError("no outcome for \(stem).csv:\n\(daemon.stderr)")
            }
        }
        try workspace.write(DaemonBatches.stationary(part: 4), as: "later.csv.part")
        daemon.send(SIGTERM)
        guard await daemon.exitStatus() == 0 else { throw DaemonTestError("the daemon did not stop cleanly:\n\(daemon.stderr)") }
        path.withLock { $0 = workspace.root }
        atexit {
            if let path = FilledStore.path.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
        }
        return filled
    }

    private static let path = Mutex<String?>(nil)
}
