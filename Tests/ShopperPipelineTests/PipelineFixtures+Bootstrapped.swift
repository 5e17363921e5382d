import Testing
@testable import ShopperPipeline

extension PipelineFixtures {
    /// A pipeline with champion v1 trained on the Feb–Jul bootstrap rows.
    static func bootstrapped(_ settings: PipelineSettings = PipelineFixtures.settings) async throws -> (PipelineDirectories, Pipeline, RecordingObserver) {
        let dirs = try PipelineDirectories()
        let pipeline = try await dirs.pipeline(settings)
        let observer = RecordingObserver()
        try dirs.drop("0-bootstrap.csv", PipelineFixtures.bootstrap, labelled: true)
        try await dirs.claimAll(pipeline)
        try await pipeline.drain(observer: observer)
        #expect(await observer.decisions == ["bootstrap-trained"])
        return (dirs, pipeline, observer)
    }
}
