"""The JuPedSim side of bench/evacuation-jupedsim.ts: the same geometries and crowds, run with
JuPedSim's collision-free speed model, several seeds each. Prints one JSON object per case on
stdout. Run by the bench with bench/evacuation/.venv/bin/python (bench/evacuation/setup.sh).

Agents take the exit nearest to where they start (JuPedSim has no route choice of its own here);
a run that has not emptied the geometry after MAX_SECONDS is reported as stalled, not averaged.
"""
import json
import os
import sys
import time

import jupedsim as jps
from shapely import Polygon, box
from shapely.ops import unary_union

MAX_SECONDS = 900.0
DT = 0.01
# A bound on one run's wall time (JPS_MAX_WALL seconds, unbounded by default): a run cut off by it
# is reported as "unfinished" with how far it got, not as stalled. JPS_PROGRESS=1 prints, every
# 10 simulated seconds, the agents left and the wall time so far on stderr (the rate of a long run).
MAX_WALL = float(os.environ.get("JPS_MAX_WALL", "inf"))
PROGRESS = os.environ.get("JPS_PROGRESS") == "1"


def room_with_doors(doors):
    """A 10 m x 10 m room; doors 1 m wide on the east (x=10) and west (x=0) walls, a 2 m passage outside each."""
    parts = [box(0, 0, 10, 10)]
    exits = {}
    for name in doors:
        if name == "east":
            parts.append(box(10, 4.5, 12, 5.5))
            exits[name] = box(11.5, 4.5, 12, 5.5)
        else:
            parts.append(box(-2, 4.5, 0, 5.5))
            exits[name] = box(-2, 4.5, -1.5, 5.5)
    return unary_union(parts), box(0.2, 0.2, 9.8, 9.8), exits


def bottleneck_corridor():
    """A 20 m x 3 m corridor with a 1 m wide, 1 m long bottleneck in its middle; crowd in the first 8 m (100 people do not fit at 0.4 m spacing)."""
    geo = unary_union([box(0, 0, 9.5, 3), box(9.5, 1, 10.5, 2), box(10.5, 0, 20, 3)])
    return geo, box(0.2, 0.2, 8, 2.8), {"end": box(19.5, 0, 20, 3)}


def t_junction():
    """Two 2 m branches, 10 m each, meeting a 2 m stem 10 m long to the exit; crowd in both branches."""
    geo = unary_union([box(0, 10, 10, 12), box(12, 10, 22, 12), box(10, 0, 12, 12)])
    return geo, [box(0.2, 10.2, 9, 11.8), box(13, 10.2, 21.8, 11.8)], {"stem": box(10, 0, 12, 0.5)}


def padova(people):
    """Piazza dei Signori from flows/sites/padova-piazza-dei-signori.geojson, projected to metres
    (equirectangular about the square): the two halves of the square, each street or passage as a
    strip of its width along its line, each exit as the last 2 m of its street. The crowd fills
    both halves in proportion to their area. Oslo City Hall has no JuPedSim case: its file holds
    the geometry of the main hall only (the galleries and stairs have no outline to walk)."""
    import math
    import pathlib
    from shapely.geometry import LineString, Point, shape
    from shapely.ops import transform
    site = json.loads((pathlib.Path(__file__).resolve().parents[2] / "flows" / "sites" / "padova-piazza-dei-signori.geojson").read_text())
    feats = site["features"]
    lon0, lat0 = feats[0]["geometry"]["coordinates"][0][0]
    kx, ky = 111320.0 * math.cos(math.radians(lat0)), 110540.0
    metres = lambda g: transform(lambda x, y, z=None: ((x - lon0) * kx, (y - lat0) * ky), g)
    areas = {f["properties"]["id"]: metres(shape(f["geometry"])) for f in feats if f["properties"].get("kind") == "area"}
    points = {f["properties"]["id"]: metres(shape(f["geometry"])) for f in feats if f["properties"].get("kind") == "exit"}
    parts = list(areas.values())
    exits = {}
    for f in feats:
        p = f["properties"]
        if f["geometry"]["type"] != "LineString" or p.get("to") not in points:
            continue
        line = metres(shape(f["geometry"]))
        width = float(p.get("widthM", 3))
        parts.append(line.buffer(width / 2, cap_style=2))
        end = points[p["to"]]
        exits[p["to"]] = end.buffer(2.0).intersection(line.buffer(width / 2, cap_style=2))
    geometry = unary_union(parts).buffer(0.01).buffer(-0.01)
    total = sum(a.area for a in areas.values())
    spawn = [(a.buffer(-0.5), round(people * a.area / total)) for a in areas.values()]
    return geometry, spawn, exits


def oslo(people):
    """Oslo City Hall's ground floor from flows/sites/oslo-city-hall.json, projected to metres as
    nodes/evacuation/site.ts measures it: the level-0 areas (the 49 m x 31 m main hall, the north
    vestibule), each door a passage of its clear width through its wall (the door line drawn across
    the opening, swept over the wall's thickness, lengthM), each exit door continued by an apron to
    the exit point 2 m outside, the exit being the last 0.5 m of it. The crowd stands in the main
    hall; the terrace and the upper gallery (no outline, reached by stairs) are left out on both sides."""
    import math
    import pathlib
    from shapely import affinity
    from shapely.geometry import LineString, Point, shape
    from shapely.ops import transform
    site = json.loads((pathlib.Path(__file__).resolve().parents[2] / "flows" / "sites" / "oslo-city-hall.json").read_text())
    hall = next(a for a in site["areas"] if a["id"] == "radhushallen")
    lon0, lat0 = hall["geometry"]["coordinates"][0][0]
    k = math.pi / 180 * 6371008.8
    c = math.cos(math.radians(lat0))
    metres = lambda g: transform(lambda x, y, z=None: ((x - lon0) * k * c, (y - lat0) * k), g)
    ground = {a["id"]: metres(shape(a["geometry"])) for a in site["areas"] if a.get("level", 0) == 0}
    points = {e["id"]: metres(shape(e["geometry"])) for e in site["exits"]}
    parts = list(ground.values())
    exits = {}
    for link in site["links"]:
        if link["from"] not in ground:
            continue
        line = metres(shape(link["geometry"]))
        # A few centimetres more than the wall so that the passage overlaps the rooms either side.
        parts.append(line.buffer(link.get("lengthM", 0) / 2 + 0.05, cap_style=2))
        if link["to"] in points:
            end = points[link["to"]]
            to_end = (end.x - line.centroid.x, end.y - line.centroid.y)
            outside = affinity.translate(line, *to_end)
            parts.append(Polygon(list(line.coords) + list(outside.coords)[::-1]).convex_hull)
            back = 0.5 / math.hypot(*to_end)
            inner = affinity.translate(outside, -to_end[0] * back, -to_end[1] * back)
            exits[link["to"]] = Polygon(list(inner.coords) + list(outside.coords)[::-1]).convex_hull
    # The coordinates are rounded to 1e-7 degrees (a few millimetres): simplifying by 2 cm drops the
    # slivers that leaves, which would only cost the simulation wall segments.
    geometry = unary_union(parts).simplify(0.02)
    return geometry, (ground["radhushallen"].buffer(-0.5), people), exits


def run(geometry, spawn, exits, n, seed, split=None):
    """`split`: people per exit. Without it every agent takes the exit nearest to where it starts;
    with it, the nearest exit that still has room in its share (agent-exit pairs taken nearest
    first), so that the peer walks our plan's split and only the movement is compared."""
    sim = jps.Simulation(model=jps.CollisionFreeSpeedModel(), geometry=geometry, dt=DT)
    stage = {name: sim.add_exit_stage(poly) for name, poly in exits.items()}
    journey = {name: sim.add_journey(jps.JourneyDescription([sid])) for name, sid in stage.items()}
    areas = spawn if isinstance(spawn, list) else [spawn]
    positions = []
    for i, a in enumerate(areas):
        # (polygon, people) where the crowd is split unevenly, else an even split.
        a, k = a if isinstance(a, tuple) else (a, n // len(areas) + (1 if i < n % len(areas) else 0))
        positions += jps.distribute_by_number(polygon=a, number_of_agents=k, distance_to_agents=0.4, distance_to_polygon=0.15, seed=seed + i)
    load = {name: 0 for name in exits}
    distance = lambda p, e: exits[e].centroid.distance(Polygon([p, (p[0] + 0.01, p[1]), (p[0], p[1] + 0.01)]).centroid)
    if split:
        chosen = {}
        for _, i, name in sorted((distance(p, e), i, e) for i, p in enumerate(positions) for e in exits):
            if i not in chosen and load[name] < split[name]:
                chosen[i] = name
                load[name] += 1
    for i, p in enumerate(positions):
        name = chosen[i] if split else min(exits, key=lambda e: distance(p, e))
        if not split:
            load[name] += 1
        sim.add_agent(jps.CollisionFreeSpeedModelAgentParameters(journey_id=journey[name], stage_id=stage[name], position=p))
    started = time.perf_counter()
    unfinished = False
    while sim.agent_count() > 0 and sim.elapsed_time() < MAX_SECONDS:
        sim.iterate()
        if sim.iteration_count() % 1000 == 0:
            wall = time.perf_counter() - started
            if PROGRESS:
                print(json.dumps({"simSeconds": round(sim.elapsed_time(), 2), "agentsLeft": sim.agent_count(), "wall": round(wall, 1)}), file=sys.stderr, flush=True)
            if wall > MAX_WALL:
                unfinished = True
                break
    result = {"seconds": sim.elapsed_time(), "stalled": not unfinished and sim.agent_count() > 0, "load": load, "wall": time.perf_counter() - started}
    if unfinished:
        result.update(unfinished=True, agentsLeft=sim.agent_count())
    return result


CASES = {
    "room-1-exit-50": (lambda: room_with_doors(["east"]), 50),
    "room-1-exit-100": (lambda: room_with_doors(["east"]), 100),
    "room-1-exit-200": (lambda: room_with_doors(["east"]), 200),
    "room-2-exits-200": (lambda: room_with_doors(["east", "west"]), 200),
    "room-2-exits-one-closed-200": (lambda: room_with_doors(["east"]), 200),
    "bottleneck-corridor-60": (bottleneck_corridor, 60),
    "t-junction-100": (t_junction, 100),
    # The demo square at 0.1 p/m² (the bench's what-if crowd of 0.8 p/m², 3,694 people, takes
    # JuPedSim far longer than the bench can wait on the shared machine).
    "padova-500": (lambda: padova(500), 500),
    # Oslo City Hall's main hall, 1,000 people (0.66 p/m²) on its ground floor.
    "oslo-hall-1000": (lambda: oslo(1000), 1000),
    # The same, each exit taking the share our calibrated plan gives it (npm run bench:evacuation
    # jupedsim prints ours beside it): JuPedSim's nearest-exit choice sends a fifth of the hall to
    # the 1.2 m service door, which then sets its time; with our split only the movement differs.
    "oslo-hall-1000-our-split": (lambda: oslo(1000), 1000, {"exit-radhusplassen": 580, "exit-nansens-plass": 287, "exit-service-east": 133}),
    # The full what-if crowd, run alone and bounded (JPS_MAX_WALL): not part of the default run.
    "padova-3694": (lambda: padova(3694), 3694),
}
DEFAULT_SKIP = {"padova-3694"}


def main():
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    only = set(sys.argv[2:])
    for name, (build, n, *split) in CASES.items():
        if (only and name not in only) or (not only and name in DEFAULT_SKIP):
            continue
        geometry, spawn, exits = build()
        runs = [run(geometry, spawn, exits, n, 1000 + s, *split) for s in range(seeds)]
        print(json.dumps({"case": name, "people": n, "runs": runs}), flush=True)


if __name__ == "__main__":
    main()
