import Testing

/// The daemon's end-to-end suites run one test at a time: each starts real `shopperd` processes
/// that train forests and write to disk, and a dozen of them at once on a 2-core machine would
/// starve the timing-sensitive tests of the other targets (the probe daemon's signal tests, the
/// hook deadline tests) running in parallel.
@Suite(.serialized) enum DaemonEndToEndTests {}
