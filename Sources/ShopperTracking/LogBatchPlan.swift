/// Splits a run's data into `log-batch` requests within MLflow's limits: at most 1,000 metrics,
/// 100 params and 100 tags per request, and 1,000 entries in all.
enum LogBatchPlan {
    static let maxMetrics = 1_000
    static let maxParams = 100
    static let maxTags = 100
    static let maxEntries = 1_000

    static func batches(runID: String, params: [MLflowParam], metrics: [MLflowMetric], tags: [MLflowTag]) -> [LogBatchRequest] {
        var params = params[...]
        var metrics = metrics[...]
        var tags = tags[...]
        var batches: [LogBatchRequest] = []
        while !params.isEmpty || !metrics.isEmpty || !tags.isEmpty {
            let p = params.prefix(maxParams)
            let t = tags.prefix(min(maxTags, maxEntries - p.count))
            let m = metrics.prefix(min(maxMetrics, maxEntries - p.count - t.count))
            batches.append(LogBatchRequest(run_id: runID, metrics: Array(m), params: Array(p), tags: Array(t)))
            params = params.dropFirst(p.count)
            tags = tags.dropFirst(t.count)
            metrics = metrics.dropFirst(m.count)
        }
        return batches
    }
}
