import Foundation
import ShopperCore
import ShopperStore

/// How many entities of each kind.
package struct MirrorCounts: Sendable, Hashable, Codable {
    package var models: Int
    package var aliasChanges: Int
    package var jobs: Int

    package init(models: Int = 0, aliasChanges: Int = 0, jobs: Int = 0) {
        self.models = models
        self.aliasChanges = aliasChanges
        self.jobs = jobs
    }

    package var total: Int { models + aliasChanges + jobs }

    subscript(kind: MirrorKind) -> Int {
        get {
            switch kind {
            case .model: models
            case .alias: aliasChanges
            case .job: jobs
            }
        }
        set {
            switch kind {
            case .model: models = newValue
            case .alias: aliasChanges = newValue
            case .job: jobs = newValue
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case models, jobs, total
        case aliasChanges = "alias_changes"
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(models, forKey: .models)
        try container.encode(aliasChanges, forKey: .aliasChanges)
        try container.encode(jobs, forKey: .jobs)
        try container.encode(total, forKey: .total)
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        models = try container.decode(Int.self, forKey: .models)
        aliasChanges = try container.decode(Int.self, forKey: .aliasChanges)
        jobs = try container.decode(Int.self, forKey: .jobs)
    }
}

/// Where the mirror stands for one destination: what is pending, what fails and why, when it last
/// succeeded. Read from the store alone, so `shopperd mlflow status` works with the server down.
package struct MirrorStatus: Sendable, Hashable, Codable {
    package enum Health: String, Sendable, Hashable, Codable {
        /// Nothing pending.
        case caughtUp = "caught_up"
        /// Entities pending, none has failed: the next pass sends them.
        case pending
        /// Entities pending and the last attempt of at least one failed.
        case behind
    }

    /// The destination (`MLflowSettings.target`).
    package var target: String
    package var health: Health
    /// Not yet on the server.
    package var pending: MirrorCounts
    /// On the server.
    package var mirrored: MirrorCounts
    /// The pending entities whose last attempt failed, with the error and the next attempt time.
    package var failures: [MirrorRecord]
    /// The most recent failure's message and time.
    @ExplicitNull package var lastError: String?
    @ExplicitNull package var lastErrorAt: Date?
    /// When an entity was last mirrored.
    @ExplicitNull package var lastSuccessAt: Date?

    /// Reads the status of `target` from the store.
    package static func read(store: ShopperStore, target: String) throws(StoreError) -> MirrorStatus {
        let backlog = try store.mirrorBacklog(target: target)
        let records = try store.mirrorRecords(target: target)
        var mirrored = MirrorCounts()
        for record in records where record.state == .done { mirrored[record.kind] += 1 }
        let failures = records.filter { $0.state == .failed }
            .sorted { ($0.lastAttemptAt ?? .distantPast, $0.kind.rawValue, $0.key) < ($1.lastAttemptAt ?? .distantPast, $1.kind.rawValue, $1.key) }
        let pending = MirrorCounts(models: backlog.models.count, aliasChanges: backlog.aliasChanges.count, jobs: backlog.jobs.count)
        let health: Health = pending.total == 0 ? .caughtUp : (failures.isEmpty ? .pending : .behind)
        return MirrorStatus(
            target: target, health: health, pending: pending, mirrored: mirrored, failures: failures,
            lastError: failures.last?.lastError, lastErrorAt: failures.last?.lastAttemptAt,
            lastSuccessAt: records.compactMap(\.mirroredAt).max())
    }

    enum CodingKeys: String, CodingKey {
        case target, health, pending, mirrored, failures
        case lastError = "last_error"
        case lastErrorAt = "last_error_at"
        case lastSuccessAt = "last_success_at"
    }

    package init(
        target: String, health: Health, pending: MirrorCounts, mirrored: MirrorCounts, failures: [MirrorRecord],
        lastError: String?, lastErrorAt: Date?, lastSuccessAt: Date?
    ) {
        self.target = target
        self.health = health
        self.pending = pending
        self.mirrored = mirrored
        self.failures = failures
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
        self.lastSuccessAt = lastSuccessAt
    }
}

/// What one pass did.
package struct MirrorProgress: Sendable, Hashable {
    /// Entities sent in this pass.
    package var mirrored = MirrorCounts()
    /// Entities whose attempt failed in this pass.
    package var failed: [MirrorFailure] = []
    /// Pending entities not attempted: an alias waiting for its model, a failed entity not due
    /// yet, or everything after the server became unavailable.
    package var waiting = 0
    /// The pass stopped because the server (or the store) was unavailable.
    package var stoppedEarly = false
    /// Pending after the pass.
    package var pending = MirrorCounts()
    /// The earliest time a failed entity is due again (nil: none waits).
    package var nextRetryAt: Date?

    package init() {}

    /// True when no attempt failed.
    package var succeeded: Bool { failed.isEmpty && !stoppedEarly }
}

/// One failed attempt.
package struct MirrorFailure: Sendable, Hashable, Codable {
    /// `model:3`, `alias:7`, `job:000042`, or `store` for a failure reading the store.
    package var entity: String
    package var error: String
    package var serverUnavailable: Bool

    package init(entity: String, error: String, serverUnavailable: Bool) {
        self.entity = entity
        self.error = error
        self.serverUnavailable = serverUnavailable
    }
}

/// A change of the mirror's standing, for the journal.
package enum MirrorEvent: Sendable, Hashable {
    /// An attempt failed while entities are pending (said once, until caught up).
    case fallingBehind(MirrorStatus)
    /// Everything pending after falling behind has reached the server.
    case caughtUp(MirrorStatus)

    package var status: MirrorStatus {
        switch self {
        case .fallingBehind(let status), .caughtUp(let status): status
        }
    }

    private static func count(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(n) \(n == 1 ? singular : plural ?? singular + "s")"
    }

    /// `text` ending with exactly one full stop (errors mostly end with one already).
    private static func sentence(_ text: String) -> String {
        text.hasSuffix(".") ? text : text + "."
    }

    /// A one-line message for the journal.
    package var message: String {
        switch self {
        case .fallingBehind(let status):
            "MLflow mirror falling behind: \(status.pending.total) pending (\(Self.count(status.pending.models, "model")), "
                + "\(Self.count(status.pending.aliasChanges, "alias change")), \(Self.count(status.pending.jobs, "batch", "batches"))); "
                + "last error: \(Self.sentence(status.lastError ?? "unknown")) Everything stays in the store and is retried with backoff."
        case .caughtUp(let status):
            "MLflow mirror caught up: \(status.mirrored.total) entities on \(status.target)."
        }
    }
}
