import ArgumentParser
import Foundation
import Logging

/// What the command line prints, unbuffered.
enum Terminal {
    static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Prints one line on stderr and exits with status 1.
    static func fail(_ line: String) -> ExitCode {
        error(line)
        return ExitCode(1)
    }

    /// Log lines go to stderr, or to stdout with `GIZMO_LOG_OUTPUT=stdout`
    /// (the container image: one stream, in order with the printed links),
    /// flushed line by line; `GIZMO_LOG_LEVEL` (trace ... critical) sets the level.
    static func bootstrapLogging(defaultLevel: Logger.Level = .info) -> Logger {
        let environment = ProcessInfo.processInfo.environment
        let level = environment["GIZMO_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? defaultLevel
        let toStdout = environment["GIZMO_LOG_OUTPUT"] == "stdout"
        LoggingSystem.bootstrap { label in
            var handler = toStdout ? StreamLogHandler.standardOutput(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "gizmolua")
    }
}
