import ShopperCore
import ShopperDrift

/// The HTML drift report a batch's mail carries: ShopperDrift's `DriftHTMLReport`, the page
/// `shopperd drift --format html` and the MLflow monitoring run show, never a second rendering.
package enum DriftAttachment {
    /// The page for a batch checked against `reference`.
    package static func html(report: DriftReport, reference: DriftReference, current: [Session], input: String) -> String {
        DriftHTMLReport(report: report, reference: reference, current: current, title: "Drift report — \(input)").render()
    }
}
