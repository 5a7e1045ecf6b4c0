import RiskCore

/// Accelerometer recordings in the Canary wearable CSV format
/// (`t_ms,ax_mg,ay_mg,az_mg`, the format of shared/data/sisfall-dev).
public enum MotionCSV {
    public enum LineError: Error, Equatable, CustomStringConvertible {
        case fieldCount(line: Int, found: Int)
        case notANumber(line: Int, field: String)

        public var description: String {
            switch self {
            case .fieldCount(let line, let found): "line \(line): expected 4 fields, found \(found)"
            case .notANumber(let line, let field): "line \(line): '\(field)' is not a number"
            }
        }
    }

    /// Parses one data line. A header line (starting with `t_ms`) and blank
    /// lines yield nil.
    public static func parse(_ line: String, lineNumber: Int) throws(LineError) -> AccelSample? {
        if line.isEmpty || line.hasPrefix("t_ms") { return nil }
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count == 4 else { throw .fieldCount(line: lineNumber, found: fields.count) }
        guard let t = Int64(fields[0].trimmingSpaces) else { throw .notANumber(line: lineNumber, field: String(fields[0])) }
        var v = [Double](repeating: 0, count: 3)
        for k in 0..<3 {
            guard let d = Double(fields[k + 1].trimmingSpaces) else {
                throw .notANumber(line: lineNumber, field: String(fields[k + 1]))
            }
            v[k] = d
        }
        return AccelSample(timeMs: t, x: v[0], y: v[1], z: v[2])
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
