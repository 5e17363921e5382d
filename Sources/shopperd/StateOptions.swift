import ArgumentParser
import Foundation
import ShopperStore

/// `--state DIR`: where the store lives. Shared by every command that touches the store.
struct StateOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The state directory; the store is DIR/shopperd.sqlite.", valueName: "DIR"))
    var state: String = "./state"

    /// The state directory as a URL.
    var directory: URL { URL(fileURLWithPath: state, isDirectory: true) }

    /// Opens the store, or reports why not and exits: 66 when there is none (`mode: .existing`,
    /// what every command but `ingest` uses: reading never creates state), 74 when it fails.
    func openStore(_ mode: ShopperStore.OpenMode = .existing) throws -> ShopperStore {
        do {
            return try ShopperStore.open(directory: directory, mode: mode)
        } catch {
            throw Terminal.fail(error)
        }
    }
}
