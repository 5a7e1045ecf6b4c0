import Foundation
import Recordings
import RiskCore
import TestSupport

/// The recordings in shared/data, read as the detectors take them.
enum SharedData {
    static func path(_ relative: String) -> String { SharedDataLocation.path(relative) }

    static func motion(_ name: String) throws -> [AccelSample] {
        let reader = try LineReader(path: path("sisfall-dev/\(name).csv.gz"))
        var samples: [AccelSample] = []
        var n = 0
        while let line = try reader.nextLine() {
            n += 1
            if let s = try MotionCSV.parse(line, lineNumber: n) { samples.append(s) }
        }
        return samples
    }

    static func sisfallNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path("sisfall-dev"))
            .filter { $0.hasSuffix(".csv.gz") }.map { String($0.dropLast(7)) }.sorted()
    }

    static func rrIntervals(_ name: String) throws -> [Double] {
        let text = try String(contentsOfFile: path("hrv/\(name)"), encoding: .utf8)
        let body = text.components(separatedBy: "[HRData]").last ?? text
        return body.split(whereSeparator: \.isNewline).compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }
}
