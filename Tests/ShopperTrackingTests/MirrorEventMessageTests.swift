import Testing
@testable import ShopperTracking

extension ShopperTrackingSuite {
    /// The journal line operators read when the mirror falls behind.
    @Suite struct MirrorEventMessageTests {
        static func status(pending: MirrorCounts, error: String?) -> MirrorStatus {
            MirrorStatus(target: "http://127.0.0.1:5000?training=t&monitoring=m&model=x", health: .behind, pending: pending,
                         mirrored: MirrorCounts(), failures: [], lastError: error, lastErrorAt: nil, lastSuccessAt: nil)
        }

        @Test func fallingBehindIsOneWellFormedSentencePerClause() {
            let error = "MLflow server unreachable at http://127.0.0.1:9: connection refused. Check that it runs; shopperd retries."
            let one = MirrorEvent.fallingBehind(Self.status(pending: MirrorCounts(models: 1, aliasChanges: 1, jobs: 1), error: error))
            #expect(one.message == "MLflow mirror falling behind: 3 pending (1 model, 1 alias change, 1 batch); last error: "
                + error + " Everything stays in the store and is retried with backoff.")
            let many = MirrorEvent.fallingBehind(Self.status(pending: MirrorCounts(models: 2, aliasChanges: 0, jobs: 3), error: "HTTP 503"))
            #expect(many.message == "MLflow mirror falling behind: 5 pending (2 models, 0 alias changes, 3 batches); last error: "
                + "HTTP 503. Everything stays in the store and is retried with backoff.")
            #expect(!one.message.contains(".."))
        }
    }
}
