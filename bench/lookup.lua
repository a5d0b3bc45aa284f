-- wrk script: GET /api/v1/indicators/lookup of one IPv4 value each, on a
-- store loaded by `renkei bench taxii --objects N` (indicator n holds
-- 10+(n>>24)%200 . (n>>16)&255 . (n>>8)&255 . n&255): 75 % values of a
-- random indicator of the N, 25 % absent ones (first octet 9, never loaded).
-- Usage: OBJECTS=N AUTH="Bearer …" wrk -s bench/lookup.lua http://host:port
local n_objects = tonumber(os.getenv("OBJECTS") or "")
assert(n_objects and n_objects > 0, "OBJECTS=N: the indicators the store holds")
local auth = os.getenv("AUTH") or ""
local fl = math.floor

present, absent, hits, misses, non200 = 0, 0, 0, 0, 0

request = function()
  local n = math.random(0, n_objects - 1)
  local first = 10 + fl(n / 16777216) % 200
  if math.random() < 0.25 then first = 9 end
  local v = string.format("%d.%d.%d.%d", first, fl(n / 65536) % 256, fl(n / 256) % 256, n % 256)
  return wrk.format("GET", "/api/v1/indicators/lookup?type=ipv4-addr&value=" .. v, {
    ["Accept"] = "application/json",
    ["Authorization"] = auth,
  })
end

-- A present value must be found, an absent one not (the answer names its
-- value; absent ones start with 9.).
response = function(status, headers, body)
  if status ~= 200 then non200 = non200 + 1; return end
  local found = not body:find('"total":0', 1, true)
  if not body:find('"value":"9.', 1, true) then
    present = present + 1
    if not found then misses = misses + 1 end
  else
    absent = absent + 1
    if found then hits = hits + 1 end
  end
end

local threads = {}
setup = function(thread) threads[#threads + 1] = thread end

done = function(summary, latency, requests)
  local p, a, m, h, e = 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    p = p + t:get("present"); a = a + t:get("absent"); m = m + t:get("misses")
    h = h + t:get("hits"); e = e + t:get("non200")
  end
  io.write(string.format("RESULT lookups_per_s=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d errors=%d non200=%d present=%d present_not_found=%d absent=%d absent_found=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, e,
    p, m, a, h))
end
