import Foundation
import ShopperCore
import ShopperDrift
import ShopperPipeline
import ShopperStore

/// Turns a queued event into the `Notice` a message is made of: the event, and for a batch the
/// job's own report (the one the outbox holds), read back from the store, with its HTML drift
/// report rendered from the store's rows (the batch's version against the reference of the
/// champion that checked it).
struct NoticeLoader: Sendable {
    let store: ShopperStore
    let host: String
    let outbox: String?

    /// `driftPage`: render the batch's drift page too (it reads the champion's training rows):
    /// only a single e-mail attaches it, never a digest or a webhook.
    func notice(for event: NotificationEvent, driftPage: Bool) throws(StoreError) -> Notice {
        var notice = Notice(kind: Notice.Kind(rawValue: event.kind.rawValue) ?? .batch, id: event.id, occurredAt: event.createdAt,
                            host: host, message: event.message, outboxDirectory: outbox)
        notice.alerts = event.alerts
        guard let jobID = event.jobID, let job = try store.job(id: jobID) else { return notice }
        let outcome = BatchOutcome(job: job)
        notice.batch = outcome.report
        notice.rejection = outcome.rejection
        notice.outboxStem = job.outboxStem
        if driftPage, let report = outcome.report { notice.driftReportHTML = self.driftPage(report) }
        return notice
    }

    /// The drift page of a batch checked against a champion's reference; nil (the mail then says
    /// where the outbox files are) when there was no check or the rows cannot be read.
    private func driftPage(_ report: BatchReport) -> String? {
        guard let drift = report.drift, let championVersion = report.models.championBefore,
              let champion = try? store.model(version: championVersion),
              let reference = try? store.labelledSessions(fromVersion: champion.trainingFromVersion ?? 1,
                                                          throughVersion: champion.trainingStoreVersion).map(\.session),
              let current = try? store.sessions(fromVersion: report.storeVersion, throughVersion: report.storeVersion).map(\.session),
              !reference.isEmpty, !current.isEmpty else { return nil }
        return DriftAttachment.html(report: drift, reference: DriftReference(sessions: reference), current: current, input: report.input)
    }
}
