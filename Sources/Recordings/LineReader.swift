import CZlib

/// Reads a text file line by line, plain or gzip-compressed (zlib's gzread
/// passes plain files through), in constant memory.
public final class LineReader {
    public enum Failure: Error, CustomStringConvertible {
        case cannotOpen(String)
        case readFailed(String, String)

        public var description: String {
            switch self {
            case .cannotOpen(let path): "cannot open \(path)"
            case .readFailed(let path, let why): "cannot read \(path): \(why)"
            }
        }
    }

    private let file: gzFile
    private let path: String
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var pending: [UInt8] = []
    private var start = 0
    private var end = 0
    private var finished = false

    public init(path: String) throws(Failure) {
        guard let file = gzopen(path, "rb") else { throw .cannotOpen(path) }
        self.file = file
        self.path = path
    }

    deinit { gzclose(file) }

    /// The next line without its newline, or nil at the end of the file.
    public func nextLine() throws(Failure) -> String? {
        pending.removeAll(keepingCapacity: true)
        while true {
            if start < end {
                if let nl = buffer[start..<end].firstIndex(of: UInt8(ascii: "\n")) {
                    pending.append(contentsOf: buffer[start..<nl])
                    start = nl + 1
                    return decode(pending)
                }
                pending.append(contentsOf: buffer[start..<end])
                start = end
            }
            if finished { return pending.isEmpty ? nil : decode(pending) }
            let n = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if n < 0 {
                var code: Int32 = 0
                throw .readFailed(path, String(cString: gzerror(file, &code)))
            }
            start = 0
            end = Int(n)
            if n == 0 { finished = true }
        }
    }

    private func decode(_ bytes: [UInt8]) -> String {
        var s = String(decoding: bytes, as: UTF8.self)
        if s.hasSuffix("\r") { s.removeLast() }
        return s
    }
}
