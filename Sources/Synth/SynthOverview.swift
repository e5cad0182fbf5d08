// Synth: a deterministic synthetic city generator (issue 3). Overview for readers of the module; the README section
// "Synthetic cities" carries the same facts for users.
//
// Use
//   let city = try SynthCity(options: SynthOptions(buildings: 100_000, seed: 42))
//   var sink = SomeGeoPackageWriter(...)            // any FeatureSink: begin(schema) / write(row)… / end() per layer
//   let manifest = try city.generate(into: &sink)   // counts per layer and kind, the bad features, totals
//   let yaml = city.configYAML(gpkgName: "city.gpkg")
//
// Coordinates: EPSG:4548 (CGCS2000 / 3-degree Gauss-Kruger CM 117E), metres. Default centre (392 500, 3 174 300)
// = 115.900°E 28.680°N (Nanchang), checked with `gdaltransform -s_srs EPSG:4490 -t_srs EPSG:4548`.
//
// Layers, in write order (`SynthLayer`; field types are FieldType: integer64 / integer / real / string):
//   buildings    MultiPolygon  id i64, height_m real?, floors int?, use str, year_built int?, residents real?, name str?
//   roads        LineString    id i64, highway str, name str?, foot str (yes|no), oneway str (yes|no), bridge str? (yes)
//   green        MultiPolygon  id i64, kind str (park|garden|grass|forest), name str?, area_m2 real
//   water        MultiPolygon  id i64, kind str (river|pond), name str?
//   pois         Geometry      id i64, kind str (FacilityCategory id), name str — Points, and Polygons for school and
//                              sports grounds (primary_school, middle_school, sports_mid, sports_large when a free
//                              civic block is near)
//   pipes        LineString    id i64, type str (sewer|storm|water|gas|heat), diameter_mm int
//   population   MultiPolygon  id i64 (row × cols + col), population real (0.1) — 100 m cells with residents > 0
//   districts    MultiPolygon  code str (3601xx), name str (…区)
//   subdistricts MultiPolygon  code str (district code + 3 digits), name str (…街道), district str
//   boundary     MultiPolygon  name str, code str (360100) — the square study area
//
// How the city is made (all sizes scale with N; about 1 200 buildings and 15 000 residents per km²):
// - Arterial grid of ~1.6 km sub-districts (街道), gently curved (slope < 0.1, amplitude 25–85 m, outer square straight),
//   grouped into districts (区, about 6 × 6 sub-districts). Each sub-district has a zone (core, residential, old town,
//   village, industrial, suburban) drawn by distance from the centre, and its own street lattice rotated 8°–34° with
//   spacing 90–320 m by zone. Every 4th/5th lattice line is tertiary; 30 % of the other links are removed: 35 % of
//   those become footways (⅛ of them steps), 20 % keep half as a cul-de-sac. Service spurs enter 40 % of eligible
//   compound blocks (dead ends); parks get a path across. 8 % of residential links are one-way.
// - A river (width 80–600 m) meanders west–east through the middle row; bank roads (滨江路) follow both banks; only the
//   north–south arterials and 40 % of the main lattice lines cross it (bridge=yes). A ring motorway (foot=no,
//   no junctions) circles the centre.
// - Blocks are cut into plots by typology (highrise, midrise, lowrise, commercial, industrial, villa); each plot holds
//   one building inside it (rectangle, L, U, courtyard with a hole, or two parts), so footprints are valid and never
//   overlap; 4–5 % of plots are pocket parks / gardens / grass. Whole blocks become parks (with ponds as holes), civic
//   grounds, ponds or, outside the ring, forests.
// - Floors and heights by typology (highrise 11–45 floors, some over 100 m); year built 1950–2025 by typology (8 % unknown);
//   reported attributes: both height and floors / floors only / height only / neither (55/25/12/8 %, lowrise 30/35/10/25 %).
// - Residents = footprint × true floors ÷ 35 m² × U(0.85, 1.15) for residential (× 0.6 for mixed); the `residents`
//   field is filled only in ~30 % of sub-districts ("surveyed"); the population grid sums the same residents.
// - Facilities by error diffusion over 500 m units (see `Provision.rates`): residents per facility — kindergarten 9 000,
//   community_service 10 000, elderly_daycare 12 000, clinic 12 000, convenience 1 200, fitness 5 000, primary_school
//   20 000, market 20 000, sports_mid 25 000, middle_school 50 000, health_center 75 000, elderly_home 60 000, culture
//   60 000, sports_large 100 000, supermarket 15 000, pharmacy 6 000, hospital 150 000, shelter 50 000; fire_station one
//   per 7 km² of built land; park one point per park polygon. A per-sub-district factor U(0.4, 1.4) per category makes
//   some areas under-served.
// - Pipes along drivable streets: water 93 %, sewer 90 %, storm 60 %, gas 65 %, heat 8 % (core only); no sewer or storm
//   under the own streets of "sewer-gap" sub-districts (half the villages, a quarter of the old towns, 4 % of others,
//   at least one) nor on bridges.
// - Bad features: the last 9 rows of `buildings` (`BadFeatureCounts`): 2 bow-ties, 2 zero heights, 1 height 5000,
//   2 exact duplicates of rows 1 and 2 (new id), 1 two-point ring, 1 empty MultiPolygon; names `bad:<reason>` except
//   the duplicates.
//
// Determinism: every draw comes from SplitMix64 seeded by a hash of (seed, purpose, ids); no Dictionary/Set order,
// no system RNG, no Foundation maths (own sin/atan2). Debug and release builds give the same FNV-1a digest.
// Streaming: buildings and roads are generated block by block straight into the sink; memory holds only the sector
// table, the population and unit grids, the facility plan and the small greens (31 MiB peak at 1M buildings).
