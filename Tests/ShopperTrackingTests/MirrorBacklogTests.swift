import Foundation
import ShopperStore
import Testing

extension ShopperTrackingSuite {
    /// The store side of the mirror (migration v4): what is pending, in which order, per destination.
    @Suite struct MirrorBacklogTests {
        static let target = "http://127.0.0.1:5000?training=t&monitoring=m&model=x"

        @Test func theBacklogIsEveryEntityInItsNaturalOrder() async throws {
            let fixture = try await TrackingFixture.standard()
            let store = fixture.store
            let (aug, nov) = (try fixture.jobID(batch: 2), try fixture.jobID(batch: 3))
            // A job processed earlier but recorded later sorts by its processing time.
            try store.transaction { transaction in
                try transaction.recordJob(JobRecord(
                    id: "000000", inputName: Array("early.csv".utf8), outboxStem: "early", outcome: .scored, decision: "score",
                    batchVersion: 2, modelVersion: 1, rowCount: 150, driftReport: try store.job(id: aug)?.driftReport,
                    report: Data("{}".utf8), processedAt: Date(timeIntervalSince1970: 1_000)))
                // A rejected input has no drift check: nothing to mirror.
                try transaction.recordJob(JobRecord(
                    id: "000003", inputName: Array("bad.csv".utf8), outboxStem: "bad", outcome: .rejected, decision: "reject",
                    batchVersion: nil, modelVersion: nil, rowCount: 0, driftReport: nil, report: Data("{}".utf8), processedAt: Date()))
            }
            let backlog = try store.mirrorBacklog(target: Self.target)
            #expect(backlog.models == [1, 2])
            #expect(backlog.aliasChanges == [1, 2, 3, 4])
            #expect(backlog.jobs == ["000000", aug, nov])
            #expect(backlog.count == 9)
            // Everything there is to mirror: every model, every alias change, every job with a drift report.
            #expect(try store.models().count == 2)
            #expect(try store.aliasHistoryEntries().count == 4)
            #expect(try store.jobs().filter { $0.driftReport != nil }.count == 3)
            let history = try store.aliasHistoryEntries()
            #expect(history.map(\.id) == [1, 2, 3, 4])
            #expect(history.map(\.change.toVersion) == [1, 2, 2, nil])
            #expect(history.last?.change.reason == "promoted to champion")
            #expect(try store.aliasHistoryEntries(ids: [2]).map(\.id) == [2])
        }

        @Test func doneEntitiesLeaveTheBacklogOfTheirDestinationOnly() async throws {
            let fixture = try await TrackingFixture.standard()
            let store = fixture.store
            try store.recordMirrored(target: Self.target, kind: .model, key: "1",
                                     location: MirrorLocation(experimentID: "1", runID: "r1", registeredVersion: "1"))
            try store.recordMirrored(target: Self.target, kind: .job, key: try fixture.jobID(batch: 3),
                                     location: MirrorLocation(experimentID: "2", runID: "r2"))
            let backlog = try store.mirrorBacklog(target: Self.target)
            #expect(backlog.models == [2])
            #expect(backlog.jobs == [try fixture.jobID(batch: 2)])
            // Another destination has received nothing.
            #expect(try store.mirrorBacklog(target: "http://other:5000?training=t&monitoring=m&model=x").count == 8)
            let record = try #require(try store.mirrorRecord(target: Self.target, kind: .model, key: "1"))
            #expect(record.state == .done && record.runID == "r1" && record.registeredVersion == "1" && record.attempts == 0)
            #expect(try store.mirrorTargets() == [Self.target])
        }

        @Test func failuresCountAttemptsAndNeverUndoADoneEntity() async throws {
            let fixture = try await TrackingFixture.standard()
            let store = fixture.store
            let later = Date().addingTimeInterval(60)
            #expect(try store.recordMirrorFailure(target: Self.target, kind: .model, key: "2", error: "refused") == 1)
            #expect(try store.recordMirrorFailure(target: Self.target, kind: .model, key: "2", error: "HTTP 500", nextAttemptAt: later) == 2)
            let failed = try #require(try store.mirrorRecord(target: Self.target, kind: .model, key: "2"))
            #expect(failed.state == .failed && failed.attempts == 2 && failed.lastError == "HTTP 500")
            #expect(abs((failed.nextAttemptAt?.timeIntervalSince1970 ?? 0) - later.timeIntervalSince1970) < 0.001)
            #expect(try store.mirrorBacklog(target: Self.target).models == [1, 2])

            try store.recordMirrored(target: Self.target, kind: .model, key: "2", location: MirrorLocation(runID: "r", registeredVersion: "2"))
            let done = try #require(try store.mirrorRecord(target: Self.target, kind: .model, key: "2"))
            #expect(done.state == .done && done.attempts == 0 && done.lastError == nil && done.nextAttemptAt == nil)
            // A late failure report (a concurrent pass) cannot turn it back into pending.
            try store.recordMirrorFailure(target: Self.target, kind: .model, key: "2", error: "late")
            #expect(try store.mirrorRecord(target: Self.target, kind: .model, key: "2")?.state == .done)
            #expect(try store.mirrorBacklog(target: Self.target).models == [1])

            #expect(try store.resetMirror(target: Self.target) == 1)
            #expect(try store.mirrorBacklog(target: Self.target).models == [1, 2])
        }
    }
}
