-- wrk script for scripts/soak.sh: a mix of what a platform serves, at a paced rate.
--
--   wrk -t2 -cC -dD --latency -s mixed.lua http://127.0.0.1:PORT -- KEYS_FILE TOKEN DELAY_MS
--
-- Every request is one of (weights out of 100):
--   55 GET  /api/v1/exchange/101001-000001/records/{key}      audited lookup (token)
--   10 POST /api/v1/exchange/101001-000001/records            five keys in one call (token)
--   10 POST /api/v1/exchange/101001-000001/verify             核验 of a name (token)
--    5 GET  /api/v1/exchange/101001-000001/query?XB=…&limit=5  filtered query (token)
--   10 GET  /api/v1/catalog/resources?q=…                     catalogue search (anonymous)
--    5 GET  /api/v1/audit/checkpoint                          the log's head (anonymous)
--    5 GET  /api/3/action/package_search?q=…                  the portal's CKAN API (anonymous)
-- DELAY_MS paces each connection: wrk waits that long before a connection's next request, so
-- C connections send about C * 1000 / (DELAY_MS + latency) a second. A fraction is kept on
-- average by rounding up or down at random (wrk takes whole milliseconds).
--
-- done() prints one machine-readable line, latencies in microseconds:
--   RESULT requests=… duration_us=… rps=… p50_us=… p99_us=… max_us=… mean_us=… non2xx=…
--          connect_err=… read_err=… write_err=… timeout_err=…

local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local keys, nkeys, auth, pace = {}, 0, nil, 0
local R = "/api/v1/exchange/101001-000001"
-- 人口 企业 population licence 社保 医疗 教育 交通, percent-encoded as a client sends them.
local words = { "%E4%BA%BA%E5%8F%A3", "%E4%BC%81%E4%B8%9A", "population", "licence",
  "%E7%A4%BE%E4%BF%9D", "%E5%8C%BB%E7%96%97", "%E6%95%99%E8%82%B2", "%E4%BA%A4%E9%80%9A" }
local json = { ["Content-Type"] = "application/json" }

function init(args)
  for line in io.lines(args[1]) do
    line = line:gsub("\r$", "")
    if line ~= "" then
      keys[#keys + 1] = line
    end
  end
  nkeys = #keys
  if nkeys == 0 then
    error("no keys in " .. args[1])
  end
  auth = "Bearer " .. args[2]
  pace = tonumber(args[3] or "0")
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
end

local function key()
  return keys[math.random(nkeys)]
end

local function with_token(h)
  local out = { Authorization = auth }
  for k, v in pairs(h or {}) do
    out[k] = v
  end
  return out
end

function request()
  local n = math.random(100)
  if n <= 55 then
    return wrk.format("GET", R .. "/records/" .. key(), with_token())
  elseif n <= 65 then
    local body = string.format('{"keys":["%s","%s","%s","%s","%s"]}', key(), key(), key(), key(), key())
    return wrk.format("POST", R .. "/records", with_token(json), body)
  elseif n <= 75 then
    local body = string.format('{"key":"%s","claims":{"XM":"王海燕"}}', key())
    return wrk.format("POST", R .. "/verify", with_token(json), body)
  elseif n <= 80 then
    return wrk.format("GET", R .. "/query?XB=" .. math.random(2) .. "&limit=5", with_token())
  elseif n <= 90 then
    return wrk.format("GET", "/api/v1/catalog/resources?q=" .. words[math.random(#words)])
  elseif n <= 95 then
    return wrk.format("GET", "/api/v1/audit/checkpoint")
  end
  return wrk.format("GET", "/api/3/action/package_search?rows=5&q=" .. words[math.random(#words)])
end

function delay()
  if pace <= 0 then
    return 0
  end
  local whole = math.floor(pace)
  if math.random() < pace - whole then
    return whole + 1
  end
  return whole
end

function done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d max_us=%d mean_us=%.1f non2xx=%d connect_err=%d read_err=%d write_err=%d timeout_err=%d\n",
    summary.requests, summary.duration, summary.requests / secs,
    latency:percentile(50), latency:percentile(99), latency.max, latency.mean,
    e.status, e.connect, e.read, e.write, e.timeout))
end
