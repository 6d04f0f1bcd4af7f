-- wrk script for scripts/bench-exchange.sh.
--
--   wrk -t2 -c32 -d15s --latency -s load.lua http://127.0.0.1:PORT -- PREFIX SUFFIX [KEYS_FILE]
--
-- With KEYS_FILE (one key a line), every request is GET PREFIX .. <a random key> .. SUFFIX.
-- Without it, every request is GET PREFIX .. SUFFIX (a fixed path). Both go through the same
-- request() function so the load generator does the same work per request for every target.
-- Headers given with wrk's -H (e.g. Authorization) are sent with every request.
--
-- done() prints one machine-readable line, all latencies in microseconds:
--   RESULT requests=… duration_us=… rps=… p50_us=… p90_us=… p99_us=… p999_us=… max_us=…
--          mean_us=… non2xx=… connect_err=… read_err=… write_err=… timeout_err=…
-- non2xx is wrk's count of responses with a status of 400 or more (it is the figure wrk prints as
-- "Non-2xx or 3xx responses"); the shell script checks for 3xx separately before the load.

local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local keys = nil
local nkeys = 0
local prefix, suffix

function init(args)
  prefix = args[1] or "/"
  suffix = args[2] or ""
  local file = args[3]
  if file ~= nil and file ~= "" then
    keys = {}
    for line in io.lines(file) do
      line = line:gsub("\r$", "")
      if line ~= "" then
        keys[#keys + 1] = line
      end
    end
    nkeys = #keys
    if nkeys == 0 then
      error("no keys in " .. file)
    end
  end
  -- A different sequence in every thread (tid is set by setup() in this thread's Lua state).
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
end

function request()
  if keys then
    return wrk.format("GET", prefix .. keys[math.random(nkeys)] .. suffix)
  end
  return wrk.format("GET", prefix .. suffix)
end

function done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d mean_us=%.1f non2xx=%d connect_err=%d read_err=%d write_err=%d timeout_err=%d\n",
    summary.requests, summary.duration, summary.requests / secs,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean,
    e.status, e.connect, e.read, e.write, e.timeout))
end
