import Testing

/// Every ShopperTracking test, one at a time: several train real models in child processes, and
/// the machine has two cores shared with the other modules' timing-sensitive tests (deadlines,
/// signals) that run in the same test process. Serialising them keeps this suite's load to about
/// one core.
@Suite(.serialized) enum ShopperTrackingSuite {}
