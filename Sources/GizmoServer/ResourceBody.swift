import GizmoLua
import Hummingbird
import NIOCore
import NIOPosix

/// The body of a registered resource. A file is opened when asked for, and
/// only while it lies inside its folder (``ConfinedFile``): a file that has
/// gone, or that a symlink swapped in since registration now points outside,
/// is nil (a 404). The file streams from the opened descriptor in chunks
/// read on NIO's thread pool, so a large file is never held whole.
enum ResourceBody {
    static let chunkBytes = 128 << 10

    static func of(_ content: SessionResources.Content) -> ResponseBody? {
        if case .bytes(let bytes) = content { return ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)) }
        guard let file = try? SessionResources.open(content) else { return nil }
        return ResponseBody(contentLength: file.size) { writer in
            var offset = 0
            while offset < file.size {
                let (start, count) = (offset, min(chunkBytes, file.size - offset))
                let chunk = try await NIOThreadPool.singleton.runIfActive { try file.read(at: start, count: count) }
                // Shorter than announced: end the connection rather than the response.
                guard !chunk.isEmpty else { throw FileShrank() }
                try await writer.write(ByteBuffer(bytes: chunk))
                offset += chunk.count
            }
            try await writer.finish(nil)
        }
    }

    struct FileShrank: Error {}
}
