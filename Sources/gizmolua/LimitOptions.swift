import ArgumentParser
import GizmoLua
import GizmoStore

/// The limits every session of `run` and `serve` gets.
struct LimitOptions: ParsableArguments {
    @Option(name: .customLong("cpu-limit"), help: "CPU seconds one handler may run without a pause.")
    var cpuLimit: Double = 5

    @Option(name: .customLong("memory-limit"), help: "MiB of memory one session's script may use.")
    var memoryLimit: Int = 64

    @Option(name: .customLong("service-memory-limit"), help: "MiB of memory a module's service (its init.lua) may use.")
    var serviceMemoryLimit: Int = 256

    @Option(name: .customLong("store-value-limit"), help: "KiB of JSON one gz.store value (or appended item) may have.")
    var storeValueLimit: Int = 1024

    @Option(name: .customLong("store-limit"), help: "MiB one module's gz.store may hold in all.")
    var storeLimit: Int = 256

    @OptionGroup(title: "Grants") var grantOptions: GrantOptions

    func validate() throws {
        if cpuLimit <= 0 { throw ValidationError("--cpu-limit must be positive") }
        if memoryLimit <= 0 { throw ValidationError("--memory-limit must be positive") }
        if serviceMemoryLimit <= 0 { throw ValidationError("--service-memory-limit must be positive") }
        if storeValueLimit <= 0 || storeValueLimit > 1 << 20 { throw ValidationError("--store-value-limit must be 1 to 1048576 (KiB)") }
        if storeLimit <= 0 || storeLimit > 1 << 20 { throw ValidationError("--store-limit must be 1 to 1048576 (MiB)") }
    }

    var limits: SessionLimits {
        SessionLimits(cpuSeconds: cpuLimit, memoryBytes: memoryLimit << 20, grants: grantOptions.grants)
    }

    /// A module service's limits: the sessions' CPU limit, its own memory.
    var serviceLimits: SessionLimits {
        SessionLimits(cpuSeconds: cpuLimit, memoryBytes: serviceMemoryLimit << 20, grants: grantOptions.grants)
    }

    var storeLimits: StoreLimits { StoreLimits(valueBytes: storeValueLimit << 10, moduleBytes: storeLimit << 20) }
}
