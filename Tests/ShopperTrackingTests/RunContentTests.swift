import Foundation
import ShopperCore
import ShopperDrift
import ShopperML
import ShopperStore
import Testing
@testable import ShopperTracking

extension ShopperTrackingSuite {
    /// What a run receives, built from a real store with a really trained model and really
    /// drift-checked batches, compared with the figures ShopperML and ShopperDrift computed.
    @Suite struct RunContentTests {
        @Test func aTrainingRunCarriesTheModelsOwnFigures() async throws {
            let fixture = try await TrackingFixture.standard()
            let store = fixture.store
            let record = try store.model(version: 2)
            let file = try store.modelFile(version: 2)
            let model = try ModelFile.decode(file)
            let cause = try store.jobs(batchVersion: 3).last
            let content = try TrainingRun.content(record: record, model: model, modelFile: file, cause: cause)

            #expect(content.entity == .model(version: 2))
            #expect(content.tag("shopperd.entity") == "model:2")
            #expect(content.runName == "model-2")
            #expect(content.startTime == Int64((record.createdAt.timeIntervalSince1970 * 1000).rounded()))

            // Parameters: hyper-parameters, threshold, lineage.
            #expect(content.param("tree_count") == "12")
            #expect(content.param("min_samples_leaf") == String(model.parameters.minSamplesLeaf))
            #expect(content.param("max_features") == model.parameters.maxFeatures.description)
            #expect(content.param("max_depth") == "12")
            #expect(content.param("class_weight") == "balanced")
            #expect(content.param("seed") == "7")
            #expect(Double(content.param("threshold") ?? "") == model.threshold)
            #expect(content.param("training_store_version") == "3")
            #expect(content.param("training_rows") == String(record.trainingRowCount))
            #expect(content.param("features") == model.featureNames.joined(separator: ","))
            #expect(Set(content.params.map(\.key)).count == content.params.count)

            // Metrics: exactly ShopperML's holdout and out-of-bag reports.
            let holdout = try #require(model.metadata.holdout)
            #expect(content.metric("holdout.roc_auc") == holdout.rocAUC)
            #expect(content.metric("holdout.average_precision") == holdout.averagePrecision)
            #expect(content.metric("holdout.precision") == holdout.precision)
            #expect(content.metric("holdout.recall") == holdout.recall)
            #expect(content.metric("holdout.f1") == holdout.f1)
            #expect(content.metric("holdout.accuracy") == holdout.accuracy)
            #expect(content.metric("holdout.true_positives") == Double(holdout.confusion.truePositives))
            #expect(content.metric("oob.roc_auc") == model.metadata.outOfBag?.rocAUC)
            // Reliability of the calibrated probabilities, beside ROC AUC.
            #expect(content.metric("holdout.ece") != nil && content.metric("holdout.ece") == holdout.reliability?.ece)
            #expect(content.metric("holdout.brier") != nil && content.metric("holdout.brier") == holdout.reliability?.brier)
            #expect(content.metric("oob.ece") == model.metadata.outOfBag?.reliability?.ece)
            #expect(content.metric("oob.brier") == model.metadata.outOfBag?.reliability?.brier)
            #expect(content.param("calibration")?.hasPrefix("isotonic on outOfBag (") == true)
            #expect(content.metric("threshold.recall") == model.metadata.thresholdChoice?.recall)
            // Tuning: one step per candidate, in ShopperML's order.
            let tuning = content.metrics.filter { $0.key == "tuning.roc_auc" }
            #expect(tuning.map(\.step) == Array(0..<Int64(model.metadata.tuning.count)))
            #expect(tuning.map(\.value) == model.metadata.tuning.map(\.rocAUC))
            // Importances: one metric per feature.
            for importance in model.metadata.importances {
                #expect(content.metric("importance.\(importance.feature)") == importance.meanDecreaseImpurity)
                #expect(content.metric("permutation_importance.\(importance.feature)") == importance.permutationAUCDrop)
            }
            #expect(model.metadata.importances.count == 17)
            // Every metric has the entity's own timestamp, so a replay is recognised as a duplicate.
            #expect(Set(content.metrics.map(\.timestamp)) == [content.startTime])
            #expect(Set(content.metrics.map { "\($0.key)@\($0.step)" }).count == content.metrics.count)

            // Tags: lineage and the decision that trained it.
            #expect(content.tag("shopperd.store_version") == "3")
            #expect(content.tag("shopperd.seed") == "7")
            #expect(content.tag("shopperd.code_version") == ShopperdVersion.current)
            #expect(content.tag("shopperd.model_sha256") == record.modelSHA256)
            #expect(content.tag("shopperd.decision") == "retrain-promoted")
            #expect(content.tag("shopperd.job") == (try fixture.jobID(batch: 3)))

            // Artifacts: the model file byte for byte, the metrics JSON, the registry's blobs.
            let artifacts = Dictionary(uniqueKeysWithValues: content.artifacts.map { ($0.path, $0.data) })
            #expect(artifacts["model/model.json"] == file)
            #expect(artifacts["registry/params.json"] == record.params)
            struct MetricsJSON: Decodable {
                var model_version: Int
                var threshold: Double
                var metadata: ModelMetadata
            }
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let metricsJSON = try decoder.decode(MetricsJSON.self, from: artifacts["metrics.json"] ?? Data())
            #expect(metricsJSON.model_version == 2)
            #expect(metricsJSON.threshold == model.threshold)
            #expect(metricsJSON.metadata.holdout == holdout)
            #expect(metricsJSON.metadata.importances == model.metadata.importances)
        }

        @Test func aModelTrainedOutsideAJobHasNoDecisionTag() async throws {
            let fixture = try await TrackingFixture.standard()
            let record = try fixture.store.model(version: 1)
            let file = try fixture.store.modelFile(version: 1)
            let content = try TrainingRun.content(record: record, model: try ModelFile.decode(file), modelFile: file, cause: nil)
            #expect(content.tag("shopperd.decision") == nil)
            #expect(content.param("training_from_version") == "1")
        }

        /// A figure JSON cannot hold as a number (NaN) used to make `metrics.json` an empty upload;
        /// under the one JSON policy it is written as `null` and the rest of the document is kept.
        @Test func aNonFiniteFigureInMetricsIsNullNotAnEmptyFile() async throws {
            let fixture = try await TrackingFixture.standard()
            let record = try fixture.store.model(version: 1)
            let file = try fixture.store.modelFile(version: 1)
            var model = try ModelFile.decode(file)
            model.threshold = .nan
            let content = try TrainingRun.content(record: record, model: model, modelFile: file, cause: nil)
            let metrics = try #require(content.artifacts.first { $0.path == "metrics.json" })
            let document = try #require(try JSONSerialization.jsonObject(with: metrics.data) as? [String: Any])
            #expect(document["threshold"] is NSNull, "\(document)")
            #expect(document["model_version"] as? Int == 1 && document["parameters"] != nil && document["metadata"] != nil)
        }

        @Test func aMonitoringRunCarriesEveryFeaturesTest() async throws {
            let fixture = try await TrackingFixture.standard()
            let id = try fixture.jobID(batch: 3)
            let job = try #require(try fixture.store.job(id: id))
            let report = try JSONDecoder().decode(DriftReport.self, from: try #require(job.driftReport))
            let content = MonitoringRun.content(job: job, report: report, html: "<html></html>", referenceModel: 1)

            #expect(content.entity == .job(id: id))
            #expect(content.tag("shopperd.entity") == "job:\(id)")
            #expect(content.runName == "batch-3")
            #expect(content.param("batch_version") == "3")
            #expect(content.param("decision") == "retrain-promoted")
            #expect(content.param("rows") == "150")
            #expect(content.param("reference_model_version") == "1")
            #expect(content.metric("critical_drift") == (report.criticalDrift ? 1 : 0))
            #expect(report.criticalDrift, "Nov against Feb–Jul drifts (Month is unseen)")
            #expect(content.tag("shopperd.drivers")?.contains("Month") == true)
            #expect(content.metric("reference_rows") == Double(report.referenceRows))
            for column in report.columns {
                #expect(content.metric("p_value.\(column.column.name)") == column.pValue || !column.pValue.isFinite)
                #expect(content.metric("p_adjusted.\(column.column.name)") == column.pAdjusted || !column.pAdjusted.isFinite)
                #expect(content.metric("statistic.\(column.column.name)") == column.statistic)
            }
            #expect(content.metrics.filter { $0.key.hasPrefix("p_value.") }.count == 17)
            #expect(content.artifacts.map(\.path) == ["drift_report.html", "drift_report.json", "report.json"])
            #expect(content.artifacts[1].data == job.driftReport)
            #expect(content.artifacts[2].data == job.report)

            let withoutHTML = MonitoringRun.content(job: job, report: report, html: nil, referenceModel: nil)
            #expect(withoutHTML.artifacts.map(\.path) == ["drift_report.json", "report.json"])
            #expect(withoutHTML.tag("mlflow.note.content")?.contains("could not be rebuilt") == true)
        }
    }
}
