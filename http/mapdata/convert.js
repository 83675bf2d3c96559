// Converts us-atlas counties-10m.json (TopoJSON, U.S. Census Bureau
// cartographic boundaries 2017) to GeoJSON: boundary lines (nation, state,
// county) and one label point per state and county.
const fs = require("fs");
const topo = require("./topojson-client/dist/topojson-client.js"); // npm pack topojson-client@3.1.0
const us = JSON.parse(fs.readFileSync("us-atlas/counties-10m.json"));
const q = (x) => Math.round(x * 1e4) / 1e4;
const r = (c) => c.map((l) => l.map(([x, y]) => [q(x), q(y)]));
const line = (layer, g) => ({ type: "Feature", properties: { layer }, geometry: { type: "MultiLineString", coordinates: r(g.coordinates) } });
// centroid of the largest ring of a (multi)polygon
function label(f) {
  const polys = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
  let best = null, bestA = -1;
  for (const p of polys) {
    const ring = p[0];
    let a = 0, cx = 0, cy = 0;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const k = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
      a += k; cx += (ring[j][0] + ring[i][0]) * k; cy += (ring[j][1] + ring[i][1]) * k;
    }
    if (Math.abs(a) > bestA) { bestA = Math.abs(a); best = [q(cx / (3 * a)), q(cy / (3 * a))]; }
  }
  return best;
}
const points = (layer, coll) => topo.feature(us, coll).features.filter((f) => f.geometry).map((f) =>
  ({ type: "Feature", properties: { layer, name: f.properties.name }, geometry: { type: "Point", coordinates: label(f) } }));
const out = {
  type: "FeatureCollection",
  features: [
    line("nation", topo.mesh(us, us.objects.nation)),
    line("states", topo.mesh(us, us.objects.states, (a, b) => a !== b)),
    line("counties", topo.mesh(us, us.objects.counties, (a, b) => a !== b && a.id.slice(0, 2) === b.id.slice(0, 2))),
    ...points("state", us.objects.states),
    ...points("county", us.objects.counties),
  ],
};
fs.writeFileSync("us-boundaries.geojson", JSON.stringify(out));
