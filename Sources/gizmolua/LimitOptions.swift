import ArgumentParser
import GizmoLua

/// The limits every session of `run` and `serve` gets.
struct LimitOptions: ParsableArguments {
    @Option(name: .customLong("cpu-limit"), help: "CPU seconds one handler may run without a pause.")
    var cpuLimit: Double = 5

    @Option(name: .customLong("memory-limit"), help: "MiB of memory one session's script may use.")
    var memoryLimit: Int = 64

    func validate() throws {
        if cpuLimit <= 0 { throw ValidationError("--cpu-limit must be positive") }
        if memoryLimit <= 0 { throw ValidationError("--memory-limit must be positive") }
    }

    var limits: SessionLimits { SessionLimits(cpuSeconds: cpuLimit, memoryBytes: memoryLimit << 20) }
}
