-- wrk script for `make bench`: requests the paths listed in a file, one per line.
--
--   wrk -t2 -c16 -d15s --latency -s bench/paths.lua http://127.0.0.1:8080 -- LIST MODE THREADS
--
-- MODE rotate: every thread walks the whole list from its own starting point, round and round,
--              until the run's duration is over (several paths, or one, asked again and again).
-- MODE once:   the list is split between the threads and every path is asked exactly once; a
--              thread stops when the answers to its share are in ("uncached" tiles: each tile
--              once per server run). wrk itself always reports the full duration, so the rate
--              is computed here.
-- At the end one line is printed for bench/bench.py to read:
--   BENCH mode=M requests=N non2xx=N errors=N seconds=S p50_ms=X p99_ms=Y
-- where seconds runs from the first request sent to the last answer received, over all threads.

local ffi = require("ffi")
pcall(ffi.cdef, [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]])
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC: one clock for all threads
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

-- setup() and done() run in wrk's main Lua state: it keeps the threads to read their counters.
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

-- The rest runs in each thread's own Lua state.
local paths, next_index, stride = {}, 1, 1
mode = "rotate" -- a global, so that done() can read it from the threads
count, non2xx, first, last = 0, 0, nil, nil

function init(args)
  local list, nthreads = args[1], tonumber(args[3] or "1")
  mode = args[2] or "rotate"
  local all = {}
  for line in io.lines(list) do
    if line ~= "" then table.insert(all, line) end
  end
  assert(#all > 0, "bench: empty path list " .. list)
  if mode == "once" then
    for i = 1 + tid, #all, nthreads do table.insert(paths, all[i]) end
  else
    paths = all
    -- Threads start at different places so that they do not ask for the same path together.
    next_index = 1 + math.floor(#all * tid / nthreads) % #all
  end
end

-- wrk calls request() once on the first thread before the run, to look at the request: that
-- call must neither use up a path nor start the clock.
local looked_at = false

function request()
  if tid == 0 and not looked_at then
    looked_at = true
    return wrk.format("GET", paths[next_index] or "/")
  end
  if first == nil then first = now_us() end
  if next_index > #paths then
    if mode == "once" then
      -- Nothing left for this connection: it sends nothing more and waits; the thread stops
      -- when the answers to all its paths are in (response() below).
      if #paths == 0 then finish() end
      return ""
    end
    next_index = 1
  end
  local path = paths[next_index]
  next_index = next_index + stride
  return wrk.format("GET", path)
end

function response(status, headers, body)
  count = count + 1
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
  last = now_us()
  if mode == "once" and count >= #paths then finish() end
end

-- A thread whose share is done stops and says so: wrk itself would sleep out the duration, so
-- bench/bench.py interrupts it (SIGINT, which makes wrk report at once) when all threads are done.
function finish()
  if not finished then
    finished = true
    io.write("BENCH-DONE " .. tid .. "\n")
    io.flush()
  end
  wrk.thread:stop()
end

function done(summary, latency, requests)
  local n, bad, t0, t1 = 0, 0, nil, nil
  for _, t in ipairs(threads) do
    n = n + (t:get("count") or 0)
    bad = bad + (t:get("non2xx") or 0)
    local f, l = t:get("first"), t:get("last")
    if f and (t0 == nil or f < t0) then t0 = f end
    if l and (t1 == nil or l > t1) then t1 = l end
  end
  local seconds = summary.duration / 1e6
  if t0 and t1 and t1 > t0 then seconds = (t1 - t0) / 1e6 end
  if #threads > 0 then mode = threads[1]:get("mode") or mode end
  local e = summary.errors
  local p50, p99 = -1, -1
  if n > 0 then
    p50 = latency:percentile(50) / 1000
    p99 = latency:percentile(99) / 1000
  end
  io.write(string.format("BENCH mode=%s requests=%d non2xx=%d errors=%d seconds=%.3f p50_ms=%.3f p99_ms=%.3f\n",
    mode, n, bad, e.connect + e.read + e.write + e.timeout, seconds, p50, p99))
end
