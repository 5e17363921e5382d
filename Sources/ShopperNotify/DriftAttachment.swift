import ShopperCore
import ShopperDrift
import ShopperIO

/// The HTML drift report a batch's mail carries: ShopperDrift's `DriftHTMLReport`, the page
/// `shopperd drift --format html` and the MLflow monitoring run show, never a second rendering.
package enum DriftAttachment {
    /// Larger outbox pages are not attached (the mail says where the file is).
    package static let maxBytes = 8 << 20

    /// The page for a batch checked against `reference`.
    package static func html(report: DriftReport, reference: DriftReference, current: [Session], input: String) -> String {
        DriftHTMLReport(report: report, reference: reference, current: current, title: "Drift report — \(input)").render()
    }
}

extension Notice {
    /// This notice with the outbox's `NAME.drift.html` as its attachment, when that file is there
    /// (and smaller than `DriftAttachment.maxBytes`); unchanged otherwise.
    package func attachingDriftReport(fromOutbox directory: String? = nil) -> Notice {
        guard driftReportHTML == nil, let directory = directory ?? outboxDirectory, let stem else { return self }
        guard let bytes = try? WholeFile.read(path: directory + "/" + stem + ".drift.html", maxBytes: DriftAttachment.maxBytes) else { return self }
        var notice = self
        notice.driftReportHTML = String(decoding: bytes, as: UTF8.self)
        return notice
    }
}
