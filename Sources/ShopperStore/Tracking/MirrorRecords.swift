import Foundation
import ShopperCore

/// What an external tracking server (MLflow) receives from the store: each kind is one table the
/// mirror replays, in that table's natural order.
package enum MirrorEntityKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A registered model (`models.version`): a training run and a registered model version.
    case model
    /// One alias change (`alias_history.id`): an MLflow registered-model alias set or deleted.
    case alias
    /// One processed batch with a drift check (`jobs.id`): a monitoring run.
    case job
}

/// One entry of the alias history, with the id that orders it.
package struct AliasHistoryEntry: Sendable, Hashable {
    /// `alias_history.id`: increasing in the order the changes were made.
    package var id: Int
    package var change: AliasChange

    package init(id: Int, change: AliasChange) {
        self.id = id
        self.change = change
    }
}

/// What a destination has not received yet, in replay order.
package struct MirrorBacklog: Sendable, Hashable {
    /// Model versions, ascending.
    package var models: [Int]
    /// Alias history ids, ascending.
    package var aliasChanges: [Int]
    /// Job ids with a drift report, in processing order (`processed_at`, then id).
    package var jobs: [String]

    package init(models: [Int] = [], aliasChanges: [Int] = [], jobs: [String] = []) {
        self.models = models
        self.aliasChanges = aliasChanges
        self.jobs = jobs
    }

    package var count: Int { models.count + aliasChanges.count + jobs.count }
    package var isEmpty: Bool { count == 0 }
}

/// The mirror's progress on one entity for one destination (a row of `mlflow_mirror`).
package struct MirrorRecord: Sendable, Hashable, Codable {
    package enum State: String, Sendable, Hashable, Codable {
        /// Everything the entity needs is on the server; it is not sent again.
        case done
        /// The last attempt failed; it is retried (see `nextAttemptAt`).
        case failed
    }

    /// The destination (see `MLflowSettings.target`).
    package var target: String
    package var kind: MirrorEntityKind
    /// The entity's key: model version, alias history id or job id, as text.
    package var key: String
    package var state: State
    @ExplicitNull package var experimentID: String?
    @ExplicitNull package var runID: String?
    /// The MLflow registered model version (models only).
    @ExplicitNull package var registeredVersion: String?
    /// Failed attempts since the last success.
    package var attempts: Int
    @ExplicitNull package var lastError: String?
    @ExplicitNull package var lastAttemptAt: Date?
    /// Not retried before this time by the background mirror (nil: at the next pass).
    @ExplicitNull package var nextAttemptAt: Date?
    @ExplicitNull package var mirroredAt: Date?

    package init(
        target: String, kind: MirrorEntityKind, key: String, state: State, experimentID: String? = nil,
        runID: String? = nil, registeredVersion: String? = nil, attempts: Int = 0, lastError: String? = nil,
        lastAttemptAt: Date? = nil, nextAttemptAt: Date? = nil, mirroredAt: Date? = nil
    ) {
        self.target = target
        self.kind = kind
        self.key = key
        self.state = state
        self.experimentID = experimentID
        self.runID = runID
        self.registeredVersion = registeredVersion
        self.attempts = attempts
        self.lastError = lastError
        self.lastAttemptAt = lastAttemptAt
        self.nextAttemptAt = nextAttemptAt
        self.mirroredAt = mirroredAt
    }

    enum CodingKeys: String, CodingKey {
        case target, kind, key, state, attempts
        case experimentID = "experiment_id"
        case runID = "run_id"
        case registeredVersion = "registered_version"
        case lastError = "last_error"
        case lastAttemptAt = "last_attempt_at"
        case nextAttemptAt = "next_attempt_at"
        case mirroredAt = "mirrored_at"
    }
}

/// Where the server put a mirrored entity, recorded when it is done.
package struct MirrorLocation: Sendable, Hashable {
    package var experimentID: String?
    package var runID: String?
    package var registeredVersion: String?

    package init(experimentID: String? = nil, runID: String? = nil, registeredVersion: String? = nil) {
        self.experimentID = experimentID
        self.runID = runID
        self.registeredVersion = registeredVersion
    }
}
