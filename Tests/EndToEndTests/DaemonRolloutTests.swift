import Foundation
import ShopperCore
import ShopperPipeline
import ShopperStore
import ShopperTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension DaemonEndToEndTests {
    /// Rollouts end to end, through the real binary: `shopperd rollout start`, batches from the
    /// inbox (A/B answered per row, outcomes from a labelled CSV's `prediction_id` column) and live
    /// requests to `shopperd serve` (shadow, outcomes by `POST /v2/feedback`, the daemon's timer
    /// look), each decided by the sequential test. The models differ clearly (the bootstrapped
    /// forest against a one-tree stump on one random feature), so each rollout must reach its
    /// verdict on the outcomes sent.
    @Suite struct DaemonRolloutTests {
        struct Status: Decodable {
            var id: Int
            var state: String
            var mode: String
            var champion_version: Int
            var challenger_version: Int
            var predictions: Int
            var answered_by_challenger: Int
            var outcomes: Int
            var duplicate_outcomes: Int
            var late_outcomes: Int
            var unknown_outcomes: Int
            var verdict: String?
        }

        func cli(_ arguments: [String]) async throws -> String {
            let outcome = try await DaemonProcess.run(arguments, timeout: .seconds(120))
            guard outcome.status == 0 else { throw DaemonTestError("shopperd \(arguments.joined(separator: " ")) failed: \(outcome.stderr)") }
            return outcome.stdout
        }

        func status(_ workspace: DaemonWorkspace) async throws -> Status {
            try JSONDecoder().decode(Status.self, from: Data(try await cli(["rollout", "status", "--state", workspace.state, "--format", "json"]).utf8))
        }

        /// Registers v2: one tree of depth 1 on one random feature, far worse than the champion v1.
        func trainStump(_ workspace: DaemonWorkspace) async throws {
            _ = try await cli(["train", "--state", workspace.state, "--trees", "1", "--max-depth", "1", "--max-features", "1",
                               "--min-samples-leaf", "50"])
            #expect(try await workspace.models().map(\.version) == [1, 2])
        }

        /// A labelled batch's lines with a `prediction_id` column naming `ids`.
        static func withPredictionIDs(_ csv: String, _ ids: [String]) -> String {
            let lines = csv.split(separator: "\n").map(String.init)
            precondition(lines.count == ids.count + 1)
            return ([lines[0] + ",prediction_id"] + zip(lines.dropFirst(), ids).map { $0 + "," + $1 }).joined(separator: "\n") + "\n"
        }

        @Test func anABRolloutSplitsBatchRowsJoinsFeedbackByPredictionIDAndRejectsAWorseChallenger() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            try await trainStump(workspace)
            _ = try await cli(["rollout", "start", "2", "--mode", "ab", "--share", "0.5", "--state", workspace.state])
            let started = try await status(workspace)
            #expect(started.state == "running" && started.mode == "ab" && started.champion_version == 1 && started.challenger_version == 2)

            // An unlabelled batch: both models score every row; about half the rows are answered by
            // the challenger, the rest by the champion, each row naming its model and prediction id.
            let unlabelled = DaemonBatches.stationary(rows: 1_000, part: 0)
            try workspace.deliver(unlabelled, as: "live.csv")
            let first = try await workspace.runOnce()
            #expect(await first.exitStatus() == 0, "\(first.stderr)")
            let report = try workspace.report("live")
            let table = try workspace.predictions("live").dropFirst()
            #expect(table.count == 1_000)
            let byChallenger = table.filter { $0[4] == "2" }.count
            #expect(table.allSatisfy { $0[4] == "1" || $0[4] == "2" })
            #expect((350...650).contains(byChallenger), "A/B share 0.5: \(byChallenger) of 1000 rows to the challenger")
            #expect(table.allSatisfy { $0[5] == "b\(report.storeVersion)-\($0[0])" })
            let section = try #require(report.rollout)
            #expect(section.rowsRecorded == 1_000 && section.rowsAnsweredByChallenger == byChallenger && section.newOutcomes == 0)
            #expect(section.look?.verdict == .tooFewOutcomes && section.state == .running)

            // Their outcomes arrive as a labelled CSV naming the prediction ids; ten rows repeated
            // at the end are counted once (duplicates), never twice.
            let ids = table.map { $0[5] }
            let labelled = DaemonBatches.stationary(rows: 1_000, part: 0, labelled: true)
            var feedback = Self.withPredictionIDs(labelled, ids)
            feedback += feedback.split(separator: "\n").dropFirst().prefix(10).joined(separator: "\n") + "\n"
            try workspace.deliver(feedback, as: "outcomes.csv")
            let second = try await workspace.runOnce()
            #expect(await second.exitStatus() == 0, "\(second.stderr)")
            let judged = try #require(try workspace.report("outcomes").rollout)
            #expect(judged.feedback?.joined == 1_000 && judged.feedback?.duplicate == 10 && judged.feedback?.unknown == 0)
            #expect(judged.newOutcomes == 0, "rows that name a prediction are its outcome, not new outcomes")
            let look = try #require(judged.look)
            #expect(look.outcomes == 1_000 && look.verdict == .worse, "\(judged.verdict ?? "")")
            #expect(judged.state == .rejected)
            let ended = try #require(second.events("rollout-ended").first)
            #expect(ended["ROLLOUT_STATE"] == "rejected" && ended["MODEL_VERSION"] == "v2" && ended["OUTCOMES"] == "1000")
            #expect((Double(ended["BOUND_HIGH"] ?? "") ?? 1) < 0)

            let final = try await status(workspace)
            #expect(final.state == "rejected" && final.outcomes == 1_000 && final.duplicate_outcomes == 10)
            #expect(final.verdict?.contains("rolled back") == true)
            #expect(try await workspace.models().first { $0.aliases.contains("champion") }?.version == 1)
            let history = try await workspace.aliasHistory()
            #expect(history.last?.alias == "challenger" && history.last?.action == "remove" && history.last?.reason.contains("rollout") == true)

            // Outcomes after the end are late: recorded nowhere, counted. (The outcomes batch's own
            // rows were scored by both models and recorded, without outcomes, before the look that
            // ended the rollout; outcomes already joined would be duplicates instead.)
            let outcomesVersion = try workspace.report("outcomes").storeVersion
            let lateIDs = (1...1_000).map { "b\(outcomesVersion)-\($0)" }
            try workspace.deliver(Self.withPredictionIDs(labelled, lateIDs), as: "late.csv")
            let third = try await workspace.runOnce()
            #expect(await third.exitStatus() == 0, "\(third.stderr)")
            let lateReport = try workspace.report("late")
            #expect(lateReport.rollout?.feedback?.late == 1_000 && lateReport.rollout?.feedback?.joined == 0,
                    "\(String(describing: lateReport.rollout))")
            #expect(try await status(workspace).late_outcomes == 1_000)
        }

        @Test func aRolloutWithoutAVerdictTimesOutToTheChampionAndAnOperatorCanStopOne() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            // v2: the champion's own data and settings, another seed — no better, no worse.
            _ = try await cli(["train", "--state", workspace.state, "--seed", "7", "--trees", "20", "--min-samples-leaf", "5",
                               "--max-features", "sqrt"])
            _ = try await cli(["rollout", "start", "2", "--mode", "shadow", "--max-outcomes", "40", "--state", workspace.state])
            try workspace.deliver(DaemonBatches.stationary(rows: 300, part: 0, labelled: true), as: "labelled.csv")
            let run = try await workspace.runOnce()
            #expect(await run.exitStatus() == 0, "\(run.stderr)")
            let section = try #require(try workspace.report("labelled").rollout)
            #expect(section.newOutcomes == 300 && section.state == .timedOut, "\(section.verdict ?? "")")
            #expect(section.look?.verdict == .undecided || section.look?.verdict == .tooFewOutcomes)
            let timedOut = try await status(workspace)
            #expect(timedOut.state == "timed-out" && timedOut.verdict?.contains("the champion stays") == true)
            #expect(try await workspace.models().first { $0.aliases.contains("champion") }?.version == 1)
            #expect(try await workspace.models().allSatisfy { !$0.aliases.contains("challenger") })

            // A second rollout, stopped by the operator; `stop` with none running exits 1.
            _ = try await cli(["rollout", "start", "2", "--mode", "ab", "--state", workspace.state])
            let stopped = try JSONDecoder().decode(Status.self, from: Data(try await cli(
                ["rollout", "stop", "--state", workspace.state, "--reason", "campaign week", "--format", "json"]).utf8))
            #expect(stopped.state == "stopped" && stopped.id == 2 && stopped.verdict?.contains("campaign week") == true)
            let again = try await DaemonProcess.run(["rollout", "stop", "--state", workspace.state])
            #expect(again.status == 1 && again.stderr.contains("no rollout is running"))
            let all = try await DaemonProcess.run(["rollout", "status", "--all", "--state", workspace.state, "--format", "json"])
            #expect(try JSONDecoder().decode([Status].self, from: Data(all.stdout.utf8)).map(\.state) == ["stopped", "timed-out"])
            let twice = try await DaemonProcess.run(["rollout", "start", "1", "--state", workspace.state])
            #expect(twice.status == 64 && twice.stderr.contains("is the champion"))
        }

        @Test func underRetrainAfterShadowADriftRetrainStartsAShadowRolloutAndFurtherDriftWaitsForItsVerdict() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let settings = DaemonWorkspace.quickSettings + ["--set", "retrain.after=shadow"]
            try workspace.deliver(DaemonBatches.drifted(rows: 300, part: 0), as: "nov.csv")
            let first = try await workspace.runOnce(settings)
            #expect(await first.exitStatus() == 0, "\(first.stderr)")
            let report = try workspace.report("nov")
            #expect(report.decision == .retrainRollout, "\(report.reason)")
            #expect(report.models.serving == 1 && report.models.challenger == 2)
            #expect(report.models.evaluation?.promoted == true, "the challenger passed the paired test")
            let section = try #require(report.rollout)
            #expect(section.state == .running && section.mode == .shadow && section.challengerVersion == 2 && section.championVersion == 1)
            #expect(try workspace.predictions("nov").dropFirst().allSatisfy { $0[4] == "1" }, "the champion keeps answering")
            let running = try await status(workspace)
            #expect(running.state == "running" && running.mode == "shadow" && running.challenger_version == 2)
            let models = try await workspace.models()
            #expect(models.first { $0.version == 1 }?.aliases == ["champion"] && models.first { $0.version == 2 }?.aliases == ["challenger"])

            // More drift with labels: no new challenger while the rollout judges v2; the rows are its outcomes.
            try workspace.deliver(DaemonBatches.drifted(rows: 300, part: 1), as: "dec.csv")
            let second = try await workspace.runOnce(settings)
            #expect(await second.exitStatus() == 0, "\(second.stderr)")
            let next = try workspace.report("dec")
            #expect(next.decision == .score && next.reason.contains("a rollout of challenger v2 is running"), "\(next.reason)")
            #expect(next.rollout?.rowsRecorded == 300 && next.rollout?.newOutcomes == 300)
            #expect(second.events("retrain-skipped").first?["CAUSE"] == "rollout-running")
            #expect(try await workspace.models().map(\.version) == [1, 2])
            let after = try await status(workspace)
            #expect(after.outcomes == 300 || after.state != "running", "\(after)")
        }

        @Test func aShadowRolloutOnTheLiveEndpointIsPromotedByFeedbackAndServedWithinSeconds() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            try await trainStump(workspace)
            _ = try await cli(["models", "promote", "2", "--state", workspace.state, "--reason", "test: a weak champion"])
            _ = try await cli(["rollout", "start", "1", "--mode", "shadow", "--state", workspace.state])
            let daemon = try await workspace.start(["--set", "rollout.look-interval-seconds=1"])
            let serve = try await ServeFixture.start(on: workspace)
            defer { daemon.send(SIGKILL) }

            // Shadow: the champion (v2) answers every request; the challenger scores them unseen.
            let labelled = try BatchReader().read(
                bytes: Array(DaemonBatches.stationary(rows: 800, part: 0, labelled: true).utf8), fileName: "rows.csv").sessions
            var outcomes: [[String: Any]] = []
            for start in stride(from: 0, to: labelled.count, by: 50) {
                let chunk = Array(labelled[start..<min(start + 50, labelled.count)])
                let answer = try serve.http.post("/invocations", body: try JSONSerialization.data(withJSONObject: [
                    "dataframe_records": chunk.map(ServeFixture.record),
                ]), headers: ["X-Session-Key": "visitor-\(start)"])
                #expect(answer.status == 200, "\(answer.text)")
                let predictions = ServeFixture.predictions(answer)
                #expect(predictions.allSatisfy { $0["model_version"] as? Int == 2 }, "shadow mode: the champion answers")
                for (prediction, session) in zip(predictions, chunk) {
                    outcomes.append(["prediction_id": prediction["prediction_id"] as? String ?? "", "outcome": session.revenue == true])
                }
            }
            #expect(outcomes.count == 800)
            let joined = try serve.http.post("/v2/feedback", json: ["outcomes": outcomes])
            #expect(joined.status == 200 && joined.json["joined"] as? Int == 800, "\(joined.text)")
            let again = try serve.http.post("/v2/feedback", json: ["outcomes": Array(outcomes.prefix(5)) + [["prediction_id": "nobody", "outcome": false]]])
            #expect(again.json["duplicate"] as? Int == 5 && again.json["unknown"] as? Int == 1 && again.json["joined"] as? Int == 0)

            // The daemon's timer looks at the outcomes, promotes v1; the endpoint serves it within seconds.
            let ended = await daemon.waitForEvent("rollout-ended", timeout: .seconds(60))
            #expect(ended?["ROLLOUT_STATE"] == "promoted" && ended?["MODEL_VERSION"] == "v1", "\(daemon.stderr.suffix(2_000))")
            #expect((Double(ended?["BOUND_LOW"] ?? "") ?? -1) > 0)
            let promoted = try await status(workspace)
            #expect(promoted.state == "promoted" && promoted.outcomes == 800 && promoted.duplicate_outcomes == 5 && promoted.unknown_outcomes == 1)
            #expect(try await workspace.models().first { $0.aliases.contains("champion") }?.version == 1)
            let served = await eventually(timeout: .seconds(10)) {
                let answer = try? serve.http.post("/invocations", json: ["dataframe_records": [ServeFixture.record(labelled[0])]])
                return answer.map { ServeFixture.predictions($0).first?["model_version"] as? Int == 1 } ?? false
            }
            #expect(served, "the promoted challenger answers")
            let metrics = try serve.http.get("/metrics").text
            #expect(metrics.contains("shopperd_feedback_outcomes_total{result=\"joined\"} 800"))
            #expect(metrics.contains("shopperd_rollout_challenger_predictions_total{model_version=\"1\"} 800"))
            #expect(metrics.contains("shopperd_rollout_running 0"))
            #expect(metrics.contains("shopperd_rollout_ledger_rows_total{result=\"written\"} 800"))
            #expect(metrics.contains("shopperd_rollout_ledger_rows_total{result=\"dropped\"} 0"))
            #expect(await serve.stop() == 0)
        }
    }
}
