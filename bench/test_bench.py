"""Tests of the benchmark's parts that need no database: python3 -m unittest bench/test_bench.py"""

import http.server
import importlib.util
import shutil
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

# bench/bench.py by its path: run from the repository, `bench` is this folder.
_spec = importlib.util.spec_from_file_location("bench_py", Path(__file__).resolve().parent / "bench.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_py"] = bench
_spec.loader.exec_module(bench)

WRK_ROTATE = """\
Running 3s test @ http://127.0.0.1:8080
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.10ms    3.20ms  40.00ms   80.00%
  Latency Distribution
     50%  850.00us
     75%   14.00ms
     90%   18.00ms
     99%    1.25s
  3966 requests in 3.00s, 1.20MB read
Requests/sec:   1321.50
Transfer/sec:    409.00KB
BENCH mode=rotate requests=3966 non2xx=2 errors=1 seconds=2.998 p50_ms=0.851 p99_ms=1250.100
"""

WRK_ONCE = """\
  Latency Distribution
     50%   20.00ms
     99%   90.00ms
  400 requests in 15.00s, 1.20MB read
Requests/sec:     26.67
BENCH mode=once requests=400 non2xx=0 errors=0 seconds=2.000 p50_ms=20.000 p99_ms=90.000
"""


class ParseWrk(unittest.TestCase):
    def test_rotate_takes_wrks_own_figures(self):
        load = bench.parse_wrk(WRK_ROTATE)
        self.assertEqual(load.requests, 3966)
        self.assertAlmostEqual(load.rps, 1321.5)
        self.assertAlmostEqual(load.p50_ms, 0.85)
        self.assertAlmostEqual(load.p99_ms, 1250.0)
        self.assertEqual((load.bad, load.errors), (2, 1))

    def test_once_divides_by_its_own_interval(self):
        # wrk divides by the whole duration (15 s); the pass took 2 s.
        load = bench.parse_wrk(WRK_ONCE)
        self.assertAlmostEqual(load.rps, 200.0)
        self.assertAlmostEqual(load.p99_ms, 90.0)

    def test_nothing_answered(self):
        load = bench.parse_wrk("BENCH mode=rotate requests=0 non2xx=0 errors=0 seconds=15.000 "
                               "p50_ms=-1 p99_ms=-1\nRequests/sec: 0.00\n")
        self.assertIsNone(load.p50_ms)
        self.assertEqual(load.cell(), "0 answered in 15 s")

    def test_missing_line_is_an_error(self):
        with self.assertRaises(bench.BenchError):
            bench.parse_wrk("Requests/sec: 10\n")


class Tiles(unittest.TestCase):
    def test_tiles_covering_a_point_and_an_area(self):
        # At z1 the four quadrants: x grows eastwards, y southwards.
        self.assertEqual(bench.tiles_covering(-90, 45, -90, 45, 1), [(1, 0, 0)])
        self.assertEqual(bench.tiles_covering(90, -45, 90, -45, 1), [(1, 1, 1)])
        self.assertEqual(len(bench.tiles_covering(-90, -45, 90, 45, 1)), 4)
        tiles = bench.tiles_covering(12.2, 55.6, 12.7, 55.9, 14)
        xs = {x for _, x, _ in tiles}
        ys = {y for _, _, y in tiles}
        self.assertEqual(len(tiles), len(xs) * len(ys))
        self.assertEqual(max(xs) - min(xs) + 1, len(xs))
        self.assertGreater(len(tiles), 300)


class Quiet(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list = []

    def do_GET(self):
        Quiet.seen.append(self.path)
        status = 404 if self.path.startswith("/missing") else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@unittest.skipUnless(shutil.which("wrk"), "wrk is not installed")
class PathsLua(unittest.TestCase):
    def setUp(self):
        Quiet.seen = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.runner = bench.Runner(Path(tempfile.mkdtemp(prefix="bench-test-")))

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()

    def test_once_asks_every_path_exactly_once(self):
        paths = [f"/tile/{i}" for i in range(37)] + ["/missing/1"]
        started = time.monotonic()
        load = self.runner.wrk(self.base, paths, "once", seconds=30)
        self.assertLess(time.monotonic() - started, 10, "wrk was not stopped when the pass was done")
        self.assertEqual(sorted(Quiet.seen), sorted(paths))
        self.assertEqual(load.requests, len(paths))
        self.assertEqual(load.bad, 1)
        self.assertLess(load.seconds, 5)

    def test_rotate_goes_round(self):
        paths = ["/a", "/b", "/c"]
        load = self.runner.wrk(self.base, paths, "rotate", seconds=1)
        self.assertGreater(load.requests, 3)
        self.assertEqual(set(Quiet.seen), set(paths))
        self.assertEqual(load.bad, 0)


if __name__ == "__main__":
    unittest.main()
