import ArgumentParser
import Foundation
import ShopperCore
import ShopperML
import ShopperPipeline
import ShopperStore

/// `shopperd performance`: how the serving models did on labelled batches, scored before they saw
/// the labels — the feedback loop that catches concept drift.
struct PerformanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "performance",
        abstract: "Realised ROC AUC, recall and precision per labelled batch, over time.",
        discussion: "Each labelled batch is first scored by the champion as if unlabelled; these are its realised "
            + "figures at the model's stored threshold, measured on the batch's labelled rows only (a blank Revenue is "
            + "no label: rows is how many had one), next to the model's own validation ROC AUC. JSON keys: "
            + "recorded_at, store_version, model_version, rows, positives, threshold, roc_auc, recall, precision, "
            + "validation_roc_auc.")

    @OptionGroup var state: StateOptions
    @Option(help: "Only batches scored by this model version.") var model: Int?
    @Option(help: "Output format.") var format: ReportFormat = .text

    struct Entry: Encodable {
        let recordedAt: String
        let storeVersion: Int
        let modelVersion: Int
        let rows: Int
        let positives: Int
        let threshold: Double
        let rocAUC: Double?
        let recall: Double?
        let precision: Double?
        let validationROCAUC: Double?

        enum CodingKeys: String, CodingKey {
            case rows, positives, threshold, recall, precision
            case recordedAt = "recorded_at"
            case storeVersion = "store_version"
            case modelVersion = "model_version"
            case rocAUC = "roc_auc"
            case validationROCAUC = "validation_roc_auc"
        }
    }

    func run() throws {
        let store = try RegistryCLI.openExistingStore(state)
        let figures: [BatchPerformance]
        var validation: [Int: Double] = [:]
        do {
            figures = try store.performance(modelVersion: model)
            for record in try store.models() {
                do {
                    let metrics = try JSONPolicy.decode(ModelDocuments.Metrics.self, from: record.metrics)
                    validation[record.version] = metrics.holdout?.rocAUC ?? metrics.outOfBag?.rocAUC
                } catch {
                    Terminal.error("shopperd: model v\(record.version)'s stored metrics cannot be read (\(error)): "
                        + "its validation ROC AUC is shown as unknown")
                }
            }
        } catch {
            throw Terminal.fail(error)
        }
        let entries = figures.map { f in
            Entry(recordedAt: Terminal.timestamp(f.recordedAt), storeVersion: f.batchVersion, modelVersion: f.modelVersion,
                  rows: f.rowCount, positives: f.positiveCount, threshold: f.threshold, rocAUC: f.rocAUC, recall: f.recall,
                  precision: f.precision, validationROCAUC: validation[f.modelVersion])
        }
        switch format {
        case .json:
            print(try RegistryCLI.json(entries), terminator: "")
        case .text:
            guard !entries.isEmpty else {
                print("no labelled batch scored yet: realised figures appear once labelled batches arrive")
                return
            }
            let rows = entries.map { e in
                [e.recordedAt, String(e.storeVersion), "v\(e.modelVersion)", String(e.rows), String(e.positives),
                 ModelReport.fixed(e.threshold), ModelReport.fixed(e.rocAUC), ModelReport.fixed(e.recall),
                 ModelReport.fixed(e.precision), ModelReport.fixed(e.validationROCAUC)]
            }
            print(TextTable.render(
                header: ["TIME", "VERSION", "MODEL", "ROWS", "BUYERS", "THRESHOLD", "ROC AUC", "RECALL", "PRECISION", "VALIDATION AUC"],
                rows: rows, rightAligned: [1, 3, 4, 5, 6, 7, 8, 9]))
        }
    }
}
