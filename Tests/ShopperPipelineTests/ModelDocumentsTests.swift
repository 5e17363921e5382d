import Foundation
import ShopperCore
import ShopperML
import ShopperStore
import Testing
@testable import ShopperPipeline

/// The registry documents: their stored format is frozen, and documents stored by earlier
/// releases still load.
@Suite struct ModelDocumentsTests {
    /// `params`, `metrics` and `importances` as 0.1.0 stored them (plain `JSONEncoder`, sorted
    /// keys: camelCase, `trainedAt` in reference-date seconds, optionals left out).
    enum Stored {
        static let params = #"{"featureNames":["Administrative","PageValues"],"forest":{"bootstrap":true,"classWeight":"balanced","#
            + #""maxBins":255,"maxFeatures":"sqrt","minSamplesLeaf":5,"seed":7,"treeCount":15},"threshold":0.42}"#
        static let metrics = #"{"provenance":{"codeVersion":"0.1.0","positiveRows":10,"storeVersion":3,"trainedAt":721692800,"#
            + #""trainingRows":100},"threshold":0.42,"tuning":[{"averagePrecision":0.6,"maxDepth":8,"maxFeatures":"sqrt","#
            + #""minSamplesLeaf":5,"rocAUC":0.9,"scoredOn":"outOfBag"}]}"#
        static let importances = #"[{"feature":"PageValues","meanDecreaseImpurity":0.7},{"feature":"Administrative","#
            + #""meanDecreaseImpurity":0.3,"permutationAUCDrop":0.01,"permutationAUCDropStd":0.002}]"#
    }

    @Test func aStoreWithDocumentsInTheFormerFormStillLoads() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("documents-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try ShopperStore.open(directory: directory)
        try store.registerModel(ModelDraft(
            params: Data(Stored.params.utf8), metrics: Data(Stored.metrics.utf8), importances: Data(Stored.importances.utf8),
            trainingStoreVersion: 3, trainingRowCount: 100, seed: 7, codeVersion: "0.1.0", modelFile: Data("{}".utf8)))

        let entry = try ModelCatalog(store: store).entry(.version(1))
        #expect(entry.parameters.featureNames == ["Administrative", "PageValues"])
        #expect(entry.parameters.forest.maxDepth == nil && entry.parameters.calibration == nil)
        #expect(entry.metrics.provenance.trainedAt == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(entry.metrics.tuning.first?.rocAUC == 0.9 && entry.metrics.holdout == nil)
        #expect(entry.importances.map(\.feature) == ["PageValues", "Administrative"])
        #expect(entry.importances[1].permutationAUCDropStd == 0.002)
    }

    /// New documents are written exactly as before (the bytes are also MLflow artifacts), so
    /// readers of any release decode them.
    @Test func documentsAreWrittenAsBefore() async throws {
        var model = try await ModelCatalog.train(
            QuickTraining.sessions(count: 300), features: .inputs, configuration: QuickTraining.configuration, storeVersion: 2)
        model.metadata.provenance.trainedAt = Date(timeIntervalSince1970: 1_700_000_000.5)
        let documents = try ModelDocuments.encode(model)
        let former = JSONEncoder()
        former.outputFormatting = [.sortedKeys]
        let metadata = model.metadata
        #expect(documents.params == (try former.encode(ModelDocuments.Parameters(
            forest: model.parameters, featureNames: model.featureNames, threshold: model.threshold, calibration: model.calibration))))
        #expect(documents.metrics == (try former.encode(ModelDocuments.Metrics(
            threshold: model.threshold, thresholdChoice: metadata.thresholdChoice, holdout: metadata.holdout,
            outOfBag: metadata.outOfBag, tuning: metadata.tuning, provenance: metadata.provenance))))
        #expect(documents.importances == (try former.encode(metadata.importances)))
        #expect(try JSONDecoder().decode(ModelDocuments.Metrics.self, from: documents.metrics).provenance == metadata.provenance)
    }
}

/// Batch reports follow the JSON policy: a non-finite figure is null, never "nan".
@Suite struct BatchReportJSONTests {
    @Test func nonFiniteFiguresAreNull() throws {
        let heldOut = EvidenceVerdict.HeldOut(rows: 10, buyers: 0, metric: "roc_auc", value: .nan, standardError: .infinity)
        let json = String(decoding: try ReportJSON.encode(heldOut), as: UTF8.self)
        #expect(json.contains("\"value\" : null") && json.contains("\"roc_auc_standard_error\" : null"), "\(json)")
        #expect(!json.contains("nan") && !json.contains("inf") && json.hasSuffix("}\n"))
        let read = try JSONPolicy.decode(EvidenceVerdict.HeldOut.self, from: Data(json.utf8))
        #expect(read.value == nil && read.standardError == nil && read.rows == 10)
    }
}
