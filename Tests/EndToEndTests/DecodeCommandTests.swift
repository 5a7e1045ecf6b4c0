import Foundation
import LocalServices
import TestSupport
import Testing

/// `canary-agent decode` as tools outside the project use it (docs/cli.md):
/// the real executable, stdin in, one JSON object per line out.
@Suite struct DecodeCommandTests {
    let agent = Daemon.executable("canary-agent")

    func objects(_ output: String) throws -> [[String: Any]] {
        try output.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "\($0)")
        }
    }

    func bthomeValues(_ o: [String: Any]) -> [Double] {
        ((o["bthome"] as? [String: Any])?["objects"] as? [[String: Any]] ?? []).compactMap { $0["value"] as? Double }
    }

    @Test func everyInputLineGetsExactlyOneObject() throws {
        let lines = [
            // bthome.io's plain example: 25.06 °C, 50.55 %.
            "54:48:E6:8F:80:A5 0201060A16D2FC4002CA0903BF13",
            // bthome.io's encrypted example, with its bind key given below.
            "54:48:e6:8f:80:a5 1216D2FC41a47266c95f730011223378237214",
            // An iBeacon.
            "AA:BB:CC:DD:EE:01 1AFF4C000215E2C56DB5DFFB48D2B060D0F5A71096E000010002C5",
            // An AD structure that says 5 bytes where 3 are left.
            "AA:BB:CC:DD:EE:02 0516D2FC40",
            "not a line",
            "AA:BB:CC:DD:EE:03 zz",
        ]
        let run = try LocalServices.run(
            [agent, "decode", "--bthome-key", "54:48:E6:8F:80:A5=231d39c1d7cc1ab1aee224cd096db932"],
            input: lines.joined(separator: "\n") + "\n")
        #expect(run.status == 0, "\(run.errors)")
        let out = try objects(run.output)
        try #require(out.count == lines.count)

        #expect(out[0]["addr"] as? String == "54:48:E6:8F:80:A5")
        #expect(out[0]["formats"] as? [String] == ["flags", "bthome"])
        #expect(out[0]["error"] is NSNull)
        #expect((out[0]["bthome"] as? [String: Any])?["encrypted"] as? Bool == false)
        #expect(bthomeValues(out[0]) == [25.06, 50.55])

        #expect(out[1]["addr"] as? String == "54:48:E6:8F:80:A5", "upper case")
        #expect((out[1]["bthome"] as? [String: Any])?["encrypted"] as? Bool == true)
        #expect((out[1]["bthome"] as? [String: Any])?["counter"] as? Int == 0x3322_1100)
        #expect(bthomeValues(out[1]) == [25.06, 50.55])

        let beacon = try #require(out[2]["ibeacon"] as? [String: Any])
        #expect(beacon["uuid"] as? String == "e2c56db5dffb48d2b060d0f5a71096e0")
        #expect(beacon["major"] as? Int == 1 && beacon["minor"] as? Int == 2 && beacon["power"] as? Int == -59)

        for k in 3..<6 {
            #expect(out[k]["formats"] as? [String] == [], "line \(k)")
            #expect((out[k]["error"] as? String)?.isEmpty == false, "line \(k)")
        }
        #expect(out[4]["addr"] as? String == "not")
    }

    /// shared/data/README.md: the capture holds 412 LE Advertising Reports, 11 of them iBeacon frames.
    @Test func theRealCaptureGivesEveryReport() throws {
        let run = try LocalServices.run(
            [agent, "decode", "--btsnoop", SharedDataLocation.path("ble/csacca_btsnoop_hci.log")],
            input: "")
        #expect(run.status == 0, "\(run.errors)")
        let out = try objects(run.output)
        let reports = out.filter { $0["kind"] as? String == "advertising-report" }
        #expect(reports.count == 412)
        #expect(reports.filter { $0["ibeacon"] != nil }.count == 11)
        #expect(reports.allSatisfy { $0["time_us"] is Int && ($0["addr"] as? String)?.count == 17 })
    }
}
