import DaemonSupport
import DeviceFormats
import Foundation
import RiskCore
import Testing
import Wire

@testable import EdgeCore

@Suite struct HealthRecordTests {
    static let chen = """
        workers:
          - id: chen
            sex: male
            age: 58
            total_cholesterol_mgdl: 260
            hdl_mgdl: 38
            systolic_mmhg: 150
            diastolic_mmhg: 92
            diabetes: true
            smoker: true
            overtime_last_month_h: 50
            work_burnout: 52
        """

    func read(_ yaml: String) throws(ConfigError) -> [String: HealthRecord] {
        try HealthRecord.read(ConfigSection.parse(yaml, file: "health.yaml"))
    }

    @Test func aRecordHasTheSixFactorsAndTheWorkload() throws {
        let chen = try #require(try read(Self.chen)["chen"])
        #expect(
            chen.profile
                == Framingham.Profile(
                    sex: .male, age: 58, lipid: .totalCholesterol(mgdl: 260), hdlMgdl: 38,
                    systolic: 150, diastolic: 92, diabetes: true, smoker: true))
        #expect(chen.workload == Workload(overtimeLastMonth: 50, workBurnout: 52))
    }

    @Test func theExampleFileIsValid() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/config/health.yaml")
        let records = try HealthRecord.read(ConfigSection.load(file: example.path))
        #expect(records.keys.sorted() == ["chen", "lin"] && records["lin"]?.profile.lipid == .ldl(mgdl: 110))
    }

    @Test func errorsNameTheFileTheLineAndTheKey() {
        let cases: [(String, String)] = [
            (Self.chen.replacingOccurrences(of: "    hdl_mgdl: 38\n", with: ""), "health.yaml:2: workers[0].hdl_mgdl: is required"),
            (Self.chen.replacingOccurrences(of: "sex: male", with: "sex: m"), "health.yaml:3: workers[0].sex: must be male or female (found 'm')"),
            (Self.chen.replacingOccurrences(of: "age: 58", with: "age: 580"), "health.yaml:4: workers[0].age: must be an integer in 15…100"),
            (
                Self.chen.replacingOccurrences(of: "diabetes: true", with: "diabetes: maybe"),
                "health.yaml:9: workers[0].diabetes: must be true or false"
            ),
            (Self.chen + "\n    ldl_mgdl: 160", "health.yaml:13: workers[0].ldl_mgdl: give total_cholesterol_mgdl or ldl_mgdl, not both"),
            (Self.chen + "\n    bmi: 31", "health.yaml:13: workers[0].bmi: unknown key"),
            (Self.chen + "\n" + Self.chen.replacingOccurrences(of: "workers:\n", with: ""), "health.yaml:13: workers[1].id: 'chen' has two records"),
        ]
        for (yaml, message) in cases {
            #expect(throws: ConfigError.self) { try read(yaml) }
            do {
                _ = try read(yaml)
            } catch {
                #expect(error.description.hasPrefix(message), "\(error)")
            }
        }
    }

    /// The agent's config names the file, relative to itself; `--check-config` reads it too.
    @Test func theAgentReadsTheFileItsConfigNames() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("canary-health-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let health = dir.appendingPathComponent("health.yaml").path
        try Self.chen.write(toFile: health, atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("agent.yaml")
        try "site: s\ngateway: g\nsource: {btsnoop: x.log}\nhealth: health.yaml\n".write(to: config, atomically: true, encoding: .utf8)
        // Health records others may read are refused, naming the file (PDPA art. 6: special-category data).
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: health)
        #expect { try AgentConfig.load(file: config.path) } throws: {
            "\($0)".contains("health: \(health) may be read or changed by group or others")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: health)
        #expect(try AgentConfig.load(file: config.path).directory.health["chen"]?.profile.age == 58)
        try "site: s\ngateway: g\nsource: {btsnoop: x.log}\nhealth: none.yaml\n".write(to: config, atomically: true, encoding: .utf8)
        #expect(throws: ConfigError.self) { try AgentConfig.load(file: config.path) }
    }

    /// A worker with a record gets an overwork score each time the heart is judged; one without does not.
    @Test func theOverworkScoreGoesOutWithEachJudgement() throws {
        var directory = SiteDirectory(site: "s")
        let chenStrap: [UInt8] = [0xC0, 0xFF, 0xEE, 0x00, 0x01, 0x02], linStrap: [UInt8] = [0xC0, 0xFF, 0xEE, 0x00, 0x02, 0x02]
        directory.bind(chenStrap, worker: "chen", role: .heart)
        directory.bind(linStrap, worker: "lin", role: .heart)
        directory.health = try read(Self.chen)
        var pipeline = AgentPipeline(directory: directory)
        for k in 1...400 {  // 11 minutes of a calm heart: 72 bpm, RMSSD about 57 ms
            let value = HeartRateMeasurement.encode(heartRate: 72, rrIntervalsMs: k % 2 == 0 ? [793, 873] : [873, 793])
            for strap in [chenStrap, linStrap] {
                _ = pipeline.ingest(
                    BLEFrame(
                        timeMs: Int64(k) * 1_666, address: strap,
                        payload: .notification(characteristic: HeartRateMeasurement.uuid, value: value)))
            }
        }
        let scores = pipeline.takeReadings().filter { $0.kind == "overwork" }
        #expect(scores.map(\.worker) == ["chen", "chen"], "two 5-minute windows closed")
        // Wilson 1998 (men): 58 y 4, TC 260 2, HDL 38 2, 150/92 stage I 2, diabetes 2, smoker 2 = 14 → 53 %: high;
        // 50 h overtime: medium workload → the guideline's matrix, high (70). The heart adds nothing.
        let first = try #require(scores.first?.values)
        #expect(first["score"] == 70 && first["level"] == 2 && first["matrix"] == 70 && first["cvd_band"] == 2 && first["workload"] == 1)
        #expect(first["restingHeartRate"] == 0 && first["hrv"] == 0 && first["sleep"] == 0)
    }
}
