import Foundation

/// What this machine charges for a paced round trip before any server code
/// runs: a TCP echo on loopback between two threads that block in recv(),
/// the client pausing between round trips as the paced sessions do. Each
/// round trip wakes the echoing thread, then the client: two wake-ups. A
/// gizmo click wakes three threads in the server (its event loop reading, the
/// session's queue, the event loop writing) and about as many in the bench's
/// WebSocket client.
enum LoopbackFloor {
    static func roundTrips(count: Int, pause: Duration) throws -> Stats {
        let (listener, port) = try ServerProcess.boundLoopbackSocket()
        defer { close(listener) }
        guard listen(listener, 1) == 0 else { throw BenchError("could not listen on loopback") }

        Thread.detachNewThread {
            let peer = accept(listener, nil, nil)
            guard peer >= 0 else { return }
            defer { close(peer) }
            noDelay(peer)
            var buffer = [UInt8](repeating: 0, count: 256)
            while true {
                let got = recv(peer, &buffer, buffer.count, 0)
                if got <= 0 || send(peer, buffer, got, 0) != got { return }
            }
        }

        guard let client = ServerProcess.connectedLoopbackSocket(port: port) else {
            throw BenchError("could not connect to the loopback echo")
        }
        defer { close(client) }
        noDelay(client)

        // A click's size: the echo moves as many bytes as a click and its update.
        let message = [UInt8](repeating: 0x78, count: 60)
        var reply = [UInt8](repeating: 0, count: 256)
        var samples: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<count {
            Thread.sleep(forTimeInterval: pause.milliseconds / 1000)
            let start = clock.now
            guard send(client, message, message.count, 0) == message.count else { throw BenchError("the loopback echo failed") }
            var received = 0
            while received < message.count {
                let got = recv(client, &reply, reply.count, 0)
                guard got > 0 else { throw BenchError("the loopback echo closed") }
                received += got
            }
            samples.append((clock.now - start).milliseconds)
        }
        return Stats(samples)
    }

    private static func noDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }
}
