import ArgumentParser
import Foundation
import ShopperCore
import ShopperPipeline
import ShopperStore

/// `shopperd score FILE`: predicts each row of a CSV batch with a registered model. Read-only: the
/// file is not ingested and nothing is written to the store.
struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score a CSV batch with a registered model (read-only: the batch is not stored).",
        discussion: """
            The file is read strictly, as `ingest` reads it (Revenue may be present or absent; it is ignored). \
            Output, one line per data row: row (1-based data row number), line (physical line in the file), \
            probability (calibrated purchase probability, shortest exact form; a model trained before calibration \
            gives its raw forest score), label (TRUE when probability ≥ the model's threshold, else FALSE; \
            true/false in JSON), model_version. Exit status: 0 scored; 64 unknown model version or alias not set; \
            65 invalid batch or a model whose features cannot be computed; 66 file or store missing; \
            73 the --out file cannot be written; 74 the store failed. See docs/registry.md.
            """
    )

    @Argument(help: ArgumentHelp("The CSV batch to score.", valueName: "FILE"))
    var file: String

    @OptionGroup var state: StateOptions

    @Option(help: ArgumentHelp("The model: a version number, champion or challenger.", valueName: "V"))
    var model: ModelReference = .alias(.champion)

    @Option(help: ArgumentHelp("Write the predictions to FILE (atomically) instead of standard output.", valueName: "FILE"))
    var out: String?

    @Option(help: "Output format: csv or json.")
    var format: TableFormat = .csv

    func run() async throws {
        let catalog = ModelCatalog(store: try RegistryCLI.openExistingStore(state))
        do {
            let (version, forest) = try catalog.model(model)
            let batch = try BatchReader().read(contentsOf: URL(fileURLWithPath: file))
            if !batch.unknownColumns.isEmpty {
                Terminal.error("\(file): warning: unknown columns ignored: \(batch.unknownColumns.map { $0.isEmpty ? "(unnamed)" : $0 }.joined(separator: ", "))")
            }
            let predictions = try await ModelCatalog.score(batch.sessions, with: forest)
            let table = PredictionTable(predictions: predictions, lines: batch.lines, modelVersion: version)
            let text = format == .csv ? table.csv() : table.json()
            if let out {
                try RegistryCLI.writeAtomically(Array(text.utf8), to: out)
                let flagged = predictions.lazy.filter(\.label).count
                print("\(file): \(predictions.count) rows scored with model version \(version) (threshold "
                    + "\(ModelReport.fixed(forest.threshold))): \(flagged) predicted buyers; written to \(out)")
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        } catch {
            throw RegistryCLI.fail(error)
        }
    }
}
