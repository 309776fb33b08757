// JSON and GeoJSON from the tokenizer's events, without building the document: the GeoJSON
// checks (rings, positions, bbox, territory) run on the coordinates as they stream past.
import { JsonSyntaxError, JsonTokenizer, type JsonHandler } from './json-tokenizer';
import { message } from './messages';
import type { GeojsonReport, JsonReport, ReportMessage } from './report.schema';
import { metropoleDeLyon, type Territory } from './territory.server';

type Role =
  | 'root'
  | 'top' // a value directly under the root, for the JSON report
  | 'features'
  | 'feature'
  | 'geometry'
  | 'geometries'
  | 'coords'
  | 'properties'
  | 'other';

interface Frame {
  isObject: boolean;
  role: Role;
  key: string | null;
  children: number;
  // coords frames only
  depth: number;
  numbers: number;
  arrays: number;
  x: number;
  y: number;
  positions: number;
  firstX: number;
  firstY: number;
  lastX: number;
  lastY: number;
  geometry: GeometryState | null;
}

const newFrame = (): Frame => ({
  isObject: false,
  role: 'other',
  key: null,
  children: 0,
  depth: 0,
  numbers: 0,
  arrays: 0,
  x: NaN,
  y: NaN,
  positions: 0,
  firstX: NaN,
  firstY: NaN,
  lastX: NaN,
  lastY: NaN,
  geometry: null,
});

interface GeometryState {
  type: string | null;
  positionDepthMin: number;
  positionDepthMax: number;
  unclosed: number;
  tooShort: number;
  badPositions: number;
  nested: number;
}

const EXPECTED_DEPTH: Record<string, number> = {
  Point: 0,
  MultiPoint: 1,
  LineString: 1,
  MultiLineString: 2,
  Polygon: 2,
  MultiPolygon: 3,
};

const MAX_PROPERTY_KEYS = 500;
const MAX_TOP_KEYS = 200;
const FIRST_INVALID_KEPT = 10;

const typeOf = (v: string | number | boolean | null): string => (v === null ? 'null' : typeof v);
const inL93 = (x: number, y: number): boolean =>
  x >= 100_000 && x <= 1_300_000 && y >= 6_000_000 && y <= 7_200_000;

export class JsonInspector implements JsonHandler {
  private readonly tokenizer = new JsonTokenizer(this);
  private readonly stack: Frame[] = [];
  private readonly pool: Frame[] = [];
  private pendingKey: string | null = null;
  private syntaxError: JsonSyntaxError | null = null;
  private readonly territory: Territory | null;

  // JSON summary
  private topLevel: JsonReport['topLevel'] = null;
  private arrayLength: number | null = null;
  private readonly itemTypes: Record<string, number> = {};
  private readonly topKeys: JsonReport['keys'] = [];
  private topKeysTruncated = false;

  // GeoJSON summary
  private rootType: string | null = null;
  private sawFeaturesArray = false;
  private crs = false;
  private featureCount = 0;
  private readonly geometryTypes: Record<string, number> = {};
  private nullGeometries = 0;
  private invalidCount = 0;
  private unclosedRings = 0;
  private tooShortRings = 0;
  private badPositions = 0;
  private wrongNesting = 0;
  private lambertPositions = 0;
  private readonly firstInvalid: number[] = [];
  private swapped = 0;
  private inside = 0;
  private withGeometry = 0;
  private bbox: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  private readonly properties = new Map<
    string,
    { types: Record<string, number>; presentIn: number }
  >();
  private propertiesTruncated = false;
  // The feature being read.
  private fBox: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  private fInvalid = false;
  private fGeometrySeen = false;

  constructor(private readonly geojsonExpected: boolean) {
    this.territory = metropoleDeLyon();
  }

  private started = false;

  write(chunk: Uint8Array): void {
    if (this.syntaxError) return;
    if (!this.started && chunk.length > 0) {
      this.started = true;
      // RFC 8259 lets a parser ignore a byte order mark; spreadsheet tools write one.
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
    try {
      this.tokenizer.write(chunk);
    } catch (e) {
      if (e instanceof JsonSyntaxError) this.syntaxError = e;
      else throw e;
    }
  }

  // --- events ---------------------------------------------------------------------------

  private parent(): Frame | undefined {
    return this.stack[this.stack.length - 1];
  }

  /** Role of a value about to start, from its parent and the key it sits under. */
  private roleOfChild(isContainer: boolean, isObject: boolean): Role {
    const p = this.parent();
    if (p === undefined) return 'root';
    const key = p.isObject ? this.pendingKey : null;
    switch (p.role) {
      case 'root':
        if (!p.isObject) return 'top';
        if (key === 'features' && isContainer && !isObject) return 'features';
        if (key === 'geometry' && isObject) return 'geometry';
        if (key === 'properties' && isObject) return 'properties';
        return 'top';
      case 'features':
        return isObject ? 'feature' : 'other';
      case 'feature':
        if (key === 'geometry' && isObject) return 'geometry';
        if (key === 'properties' && isObject) return 'properties';
        return 'other';
      case 'geometry':
        if (key === 'coordinates' && isContainer && !isObject) return 'coords';
        if (key === 'geometries' && isContainer && !isObject) return 'geometries';
        return 'other';
      case 'geometries':
        return isObject ? 'geometry' : 'other';
      case 'coords':
        return isContainer && !isObject ? 'coords' : 'other';
      default:
        return 'other';
    }
  }

  private open(isObject: boolean): void {
    const p = this.parent();
    const role = this.roleOfChild(true, isObject);
    this.beforeValue(p, role, isObject ? 'object' : 'array');
    // Frames are reused by depth: a GeoJSON opens one array per position, and allocating a frame
    // for each was a good part of the garbage collector's time.
    const level = this.stack.length;
    let frame = this.pool[level];
    if (frame === undefined) {
      frame = newFrame();
      this.pool[level] = frame;
    }
    frame.isObject = isObject;
    frame.role = role;
    frame.key = p?.isObject ? this.pendingKey : null;
    frame.children = 0;
    frame.depth = role === 'coords' && p?.role === 'coords' ? p.depth + 1 : 0;
    frame.numbers = 0;
    frame.arrays = 0;
    frame.x = NaN;
    frame.y = NaN;
    frame.positions = 0;
    frame.firstX = NaN;
    frame.firstY = NaN;
    frame.lastX = NaN;
    frame.lastY = NaN;
    frame.geometry = null;
    if (role === 'coords' && p?.role === 'coords') p.arrays++;
    if (role === 'geometry') {
      frame.geometry = {
        type: null,
        positionDepthMin: Infinity,
        positionDepthMax: -Infinity,
        unclosed: 0,
        tooShort: 0,
        badPositions: 0,
        nested: 0,
      };
      if (p?.role === 'feature' || p?.role === 'root') this.fGeometrySeen = true;
    } else frame.geometry = p?.geometry ?? null;
    if (role === 'feature') this.startFeature();
    this.stack.push(frame);
  }

  /** Bookkeeping shared by scalars and containers. */
  private beforeValue(p: Frame | undefined, role: Role, type: string): void {
    if (p === undefined) {
      this.topLevel = type as JsonReport['topLevel'];
      if (type === 'array') this.arrayLength = 0;
      return;
    }
    p.children++;
    if (this.stack.length === 1) {
      if (!p.isObject) {
        this.arrayLength = p.children;
        this.itemTypes[type] = (this.itemTypes[type] ?? 0) + 1;
      } else if (this.topKeys.length < MAX_TOP_KEYS) {
        this.topKeys.push({
          key: this.pendingKey ?? '',
          type,
          arrayLength: type === 'array' ? 0 : null,
        });
      } else this.topKeysTruncated = true;
    }
    if (p.role === 'properties' && this.pendingKey !== null) {
      let entry = this.properties.get(this.pendingKey);
      if (entry === undefined) {
        if (this.properties.size >= MAX_PROPERTY_KEYS) {
          this.propertiesTruncated = true;
          return;
        }
        entry = { types: {}, presentIn: 0 };
        this.properties.set(this.pendingKey, entry);
      }
      entry.types[type] = (entry.types[type] ?? 0) + 1;
      entry.presentIn++;
    }
    void role;
  }

  startObject(): void {
    this.open(true);
  }
  startArray(): void {
    this.open(false);
  }

  key(k: string): void {
    this.pendingKey = k;
  }

  value(v: string | number | boolean | null): void {
    const p = this.parent();
    const role = this.roleOfChild(false, false);
    this.beforeValue(p, role, typeOf(v));
    if (p === undefined) return;
    const key = p.isObject ? this.pendingKey : null;
    if (p.role === 'coords') {
      if (typeof v !== 'number') {
        p.numbers = -1e9; // poisons the position: reported as a bad position
        return;
      }
      if (p.numbers === 0) p.x = v;
      else if (p.numbers === 1) p.y = v;
      p.numbers++;
      return;
    }
    if (p.role === 'root' && p.isObject) {
      if (key === 'type' && typeof v === 'string') this.rootType = v;
      if (key === 'geometry' && v === null) this.nullGeometries++;
    } else if (p.role === 'feature') {
      if (key === 'type' && v !== 'Feature') this.fInvalid = true; // RFC 7946 §3.2
      if (key === 'geometry' && v === null) {
        this.nullGeometries++;
        this.fGeometrySeen = true;
      }
    } else if (p.role === 'geometry' && key === 'type' && typeof v === 'string' && p.geometry)
      p.geometry.type = v;
  }

  endObject(): void {
    this.close();
  }
  endArray(): void {
    this.close();
  }

  private close(): void {
    const f = this.stack.pop();
    if (f === undefined) return;
    const p = this.parent();
    if (this.stack.length === 1 && p?.isObject && f.key !== null) {
      const entry = this.topKeys[this.topKeys.length - 1];
      if (entry && entry.key === f.key && !f.isObject) entry.arrayLength = f.children;
      if (f.key === 'features' && !f.isObject) this.sawFeaturesArray = true;
      if (f.key === 'crs') this.crs = true;
    }
    if (f.role === 'coords') this.closeCoords(f, p);
    else if (f.role === 'geometry') this.closeGeometry(f, p);
    else if (f.role === 'feature') this.endFeature();
    else if (
      f.role === 'root' &&
      f.isObject &&
      this.stack.length === 0 &&
      this.featureCount === 0 &&
      this.fGeometrySeen
    ) {
      // A lone Feature at the root counts as one feature.
      if (this.rootType === 'Feature') this.endFeature();
    }
  }

  private closeCoords(f: Frame, p: Frame | undefined): void {
    const g = f.geometry;
    if (g === null) return;
    if (f.arrays === 0) {
      // An array of numbers: a position.
      if (f.numbers < 2 || f.numbers > 4 || !Number.isFinite(f.x) || !Number.isFinite(f.y)) {
        g.badPositions++;
        return;
      }
      g.positionDepthMin = Math.min(g.positionDepthMin, f.depth);
      g.positionDepthMax = Math.max(g.positionDepthMax, f.depth);
      const { x, y } = f;
      if (x < -180 || x > 180 || y < -90 || y > 90) {
        if (inL93(x, y)) this.lambertPositions++;
        else g.badPositions++;
      }
      const b = this.fBox;
      if (x < b[0]) b[0] = x;
      if (y < b[1]) b[1] = y;
      if (x > b[2]) b[2] = x;
      if (y > b[3]) b[3] = y;
      if (p?.role === 'coords') {
        if (p.positions === 0) {
          p.firstX = x;
          p.firstY = y;
        }
        p.lastX = x;
        p.lastY = y;
        p.positions++;
      }
      return;
    }
    if (f.numbers !== 0) {
      g.badPositions++; // numbers mixed with arrays
      return;
    }
    if (f.positions > 0) {
      // An array of positions: a line or a ring; whether it must be closed depends on the geometry type,
      // which may come after the coordinates, so both facts are kept until the geometry ends.
      if (f.firstX !== f.lastX || f.firstY !== f.lastY) g.unclosed++;
      if (f.positions < 4) g.tooShort++;
    }
  }

  private closeGeometry(f: Frame, p: Frame | undefined): void {
    const g = f.geometry!;
    const type = g.type ?? '(none)';
    const topLevelGeometry = p?.role === 'feature' || p?.role === 'root';
    if (topLevelGeometry) this.geometryTypes[type] = (this.geometryTypes[type] ?? 0) + 1;
    let bad = g.badPositions > 0;
    this.badPositions += g.badPositions;
    if (type === 'GeometryCollection') {
      // Members were checked when they closed.
    } else if (!(type in EXPECTED_DEPTH)) bad = true;
    else {
      const expected = EXPECTED_DEPTH[type]!;
      const hasPositions = g.positionDepthMax >= 0;
      if (hasPositions && (g.positionDepthMin !== expected || g.positionDepthMax !== expected)) {
        this.wrongNesting++;
        bad = true;
      }
      if (type === 'Polygon' || type === 'MultiPolygon') {
        this.unclosedRings += g.unclosed;
        this.tooShortRings += g.tooShort;
        if (g.unclosed > 0 || g.tooShort > 0) bad = true;
      }
    }
    if (bad) this.fInvalid = true;
  }

  private startFeature(): void {
    this.fBox = [Infinity, Infinity, -Infinity, -Infinity];
    this.fInvalid = false;
    this.fGeometrySeen = false;
  }

  private endFeature(): void {
    const index = this.featureCount++;
    if (!this.fGeometrySeen) this.nullGeometries++;
    if (this.fInvalid) {
      this.invalidCount++;
      if (this.firstInvalid.length < FIRST_INVALID_KEPT) this.firstInvalid.push(index);
    }
    const b = this.fBox;
    if (b[0] > b[2]) return; // no position
    this.withGeometry++;
    const g = this.bbox;
    if (b[0] < g[0]) g[0] = b[0];
    if (b[1] < g[1]) g[1] = b[1];
    if (b[2] > g[2]) g[2] = b[2];
    if (b[3] > g[3]) g[3] = b[3];
    const cx = (b[0] + b[2]) / 2;
    const cy = (b[1] + b[3]) / 2;
    const t = this.territory;
    if (t?.contains(cx, cy)) this.inside++;
    else if (t?.contains(cy, cx) || (Math.abs(cy) > 90 && Math.abs(cx) <= 90)) this.swapped++;
  }

  // --- report ---------------------------------------------------------------------------

  finish(): {
    json?: JsonReport;
    geojson?: GeojsonReport;
    reasons: ReportMessage[];
    warnings: ReportMessage[];
    isGeojson: boolean;
  } {
    const reasons: ReportMessage[] = [];
    const warnings: ReportMessage[] = [];
    if (!this.syntaxError) {
      try {
        this.tokenizer.end();
      } catch (e) {
        if (e instanceof JsonSyntaxError) this.syntaxError = e;
        else throw e;
      }
    }
    if (this.syntaxError) {
      reasons.push(
        message('json_syntax_error', {
          offset: this.syntaxError.offset,
          line: this.syntaxError.line,
          detail: this.syntaxError.detail,
        }),
      );
    }
    const json: JsonReport = {
      topLevel: this.topLevel,
      arrayLength: this.arrayLength,
      itemTypes: this.itemTypes,
      keys: this.topKeys,
      keysTruncated: this.topKeysTruncated,
      maxDepth: this.tokenizer.maxDepthReached,
    };
    const looksGeo =
      this.rootType === 'FeatureCollection' ||
      this.rootType === 'Feature' ||
      (this.rootType !== null && this.rootType in EXPECTED_DEPTH) ||
      this.rootType === 'GeometryCollection' ||
      (this.sawFeaturesArray && this.topLevel === 'object');
    const isGeojson = this.geojsonExpected || looksGeo;
    if (!isGeojson) return { json, reasons, warnings, isGeojson };

    const t = this.territory;
    const geojson: GeojsonReport = {
      rootType: this.rootType,
      featureCount: this.featureCount,
      geometryTypes: this.geometryTypes,
      nullGeometries: this.nullGeometries,
      invalidGeometries: {
        count: this.invalidCount,
        unclosedRings: this.unclosedRings,
        tooShortRings: this.tooShortRings,
        badPositions: this.badPositions,
        wrongNesting: this.wrongNesting,
        firstFeatures: this.firstInvalid,
      },
      swappedCoordinatesSuspected: this.swapped,
      bbox: this.bbox[0] <= this.bbox[2] ? this.bbox : null,
      insideTerritory: {
        territory: t?.name ?? 'unavailable',
        count: this.inside,
        share:
          this.withGeometry > 0 && t
            ? Math.round((this.inside / this.withGeometry) * 10000) / 10000
            : null,
        method: 'bbox-centre-in-commune-polygon',
      },
      properties: [...this.properties].map(([key, v]) => ({
        key,
        types: v.types,
        presentIn: v.presentIn,
      })),
      propertiesTruncated: this.propertiesTruncated,
    };
    if (this.syntaxError) return { json, geojson, reasons, warnings, isGeojson };

    if (this.rootType !== 'FeatureCollection')
      reasons.push(
        message('geojson_not_feature_collection', {
          found: this.rootType ?? this.topLevel ?? 'none',
        }),
      );
    if (this.lambertPositions > 0) reasons.push(message('geojson_not_wgs84'));
    if (this.invalidCount > 0)
      reasons.push(
        message('geojson_invalid_geometries', {
          count: this.invalidCount,
          unclosedRings: this.unclosedRings,
          badPositions: this.badPositions,
          firstFeatures: this.firstInvalid,
        }),
      );
    if (this.rootType === 'FeatureCollection' && this.featureCount === 0)
      warnings.push(message('geojson_no_features'));
    if (this.crs) warnings.push(message('geojson_crs_member'));
    if (this.nullGeometries > 0)
      warnings.push(message('geojson_null_geometries', { count: this.nullGeometries }));
    if (this.swapped > 0 && this.lambertPositions === 0)
      warnings.push(message('geojson_swapped_coordinates', { count: this.swapped }));
    const share = geojson.insideTerritory.share;
    if (share !== null && share < 0.5 && this.lambertPositions === 0)
      warnings.push(message('geojson_outside_territory', { share }));
    return { json, geojson, reasons, warnings, isGeojson };
  }
}
