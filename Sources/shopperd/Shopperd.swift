import ArgumentParser
import ShopperCore

/// The `shopperd` command: the daemon and every operator command.
///
/// Each subcommand is a small declarative type in its own file; options shared by several
/// (the state directory, the output format) live in `ParsableArguments` groups.
@main
struct Shopperd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shopperd",
        abstract: "A self-healing MLOps pipeline for e-commerce purchase intent.",
        version: ShopperdVersion.current,
        subcommands: [
            DemoCommand.self,
            RunCommand.self,
            StatusCommand.self,
            HistoryCommand.self,
            PerformanceCommand.self,
            IngestCommand.self,
            VersionsCommand.self,
            ShowCommand.self,
            DriftCommand.self,
            TrainCommand.self,
            ModelsCommand.self,
            ScoreCommand.self,
            MLflowCommand.self,
        ]
    )
}
