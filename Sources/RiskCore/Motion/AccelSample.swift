import Foundation

/// One accelerometer sample from the worker's waist/chest device, in milli-g,
/// device axes. Units and axes match the Canary motion characteristic and
/// SisFall's waist-worn ADXL345 (y points down the trunk: standing upright
/// reads about (0, −1000, 0)).
public struct AccelSample: Codable, Sendable, Equatable {
    public var timeMs: Int64
    public var x: Double
    public var y: Double
    public var z: Double

    public init(timeMs: Int64, x: Double, y: Double, z: Double) {
        self.timeMs = timeMs
        self.x = x
        self.y = y
        self.z = z
    }

    /// Anything past ±32 g is no accelerometer a worker wears (the Canary
    /// characteristic's int16 mg tops out at ±32.767 g).
    static let maxAbsMg = 32_768.0

    var isPlausible: Bool {
        x.isFinite && y.isFinite && z.isFinite
            && abs(x) <= Self.maxAbsMg && abs(y) <= Self.maxAbsMg && abs(z) <= Self.maxAbsMg
    }
}

/// A 3-vector in g, with the little geometry the motion features need.
struct Vector3: Codable, Sendable, Equatable {
    var x = 0.0, y = 0.0, z = 0.0

    var norm: Double { (x * x + y * y + z * z).squareRoot() }

    static func + (a: Vector3, b: Vector3) -> Vector3 { Vector3(x: a.x + b.x, y: a.y + b.y, z: a.z + b.z) }
    static func / (a: Vector3, k: Double) -> Vector3 { Vector3(x: a.x / k, y: a.y / k, z: a.z / k) }

    /// Angle between two directions, in degrees (0 when either is zero).
    func degrees(to other: Vector3) -> Double {
        let n = norm * other.norm
        guard n > 0 else { return 0 }
        let c = min(1, max(-1, (x * other.x + y * other.y + z * other.z) / n))
        return acos(c) * 180 / .pi
    }
}
