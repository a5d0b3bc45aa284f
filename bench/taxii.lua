-- wrk script: GET objects pages of 100 at random positions (tokens written
-- by `renkei bench taxii`), with the TAXII media type and a bearer token.
-- Usage: TOKENS=file AUTH="Bearer …" [PAUSE_MS=p] wrk -s bench/taxii.lua URL
local tokens = {}
local file = os.getenv("TOKENS")
if file then
  for line in io.lines(file) do tokens[#tokens + 1] = line end
end
local auth = os.getenv("AUTH") or ""
local base = nil

-- PAUSE_MS=p: each connection waits a random 0..2p ms after every answer
-- before its next request (clients polling below saturation).
local pause = tonumber(os.getenv("PAUSE_MS") or "")
if pause and pause > 0 then
  delay = function() return math.random(0, 2 * pause) end
end

request = function()
  if base == nil then base = wrk.path end
  local path = base .. "?limit=100"
  if #tokens > 0 then
    path = path .. "&next=" .. tokens[math.random(#tokens)]
  end
  return wrk.format("GET", path, {
    ["Accept"] = "application/taxii+json;version=2.1",
    ["Authorization"] = auth,
  })
end

local non200 = 0
response = function(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT pages_per_s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
