import ShopperStore

/// The running rollout as the endpoint serves it: the challenger's model loaded, the mode and
/// share. Immutable, swapped whole by `ChampionWatch`: a request takes one and uses it throughout.
/// (The sequential test's last look is read from the store at `/metrics` scrape time.)
package struct LiveRollout: Sendable {
    package let id: Int
    package let mode: RolloutMode
    package let share: Double
    package let championVersion: Int
    package let challenger: ServingModel
}
