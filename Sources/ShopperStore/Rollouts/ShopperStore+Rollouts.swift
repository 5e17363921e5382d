import Foundation
import GRDB

/// Rollouts (migration `v7 rollouts`): at most one runs; while it does, every scored row is
/// recorded with both models' probabilities under its prediction id, and outcomes join them.
extension StoreTransaction {
    /// Starts a rollout. Fails when one is already running (`StoreError.rolloutRunning`).
    @discardableResult
    package func startRollout(_ draft: RolloutDraft) throws -> RolloutRecord {
        if let running = try ShopperStore.runningRollout(db) { throw StoreError.rolloutRunning(id: running.id) }
        for version in [draft.championVersion, draft.challengerVersion] {
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM models WHERE version = ?", arguments: [version]) != nil else {
                throw StoreError.unknownModel(version)
            }
        }
        try db.execute(sql: """
            INSERT INTO rollouts (mode, share, champion_version, challenger_version, state, started_at, deadline, max_outcomes,
                settings, reason)
            VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)
            """, arguments: [draft.mode.rawValue, draft.share, draft.championVersion, draft.challengerVersion,
                             draft.startedAt.timeIntervalSince1970, draft.deadline.timeIntervalSince1970, draft.maxOutcomes,
                             draft.settings, draft.reason])
        guard let record = try ShopperStore.rollout(db, id: Int(db.lastInsertedRowID)) else {
            throw StoreError.database("the rollout just started cannot be read back")
        }
        return record
    }

    /// Ends the rollout if it is still running; returns whether it was.
    @discardableResult
    package func endRollout(id: Int, state: RolloutState, verdict: String, look: Data?, at date: Date = Date()) throws -> Bool {
        precondition(state != .running, "a rollout ends in a final state")
        try db.execute(sql: """
            UPDATE rollouts SET state = ?, verdict = ?, ended_at = ?, last_look = COALESCE(?, last_look),
                looks = looks + (CASE WHEN ? IS NULL THEN 0 ELSE 1 END)
            WHERE id = ? AND state = 'running'
            """, arguments: [state.rawValue, verdict, date.timeIntervalSince1970, look, look, id])
        return db.changesCount > 0
    }

    /// Records a look of the sequential test that reached no verdict.
    package func recordLook(rolloutID: Int, look: Data) throws {
        try db.execute(sql: "UPDATE rollouts SET last_look = ?, looks = looks + 1 WHERE id = ?", arguments: [look, rolloutID])
    }

    /// Records predictions made during a rollout. An id already recorded is left as it is (a
    /// retried write cannot duplicate or change a prediction).
    package func recordRolloutPredictions(_ predictions: [RolloutPrediction]) throws {
        guard !predictions.isEmpty else { return }
        let insert = try RawStatement(db, sql: """
            INSERT OR IGNORE INTO rollout_predictions (prediction_id, rollout_id, source, batch_version, row_number,
                champion_probability, challenger_probability, answered_by, predicted_at, outcome, outcome_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for p in predictions {
            insert.bind(1, p.predictionID)
            insert.bind(2, p.rolloutID)
            insert.bind(3, p.source.rawValue)
            insert.bind(4, p.batchVersion)
            insert.bind(5, p.rowNumber)
            insert.bind(6, p.championProbability)
            insert.bind(7, p.challengerProbability)
            insert.bind(8, p.answeredBy)
            insert.bind(9, p.predictedAt.timeIntervalSince1970)
            insert.bind(10, p.outcome)
            insert.bind(11, p.outcome == nil ? nil : p.predictedAt.timeIntervalSince1970)
            try insert.execute()
        }
    }

    /// Joins reported outcomes to predictions, each counted once: joined (its rollout is running
    /// and the prediction had no outcome), duplicate (it had one: the first counts), late (its
    /// rollout has ended) or unknown (no rollout made it). Duplicates and late outcomes are counted on
    /// the prediction's rollout, unknown ones on the running rollout, if any.
    package func joinOutcomes(_ reports: [OutcomeReport], at date: Date = Date()) throws -> OutcomeCounts {
        var counts = OutcomeCounts()
        guard !reports.isEmpty else { return counts }
        let running = try ShopperStore.runningRollout(db)?.id
        let find = try RawStatement(db, sql: """
            SELECT p.rollout_id, p.outcome IS NOT NULL, r.state = 'running'
            FROM rollout_predictions p JOIN rollouts r ON r.id = p.rollout_id WHERE p.prediction_id = ?
            """)
        let set = try RawStatement(db, sql: "UPDATE rollout_predictions SET outcome = ?, outcome_at = ? WHERE prediction_id = ?")
        var perRollout: [Int: (duplicate: Int, late: Int, unknown: Int)] = [:]
        for report in reports {
            find.bind(1, report.predictionID)
            guard try find.step() else {
                find.reset()
                counts.unknown += 1
                if let running { perRollout[running, default: (0, 0, 0)].unknown += 1 }
                continue
            }
            let rollout = find.int(0), hasOutcome = find.bool(1), isRunning = find.bool(2)
            find.reset()
            if hasOutcome {
                counts.duplicate += 1
                perRollout[rollout, default: (0, 0, 0)].duplicate += 1
            } else if !isRunning {
                counts.late += 1
                perRollout[rollout, default: (0, 0, 0)].late += 1
            } else {
                set.bind(1, report.outcome)
                set.bind(2, date.timeIntervalSince1970)
                set.bind(3, report.predictionID)
                try set.execute()
                counts.joined += 1
            }
        }
        for (id, extra) in perRollout {
            try db.execute(sql: """
                UPDATE rollouts SET duplicate_outcomes = duplicate_outcomes + ?, late_outcomes = late_outcomes + ?,
                    unknown_outcomes = unknown_outcomes + ? WHERE id = ?
                """, arguments: [extra.duplicate, extra.late, extra.unknown, id])
        }
        return counts
    }

    /// The running rollout, if any.
    package func runningRollout() throws -> RolloutRecord? { try ShopperStore.runningRollout(db) }

    /// One rollout, as this transaction sees it.
    package func rollout(id: Int) throws -> RolloutRecord? { try ShopperStore.rollout(db, id: id) }

    /// How many outcomes a rollout has joined, as this transaction sees it.
    package func rolloutOutcomeCount(id: Int) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rollout_predictions WHERE rollout_id = ? AND outcome IS NOT NULL",
                         arguments: [id]) ?? 0
    }

    /// A rollout's joined outcomes, as this transaction sees them.
    package func rolloutOutcomes(id: Int) throws -> RolloutOutcomes { try ShopperStore.rolloutOutcomes(db, id: id) }
}

extension ShopperStore {
    /// Starts a rollout in a transaction of its own.
    @discardableResult
    package func startRollout(_ draft: RolloutDraft) throws(StoreError) -> RolloutRecord {
        try transaction { try $0.startRollout(draft) }
    }

    /// Joins outcomes in a transaction of their own (the live endpoint's feedback).
    package func joinOutcomes(_ reports: [OutcomeReport], at date: Date = Date()) throws(StoreError) -> OutcomeCounts {
        try transaction { try $0.joinOutcomes(reports, at: date) }
    }

    /// Records live predictions in a transaction of their own.
    package func recordRolloutPredictions(_ predictions: [RolloutPrediction]) throws(StoreError) {
        try transaction { try $0.recordRolloutPredictions(predictions) }
    }

    /// The running rollout, if any.
    package func runningRollout() throws(StoreError) -> RolloutRecord? {
        try read { db in try Self.runningRollout(db) }
    }

    /// One rollout.
    package func rollout(id: Int) throws(StoreError) -> RolloutRecord? {
        try read { db in try Self.rollout(db, id: id) }
    }

    /// Every rollout, newest first.
    package func rollouts(limit: Int = 100) throws(StoreError) -> [RolloutRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM rollouts ORDER BY id DESC LIMIT ?", arguments: [limit]).map(Self.rolloutRecord)
        }
    }

    /// A rollout's joined outcomes (in the order they were joined) and its prediction counts.
    package func rolloutOutcomes(id: Int) throws(StoreError) -> RolloutOutcomes {
        try read { db in try Self.rolloutOutcomes(db, id: id) }
    }

    /// Which model answered each row of a stored batch scored during a rollout (row number →
    /// model version); empty when none of its rows was.
    package func answeringModels(batchVersion: Int) throws(StoreError) -> [Int: Int] {
        try read { db in
            let query = try RawStatement(db, sql: """
                SELECT row_number, answered_by FROM rollout_predictions WHERE batch_version = ? AND row_number IS NOT NULL
                """)
            query.bind(1, batchVersion)
            var result: [Int: Int] = [:]
            while try query.step() { result[query.int(0)] = query.int(1) }
            return result
        }
    }

    static func rolloutOutcomes(_ db: Database, id: Int) throws -> RolloutOutcomes {
        var result = RolloutOutcomes()
        let query = try RawStatement(db, sql: """
            SELECT outcome, champion_probability, challenger_probability FROM rollout_predictions
            WHERE rollout_id = ? AND outcome IS NOT NULL ORDER BY outcome_at, prediction_id
            """)
        query.bind(1, id)
        while try query.step() {
            result.labels.append(query.bool(0))
            result.champion.append(query.double(1))
            result.challenger.append(query.double(2))
        }
        let counts = try Row.fetchOne(db, sql: """
            SELECT COUNT(*) AS n, COALESCE(SUM(answered_by = r.challenger_version), 0) AS b
            FROM rollout_predictions p JOIN rollouts r ON r.id = p.rollout_id WHERE p.rollout_id = ?
            """, arguments: [id])
        result.predictions = counts?["n"] ?? 0
        result.answeredByChallenger = counts?["b"] ?? 0
        return result
    }

    static func runningRollout(_ db: Database) throws -> RolloutRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM rollouts WHERE state = 'running'").map(rolloutRecord)
    }

    static func rollout(_ db: Database, id: Int) throws -> RolloutRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM rollouts WHERE id = ?", arguments: [id]).map(rolloutRecord)
    }

    static func rolloutRecord(_ row: Row) -> RolloutRecord {
        let ended: Double? = row["ended_at"]
        return RolloutRecord(
            id: row["id"], mode: RolloutMode(rawValue: row["mode"]) ?? .shadow, share: row["share"],
            championVersion: row["champion_version"], challengerVersion: row["challenger_version"],
            state: RolloutState(rawValue: row["state"]) ?? .stopped, startedAt: Date(timeIntervalSince1970: row["started_at"]),
            deadline: Date(timeIntervalSince1970: row["deadline"]), maxOutcomes: row["max_outcomes"], settings: row["settings"],
            reason: row["reason"], endedAt: ended.map { Date(timeIntervalSince1970: $0) }, verdict: row["verdict"],
            lastLook: row["last_look"], looks: row["looks"], duplicateOutcomes: row["duplicate_outcomes"],
            unknownOutcomes: row["unknown_outcomes"], lateOutcomes: row["late_outcomes"])
    }
}

extension StoreTransaction {
    /// The aliases as this transaction sees them.
    package func aliases() throws -> [ModelAlias: Int] { try ShopperStore.aliases(db) }
}
