import ShopperML
import ShopperStore

/// The running rollout as the endpoint serves it: the challenger's model loaded, the mode and
/// share, and the sequential test's last look (for `/metrics`). Immutable, swapped whole by
/// `ChampionWatch`: a request takes one and uses it throughout.
package struct LiveRollout: Sendable {
    package let id: Int
    package let mode: RolloutMode
    package let share: Double
    package let championVersion: Int
    package let challenger: ServingModel
    package let lastLook: SequentialLook?
}
