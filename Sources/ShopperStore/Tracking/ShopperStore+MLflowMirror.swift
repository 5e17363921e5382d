import Foundation
import GRDB

/// Progress of the MLflow mirror (table `mlflow_mirror`, migration `v4 mlflow mirror`).
///
/// The store is the mirror's durable queue: nothing is enqueued when a model is registered, an
/// alias moves or a job is recorded. The mirror asks `mirrorBacklog(target:)` what a destination
/// has not received, sends it, and records the outcome here. So a crash at any point loses
/// nothing (the entity is still in its own table, not yet `done`), and the pipeline's
/// transactions never touch this table.
extension ShopperStore {
    /// Every alias change with its id, oldest first (optionally only ids in `ids`).
    package func aliasHistoryEntries(ids: [Int]? = nil) throws(StoreError) -> [AliasHistoryEntry] {
        try read { db in
            var sql = "SELECT id, alias, action, from_version, to_version, reason, changed_at FROM alias_history"
            var arguments: StatementArguments = []
            if let ids {
                if ids.isEmpty { return [] }
                sql += " WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ",")))"
                arguments = StatementArguments(ids)
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: arguments).compactMap { row in
                guard let alias = ModelAlias(rawValue: row["alias"]), let action = AliasChange.Action(rawValue: row["action"]) else {
                    return nil
                }
                return AliasHistoryEntry(id: row["id"], change: AliasChange(
                    alias: alias, action: action, fromVersion: row["from_version"], toVersion: row["to_version"],
                    reason: row["reason"], changedAt: Date(timeIntervalSince1970: row["changed_at"])))
            }
        }
    }

    /// The jobs that processed store version `batchVersion` (normally one).
    package func jobs(batchVersion: Int) throws(StoreError) -> [JobRecord] {
        try read { db in try Self.jobs(db, whereClause: "WHERE batch_version = ?", arguments: [batchVersion]) }
    }

    /// What `target` has not received yet: every model, alias change and drift-checked job
    /// without a `done` record, each in its natural order.
    package func mirrorBacklog(target: String) throws(StoreError) -> MirrorBacklog {
        try read { db in
            func notDone(_ kind: MirrorEntityKind, key: String) -> String {
                """
                NOT EXISTS (SELECT 1 FROM mlflow_mirror m WHERE m.target = ? AND m.kind = '\(kind.rawValue)'
                    AND m.key = \(key) AND m.state = 'done')
                """
            }
            let models = try Int.fetchAll(db, sql: """
                SELECT version FROM models WHERE \(notDone(.model, key: "CAST(models.version AS TEXT)")) ORDER BY version
                """, arguments: [target])
            let aliases = try Int.fetchAll(db, sql: """
                SELECT id FROM alias_history WHERE \(notDone(.alias, key: "CAST(alias_history.id AS TEXT)")) ORDER BY id
                """, arguments: [target])
            let jobs = try String.fetchAll(db, sql: """
                SELECT id FROM jobs WHERE drift_report IS NOT NULL AND \(notDone(.job, key: "jobs.id"))
                ORDER BY processed_at, id
                """, arguments: [target])
            return MirrorBacklog(models: models, aliasChanges: aliases, jobs: jobs)
        }
    }

    /// The progress records of `target` (of one kind and/or state, or all), by kind then key.
    package func mirrorRecords(
        target: String, kind: MirrorEntityKind? = nil, state: MirrorRecord.State? = nil
    ) throws(StoreError) -> [MirrorRecord] {
        try read { db in
            var conditions = ["target = ?"]
            var arguments: [(any DatabaseValueConvertible)?] = [target]
            if let kind {
                conditions.append("kind = ?")
                arguments.append(kind.rawValue)
            }
            if let state {
                conditions.append("state = ?")
                arguments.append(state.rawValue)
            }
            return try Self.mirrorRecords(db, where: conditions.joined(separator: " AND "), arguments: StatementArguments(arguments))
        }
    }

    /// One entity's progress record for `target`, if it was ever attempted.
    package func mirrorRecord(target: String, kind: MirrorEntityKind, key: String) throws(StoreError) -> MirrorRecord? {
        try read { db in
            try Self.mirrorRecords(db, where: "target = ? AND kind = ? AND key = ?", arguments: [target, kind.rawValue, key]).first
        }
    }

    /// Records that `target` has everything of an entity, and where the server put it.
    package func recordMirrored(
        target: String, kind: MirrorEntityKind, key: String, location: MirrorLocation, at date: Date = Date()
    ) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                INSERT INTO mlflow_mirror (target, kind, key, state, experiment_id, run_id, registered_version, attempts,
                    last_error, last_attempt_at, next_attempt_at, mirrored_at)
                VALUES (?, ?, ?, 'done', ?, ?, ?, 0, NULL, ?, NULL, ?)
                ON CONFLICT(target, kind, key) DO UPDATE SET state = 'done', experiment_id = excluded.experiment_id,
                    run_id = excluded.run_id, registered_version = excluded.registered_version, attempts = 0,
                    last_error = NULL, last_attempt_at = excluded.last_attempt_at, next_attempt_at = NULL,
                    mirrored_at = excluded.mirrored_at
                """, arguments: [target, kind.rawValue, key, location.experimentID, location.runID,
                                 location.registeredVersion, date.timeIntervalSince1970, date.timeIntervalSince1970])
        }
    }

    /// Records a failed attempt (one more attempt, the error, when to try again); returns the
    /// attempts so far. Never downgrades a `done` entity.
    @discardableResult
    package func recordMirrorFailure(
        target: String, kind: MirrorEntityKind, key: String, error: String, at date: Date = Date(),
        nextAttemptAt: Date? = nil
    ) throws(StoreError) -> Int {
        try write { db in
            try db.execute(sql: """
                INSERT INTO mlflow_mirror (target, kind, key, state, attempts, last_error, last_attempt_at, next_attempt_at)
                VALUES (?, ?, ?, 'failed', 1, ?, ?, ?)
                ON CONFLICT(target, kind, key) DO UPDATE SET attempts = attempts + 1, last_error = excluded.last_error,
                    last_attempt_at = excluded.last_attempt_at, next_attempt_at = excluded.next_attempt_at
                WHERE state = 'failed'
                """, arguments: [target, kind.rawValue, key, error, date.timeIntervalSince1970,
                                 nextAttemptAt?.timeIntervalSince1970])
            return try Int.fetchOne(db, sql: "SELECT attempts FROM mlflow_mirror WHERE target = ? AND kind = ? AND key = ?",
                                    arguments: [target, kind.rawValue, key]) ?? 0
        }
    }

    /// Forgets every progress record of `target` (e.g. after its server was wiped): the next sync
    /// checks every entity again; idempotent writes keep that from creating duplicates. Returns
    /// how many records were removed.
    @discardableResult
    package func resetMirror(target: String) throws(StoreError) -> Int {
        try write { db in
            try db.execute(sql: "DELETE FROM mlflow_mirror WHERE target = ?", arguments: [target])
            return db.changesCount
        }
    }

    /// Every destination with progress records, most recently attempted first.
    package func mirrorTargets() throws(StoreError) -> [String] {
        try read { db in
            try String.fetchAll(db, sql: """
                SELECT target FROM mlflow_mirror GROUP BY target ORDER BY MAX(COALESCE(last_attempt_at, 0)) DESC, target
                """)
        }
    }

    static func mirrorRecords(_ db: Database, where condition: String, arguments: StatementArguments) throws -> [MirrorRecord] {
        func date(_ value: Double?) -> Date? { value.map { Date(timeIntervalSince1970: $0) } }
        return try Row.fetchAll(db, sql: """
            SELECT target, kind, key, state, experiment_id, run_id, registered_version, attempts, last_error,
                last_attempt_at, next_attempt_at, mirrored_at
            FROM mlflow_mirror WHERE \(condition) ORDER BY kind, key
            """, arguments: arguments).compactMap { row in
            guard let kind = MirrorEntityKind(rawValue: row["kind"]), let state = MirrorRecord.State(rawValue: row["state"]) else {
                return nil
            }
            return MirrorRecord(
                target: row["target"], kind: kind, key: row["key"], state: state, experimentID: row["experiment_id"],
                runID: row["run_id"], registeredVersion: row["registered_version"], attempts: row["attempts"],
                lastError: row["last_error"], lastAttemptAt: date(row["last_attempt_at"]),
                nextAttemptAt: date(row["next_attempt_at"]), mirroredAt: date(row["mirrored_at"]))
        }
    }
}
