import DaemonSupport
import Foundation

/// `sites:` of the collector's config: each site's plan, per floor, so that a
/// coordinator sees where everyone is and an alarm says where in words a rescue
/// team knows ("in Tank 3, B1"), not as coordinates (docs/collector.md, "Site plans").
///
/// ```yaml
/// sites:
///   - id: tank-farm-3              # the site id the gateways use
///     name: 小港儲槽區               # shown to coordinators (default: the id)
///     floors:
///       - level: 0                 # the locator's floor number
///         name: 1F                 # how people say it (default: "floor 0")
///         image: {file: /etc/canary/plans/1f.png, width_px: 1200, height_px: 800, origin_px: [100, 700], px_per_m: 40}
///         zones:
///           - {name: Tank 3, outline: [[0, 0], [10, 0], [10, 8], [0, 8]]}   # metres east, north of the site origin
///     gateways:
///       - {id: gw-1, x: 1, y: 1, floor: 0}
/// ```
///
/// A plan's picture and the locators share one frame: metres east (`x`) and
/// north (`y`) of the site's origin. `origin_px` is where that origin is on
/// the picture (pixels from its top-left corner) and `px_per_m` its scale, so a
/// point is at `origin_px.x + x·px_per_m`, `origin_px.y − y·px_per_m` (north
/// is up). Without an image the page draws the floor from its zones' outlines.
public struct SitePlans: Sendable, Equatable {
    public struct Site: Sendable, Equatable {
        public var id: String
        public var name: String
        public var floors: [Floor]
        public var gateways: [Gateway]
    }

    public struct Floor: Sendable, Equatable {
        public var level: Int
        public var name: String?
        public var image: Image?
        public var zones: [Zone]
    }

    public struct Image: Sendable, Equatable {
        public var file: String
        public var widthPx: Double, heightPx: Double
        /// Where the site's origin is on the picture, in pixels from its top-left corner.
        public var originPx: Point
        public var pxPerM: Double

        /// What the file is, from its name: the two kinds a plan comes as.
        var contentType: String { file.lowercased().hasSuffix(".svg") ? "image/svg+xml" : "image/png" }
    }

    public struct Zone: Sendable, Equatable {
        public var name: String
        public var outline: [Point]

        /// Whether `p` is inside the outline (even–odd rule: a ray from `p` crosses the edges an odd number of times).
        func contains(_ p: Point) -> Bool {
            var inside = false
            var j = outline.count - 1
            for i in outline.indices {
                let a = outline[i], b = outline[j]
                if (a.y > p.y) != (b.y > p.y), p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x { inside.toggle() }
                j = i
            }
            return inside
        }
    }

    public struct Point: Sendable, Equatable {
        public var x: Double, y: Double
    }

    public struct Gateway: Sendable, Equatable {
        public var id: String
        public var x: Double, y: Double
        public var floor: Int
    }

    public var sites: [String: Site] = [:]

    public init(sites: [Site] = []) {
        for s in sites { self.sites[s.id] = s }
    }

    static func read(_ root: ConfigSection) throws(ConfigError) -> SitePlans {
        var plans = SitePlans()
        for s in try root.sections("sites") {
            let id = try s.requiredString("id")
            guard plans.sites[id] == nil else { throw s.error("id", "\(id) is described twice") }
            var floors: [Floor] = []
            for f in try s.sections("floors") {
                let level = try f.int("level", default: 0, in: -20...200)
                guard !floors.contains(where: { $0.level == level }) else { throw f.error("level", "floor \(level) is described twice") }
                var zones: [Zone] = []
                for z in try f.sections("zones") {
                    let outline = try z.points("outline").map { Point(x: $0.x, y: $0.y) }
                    guard outline.count >= 3 else { throw z.error("outline", "needs at least three [x, y] points (metres)") }
                    zones.append(Zone(name: try z.requiredString("name"), outline: outline))
                }
                floors.append(Floor(level: level, name: try f.string("name"), image: try readImage(try f.section("image")), zones: zones))
            }
            var gateways: [Gateway] = []
            for g in try s.sections("gateways") {
                gateways.append(
                    Gateway(
                        id: try g.requiredString("id"), x: try g.double("x", default: 0, in: -1e5...1e5),
                        y: try g.double("y", default: 0, in: -1e5...1e5),
                        floor: try g.int("floor", default: 0, in: -20...200)))
            }
            plans.sites[id] = Site(id: id, name: try s.string("name", default: id), floors: floors, gateways: gateways)
        }
        return plans
    }

    private static func readImage(_ i: ConfigSection) throws(ConfigError) -> Image? {
        guard i.has("file") else { return nil }
        let file = try i.requiredString("file")
        guard [".png", ".svg"].contains(where: { file.lowercased().hasSuffix($0) }) else { throw i.error("file", "must be a .png or .svg file") }
        guard FileManager.default.isReadableFile(atPath: file) else { throw i.error("file", "cannot read \(file)") }
        guard let origin = try i.numbers("origin_px"), origin.count == 2 else {
            throw i.error("origin_px", "is required: [x, y], the pixel where the site's origin (0, 0 m) is on the picture")
        }
        return Image(
            file: file, widthPx: try i.double("width_px", default: 0, in: 1...100_000),
            heightPx: try i.double("height_px", default: 0, in: 1...100_000),
            originPx: Point(x: origin[0], y: origin[1]), pxPerM: try i.double("px_per_m", default: 0, in: 0.001...10_000))
    }

    func floor(_ site: String, _ level: Int) -> Floor? { sites[site]?.floors.first { $0.level == level } }

    /// The zone of `site`'s floor `level` that holds `(x, y)`, if one does.
    func zone(_ site: String, floor level: Int, x: Double, y: Double) -> String? {
        floor(site, level)?.zones.first { $0.contains(Point(x: x, y: y)) }?.name
    }

    /// `GET /api/v1/sites`: every plan, images as the URLs that serve them.
    var json: String {
        let number = JSONText.number
        let list = sites.values.sorted { $0.id < $1.id }.map { s in
            let floors = s.floors.map { f in
                var out = "{\"level\":\(f.level),\"name\":\(f.name.map(JSONText.quoted) ?? "null"),\"zones\":["
                out += f.zones.map { z in
                    "{\"name\":\(JSONText.quoted(z.name)),\"outline\":[\(z.outline.map { "[\(number($0.x)),\(number($0.y))]" }.joined(separator: ","))]}"
                }.joined(separator: ",")
                out += "],\"image\":"
                if let i = f.image {
                    let url = "api/v1/sites/\(Self.pathPart(s.id))/floors/\(f.level)/image"
                    out += "{\"url\":\(JSONText.quoted(url)),\"width_px\":\(number(i.widthPx)),\"height_px\":\(number(i.heightPx)),"
                    out += "\"origin_px\":[\(number(i.originPx.x)),\(number(i.originPx.y))],\"px_per_m\":\(number(i.pxPerM))}"
                } else {
                    out += "null"
                }
                return out + "}"
            }
            let gateways = s.gateways.map {
                "{\"id\":\(JSONText.quoted($0.id)),\"x\":\(number($0.x)),\"y\":\(number($0.y)),\"floor\":\($0.floor)}"
            }
            return "{\"id\":\(JSONText.quoted(s.id)),\"name\":\(JSONText.quoted(s.name)),\"floors\":[\(floors.joined(separator: ","))],"
                + "\"gateways\":[\(gateways.joined(separator: ","))]}"
        }
        return "{\"sites\":[\(list.joined(separator: ","))]}\n"
    }

    static func pathPart(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? text }
}
