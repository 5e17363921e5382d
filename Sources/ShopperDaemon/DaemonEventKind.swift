/// The types of event the daemon logs, each with its fixed journal `MESSAGE_ID` and priority.
///
/// The IDs are the operator's handle on events (`journalctl -u shopperd MESSAGE_ID=…`) and the
/// keys of `systemd/shopperd.catalog`; they were generated once with `systemd-id128 new` and
/// must never change. A test checks that every kind has a catalog entry.
package enum DaemonEventKind: String, CaseIterable, Sendable {
    case serviceStarted = "service-started"
    case serviceStopping = "service-stopping"
    case serviceFailed = "service-failed"
    case serviceStartRefused = "service-start-refused"
    case configReloaded = "config-reloaded"
    case configReloadFailed = "config-reload-failed"
    case batchScored = "batch-scored"
    case driftDetected = "drift-detected"
    case modelPromoted = "model-promoted"
    case batchRejected = "batch-rejected"
    case rowsQuarantined = "rows-quarantined"
    case retrainSkipped = "retrain-skipped"
    case firstChampionWaiting = "first-champion-waiting"
    case errorRetrying = "error-retrying"
    case batchStuck = "batch-stuck"
    case hookFailed = "hook-failed"
    case mlflowBehind = "mlflow-behind"
    case mlflowCaughtUp = "mlflow-caught-up"
    case inboxOverflow = "inbox-overflow"
    case batchLeftPending = "batch-left-pending"
    case notificationSent = "notification-sent"
    case notificationFailed = "notification-failed"
    case rolloutLook = "rollout-look"
    case rolloutEnded = "rollout-ended"

    /// The fixed `MESSAGE_ID` of this kind.
    package var messageID: JournalMessageID {
        let hex: String = switch self {
        case .serviceStarted: "5e243da05b864fcab388baeec3da52ac"
        case .serviceStopping: "fcc9e24d8c7141cdbd09adf16340b4cd"
        case .serviceFailed: "f31c3b6dcb6d44b7bfc2034c5d278b1a"
        case .serviceStartRefused: "263ae55a61c64fbf8e0fa7caf9eb275e"
        case .configReloaded: "a667b21a941c4b0d8ec41fd853773b7e"
        case .configReloadFailed: "5eec6b8995ce45759833a657fd723954"
        case .batchScored: "617898c029204cbab2d0765eb314193d"
        case .driftDetected: "1281d81328f946139ceca24f756954ae"
        case .modelPromoted: "80a0ce1ffd964fd1b1ffe826a640d9d0"
        case .batchRejected: "ceb74289697c49a0ab779be5a231f8e9"
        case .rowsQuarantined: "307878c5328b4d15a3f371c879a4f940"
        case .retrainSkipped: "8f9b69d5eea34bb987d378f8d75d8aff"
        case .firstChampionWaiting: "8d42675a76e14335b56d743d748cbaa5"
        case .errorRetrying: "c3fcd25e4af14e8db35cd2dc3b69bfde"
        case .batchStuck: "3bfe46ec8a0b45d79c35be9d7342e198"
        case .hookFailed: "a3e5ac23f9f7499e83afb5724ebcd096"
        case .mlflowBehind: "116cf5e292394f52bd9b31e5e0ef10d5"
        case .mlflowCaughtUp: "1552868b5e0c4857bfa7864f8333d0d0"
        case .inboxOverflow: "bba71d2f60b041e9a16777c032bb36ad"
        case .batchLeftPending: "23023058ac3a4c4e87a071227592fd4d"
        case .notificationSent: "18f724918372481b8340d5a49b6ee3ea"
        case .notificationFailed: "ae5a7c7dc46d4672be8cc0bb6a804d50"
        case .rolloutLook: "4b1e7d2a9c6f4e0d8a3b5c7e9f1a2d4c"
        case .rolloutEnded: "d83f5a1c2e7b4f69a0c4e6b8d2f1a357"
        }
        return JournalMessageID(hex)!
    }

    /// The kind's priority: alerts an operator must act on are `warning` or worse.
    package var priority: JournalPriority {
        switch self {
        case .serviceStarted, .serviceStopping, .configReloaded, .modelPromoted, .mlflowCaughtUp, .batchLeftPending, .rolloutEnded: .notice
        case .batchScored, .notificationSent, .rolloutLook: .info
        case .driftDetected, .batchRejected, .rowsQuarantined, .retrainSkipped, .firstChampionWaiting, .hookFailed, .mlflowBehind, .inboxOverflow, .notificationFailed: .warning
        case .configReloadFailed, .errorRetrying, .serviceFailed, .serviceStartRefused: .error
        case .batchStuck: .critical
        }
    }
}
