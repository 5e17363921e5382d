import Foundation
import Testing
@testable import ShopperTracking

extension ShopperTrackingSuite {
    @Suite struct MLflowSettingsTests {
        @Test func trackingURIsAreNormalised() throws {
            let settings = try MLflowSettings(trackingURI: " HTTP://LocalHost:5000/ ")
            #expect(settings.trackingURI.absoluteString == "http://localhost:5000")
            #expect(try MLflowSettings(trackingURI: "https://mlflow.example/prefix//").trackingURI.absoluteString
                == "https://mlflow.example/prefix")
            #expect(settings.trainingExperiment == "shopperd-training")
            #expect(settings.monitoringExperiment == "shopperd-monitoring")
            #expect(settings.registeredModel == "shopperd-purchase-intent")
        }

        @Test func unusableURIsAreRefusedWithTheReason() {
            for uri in ["file:///tmp/mlruns", "databricks", "http://", "ftp://host/x", "http://host:5000/?x=1", ""] {
                #expect(throws: MLflowError.self, "\(uri)") { try MLflowSettings(trackingURI: uri) }
            }
            do {
                _ = try MLflowSettings(trackingURI: "file:///tmp/mlruns")
                Issue.record("a file: URI was accepted")
            } catch {
                #expect(error.description.contains("http://host:port"))
            }
        }

        @Test func namesMLflowCannotSearchForAreRefused() {
            #expect(throws: MLflowError.self) { try MLflowSettings(trackingURI: "http://h:1", registeredModel: "it's") }
            #expect(throws: MLflowError.self) { try MLflowSettings(trackingURI: "http://h:1", trainingExperiment: " ") }
            #expect(throws: MLflowError.self) {
                try MLflowSettings(trackingURI: "http://h:1", trainingExperiment: "same", monitoringExperiment: "same")
            }
            #expect(throws: MLflowError.self) { try MLflowSettings(trackingURI: "http://h:1", requestTimeout: .zero) }
        }

        /// Progress is kept per destination: another server, experiment or model name is another target.
        @Test func theTargetNamesServerExperimentsAndModel() throws {
            let base = try MLflowSettings(trackingURI: "http://127.0.0.1:5000")
            #expect(base.target == "http://127.0.0.1:5000?training=shopperd-training&monitoring=shopperd-monitoring&model=shopperd-purchase-intent")
            #expect(try MLflowSettings(trackingURI: "http://127.0.0.1:5000/").target == base.target)
            #expect(try MLflowSettings(trackingURI: "http://127.0.0.1:5001").target != base.target)
            #expect(try MLflowSettings(trackingURI: "http://127.0.0.1:5000", registeredModel: "other").target != base.target)
            #expect(try MLflowSettings(trackingURI: "http://127.0.0.1:5000", monitoringExperiment: "m & n").target
                .hasSuffix("monitoring=m%20%26%20n&model=shopperd-purchase-intent"))
        }
    }
}
