import ArgumentParser
import Foundation
import Recordings
import RiskCore

/// `canary-agent detect --motion-csv FILE...`: replays accelerometer
/// recordings through the daemon's motion pipeline and prints one JSON object
/// per file (a stable contract, see docs/cli.md).
struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Replay accelerometer CSVs (t_ms,ax_mg,ay_mg,az_mg; plain or gzip) through the motion detectors."
    )

    @Option(name: .customLong("motion-csv"), parsing: .upToNextOption, help: "Recordings to replay.")
    var files: [String]

    @Flag(help: "Also print every impact candidate's features and score (for training the fall model).")
    var features = false

    @Option(
        help: ArgumentHelp(
            "The recordings' sampling rate in Hz (12.5–100), when their t_ms cannot be trusted: sample i is then at the first t_ms + i/rate.",
            discussion: "Without it, the rate is measured from t_ms. Either way the detectors get 50 Hz (docs/detection.md)."))
    var rate: Double?

    func validate() throws {
        if let rate, !(12.5...100).contains(rate) { throw ValidationError("--rate must be 12.5 to 100 (Hz)") }
    }

    struct FileResult: Encodable {
        struct Event: Encodable {
            var type: String
            var phase: String
            var severity: String
            var t_ms: Int64
        }
        var file: String
        var events: [Event]
        /// Lines that were not samples (bad syntax) or that the detectors refused.
        var rejected: Int
        var error: String?
        var candidates: [FallDetector.Candidate]?
    }

    func run() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var failed = false
        for path in files {
            let result = replay(path)
            failed = failed || result.error != nil
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        }
        if failed { throw ExitCode(2) }
    }

    private func replay(_ path: String) -> FileResult {
        var pipeline = MotionPipeline(worker: "replay", rateHz: rate)
        pipeline.fall.recordsCandidates = features
        var events: [SafetyEvent] = []
        var rejected = 0
        var error: String?
        do {
            let reader = try LineReader(path: path)
            var lineNumber = 0, taken = 0, firstMs: Int64?
            while let line = try reader.nextLine() {
                lineNumber += 1
                do {
                    guard var sample = try MotionCSV.parse(line, lineNumber: lineNumber) else { continue }
                    if let rate {
                        firstMs = firstMs ?? sample.timeMs
                        sample.timeMs = firstMs! + Int64((Double(taken) * 1_000 / rate).rounded())
                        taken += 1
                    }
                    events += try pipeline.ingest(sample)
                } catch {
                    rejected += 1
                }
            }
            events += pipeline.finish()
        } catch let failure {
            error = failure.description
        }
        return FileResult(
            file: path,
            events: events.map { .init(type: $0.type.rawValue, phase: $0.phase.rawValue, severity: $0.severity.rawValue, t_ms: $0.timeMs) },
            rejected: rejected, error: error, candidates: features ? pipeline.fall.candidates : nil)
    }
}
