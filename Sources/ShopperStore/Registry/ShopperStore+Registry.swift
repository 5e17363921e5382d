import Foundation
import GRDB
import ShopperCore

/// The model registry: versions with lineage, the `champion`/`challenger` aliases, and the history
/// of every alias change. Each operation is one transaction, so an alias and its history entry
/// never disagree.
extension ShopperStore {
    /// Registers a model; returns its record (version numbers start at 1).
    @discardableResult
    package func registerModel(_ draft: ModelDraft, createdAt: Date = Date()) throws(StoreError) -> ModelRecord {
        let version = try transaction { try $0.registerModel(draft, createdAt: createdAt) }
        return try model(version: version)
    }

    /// Every registered model, oldest first.
    package func models() throws(StoreError) -> [ModelRecord] {
        try read { db in try Self.models(db, whereClause: "", arguments: []) }
    }

    /// One model's record.
    package func model(version: Int) throws(StoreError) -> ModelRecord {
        let found = try read { db in try Self.models(db, whereClause: "WHERE m.version = ?", arguments: [version]).first }
        guard let found else { throw .unknownModel(version) }
        return found
    }

    /// The model an alias points at (throws `aliasNotSet` when none).
    package func model(alias: ModelAlias) throws(StoreError) -> ModelRecord {
        guard let version = try aliases()[alias] else { throw .aliasNotSet(alias) }
        return try model(version: version)
    }

    /// The store version up to which the newest model registered since `champion` last took the
    /// `champion` alias trained (a challenger tried against it); nil when there is none. One query:
    /// the daemon asks on drifted batches, and neither the registry nor the alias history is read whole.
    package func newestTrialTrainingVersion(sinceChampion champion: Int) throws(StoreError) -> Int? {
        try read { db in
            try Int.fetchOne(db, sql: """
                SELECT MAX(training_store_version) FROM models
                WHERE version != ? AND created_at >= (SELECT MAX(changed_at) FROM alias_history WHERE alias = ?)
                """, arguments: [champion, ModelAlias.champion.rawValue])
        }
    }

    /// A model file's bytes.
    package func modelFile(version: Int) throws(StoreError) -> Data {
        let data = try read { db in try Data.fetchOne(db, sql: "SELECT model_file FROM models WHERE version = ?", arguments: [version]) }
        guard let data else { throw .unknownModel(version) }
        return data
    }

    /// Where each alias points.
    package func aliases() throws(StoreError) -> [ModelAlias: Int] {
        try read { db in try Self.aliases(db) }
    }

    /// Points `alias` at model `version`, recording the change and its reason.
    @discardableResult
    package func promote(version: Int, to alias: ModelAlias = .champion, reason: String, at date: Date = Date()) throws(StoreError) -> AliasChange {
        try transaction { tx in
            let change = try tx.promote(version: version, to: alias, reason: reason, at: date)
            try tx.recordModelChange(change)
            return change
        }
    }

    /// Points `alias` back at the model it had before the current one was promoted (repeatable:
    /// each rollback steps one promotion further back).
    @discardableResult
    package func rollback(_ alias: ModelAlias = .champion, reason: String, at date: Date = Date()) throws(StoreError) -> AliasChange {
        try write { db in
            let stack = try Self.promotionStack(db, alias: alias)
            guard stack.count >= 2, let current = stack.last else { throw StoreError.nothingToRollBack(alias) }
            let change = AliasChange(alias: alias, action: .rollback, fromVersion: current, toVersion: stack[stack.count - 2],
                                     reason: reason, changedAt: date)
            try Self.apply(db, change)
            try StoreTransaction(db: db).recordModelChange(change)
            return change
        }
    }


    /// Unsets `alias` (e.g. the challenger once decided), recording why.
    @discardableResult
    package func removeAlias(_ alias: ModelAlias, reason: String, at date: Date = Date()) throws(StoreError) -> AliasChange {
        try transaction { try $0.removeAlias(alias, reason: reason, at: date) }
    }

    /// Every alias change, oldest first (of one alias, or all).
    package func aliasHistory(_ alias: ModelAlias? = nil) throws(StoreError) -> [AliasChange] {
        try read { db in try Self.history(db, alias: alias) }
    }

    // MARK: - Internals

    static func apply(_ db: Database, _ change: AliasChange) throws {
        if let target = change.toVersion {
            try db.execute(sql: """
                INSERT INTO aliases (alias, model_version, updated_at) VALUES (?, ?, ?)
                ON CONFLICT(alias) DO UPDATE SET model_version = excluded.model_version, updated_at = excluded.updated_at
                """, arguments: [change.alias.rawValue, target, change.changedAt.timeIntervalSince1970])
        } else {
            try db.execute(sql: "DELETE FROM aliases WHERE alias = ?", arguments: [change.alias.rawValue])
        }
        try db.execute(sql: """
            INSERT INTO alias_history (alias, action, from_version, to_version, reason, changed_at) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [change.alias.rawValue, change.action.rawValue, change.fromVersion, change.toVersion,
                             change.reason, change.changedAt.timeIntervalSince1970])
    }

    /// The alias's holders in promotion order, as left by replaying its history: a promotion pushes,
    /// a rollback pops, a removal clears.
    static func promotionStack(_ db: Database, alias: ModelAlias) throws -> [Int] {
        var stack: [Int] = []
        for change in try history(db, alias: alias) {
            switch change.action {
            case .promote:
                // Re-promoting the current holder changes nothing to roll back to.
                if let to = change.toVersion, stack.last != to { stack.append(to) }
            case .rollback: stack.removeLast()
            case .remove: stack.removeAll()
            }
        }
        return stack
    }

    static func history(_ db: Database, alias: ModelAlias?) throws -> [AliasChange] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT alias, action, from_version, to_version, reason, changed_at FROM alias_history
            \(alias == nil ? "" : "WHERE alias = ?") ORDER BY id
            """, arguments: alias.map { [$0.rawValue] } ?? [])
        return rows.compactMap { row in
            guard let alias = ModelAlias(rawValue: row["alias"]), let action = AliasChange.Action(rawValue: row["action"]) else {
                return nil
            }
            return AliasChange(alias: alias, action: action, fromVersion: row["from_version"], toVersion: row["to_version"],
                               reason: row["reason"], changedAt: Date(timeIntervalSince1970: row["changed_at"]))
        }
    }

    static func aliases(_ db: Database) throws -> [ModelAlias: Int] {
        var result: [ModelAlias: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT alias, model_version FROM aliases") {
            if let alias = ModelAlias(rawValue: row["alias"]) { result[alias] = row["model_version"] }
        }
        return result
    }

    static func models(_ db: Database, whereClause: String, arguments: StatementArguments) throws -> [ModelRecord] {
        let aliases = try aliases(db)
        return try Row.fetchAll(db, sql: """
            SELECT m.version, m.created_at, m.params, m.metrics, m.importances, m.training_store_version,
                m.training_from_version, m.training_row_count, m.seed, m.code_version, length(m.model_file) AS size,
                m.model_sha256
            FROM models m \(whereClause) ORDER BY m.version
            """, arguments: arguments).map { row in
            let version: Int = row["version"]
            let seed: Int64 = row["seed"]
            return ModelRecord(
                version: version, createdAt: Date(timeIntervalSince1970: row["created_at"]),
                params: row["params"], metrics: row["metrics"], importances: row["importances"],
                trainingStoreVersion: row["training_store_version"], trainingFromVersion: row["training_from_version"],
                trainingRowCount: row["training_row_count"], seed: UInt64(bitPattern: seed),
                codeVersion: row["code_version"], modelFileSize: row["size"], modelSHA256: row["model_sha256"],
                aliases: ModelAlias.allCases.filter { aliases[$0] == version })
        }
    }
}

extension StoreTransaction {
    /// An operator's change of the champion is an alert for the notification channels, recorded
    /// in the change's own transaction. (The pipeline's promotions are part of its batch's event.)
    package func recordModelChange(_ change: AliasChange) throws {
        guard change.alias == .champion else { return }
        let from = change.fromVersion.map { "v\($0)" } ?? "none"
        let to = change.toVersion.map { "v\($0)" } ?? "none"
        try recordNotificationEvent(NotificationEventDraft(
            kind: .modelChange, alerts: [change.action == .rollback ? "rollback" : "promotion"],
            message: "champion \(change.action.rawValue): \(from) → \(to) (\(change.reason))", createdAt: change.changedAt))
    }
}
