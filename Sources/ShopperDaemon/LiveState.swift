import ShopperPipeline

/// The settings a reload can change while the loop runs, shared with the loop.
actor LiveState {
    private var pipeline: Pipeline?
    private(set) var hooks: EventHook?

    func attach(pipeline: Pipeline, hooks: EventHook?) {
        self.pipeline = pipeline
        self.hooks = hooks
    }

    func apply(_ settings: DaemonSettings) async throws {
        guard let pipeline else { return }
        await pipeline.processor.update(settings.pipeline)
        await pipeline.setRetryPolicy(settings.retryPolicy)
        hooks = settings.onEvent.map { EventHook(program: $0, timeoutSeconds: settings.hookTimeout.seconds) }
    }
}
