"""Writes a COPC file for the tests with copc-lib (PyPI copclib), and prints what copc-lib
reads back from it as JSON: the header's bounds, the octree's cube, and every node with its
key, byte range and point count (the reference the C++ partitioner is checked against).

usage: make_copc.py OUT.copc.laz SEED [--pages]
  --pages: nodes below level 1 go to hierarchy pages of their own (one per level-1 node)
"""
import json
import random
import sys

import copclib as copc


def main():
    path, seed = sys.argv[1], int(sys.argv[2])
    pages = "--pages" in sys.argv
    rng = random.Random(seed)
    cfg = copc.CopcConfigWriter(6, copc.Vector3(0.01, 0.01, 0.01), copc.Vector3(0, 0, 0))
    writer = copc.FileWriter(path, cfg)
    info = writer.copc_config.copc_info
    info.center_x, info.center_y, info.center_z, info.halfsize, info.spacing = 500.0, 1500.0, 50.0, 64.0, 1.0
    header = writer.copc_config.las_header
    header.min = copc.Vector3(info.center_x - 60, info.center_y - 61, info.center_z - 62)
    header.max = copc.Vector3(info.center_x + 63, info.center_y + 62, info.center_z + 61)
    # The nodes: the root, all of level 1, and a random subtree below, points inside each.
    keys = [(0, 0, 0, 0)] + [(1, x, y, z) for x in (0, 1) for y in (0, 1) for z in (0, 1)]
    for d in (2, 3):
        keys += [(d, x, y, z) for x in range(2 ** d) for y in range(2 ** d) for z in range(2 ** d) if rng.random() < 0.3]
    for d, x, y, z in keys:
        cell = 2 * info.halfsize / 2 ** d
        lo = (info.center_x - info.halfsize + cell * x, info.center_y - info.halfsize + cell * y,
              info.center_z - info.halfsize + cell * z)
        points = copc.Points(header)
        for _ in range(rng.randint(1, 400)):
            p = points.CreatePoint()
            p.x, p.y, p.z = (lo[i] + rng.random() * cell * 0.999 for i in range(3))
            points.AddPoint(p)
        page = copc.VoxelKey(1, x >> (d - 1), y >> (d - 1), z >> (d - 1)) if pages and d >= 2 else copc.VoxelKey(0, 0, 0, 0)
        writer.AddNode(copc.VoxelKey(d, x, y, z), points, page)
    writer.Close()

    reader = copc.FileReader(path)
    h = reader.copc_config.las_header
    i = reader.copc_config.copc_info
    nodes = [dict(key=[n.key.d, n.key.x, n.key.y, n.key.z], offset=n.offset, byte_size=n.byte_size,
                  point_count=n.point_count) for n in reader.GetAllNodes()]
    json.dump(dict(point_count=h.point_count, min=[h.min.x, h.min.y, h.min.z], max=[h.max.x, h.max.y, h.max.z],
                   center=[i.center_x, i.center_y, i.center_z], halfsize=i.halfsize, spacing=i.spacing,
                   root_hier_offset=i.root_hier_offset, root_hier_size=i.root_hier_size,
                   pages=len(reader.GetPageList()), nodes=nodes), sys.stdout)


if __name__ == "__main__":
    main()
