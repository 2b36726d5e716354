import CLua
import Foundation

/// Under the test harness (``SessionLimits/simulation``), `gz.env` reads
/// the variables the test set (`t.open(script, {env =})`) over the process's.
extension GizmoVM {
    func simulationFunctions() -> [(String, LuaState.Function)] {
        guard let simulation = limits.simulation else { return [] }
        return [
            ("getenv", { call in
                guard let name = call.string(at: 1) else { return call.badArgument(1, "getenv", "string") }
                // The process's own variable through getenv, as the native
                // host.getenv reads it, not a copy of the whole environment.
                if let value = simulation.environment[name] ?? getenv(name).map({ String(cString: $0) }) {
                    call.push(value)
                } else {
                    call.pushNil()
                }
                return .returning(1)
            }),
            ("environ", { call in
                let variables = ProcessInfo.processInfo.environment.merging(simulation.environment) { $1 }
                lua_createtable(call.L, 0, Int32(variables.count))
                for (name, value) in variables {
                    call.push(value)
                    lua_setfield(call.L, -2, name)
                }
                return .returning(1)
            }),
        ]
    }
}
